"""Backtest scoring: CRPS known answers, and a small end-to-end run."""

import datetime as dt
import math

import numpy as np
from jdef.backtest import run_backtest
from jdef.cli import app
from jdef.data import load_data
from jdef.scores import crps
from scipy import stats
from typer.testing import CliRunner


def test_crps_of_a_point_forecast_is_the_absolute_error():
    assert crps(np.array([3.0]), 5.5) == 2.5


def test_crps_of_normal_samples_matches_closed_form():
    """Gneiting & Raftery (2007): CRPS(N(0,1), y) = y(2 Phi(y) - 1) + 2 phi(y) - 1/sqrt(pi)."""
    n = 200_000
    x = np.random.default_rng(0).standard_normal(n)
    for y in (-1.3, 0.0, 0.7, 2.5):
        exact = y * (2 * stats.norm.cdf(y) - 1) + 2 * stats.norm.pdf(y) - 1 / math.sqrt(math.pi)
        # sampling error of the first term dominates: s.d. of |X - y| / sqrt(n) < 2 / sqrt(n)
        assert abs(crps(x, y) - exact) < 4 * 2 / math.sqrt(n)


def test_small_backtest_runs_and_scores_are_sane():
    ds = run_backtest(
        load_data(dt.date(2026, 11, 25)), range(2010, 2016), horizon=3, draws=300, seed=2
    )
    m = ds.sel(series="nominal_gdp_level", forecaster="model")
    assert int(m.n_cases.sel(horizon=1)) == 6
    cov = ds["coverage_80"].values
    assert np.all((cov[np.isfinite(cov)] >= 0) & (cov[np.isfinite(cov)] <= 1))
    assert np.all(ds.crps.values[np.isfinite(ds.crps.values)] >= 0)
    # PIT histogram sums to one wherever there are cases
    h = ds.pit_histogram.sel(series="nominal_gdp_level", forecaster="model").values
    assert abs(h.sum() - 1) < 1e-12
    # same-case comparison with the government outlook (FY2011-FY2016 outlooks, one per origin)
    assert int(ds.n_outlook_cases.sel(series="nominal_gdp_level", horizon=1)) == 6
    crps1 = ds.crps.sel(series="nominal_gdp_level", horizon=1)
    cases = np.isfinite(crps1.sel(forecaster="government_outlook").values)
    for f in ("model", "random_walk_drift", "government_outlook"):
        expect = crps1.sel(forecaster=f).values[cases].mean()
        got = float(
            ds.crps_mean_outlook_cases.sel(series="nominal_gdp_level", forecaster=f, horizon=1)
        )
        assert abs(got - expect) < 1e-12
    # the same seed gives the same scores
    again = run_backtest(
        load_data(dt.date(2026, 11, 25)), range(2010, 2016), horizon=3, draws=300, seed=2
    )
    np.testing.assert_array_equal(ds.crps.values, again.crps.values)


def test_backtest_cli_rejects_bad_origin(tmp_path):
    res = CliRunner().invoke(app, ["backtest", "--first-origin", "1990", "--out", str(tmp_path)])
    assert res.exit_code == 2 and "first_origin" in res.stderr


def test_cao_edition_is_the_latest_published_by_the_end_of_next_august():
    """A forecaster at origin o uses the latest Cabinet Office projection published by 31 August
    of o + 1 that covers o + 1: never a later one (no look-ahead)."""
    from jdef.data import DataStore, Row
    from jdef.forecasters import CAO_VINTAGES, cao_edition

    def row(year, value, published):
        return Row(
            CAO_VINTAGES,
            "FY",
            year,
            value,
            "percent",
            "test",
            "https://example.org",
            published,
            "",
            "t.csv",
            1,
        )

    rows = [
        row(2013, 1.0, dt.date(2012, 7, 31)),
        row(2014, 1.5, dt.date(2012, 7, 31)),
        row(2013, 2.0, dt.date(2013, 1, 25)),
        row(2014, 2.5, dt.date(2013, 1, 25)),
        row(2014, 3.0, dt.date(2013, 8, 2)),
        row(2015, 3.5, dt.date(2013, 8, 2)),
        row(2014, 9.0, dt.date(2014, 9, 1)),
    ]
    d = DataStore(tuple(rows), dt.date(2026, 1, 1))
    day, path = cao_edition(d, 2012)
    assert day == dt.date(2013, 1, 25) and path == {2013: 0.02, 2014: 0.025}
    day, path = cao_edition(d, 2013)  # the August 2013 edition; not the one of September 2014
    assert day == dt.date(2013, 8, 2) and path == {2014: 0.03, 2015: 0.035}
    assert cao_edition(d, 2011) is None  # no edition published by August 2012 covers FY2012


def test_forecast_around_a_path_has_the_path_as_expected_growth():
    """With a Cabinet Office path the rates revert to it: mean nominal growth is the path (3% a
    year here, against about -0.3% for the FY1995-FY2010 window mean) from two years ahead,
    once the origin's deviation has decayed; years beyond the path are not forecast."""
    from jdef.forecasters import economy_forecast

    d = load_data(dt.date(2026, 11, 25))
    path = {2011: 0.03, 2012: 0.03, 2013: 0.03, 2014: 0.03}
    _, growth = economy_forecast(d, 2010, 5, 4000, 3, path=path)
    mean = growth.mean(axis=0)
    se = growth.std(axis=0) / math.sqrt(len(growth))
    for h in (2, 3):  # two and three years ahead (index 1, 2)
        assert abs(mean[h] - 0.03) < 0.002 + 4 * se[h], (h, mean[h])
    assert np.isnan(growth[:, 4]).all()  # FY2015 is beyond the path
    _, plain = economy_forecast(d, 2010, 5, 4000, 3)
    assert plain[:, 2].mean() < 0.01
