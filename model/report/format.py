"""Numbers and probabilities as the report prints them, and HTML escaping.

Every number on the page goes through one of these, so a test can format the
value it reads from the NetCDF file and find the same text in the page.
"""

from __future__ import annotations

import html
import math
from typing import SupportsFloat, SupportsInt, cast

NICE_ODDS = (10, 15, 20, 25, 30, 40, 50, 100)


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


def fmt_prob_se(p: object, se: object) -> str:
    """'0.623 ± 0.008': the probability and its Monte Carlo standard error."""
    if isnan(p):
        return "n/a"
    return fmt_prob(p) if isnan(se) else f"{fmt_prob(p)} ± {_num(se):.3f}"


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


def _nice(n: float) -> int:
    """The denominator in NICE_ODDS nearest to ``n`` on a log scale."""
    return min(NICE_ODDS, key=lambda d: abs(math.log(d / n)))


def in_words(p: object) -> str:
    """A probability in words: 'almost no chance', 'about 1 in 20', 'about 3 in 10',
    'about 19 in 20', 'almost certain'.

    Below 0.01 'almost no chance' and above 0.99 'almost certain'; from 0.01 to
    0.1 'about 1 in N' and from 0.9 to 0.99 its mirror image 'about N-1 in N'
    (N = 1/p, or 1/(1-p), taken to the nearest of 10, 15, 20, 25, 30, 40, 50,
    100, so that 0.985 reads 'about 49 in 50', not 'about 10 in 10'); from 0.1
    to 0.9 'about k in 10', p rounded to the nearest tenth.
    """
    if isnan(p):
        return "not available"
    q = _num(p)
    if q < 0.01:
        return "almost no chance"
    if q > 0.99:
        return "almost certain"
    if q < 0.1:
        return f"about 1 in {_nice(1 / q)}"
    if q > 0.9:
        n = _nice(1 / (1 - q))
        return f"about {n - 1} in {n}"
    return f"about {math.floor(q * 10 + 0.5)} in 10"


def esc(x: object) -> str:
    """``x`` as text escaped for HTML content and attribute values."""
    return html.escape(str(x), quote=True)
