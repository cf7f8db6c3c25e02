"""CF-1.11 and ACDD-1.3 conventions for every NetCDF file jdef writes, in one place.

:func:`apply` is called by ``jdef.io.write_netcdf`` (the one writer, so run, batch,
sensitivity, backtest and any later kind get the same treatment) and by
``jdef.runner.simulate`` (so an API user's Dataset carries them too). It is idempotent and
fills in, without overwriting what a file kind set itself:

* a CF time coordinate: ``time`` (days since 2000-01-01, the start of each fiscal year) with
  ``time_bnds`` covering the whole fiscal year (1 April to 1 April), on the ``fiscal_year``
  dimension (or ``origin`` for a backtest), ``fiscal_year`` kept as the label that ``sel``
  uses; a file without a year dimension gets a scalar ``time`` spanning the scenario's years;
* IMPROVER's attributes on the ``threshold`` coordinate (``spp__relative_to_threshold``) and
  on ``percentile`` (units %);
* ``ancillary_variables`` linking each probability to its standard error, interval bounds
  and known flag;
* a ``comment`` on every variable without a ``standard_name`` saying that CF defines none
  (the quantities are budget and national-accounts figures, which the CF Standard Name
  Table does not cover), and ``coverage_content_type`` where missing;
* scalar ``latitude``, ``longitude`` and ``height`` coordinates at Tokyo (the seat of the
  government whose budget the file describes; the quantities are national and have no
  spatial extent) with the matching ``geospatial_*`` attributes, so ACDD's extent checks
  have something true to compare;
* the ACDD global attributes, and ``history`` and ``command_line`` with the full command
  line (``jdef run baseline --set ...``).
"""

from __future__ import annotations

import datetime as dt
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr

STANDARD_NAME_VOCABULARY = "CF Standard Name Table v93"
NO_STANDARD_NAME = (
    "standard_name: none; the CF Standard Name Table defines no name for this quantity "
    "(budget, national-accounts or Monte Carlo statistics)"
)
EPOCH = dt.date(2000, 1, 1)
TIME_UNITS = "days since 2000-01-01 00:00:00"
# the command line of the jdef command running in this process (set by the CLI's root group)
ARGV: list[str] | None = None
TOKYO = (35.6895, 139.6917)
YEAR_DIMS = ("fiscal_year", "origin")

GLOBAL_DEFAULTS = {
    "keywords": "Japan, defense spending, GDP ratio, Monte Carlo, Defense Buildup Program",
    "keywords_vocabulary": "none (free text)",
    "license": "MIT",
    "creator_name": "jdef developers",
    "creator_type": "group",
    # jdef has no public web address or mailbox; ACDD asks for the attributes, so they say so
    "creator_url": "none (no public web address)",
    "creator_email": "none (no public mailbox)",
    "creator_institution": "jdef project",
    "institution": "jdef project",
    "publisher_name": "jdef project",
    "publisher_type": "group",
    "publisher_url": "none (no public web address)",
    "publisher_email": "none (no public mailbox)",
    "naming_authority": "jdef",
    "project": "jdef",
    "processing_level": "model output (Monte Carlo summaries)",
    "acknowledgement": (
        "Figures from Japan's Ministry of Defense, Ministry of Finance, Cabinet Office and "
        "the IMF; sources per row in calibration/data"
    ),
    "comment": (
        "Fiscal years run April to March and are named by their starting year; money in "
        "trillion yen (units 1e12). Read with xarray: xr.open_dataset(path)."
    ),
    "references": "README.md and METHODOLOGY.md of the jdef package",
    "geospatial_lat_min": TOKYO[0],
    "geospatial_lat_max": TOKYO[0],
    "geospatial_lon_min": TOKYO[1],
    "geospatial_lon_max": TOKYO[1],
    "geospatial_lat_units": "degrees_north",
    "geospatial_lon_units": "degrees_east",
    "geospatial_bounds": f"POINT ({TOKYO[0]} {TOKYO[1]})",
    "geospatial_bounds_crs": "EPSG:4326",
    "geospatial_vertical_min": 0.0,
    "geospatial_vertical_max": 0.0,
    "geospatial_vertical_units": "m",
    "geospatial_vertical_positive": "up",
    "geospatial_bounds_vertical_crs": "EPSG:5829",
    "standard_name_vocabulary": STANDARD_NAME_VOCABULARY,
    "contributor_name": "jdef developers",
    "contributor_role": "author",
    "geospatial_lat_resolution": "0 degrees (a point: national quantities)",
    "geospatial_lon_resolution": "0 degrees (a point: national quantities)",
    "geospatial_vertical_resolution": "0 m (a point: national quantities)",
}


def command_line(argv: Sequence[str] | None = None) -> str:
    """The command that made the file: the jdef command line when one runs (recorded by the
    CLI's root group, so a test runner's invocation counts too), else the Python process's."""
    if argv is None:
        argv = ARGV
    if argv is None and sys.argv and Path(sys.argv[0]).name == "jdef":
        argv = ["jdef", *sys.argv[1:]]
    if argv is None:
        argv = ["python", *sys.argv] if sys.argv and sys.argv[0] else ["python"]
    return shlex.join(str(a) for a in argv)


def _days(d: dt.date) -> float:
    return float((d - EPOCH).days)


def _fy_times(years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start of each fiscal year (1 April) and its bounds [1 April, next 1 April), in days."""
    start = np.array([_days(dt.date(int(y), 4, 1)) for y in years])
    end = np.array([_days(dt.date(int(y) + 1, 4, 1)) for y in years])
    return start, np.stack([start, end], axis=-1)


def _time_attrs() -> dict:
    return {
        "standard_name": "time",
        "long_name": "Start of the Japanese fiscal year (1 April)",
        "units": TIME_UNITS,
        "calendar": "standard",
        "units_metadata": "leap_seconds: none",
        "axis": "T",
        "bounds": "time_bnds",
    }


def _bnds_attrs() -> dict:
    # CF 7.1: a bounds variable takes its attributes from its coordinate (``time``)
    return {}


def _time_encoding(ds: xr.Dataset) -> None:
    """Numbers in TIME_UNITS for ``time`` and ``time_bnds`` however they were read (xarray
    decodes them to dates, and a batch's concatenation forgets their encoding)."""
    for name in ("time", "time_bnds"):
        if name in ds.variables:
            ds[name].encoding.update({"units": TIME_UNITS, "calendar": "standard"})


def _add_time(ds: xr.Dataset) -> xr.Dataset:
    if "time" in ds.variables:
        if "time_bnds" in ds and ds["time_bnds"].ndim > ds["time"].ndim + 1:
            # a batch: the same fiscal-year bounds in every scenario
            extra = [d for d in ds["time_bnds"].dims if d not in (*ds["time"].dims, "nv")]
            ds["time_bnds"] = ds["time_bnds"].isel({d: 0 for d in extra}, drop=True)
        _time_encoding(ds)
        return ds
    dim = next((d for d in YEAR_DIMS if d in ds.dims), None)
    if dim is not None:
        years = np.asarray(ds[dim].values, dtype=int)
        start, bnds = _fy_times(years)
        ds = ds.assign_coords(time=(dim, start, _time_attrs()))
        ds["time_bnds"] = xr.Variable((dim, "nv"), bnds, _bnds_attrs())
        lo, hi = int(years.min()), int(years.max())
    else:
        span = _years_of(ds)
        if span is None:
            return ds
        lo, hi = span
        start, _ = _fy_times(np.array([lo]))
        _, end = _fy_times(np.array([hi]))
        attrs = {
            **_time_attrs(),
            "long_name": "Start of the first fiscal year the file covers (bounds: all its years)",
        }
        ds = ds.assign_coords(time=(("time",), start, attrs))
        ds["time_bnds"] = xr.Variable(
            ("time", "nv"), np.array([[start[0], end[0, 1]]]), _bnds_attrs()
        )
    ds.attrs["time_coverage_start"] = f"{lo}-04-01T00:00:00Z"
    # the last time point: the start of the last fiscal year (time_bnds run to its end)
    last = hi if dim is not None else lo
    ds.attrs["time_coverage_end"] = f"{last}-04-01T00:00:00Z"
    ds.attrs.setdefault("time_coverage_duration", f"P{hi - lo + 1}Y")
    ds.attrs.setdefault("time_coverage_resolution", "P1Y")
    _time_encoding(ds)
    return ds


def _years_of(ds: xr.Dataset) -> tuple[int, int] | None:
    """The fiscal years a file without a year dimension covers, from its scenario."""
    import json

    try:
        sc = json.loads(ds.attrs.get("scenario", ""))
        return int(sc.get("start_year", 2023)), int(sc["horizon"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return (2023, 2040) if "scenario" in ds.attrs else None


_PLACE_NOTE = (
    "Tokyo, seat of the Government of Japan whose budget the file describes; the "
    "quantities are national and have no spatial extent"
)
# ACDD's location and vertical extent: scalar coordinates, value and attributes
_PLACE = {
    "latitude": (
        TOKYO[0],
        {"standard_name": "latitude", "long_name": "Latitude", "units": "degrees_north"},
    ),
    "longitude": (
        TOKYO[1],
        {"standard_name": "longitude", "long_name": "Longitude", "units": "degrees_east"},
    ),
    "height": (
        0.0,
        {
            "standard_name": "height",
            "long_name": "Height above the surface",
            "units": "m",
            "positive": "up",
            "axis": "Z",
            "comment": "not applicable: national quantities (0 m)",
        },
    ),
}


def _add_place(ds: xr.Dataset) -> xr.Dataset:
    add = {
        name: ((), value, {**attrs, "comment": attrs.get("comment", _PLACE_NOTE)})
        for name, (value, attrs) in _PLACE.items()
        if name not in ds.variables
    }
    return ds.assign_coords(add) if add else ds


def _link_ancillaries(ds: xr.Dataset) -> None:
    for name in list(ds.data_vars):
        linked = [
            f"{name}{s}"
            for s in ("_standard_error", "_lower_bound", "_upper_bound")
            if f"{name}{s}" in ds
        ]
        if not linked:
            continue
        if "threshold" in ds[name].dims and "spending_ratio_known" in ds:
            linked.append("spending_ratio_known")
        ds[name].attrs["ancillary_variables"] = " ".join(linked)


def _threshold_attrs(ds: xr.Dataset) -> None:
    if "threshold" in ds.coords:
        a = ds["threshold"].attrs
        a.setdefault("units", "1")
        a["spp__relative_to_threshold"] = "greater_than_or_equal_to"
        a.setdefault(
            "comment",
            "IMPROVER threshold coordinate: the probabilities are of the ratio at or "
            "above each threshold",
        )
    for v in ds.data_vars.values():
        v.attrs.pop("spp__relative_to_threshold", None)


def _variable_attrs(ds: xr.Dataset) -> None:
    for name, v in ds.variables.items():
        if name == "time_bnds":
            continue
        a = v.attrs
        if name not in ds.coords:
            kind = "auxiliaryInformation" if v.dtype.kind in "OUS" else "modelResult"
            a.setdefault("coverage_content_type", kind)
        a.setdefault("long_name", str(name).replace("_", " "))
        if v.dtype.kind in "fiu" and "units" not in a and name not in ds.dims:
            a["units"] = "1"
        if "standard_name" not in a and NO_STANDARD_NAME not in a.get("comment", ""):
            a["comment"] = (
                f"{a['comment']}; {NO_STANDARD_NAME}" if a.get("comment") else (NO_STANDARD_NAME)
            )
    if "fiscal_year" in ds.coords:
        ds["fiscal_year"].attrs.pop("units", None)  # a label: the time coordinate is ``time``


def kernels_text() -> str:
    """The numerical kernels of this process, for a file's ``numerical_kernels`` attribute
    (``jdef.cpu.kernels``: the same kernels and versions give the same numbers; README,
    Reproducibility)."""
    from .cpu import kernels

    return "; ".join(f"{k} {v}" for k, v in kernels().items())


def _global_attrs(ds: xr.Dataset, command: str | None) -> None:
    from . import __version__

    a = ds.attrs
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    a["Conventions"] = "CF-1.11, ACDD-1.3"
    a.setdefault("title", "jdef output")
    a.setdefault("summary", a["title"])
    a.setdefault("source", "jdef stochastic model")
    a.setdefault("date_created", now)
    a.setdefault("product_version", __version__)
    a.setdefault("numerical_kernels", kernels_text())
    for k, v in GLOBAL_DEFAULTS.items():
        a.setdefault(k, v)
    a.setdefault("date_modified", a["date_created"])
    a.setdefault("date_issued", a["date_created"])
    a.setdefault("date_metadata_modified", a["date_created"])
    if "id" not in a:
        import hashlib

        a["id"] = "jdef-" + hashlib.sha256(str(a["title"]).encode()).hexdigest()[:16]
    cmd = command if command is not None else command_line()
    if "command_line" not in a:
        a["command_line"] = cmd
        line = f"{a['date_created']} {cmd} (jdef {__version__})"
        old = str(a.get("history", ""))
        a["history"] = line if not old or "created by jdef" in old else f"{old}\n{line}"


def apply(ds: xr.Dataset, command: str | None = None) -> xr.Dataset:
    """``ds`` with jdef's CF/ACDD conventions (a shallow copy; idempotent).

    Parameters
    ----------
    ds : xarray.Dataset
        A result of any kind (run, batch, sensitivity, backtest, ...).
    command : str, optional
        The command line for ``history`` (default: :func:`command_line`).
    """
    ds = ds.copy()
    ds = _add_time(ds)
    ds = _add_place(ds)
    _threshold_attrs(ds)
    _link_ancillaries(ds)
    _variable_attrs(ds)
    _global_attrs(ds, command)
    return ds


def batch_attrs(parts: Sequence[xr.Dataset], names: Sequence[str]) -> dict:
    """Global attributes of a batch: those the scenarios share, and for those that differ
    (``scenario``, ``id``, ``history``, ``date_created``, ...) a JSON object by scenario."""
    import json

    keys = list(dict.fromkeys(k for p in parts for k in p.attrs))
    out: dict = {}
    for k in keys:
        if k in ("history", "command_line") or k.startswith("date_"):
            continue  # set below: one value for the batch
        vals = [p.attrs.get(k) for p in parts]
        if all(isinstance(v, str) for v in vals) and len(set(vals)) == 1:
            out[k] = vals[0]
        elif all(not isinstance(v, str) and v is not None for v in vals):
            out[k] = vals[0]
        else:
            out[f"{k}_by_scenario" if k != "scenario" else "scenario"] = json.dumps(
                dict(zip(names, [str(v) if v is not None else "" for v in vals], strict=True)),
                sort_keys=True,
            )
    created = [str(p.attrs.get("date_created", "")) for p in parts]
    if any(created):
        out["date_created"] = max(created)
    out["history"] = "\n".join(
        dict.fromkeys(str(p.attrs.get("history", "")) for p in parts if p.attrs.get("history"))
    )
    return out
