"""jdef.cpu: numpy's and OpenBLAS's kernels pinned before numpy loads, in a fresh interpreter."""

import json
import os
import subprocess
import sys

import pytest
from jdef import cpu

PROBE = """
import json, os, sys
{first}
import numpy as np
from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
print(json.dumps({{
    "numpy": os.environ.get("NPY_DISABLE_CPU_FEATURES"),
    "blas": os.environ.get("OPENBLAS_CORETYPE"),
    "avx512_kernels": [k for k in ("X86_V4", "AVX512_ICL", "AVX512_SPR")
                       if __cpu_features__.get(k) and k in __cpu_dispatch__],
}}))
"""

X86_AVX2 = cpu.NEEDS <= cpu.cpu_flags() and os.uname().machine in ("x86_64", "amd64")


def probe(first: str, **env: str) -> dict:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("NPY_DISABLE_CPU_FEATURES", "OPENBLAS_CORETYPE", cpu.OPT_OUT)
    }
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(first=first)],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.splitlines()[-1])


def test_cpu_flags_reads_the_first_flags_line(tmp_path):
    f = tmp_path / "cpuinfo"
    f.write_text("processor : 0\nflags\t\t: fpu avx2 fma sse2\n\nflags : other\n")
    assert cpu.cpu_flags(str(f)) == frozenset({"fpu", "avx2", "fma", "sse2"})
    assert cpu.cpu_flags(str(tmp_path / "missing")) == frozenset()


def test_not_pinned_once_numpy_is_loaded_or_without_avx2():
    assert "numpy" in sys.modules  # this process: too late, nothing is set
    assert cpu.pin_kernels(frozenset({"avx2", "fma"})) is False


@pytest.mark.skipif(not X86_AVX2, reason="an x86-64 processor with AVX2 and FMA")
def test_import_jdef_first_pins_both_libraries():
    got = probe("import jdef")
    assert got["numpy"] == cpu.NUMPY_DISABLED and got["blas"] == cpu.BLAS_CORE
    assert got["avx512_kernels"] == []  # numpy dispatches no AVX-512 kernel


@pytest.mark.skipif(not X86_AVX2, reason="an x86-64 processor with AVX2 and FMA")
def test_user_values_and_the_opt_out_are_kept():
    assert probe("import jdef", OPENBLAS_CORETYPE="Zen")["blas"] == "Zen"
    off = probe("import jdef", JDEF_NATIVE_KERNELS="1")
    assert off["numpy"] is None and off["blas"] is None
    late = probe("import numpy\nimport jdef")  # numpy first: left as the processor chose
    assert late["numpy"] is None and late["blas"] is None


def test_kernels_and_mismatch():
    mine = cpu.kernels()
    assert mine["numpy"] and "OPENBLAS_CORETYPE" in mine
    assert cpu.mismatch(mine, {"tcp://a:1": dict(mine), "tcp://b:2": dict(mine)}) is None
    other = {**mine, "OPENBLAS_CORETYPE": "SkylakeX"}
    msg = cpu.mismatch(mine, {"tcp://a:1": dict(mine), "tcp://b:2": other})
    assert msg is not None and msg.startswith("1 of 2 dask workers (e.g. tcp://b:2)")
    assert "OPENBLAS_CORETYPE SkylakeX" in msg and cpu.NUMPY_DISABLED in msg


@pytest.mark.skipif(not X86_AVX2, reason="an x86-64 processor with AVX2 and FMA")
@pytest.mark.parametrize(
    ("value", "pinned"), [("1", False), ("true", False), ("0", True), ("false", True)]
)
def test_opt_out_values(value, pinned):
    got = probe("import jdef", JDEF_NATIVE_KERNELS=value)
    assert (got["blas"] == cpu.BLAS_CORE) is pinned
