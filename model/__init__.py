"""jdef: a stochastic outlook for Japan's defense spending.

Public API (heavy libraries are imported lazily so that ``jdef --help`` is fast)::

    import jdef
    scenario = jdef.load_scenario("baseline", {"post2027.growth": 0.03})   # or ["key=VALUE"]
    ds = jdef.simulate(scenario, draws=10_000, seed=7)   # an xarray.Dataset
    print(jdef.summary_text(ds))
    jdef.write_netcdf(ds, Path("outputs/baseline.nc"))    # with the CF/ACDD conventions
    jdef.write_report(Path("outputs/baseline.nc"), Path("outputs"))

``dir(jdef)`` lists the names below.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .cpu import pin_kernels

pin_kernels()  # the same numbers on every x86-64 machine, if numpy is not loaded yet (jdef.cpu)


def _version() -> str:
    """The installed distribution's version (importlib.metadata, read on first use: importing
    it costs about 55 ms of start-up that ``jdef --help`` does not need)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("jdef")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


# public name -> the module that defines it (imported on first use)
_PUBLIC = {
    "load_scenario": "scenario",
    "Scenario": "scenario",
    "simulate": "runner",
    "Options": "runner",
    "InputError": "errors",
    "summary_text": "summary",
    "summary_csv": "summary",
    "write_netcdf": "io",
    "write_report": "report",
    "interval": "probability",
    "in_words": "probability",
    "fmt_probability": "probability",
}
__all__ = [*_PUBLIC, "__version__"]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        globals()[name] = value = _version()
        return value
    if name in _PUBLIC:
        value = getattr(import_module(f".{_PUBLIC[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'jdef' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
