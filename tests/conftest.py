"""Shared fixtures and helpers for the test suite.

The suite is laid out by kind: unit/ (kernels and modules with hand-written inputs),
oracle/ (the engine against the scalar reference), statistical/ (known answers and
statistical checks with tolerances from the number of draws), regression/ (golden files),
cli/ (the command line in process, bad input), integration/ (the installed wheel, dask
workers, the report in a browser).
"""

# first: importing jdef pins numpy's and OpenBLAS's kernels before numpy loads (jdef.cpu), so
# that this process and the pytest-xdist workers it starts compute what the command line does
import jdef  # noqa: F401, I001

from pathlib import Path

import numpy as np
import pytest
from jdef import load_scenario
from jdef.constants import SCENARIO_DIR

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
DATA = TESTS / "data"  # bad-input corpus and test scenarios
GOLDEN = TESTS / "regression" / "golden"
BASELINE = SCENARIO_DIR / "baseline.toml"


@pytest.fixture(scope="session")
def baseline():
    return load_scenario(BASELINE)


def scenario(*overrides: str):
    return load_scenario(BASELINE, list(overrides))


def rel_err(a: np.ndarray, b: np.ndarray) -> float:
    assert np.array_equal(np.isnan(a), np.isnan(b))
    m = ~np.isnan(a)
    if not m.any():
        return 0.0
    return float(np.max(np.abs(a[m] - b[m]) / np.maximum(np.abs(b[m]), 1e-300)))
