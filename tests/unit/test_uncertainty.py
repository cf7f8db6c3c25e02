"""The uncertainty table: every bound in one place, and every user takes exactly its values."""

import dataclasses
import datetime as dt
import math
import tomllib

import numpy as np
import pytest
from conftest import scenario
from jdef import forecasters
from jdef.constants import PARAMS_FILE
from jdef.data import load_data
from jdef.errors import InputError
from jdef.params import load_params, numeric_parameters
from jdef.prepare import prepare
from jdef.sensitivity import factor_table
from jdef.uncertainty import TABLE, UNCERTAINTY, Distribution, Uncertain, bounds, drawn

NORMAL = Distribution.NORMAL
AS_OF = dt.date(2026, 11, 25)


def test_table_names_parameters_of_the_file_once_each_with_a_valid_range():
    names = [u.name for u in TABLE]
    assert len(set(names)) == len(names)
    assert set(names) <= numeric_parameters()
    for u in TABLE:
        assert u.low < u.high, u.name
        assert u.units and u.group and u.source, u.name


def test_the_file_lists_the_tables_drawn_parameters_and_its_estimates_lie_in_bounds():
    raw = tomllib.loads(PARAMS_FILE.read_text(encoding="utf-8"))
    assert tuple(raw["uncertainty"]["drawn"]) == drawn() == load_params().drawn
    assert drawn() == tuple(u.name for u in TABLE if u.distribution is NORMAL)
    p = load_params()
    for u in TABLE:
        assert u.low <= p.value(u.name) <= u.high, u.name
        if u.distribution is NORMAL:
            assert p.se[u.name] > 0, u.name


def test_draw_is_the_estimate_plus_se_times_z_clipped_to_bounds():
    u = Uncertain("x.y", NORMAL, 0.0, 1.0, "1", "g", "test")
    np.testing.assert_array_equal(
        u.draw(0.5, 0.25, np.array([-10.0, -1.0, 0.0, 1.0, 10.0])), [0.0, 0.25, 0.5, 0.75, 1.0]
    )
    assert u.draw(0.5, 0.25, 1.0) == 0.75 and u.draw(0.5, 0.25, 3.0) == 1.0
    assert u.sensitivity_range(0.5, 0.1) == (0.3, 0.7)
    assert u.sensitivity_range(0.9, 0.1) == (0.7, 1.0)  # +2 s.e. would leave the bounds


def test_params_draw_with_the_tables_bounds():
    p = load_params()
    u = UNCERTAINTY["economy.deflator_ar"]
    z = np.array([-1e3, 0.0, 1e3])
    np.testing.assert_array_equal(p.per_draw(u.name, z), [u.low, p.value(u.name), u.high])
    # a parameter that is not drawn keeps its value, even where the table bounds it
    assert p.per_draw("supplementary.prob", np.array([5.0])) == p.value("supplementary.prob")
    assert bounds("supplementary.prob") == (0.0, 1.0)
    assert bounds("fx.anchor") == (-math.inf, math.inf)


def test_a_file_that_disagrees_with_the_table_is_refused():
    text = PARAMS_FILE.read_text(encoding="utf-8")
    with pytest.raises(InputError, match="uncertainty.drawn"):
        load_params(text=text.replace('"outlook.bias", ', ""))
    # recession probability 1.5: outside [0, 1]
    bad = text.replace("recession_prob = { value = 0.1", "recession_prob = { value = 1.5")
    with pytest.raises(InputError, match="economy.recession_prob.*outside its valid range"):
        load_params(text=bad)


def test_sensitivity_parameter_factors_are_the_tables_entries():
    inp = prepare(scenario(), load_params())
    # the drawn parameters (a lever on a parameter has a name of its own)
    params = [f for f in factor_table(scenario(), inp) if f.kind == "param" and f.name == f.key]
    assert [f.name for f in params] == list(drawn())
    for f in params:
        u, v, se = UNCERTAINTY[f.name], inp.params.value(f.name), inp.params.se[f.name]
        assert (f.low, f.high, f.nominal) == (max(v - 2 * se, u.low), min(v + 2 * se, u.high), v)
        assert (f.units, f.group) == (u.units, u.group)
    # recession_prob - 2 s.e. is below 0: the table's lower bound applies
    rec = next(f for f in params if f.name == "economy.recession_prob")
    assert rec.low == 0.0


def test_backtest_draws_its_economy_parameters_within_the_tables_bounds(monkeypatch):
    """Bounds [estimate, estimate] in the table make the draws the estimate: the same forecast
    as a fit whose s.e.s are zero. With the real table the forecast differs."""
    d = load_data(AS_OF)
    window = forecasters.window_fit(d, 2010)
    names = ("real_ar", "deflator_ar", "real_sd", "deflator_sd")
    fit = window[3]
    no_se = (*window[:3], dataclasses.replace(fit, se={**fit.se, **dict.fromkeys(names, 0.0)}))
    want = forecasters.economy_forecast(d, 2010, 3, 200, 5, window=no_se)
    real = forecasters.economy_forecast(d, 2010, 3, 200, 5, window=window)
    pinned = {
        **UNCERTAINTY,
        **{
            f"economy.{n}": dataclasses.replace(
                UNCERTAINTY[f"economy.{n}"], low=fit.coef[n], high=fit.coef[n]
            )
            for n in names
        },
    }
    monkeypatch.setattr(forecasters, "UNCERTAINTY", pinned)
    got = forecasters.economy_forecast(d, 2010, 3, 200, 5, window=window)
    for a, b, c in zip(got, want, real, strict=True):
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)
