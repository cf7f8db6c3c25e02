"""The nowcast of a finished fiscal year from its quarters (jdef.nowcast) and its use in the
engine: the year's nominal GDP is the nowcast up to its revision, nothing else."""

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest
from jdef import load_scenario
from jdef.calendar import run_engine
from jdef.constants import SCENARIO_DIR
from jdef.data import load_data
from jdef.nowcast import nowcast
from jdef.prepare import prepare
from jdef.runner import shocks_for


def test_fy2025_is_the_mean_of_its_quarters_back_cast_from_2026q1():
    d = load_data(dt.date(2026, 11, 25))
    n = nowcast(d, 2025)
    assert n is not None
    q1 = 677.2  # 2026Q1, 1st preliminary
    q4 = q1 / 1.008  # the latest q/q growth into each quarter
    q3 = q4 / 1.003
    q2 = q3 / 1.001
    assert n.quarters == pytest.approx((q2, q3, q4, q1), rel=1e-12)
    assert n.level == pytest.approx((q1 + q2 + q3 + q4) / 4, rel=1e-12)
    # three revisions between vintages: Q2 level, Q2 growth, FY2024 preliminary
    rev = [math.log(635.1 / 633.3047), 0.016 - 0.013, math.log(615.9 / 616.9095)]
    r = math.sqrt(sum(x * x for x in rev) / 3)
    assert n.revisions == 3
    assert n.sd == pytest.approx(r * math.sqrt(1 + (9 + 4 + 1) / 16), rel=1e-9)


def test_no_nowcast_before_the_last_quarter_is_published():
    assert nowcast(load_data(dt.date(2026, 5, 17)), 2025) is None  # 2026Q1 comes out 05-18
    assert nowcast(load_data(dt.date(2026, 11, 25)), 2026) is None  # FY2026 is not over


def test_the_engine_takes_a_finished_year_from_the_nowcast():
    sc = load_scenario(SCENARIO_DIR / "baseline.toml", ["horizon=2030"])
    inp = prepare(sc)
    now = inp.nowcast
    assert now is not None and now.year == inp.axis.first_econ == 2025
    sh = shocks_for(inp, 7, 0, 500)
    paths = run_engine(inp, sh)
    j = inp.axis.idx(2025)
    np.testing.assert_allclose(paths.gdp[j], now.level * np.exp(now.sd * sh.z_nowcast), rtol=1e-12)
    # real growth is the path's (the year is over: no shock, no recession)
    np.testing.assert_allclose(paths.real_growth[j], inp.path.mu_real[j], rtol=1e-15)
    assert not paths.recession[j].any()
    # without the nowcast the year is simulated as open, with a far wider band
    open_paths = run_engine(dataclasses.replace(inp, nowcast=None), sh)
    assert np.ptp(open_paths.gdp[j]) > 5 * np.ptp(paths.gdp[j])
