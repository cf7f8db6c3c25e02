"""The same numbers on every x86-64 machine: numpy's and OpenBLAS's kernels chosen before numpy
loads, not by the processor found.

numpy and the OpenBLAS it ships pick their compiled kernels by the processor at import: on a
processor with AVX-512, numpy's exp and log (and others) and OpenBLAS's matrix kernels (used by
the refits of ``jdef.calibrate``: least squares, BFGS, the Hessian's pseudo-inverse) take other
paths than on one without, and their results differ in the last bits. Measured on this
project's machines: the golden runs of the baseline differ between numpy's AVX-512 and AVX2
kernels, and the refit as of 2025-06-30 between OpenBLAS's SkylakeX kernels (an Intel
machine) and its Zen ones (an AMD EPYC), both with AVX-512. Both are within rounding, but
"identical numbers for the same scenario and seed" must not depend on the machine.

:func:`pin_kernels` therefore asks both libraries for their AVX2 kernels (x86-64-v3, which
every x86-64 server since 2013-2015 has) when numpy is not loaded yet: numpy's AVX-512 groups
off (``NPY_DISABLE_CPU_FEATURES``), OpenBLAS's Haswell kernels (``OPENBLAS_CORETYPE``). The
command line, ``import jdef`` before numpy, and the test suite call it; a local cluster's dask
workers inherit the settings, while the workers of an external scheduler need them in their
environment (``dask worker`` loads numpy first): :func:`kernels` and :func:`mismatch` let the
client check (``parallel``). A value the user has set is kept, ``JDEF_NATIVE_KERNELS`` 1,
true or yes turns it off, and elsewhere (not Linux, no AVX2, or not x86-64) nothing is set:
the numbers may then differ from the shipped golden files in the last bits, and more after a
refit. The price, measured: 8-20% more CPU time in a 10^5-draw run (README, Reproducibility).
"""

from __future__ import annotations

import os
import platform
import sys

# numpy >= 2.4 dispatch groups above x86-64-v3 (earlier numpy names them otherwise and would
# only warn, hidden: pyproject asks for numpy >= 2.4)
NUMPY_DISABLED = "X86_V4 AVX512_ICL AVX512_SPR"
BLAS_CORE = "Haswell"  # OpenBLAS's AVX2 + FMA kernels
NEEDS = frozenset({"avx2", "fma"})  # /proc/cpuinfo flags of x86-64-v3 that the kernels use
OPT_OUT = "JDEF_NATIVE_KERNELS"


def cpu_flags(cpuinfo: str = "/proc/cpuinfo") -> frozenset[str]:
    """The processor's flags, from the first ``flags`` line of ``cpuinfo`` (Linux); empty
    where there is none."""
    try:
        with open(cpuinfo, encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.partition(":")[2].split())
    except OSError:
        pass
    return frozenset()


def pin_kernels(flags: frozenset[str] | None = None) -> bool:
    """Set numpy's and OpenBLAS's kernels to their AVX2 ones (keeping values already set);
    True if the settings are in force for this process: numpy not loaded before, an x86-64
    processor with AVX2 and FMA (read from Linux's ``/proc/cpuinfo``: elsewhere nothing is
    set), and ``JDEF_NATIVE_KERNELS`` not 1, true or yes."""
    if (
        os.environ.get(OPT_OUT, "").strip().lower() in ("1", "true", "yes")
        or "numpy" in sys.modules
    ):
        return False
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    if not NEEDS <= (cpu_flags() if flags is None else flags):
        return False
    os.environ.setdefault("NPY_DISABLE_CPU_FEATURES", NUMPY_DISABLED)
    os.environ.setdefault("OPENBLAS_CORETYPE", BLAS_CORE)
    return True


def kernels() -> dict[str, str]:
    """What this process computes with (numpy loaded): numpy's version, the kernels its
    float64 exp and log dispatch to (``numpy.lib.introspect``), and the OpenBLAS core type
    asked for. Two processes with the same give the same numbers."""
    import numpy as np
    from numpy.lib.introspect import opt_func_info

    out = {"numpy": np.__version__}
    for f, sigs in opt_func_info(func_name="^(exp|log)$", signature="float64").items():
        for info in sigs.values():
            out[f"numpy {f}"] = str(info["current"])
    out["OPENBLAS_CORETYPE"] = os.environ.get("OPENBLAS_CORETYPE", "(the processor's)")
    return out


def mismatch(mine: dict[str, str], theirs: dict[str, dict[str, str]]) -> str | None:
    """A one-line description of the workers (``theirs``: kernels by worker address) whose
    kernels differ from ``mine``, or None when all agree."""
    odd = {w: k for w, k in theirs.items() if k != mine}
    if not odd:
        return None
    w, k = next(iter(odd.items()))
    diff = ", ".join(
        f"{key} {k.get(key)} (here {mine.get(key)})" for key in mine if k.get(key) != mine.get(key)
    )
    return (
        f"{len(odd)} of {len(theirs)} dask workers (e.g. {w}) compute with other kernels: {diff}; "
        "their numbers may differ from this machine's in the last bits (more after a refit). "
        f'Start them with NPY_DISABLE_CPU_FEATURES="{NUMPY_DISABLED}" '
        f"OPENBLAS_CORETYPE={BLAS_CORE} set (README, Scale)"
    )
