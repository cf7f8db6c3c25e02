"""jdef: a stochastic outlook for Japan's defense spending.

Public API (heavy libraries are imported lazily so that ``jdef --help`` is fast)::

    from jdef import load_scenario, simulate
    scenario = load_scenario("scenarios/baseline.toml")
    ds = simulate(scenario, draws=10_000, seed=7)   # an xarray.Dataset
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("jdef")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
__all__ = ["Options", "load_scenario", "simulate", "__version__"]


def __getattr__(name: str):
    if name == "load_scenario":
        from .scenario import load_scenario

        return load_scenario
    if name == "simulate":
        from .runner import simulate

        return simulate
    if name == "Options":
        from .runner import Options

        return Options
    raise AttributeError(name)
