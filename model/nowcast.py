"""Nowcast of a finished fiscal year from the quarterly national accounts published by as_of.

When the annual figure of a fiscal year is not yet in the data but its last quarter (January
to March) is, the year is over: its nominal GDP is the mean of its four seasonally adjusted
annualised quarters (``nominal_gdp_saar``, calibration/data/gdp_quarterly.csv), the earlier
quarters back-cast from the latest level with the latest published quarter-on-quarter growth
rates (``nominal_gdp_qoq``). What is left uncertain is the revision of those figures; its
s.d. is the root mean square of the log revisions between vintages of the same figure in the
data, propagated through the back-cast. METHODOLOGY.md, section 2.6.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .data import DataStore

# the calendar quarters (period, year offset) of fiscal year y, in order: Apr-Jun .. Jan-Mar
QUARTERS = (("Q2", 0), ("Q3", 0), ("Q4", 0), ("Q1", 1))
LEVEL, GROWTH, ANNUAL = "nominal_gdp_saar", "nominal_gdp_qoq", "nominal_gdp_preliminary"


@dataclass(frozen=True)
class Nowcast:
    """Nominal GDP of a finished fiscal year: ``level`` x exp(``sd`` z), z standard normal."""

    year: int
    level: float  # trillion yen
    sd: float  # s.d. of the log level
    quarters: tuple[float, ...]  # the four quarters' levels, Apr-Jun first
    revisions: int  # the number of revisions the s.d. rests on
    source: str


def _revisions(d: DataStore) -> list[float]:
    """Log revisions between consecutive vintages of the same figure (levels: log ratio;
    growth rates: the change of the rate), over the quarterly and preliminary series."""
    out = []
    for name, periods in ((LEVEL, ("Q1", "Q2", "Q3", "Q4")), (ANNUAL, ("FY",))):
        for per in periods:
            by_year: dict[int, list[float]] = {}
            for values in d.editions(name, per).values():  # oldest first
                for y, v in values.items():
                    by_year.setdefault(y, []).append(v)
            for vs in by_year.values():
                out += [math.log(b / a) for a, b in zip(vs, vs[1:], strict=False)]
    for per in ("Q1", "Q2", "Q3", "Q4"):
        by_year = {}
        for values in d.editions(GROWTH, per).values():
            for y, v in values.items():
                by_year.setdefault(y, []).append(v)
        for vs in by_year.values():
            out += [b - a for a, b in zip(vs, vs[1:], strict=False)]
    return out


def nowcast(d: DataStore, year: int) -> Nowcast | None:
    """The nowcast of fiscal year ``year``, or None when its January-March quarter, a growth
    rate of its back-cast or every revision is missing from the data published by as_of."""
    (p_last, off_last) = QUARTERS[-1]
    last = d.series(LEVEL, p_last).get(year + off_last)
    if last is None:
        return None
    levels = [last]
    for per, off in reversed(QUARTERS[1:]):  # the growth into each quarter, latest first
        g = d.series(GROWTH, per).get(year + off)
        if g is None:
            return None
        levels.insert(0, levels[0] / (1.0 + g))
    rev = _revisions(d)
    if not rev:
        return None
    r = math.sqrt(sum(x * x for x in rev) / len(rev))
    # the mean's log error: the last level's revision plus each growth link's, weighted by the
    # share of the four quarters it reaches back to (3/4, 2/4, 1/4)
    sd = r * math.sqrt(1.0 + sum((k / 4.0) ** 2 for k in (3, 2, 1)))
    level = sum(levels) / 4.0
    src = (
        f"mean of the four seasonally adjusted annualised quarters of FY{year} "
        f"({', '.join(f'{q:.1f}' for q in levels)}), back-cast from {last} (CY{year + 1} Q1) "
        "with the latest q/q growth rates; s.d. of the log level from the root mean square "
        f"({r:.4f}) of {len(rev)} revisions between vintages in the data"
    )
    return Nowcast(year, level, sd, tuple(levels), len(rev), src)
