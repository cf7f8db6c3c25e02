"""The real-time IMF forecasters of the backtest: the calendar-to-fiscal mapping, the choice of
edition at each origin, the IMF point forecast, and no look-ahead over the vintages."""

import datetime as dt
import shutil

import numpy as np
import pytest
from jdef.backtest import SAME_CASES, run_backtest
from jdef.constants import SHIPPED_DATA_DIR as DATA_DIR
from jdef.data import DataStore, Row, load_data
from jdef.forecasters import (
    WEO_GROWTH,
    WEO_UNUSABLE,
    fiscal_growth,
    origin_date,
    point_forecast,
    weo_edition,
)
from test_vintages import _perturb_after

AS_OF = dt.date(2026, 12, 1)
VINTAGE_FILES = ("imf_weo.csv", "imf_weo_historical.csv", "outlooks.csv")


def _row(year: int, percent: float, published: dt.date) -> Row:
    return Row(
        WEO_GROWTH,
        "CY",
        year,
        percent,
        "percent",
        "t",
        "https://example.org",
        published,
        "",
        "t",
        1,
    )


def test_fiscal_year_is_three_quarters_of_its_calendar_year_and_one_of_the_next():
    """FY_t = 0.75 CY_t + 0.25 CY_t+1: 0.75 x 1% + 0.25 x 2% = 1.25%, 0.75 x 2% + 0.25 x (-4%)
    = 0.5%; the last calendar year has no successor, so no fiscal year."""
    fy = fiscal_growth({2010: 0.01, 2011: 0.02, 2012: -0.04})
    assert fy.keys() == {2010, 2011}
    assert fy[2010] == pytest.approx(0.0125, abs=1e-15)
    assert fy[2011] == pytest.approx(0.005, abs=1e-15)


def test_weo_edition_is_the_latest_usable_one_published_by_the_origin_date():
    """Origin FY2012 stands on 2013-08-31: the April 2013 edition, not the one of September 2013;
    origin FY2019 skips the abbreviated April 2020 edition for October 2019's."""
    assert origin_date(2012) == dt.date(2013, 8, 31)
    (bad,) = WEO_UNUSABLE
    rows = [
        _row(2013, 1.0, dt.date(2012, 10, 9)),
        _row(2014, 2.0, dt.date(2012, 10, 9)),
        _row(2013, 0.4, dt.date(2013, 4, 16)),
        _row(2014, 2.8, dt.date(2013, 4, 16)),
        _row(2015, 1.2, dt.date(2013, 4, 16)),
        _row(2014, 9.0, dt.date(2013, 9, 1)),
        _row(2015, 9.0, dt.date(2013, 9, 1)),
        _row(2020, 3.0, dt.date(2019, 10, 15)),
        _row(2021, 1.0, dt.date(2019, 10, 15)),
        _row(2020, 9.0, bad),
        _row(2021, 9.0, bad),
    ]
    d = DataStore(tuple(rows), AS_OF)
    day, path = weo_edition(d, 2012)
    assert day == dt.date(2013, 4, 16)
    assert path == pytest.approx({2013: 0.01, 2014: 0.024}, abs=1e-15)
    day, path = weo_edition(d, 2019)
    assert day == dt.date(2019, 10, 15) and path == pytest.approx({2020: 0.025}, abs=1e-15)
    day, path = weo_edition(d, 2013)  # the September 2013 edition is in time for FY2013
    assert day == dt.date(2013, 9, 1) and path == pytest.approx({2014: 0.09}, abs=1e-15)
    assert weo_edition(d, 2011) is None  # nothing was published by 2012-08-31
    # on the shipped data: origin FY2012 uses April 2013, with FY2013 = 0.75 x 0.92% + 0.25 x 3.256%
    day, path = weo_edition(load_data(AS_OF), 2012)
    assert day == dt.date(2013, 4, 16)
    assert path[2013] == pytest.approx(0.75 * 0.0092 + 0.25 * 0.03256, abs=1e-15)


def test_point_forecast_compounds_the_path_from_the_origin_level():
    got = point_forecast(500.0, {2011: 0.10, 2012: -0.5}, 2010, 3)
    np.testing.assert_allclose(got[:2], [550.0, 275.0], rtol=1e-15)
    assert np.isnan(got[2])


def test_imf_point_is_scored_by_its_absolute_error_and_the_cases_are_shared():
    d = load_data(AS_OF)
    ds = run_backtest(d, range(2012, 2014), horizon=5, draws=200, seed=3)
    gdp = d.nominal_gdp()
    _, path = weo_edition(d, 2012)
    want = gdp[2012] * (1 + path[2013]) * (1 + path[2014])
    got = float(ds.crps.sel(series="nominal_gdp_level", forecaster="imf_weo", origin=2012)[1])
    assert got == pytest.approx(abs(want - gdp[2014]), rel=1e-12)
    # the same cases: all of SAME_CASES scored; every one of them counted on each
    same = ds.same_case.sel(series="nominal_gdp_level").values.astype(bool)
    assert same.sum() == 10  # two origins, five horizons, all with an outturn (FY2013-FY2018)
    n = ds.n_same_cases.sel(series="nominal_gdp_level")
    for m in SAME_CASES:
        assert n.sel(forecaster=m).values.tolist() == [2] * 5
    assert n.sel(forecaster="government_outlook").values.tolist() == [2, 0, 0, 0, 0]
    pooled = float(ds.crps_same_pooled.sel(series="nominal_gdp_level", forecaster="imf_weo"))
    case = ds.crps.sel(series="nominal_gdp_level", forecaster="imf_weo").values[same]
    assert pooled == pytest.approx(case.mean(), rel=1e-12)
    hist = ds.pit_histogram_same.sel(series="nominal_gdp_level", forecaster="model_weo_path")
    assert float(hist.sum()) == pytest.approx(1.0, abs=1e-12)


def _vintages_perturbed_after(tmp_path, day: dt.date):
    """A copy of the data whose vintage files (IMF editions, outlooks) have every figure
    published after ``day`` multiplied by 1.5 (test_vintages' helper), other files as shipped."""
    src, out = tmp_path / f"src{day}", tmp_path / f"data{day}"
    src.mkdir()
    for f in VINTAGE_FILES:
        shutil.copy(DATA_DIR / f, src / f)
    changed = _perturb_after(src, out, day)
    for f in DATA_DIR.glob("*.csv"):
        if f.name not in VINTAGE_FILES:
            shutil.copy(f, out / f.name)
    return out, changed


@pytest.mark.parametrize("origin", [2008, 2012, 2019, 2022])
def test_no_look_ahead_over_the_vintages(tmp_path, origin):
    """Changing every edition published after an origin's date changes nothing at that origin;
    changing those of the year before does change the IMF forecasters."""
    base = run_backtest(load_data(AS_OF), range(origin, origin + 1), draws=200, seed=5)
    later, changed = _vintages_perturbed_after(tmp_path, origin_date(origin))
    assert changed > 10
    ds = run_backtest(load_data(AS_OF, later), range(origin, origin + 1), draws=200, seed=5)
    for v in ("crps", "pit", "median_forecast", "covered_50", "covered_80", "covered_90"):
        np.testing.assert_array_equal(ds[v].values, base[v].values, err_msg=v)
    # the fan scale too: it rests on official errors known at the origin only
    for v in ("fan_scale", "n_official_errors"):
        np.testing.assert_array_equal(ds[v].values, base[v].values, err_msg=v)
    earlier, _ = _vintages_perturbed_after(tmp_path, origin_date(origin - 1))
    ds = run_backtest(load_data(AS_OF, earlier), range(origin, origin + 1), draws=200, seed=5)
    for m in ("model_weo_path", "imf_weo"):
        a = ds.crps.sel(series="nominal_gdp_level", forecaster=m).values
        b = base.crps.sel(series="nominal_gdp_level", forecaster=m).values
        assert np.isfinite(b[0, 0]) and not np.array_equal(a, b, equal_nan=True), m
