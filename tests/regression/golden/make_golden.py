"""Regenerate the golden regression files: ``make golden``.

Runs a fixed set of seeded, small jdef commands through the console script (so that
the script survives refactors of the package), then reduces every NetCDF file they
write to a digest: for each variable (data and coordinates) its dims, dtype, shape and
the SHA-256 of its values in a canonical byte order, plus readable statistics that
show the size of a change; and the global attributes, except the ones listed in
VOLATILE_ATTRS, which change from run to run by design.

Usage: python tests/regression/golden/make_golden.py [--check]   (--check compares, writes nothing)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
SCEN = ROOT / "scenarios"

# Attributes that change by design on every run, or with the code's version and location.
VOLATILE_ATTRS = frozenset(
    {
        "history",
        "date_created",
        "git_commit",
        "model_version",
        "product_version",
        "numerical_kernels",  # names numpy's version: the values are what the golden files check
        "id",
        "source",
        "date_modified",
        "date_issued",
        "date_metadata_modified",
        "command_line",
    }
)

D = ["--draws", "2000", "--seed", "11"]
# (golden name, jdef arguments; "{out}" is the output folder). Each command writes NetCDF files.
CASES: list[tuple[str, list[str]]] = [
    ("baseline", ["run", str(SCEN / "baseline.toml"), *D]),
    ("new-plan", ["run", str(SCEN / "new-plan-55tn-fy2028-32.toml"), *D, "--set", "name=new-plan"]),
    ("topup-on", ["run", str(SCEN / "topup-on.toml"), *D]),
    (
        "ramp-3.5pct-2035",
        [
            "run",
            str(SCEN / "ramp-3.5pct-gdp-2035-current.toml"),
            *D,
            "--set",
            "name=ramp-3.5pct-2035",
        ],
    ),
    ("nato-3.5-core-2035", ["run", str(SCEN / "nato-3.5-core-2035.toml"), *D]),
    (
        "asof-2025-06-30",
        [
            "run",
            str(SCEN / "baseline.toml"),
            *D,
            "--as-of",
            "2025-06-30",
            "--set",
            "name=asof-2025-06-30",
        ],
    ),
    (
        "streamed",
        [
            "run",
            str(SCEN / "baseline.toml"),
            "--draws",
            "20000",
            "--seed",
            "11",
            "--summary-only",
            "--set",
            "name=streamed",
        ],
    ),
    (
        "batch",
        [
            "batch",
            str(SCEN / "baseline.toml"),
            str(SCEN / "growth-transition.toml"),
            str(SCEN / "no-supplementary.toml"),
            "--draws",
            "1000",
            "--seed",
            "11",
        ],
    ),
    (
        "oat",
        [
            "sensitivity",
            str(SCEN / "baseline.toml"),
            "--method",
            "oat",
            "--draws",
            "500",
            "--seed",
            "11",
        ],
    ),
    ("backtest", ["backtest", "--draws", "300", "--seed", "1", "--as-of", "2026-11-25"]),
]


def _canonical(values) -> bytes:
    import numpy as np

    a = np.asarray(values)
    if a.dtype.kind in "US":
        return "\x1f".join(map(str, a.ravel().tolist())).encode()
    if a.dtype.kind == "O":
        return "\x1f".join(map(str, a.ravel().tolist())).encode()
    if a.dtype.kind == "M" or a.dtype.kind == "m":
        a = a.astype("int64")
    return np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes()


def _stats(values) -> dict:
    import numpy as np

    a = np.asarray(values)
    if a.dtype.kind not in "fiub" or a.size == 0:
        return {}
    f = a.astype("float64")
    finite = f[np.isfinite(f)]
    out = {"nan": int(np.isnan(f).sum())}
    if finite.size:
        out.update(min=float(finite.min()), max=float(finite.max()), sum=float(finite.sum()))
    return out


def digest(path: Path) -> dict:
    """The digest of one NetCDF file: every variable's values (hashed) and the stable attributes."""
    import xarray as xr

    with xr.open_dataset(path, decode_times=False, decode_timedelta=False) as ds:
        ds.load()
        variables = {}
        for name in sorted(ds.variables):
            v = ds.variables[name]
            variables[name] = {
                "dims": list(v.dims),
                "dtype": str(v.dtype),
                "shape": list(v.shape),
                "sha256": hashlib.sha256(_canonical(v.values)).hexdigest(),
                **_stats(v.values),
            }
        attrs = {k: _jsonable(v) for k, v in sorted(ds.attrs.items()) if k not in VOLATILE_ATTRS}
    return {"variables": variables, "attrs": attrs}


def _jsonable(v):
    import numpy as np

    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    return v


def jdef_command() -> list[str]:
    exe = Path(sys.executable).with_name("jdef")
    return [str(exe)] if exe.exists() else [shutil.which("jdef") or "jdef"]


def run_case(args: list[str], out: Path) -> dict:
    """Run one case into ``out``; the digests of every NetCDF file it wrote, by file name."""
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.run(
        [*jdef_command(), *args, "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=out,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"jdef {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
        )
    return {p.name: digest(p) for p in sorted(out.glob("*.nc"))}


def generate(names: list[str] | None = None) -> dict[str, dict]:
    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, args in CASES:
            if names and name not in names:
                continue
            result[name] = run_case(args, Path(tmp) / name)
    return result


def golden_file(name: str) -> Path:
    return HERE / f"{name}.json"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    names = [a for a in argv if not a.startswith("--")] or None
    made = generate(names)
    bad = 0
    for name, files in made.items():
        text = json.dumps(files, indent=1, sort_keys=True) + "\n"
        if check:
            if golden_file(name).read_text() != text:
                print(f"{name}: differs from {golden_file(name).name}")
                bad += 1
        else:
            golden_file(name).write_text(text)
            print(f"wrote {golden_file(name).relative_to(ROOT)}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
