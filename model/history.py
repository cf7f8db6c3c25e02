"""Known history: the figures published by ``as_of``, on the fiscal-year axis (NaN = projected).

Three builders, one per block of the calendar whose known period ends at its own year: the
economy (GDP, real growth, deflator), the yen/dollar rate and the budgets (categories and
contracts, wired to the data by calibration/wiring.toml).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from . import categories as cats
from .constants import OUTPUT_FIRST_YEAR
from .data import DataStore
from .errors import InputError
from .wiring import KnownUntil, Wiring, figures


@dataclass(frozen=True)
class EconomyHistory:
    """Known economy over the axis; ``first`` is the first projected fiscal year."""

    first: int
    gdp: np.ndarray  # trillion yen
    real_growth: np.ndarray  # fraction per year
    deflator_growth: np.ndarray  # fraction per year
    deflator_index: np.ndarray  # FY2022 = 1
    outlook_growth: np.ndarray  # the government's outlook of nominal growth, NaN if none
    gdp_prev: float  # nominal GDP the year before the axis
    real_growth_all: dict[int, float]  # every published year (also before the axis)
    deflator_growth_all: dict[int, float]


@dataclass(frozen=True)
class FxHistory:
    first: int
    fx: np.ndarray  # yen per dollar


@dataclass(frozen=True)
class BudgetHistory:
    first_initial: int
    first_supp: int
    spending: np.ndarray  # (n_category, n_year) trillion yen, NaN where projected
    imputed: np.ndarray  # (n_category, n_year) bool: filled from a neighbouring year
    missing: tuple[str, ...]  # categories with no figure published by as_of (counted as zero)
    contracts: np.ndarray  # plan-covered new contracts, NaN where projected
    contracts_before: dict[int, float]  # contracts of years before the axis (the pipeline)


def on_axis(series: dict[int, float], years: np.ndarray) -> np.ndarray:
    """Values by fiscal year on the axis ``years``, NaN where absent."""
    return np.array([series.get(int(y), np.nan) for y in years])


def last_year(series: dict[int, float], name: str, as_of: object) -> int:
    if not series:
        raise InputError("calibration/data", f"series '{name}'", f"no figure published by {as_of}")
    return max(series)


def _fill_known(
    values: np.ndarray, last_known: int, years: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Fill gaps within the known period by the nearest found year; flag them."""
    out = values.copy()
    imputed = np.zeros(len(years), dtype=bool)
    known_span = years <= last_known
    found = np.where(~np.isnan(values) & known_span)[0]
    if len(found) == 0:
        return out, imputed
    for j in np.where(known_span)[0]:
        if np.isnan(out[j]):
            nearest = found[np.argmin(np.abs(found - j) + 1e-3 * (found < j))]  # ties: later year
            out[j] = values[nearest]
            imputed[j] = True
    return out, imputed


def economy_history(data: DataStore, years: np.ndarray, as_of: dt.date) -> EconomyHistory:
    """The economy is known up to the last year with a level, real growth and deflator growth
    all published."""
    s = data.series
    gdp_s = data.nominal_gdp()  # the latest GDP vintage visible at as_of
    real_s, defl_s = s("real_gdp_growth"), s("gdp_deflator_growth")
    first = (
        min(
            last_year(gdp_s, "nominal_gdp", as_of),
            last_year(real_s, "real_gdp_growth", as_of),
            last_year(defl_s, "gdp_deflator_growth", as_of),
        )
        + 1
    )
    gdp = on_axis({y: v for y, v in gdp_s.items() if y < first}, years)
    real, defl = on_axis(real_s, years), on_axis(defl_s, years)
    real[years >= first] = np.nan
    defl[years >= first] = np.nan
    gdp_prev = gdp_s.get(OUTPUT_FIRST_YEAR - 1, np.nan)
    if np.isnan(gdp_prev):
        raise InputError(
            "calibration/data/gdp.csv",
            f"nominal_gdp FY{OUTPUT_FIRST_YEAR - 1}",
            "needed as the starting level",
        )
    dindex = np.full(len(years), np.nan)
    level = 1.0
    for j, y in enumerate(years):
        if y >= first or np.isnan(defl[j]):
            break
        level *= 1.0 + defl[j]
        dindex[j] = level
    return EconomyHistory(
        first=first,
        gdp=gdp,
        real_growth=real,
        deflator_growth=defl,
        deflator_index=dindex,
        outlook_growth=on_axis(s("gov_outlook_nominal_growth"), years),
        gdp_prev=gdp_prev,
        real_growth_all=real_s,
        deflator_growth_all=defl_s,
    )


def fx_history(data: DataStore, years: np.ndarray, as_of: dt.date) -> FxHistory:
    """Fiscal-year averages; a calendar-year average stands in for a fiscal year only for
    complete years before the as-of year (METHODOLOGY.md, section 2.4)."""
    fx_fy = data.series("usdjpy_average", "FY")
    fx_cy = data.series("usdjpy_average", "CY")
    both = {y: fx_fy.get(y, fx_cy.get(y)) for y in set(fx_fy) | set(fx_cy)}
    series = {y: v for y, v in both.items() if v is not None and (y in fx_fy or y < as_of.year)}
    first = last_year(series, "usdjpy_average", as_of) + 1
    return FxHistory(first, on_axis({y: v for y, v in series.items() if y < first}, years))


def budget_history(
    data: DataStore, years: np.ndarray, as_of: dt.date, wiring: Wiring
) -> BudgetHistory:
    """Spending by category (as the wiring table says) and new contracts, known up to the last
    initial and supplementary budgets published."""
    s = data.series
    first_initial = last_year(s("mod_initial_excl"), "mod_initial_excl", as_of) + 1
    first_supp = last_year(s("mod_supplementary_total"), "mod_supplementary_total", as_of) + 1
    n_c, n_y = len(cats.NAMES), len(years)
    spending = np.full((n_c, n_y), np.nan)
    imputed = np.zeros((n_c, n_y), dtype=bool)
    missing: list[str] = []
    built: dict[str, dict[int, float]] = {}
    for row in wiring.category:
        series = figures(row.sum, row.missing, s, built)
        if row.then:
            series.update(figures(row.then, row.missing, s, built))
        built[row.name] = series
        if row.known == KnownUntil.initial:
            last_known = first_initial - 1
        elif row.known == KnownUntil.supplementary:
            last_known = first_supp - 1
        else:
            last_known = max(max(series, default=0), first_initial - 1)
        raw = on_axis({y: v for y, v in series.items() if y <= last_known}, years)
        if not series:
            # no figure published by as_of: the category is left out (zero), and said so
            raw = np.where(years <= last_known, 0.0, np.nan)
            missing.append(row.name)
        filled, imp = _fill_known(raw, last_known, years)
        c = cats.INDEX[row.name]
        spending[c] = filled
        imputed[c] = imp | ((years <= last_known) & (row.name in missing))
    contracts_all = {
        y: v + s("new_contracts_supplementary").get(y, 0.0)
        for y, v in s("new_contracts_initial").items()
    }
    return BudgetHistory(
        first_initial=first_initial,
        first_supp=first_supp,
        spending=spending,
        imputed=imputed,
        missing=tuple(missing),
        contracts=on_axis({y: v for y, v in contracts_all.items() if y < first_initial}, years),
        contracts_before={y: v for y, v in contracts_all.items() if y < years[0]},
    )
