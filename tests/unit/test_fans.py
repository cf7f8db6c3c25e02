"""The uncertainty model of the GDP fan (METHODOLOGY.md, section 2.5): rolling conformal scaling
on official forecasters' past errors, one function building the fan in the engine and in the
backtest, and the production scale fitted by jdef calibrate with the backtest's own rule."""

import datetime as dt
import math

import numpy as np
import pytest
from jdef import economy, events, forecasters, load_scenario
from jdef.calibrate import calibrate
from jdef.constants import SCENARIO_DIR
from jdef.data import load_data
from jdef.prepare import prepare
from jdef.runner import run_draws

AS_OF = dt.date(2026, 11, 25)


def test_conformal_scale_is_the_median_error_over_the_fans_spread():
    spread = np.array([0.01, 0.02, np.nan])
    errors = [(1, 0.01), (1, -0.03), (2, 0.02), (2, 0.06), (1, 0.02)] * 2 + [(3, 9.0)]
    # ratios 1, 3, 1, 3, 2 (twice); the horizon the fan does not reach is left out
    assert economy.conformal_scale(errors, spread) == pytest.approx(2.0)
    assert economy.conformal_scale(errors[:9], spread) == 1.0  # fewer than MIN_ERRORS


def test_official_errors_use_no_outturn_after_the_origin():
    d = load_data(AS_OF)
    gdp = d.nominal_gdp()
    for origin in (2008, 2015, 2024):
        errs = forecasters.official_errors(d, origin)
        # government outlooks FY1998..origin (h = 1) and IMF paths of origins before it
        n_outlook = sum(1 for y in d.series("gov_outlook_nominal_growth") if y <= origin)
        n_weo = 0
        for o in range(min(gdp), origin):
            if forecasters.weo_edition(d, o) is not None:
                path = forecasters.weo_edition(d, o)[1]
                n_weo += sum(1 for h in range(1, 6) if o + h <= origin and o + h in path)
        assert len(errs) == n_outlook + n_weo
    # one case by hand: the FY1998 outlook against the FY1998 outturn
    out = d.series("gov_outlook_nominal_growth")
    e = forecasters.official_errors(d, 1998)
    assert e == [(1, pytest.approx(math.log(gdp[1998] / (gdp[1997] * (1 + out[1998])))))]


def test_production_scale_is_the_backtest_rule_at_the_last_year_of_data():
    d = load_data(AS_OF)
    _, tables = calibrate(AS_OF, data=d)
    last = max(d.nominal_gdp())
    want, n = forecasters.fan_scale_at(
        d, last, forecasters.weo_edition(d, last)[1], forecasters.window_fit(d, last)
    )
    assert tables["economy"]["fan_scale"][0] == want
    assert n >= economy.MIN_ERRORS and 0.5 < want < 2.0


def test_one_function_builds_the_fan_in_the_engine_and_in_the_backtest(monkeypatch):
    calls = []
    real = economy.economy_year

    def spy(*a, **k):
        calls.append(len(a[8]))  # n1: one vector per draw
        return real(*a, **k)

    monkeypatch.setattr(economy, "economy_year", spy)
    d = load_data(AS_OF)
    path = forecasters.weo_edition(d, 2015)[1]
    forecasters.economy_forecast(d, 2015, 3, 50, 1, path=path)
    assert calls == [50, 50, 50]
    calls.clear()
    inp = prepare(load_scenario(SCENARIO_DIR / "baseline.toml", ["horizon=2028"]))
    run_draws(inp, 40, 3)
    assert calls and set(calls) == {40}
    assert events.economy is economy  # the engine's events call the module's function


def test_the_engine_fan_widens_with_the_calibrated_scale():
    inp = prepare(load_scenario(SCENARIO_DIR / "baseline.toml", ["horizon=2030"]))
    p = inp.params
    wide = inp.__class__(**{**inp.__dict__, "params": p.replace("economy", fan_scale=2.0)})
    j = inp.axis.idx(2030)
    a, _ = run_draws(inp, 2000, 4)
    b, _ = run_draws(wide, 2000, 4)
    ra = np.log(a.gdp[j]).std()
    rb = np.log(b.gdp[j]).std()
    assert rb / ra > 1.6
