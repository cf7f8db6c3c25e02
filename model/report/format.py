"""Numbers and probabilities as the report prints them, and HTML escaping.

Every number on the page goes through one of these, so a test can format the
value it reads from the NetCDF file and find the same text in the page.
"""

from __future__ import annotations

import html
import math
from typing import SupportsFloat, SupportsInt, cast

from ..probability import fmt_probability, in_words

__all__ = [
    "esc",
    "fmt_index",
    "fmt_prob",
    "fmt_prob_se",
    "fmt_ratio",
    "fmt_threshold",
    "fmt_yen",
    "fy",
    "in_words",
    "isnan",
]


def fy(year: object) -> str:
    """A fiscal year as 'FY2027'."""
    return f"FY{int(cast(SupportsInt, year))}"


def isnan(x: object) -> bool:
    """True for None, NaN and anything that is not a number."""
    try:
        return x is None or math.isnan(_num(x))
    except (TypeError, ValueError):
        return True


def _num(x: object) -> float:
    return float(cast(SupportsFloat, x))


def fmt_prob(p: object) -> str:
    """A probability with three decimals, '0.623' ('n/a' when missing)."""
    return "n/a" if isnan(p) else f"{_num(p):.3f}"


def fmt_prob_se(
    p: object, se: object, lo: object = None, hi: object = None, known: bool = False
) -> str:
    """'0.623 ± 0.008 [0.607, 0.639]': the probability, its Monte Carlo standard error and
    its 95% interval (``jdef.probability.fmt_probability``, as in the terminal and the CSV)."""
    return fmt_probability(p, se, lo, hi, known)


def fmt_yen(x: object) -> str:
    """Trillion yen with two decimals, '40.50'."""
    return "n/a" if isnan(x) else f"{_num(x):.2f}"


def fmt_ratio(r: object) -> str:
    """A ratio to GDP as a percentage with two decimals, '2.13%'."""
    return "n/a" if isnan(r) else f"{_num(r) * 100:.2f}%"


def fmt_threshold(t: float) -> str:
    """A target as '2%' or '3.5%'."""
    return f"{float(t) * 100:g}%"


def fmt_index(x: object) -> str:
    """A sensitivity index with three decimals."""
    return "n/a" if isnan(x) else f"{_num(x):.3f}"


def esc(x: object) -> str:
    """``x`` as text escaped for HTML content and attribute values."""
    return html.escape(str(x), quote=True)
