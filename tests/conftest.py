import numpy as np
import pytest
from jdef import load_scenario
from jdef.constants import SCENARIO_DIR

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
