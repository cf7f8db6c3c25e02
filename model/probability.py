"""Monte Carlo probabilities: their binomial interval, their words, and their text.

Every probability jdef stores or shows is a share of ``n`` draws. Its Monte Carlo standard
error sqrt(p (1 - p) / n) is zero at p = 0 and p = 1, while 0 successes in 10,000 draws
still leave a 95% upper bound near 0.0004; so each probability also carries the
Clopper-Pearson ("exact") 95% interval, from the beta distribution's quantiles
(``scipy.special.betaincinv``, vectorised: the inverse regularised incomplete beta function,
the same Boost routine as ``scipy.stats.beta.ppf`` without importing ``scipy.stats``, about
1 s of start-up; the same bounds as
``scipy.stats.binomtest(k, n).proportion_ci(method="exact")``, which takes one cell at a time).

A *known* cell (a fiscal year whose ratio has no Monte Carlo spread: every draw the same) is
a fact, not an estimate: its interval is the point itself and it is shown as known.

Words follow the U.S. Intelligence Community's probability yardstick, ICD 203 "Analytic
Standards" (Office of the Director of National Intelligence, 2 January 2015, section D.6.a),
whose bands start at 1% and end at 99%; outside them jdef says "less than 1 in 100" or
"more than 99 in 100" rather than stretch the scale's words.

One function formats a probability for the terminal, the CSV and the HTML page
(:func:`fmt_probability`), so the three read the same.
"""

from __future__ import annotations

import math
from typing import SupportsFloat, cast

import numpy as np

LEVEL = 0.95
METHOD = "Clopper-Pearson (exact binomial) 95% interval, beta quantiles by scipy.special.betaincinv"
YARDSTICK = (
    "ICD 203 (ODNI, Analytic Standards, 2015-01-02, D.6.a): almost no chance 1-5%, "
    "very unlikely 5-20%, unlikely 20-45%, roughly even chance 45-55%, likely 55-80%, "
    "very likely 80-95%, almost certain 95-99%"
)
YARDSTICK_SHORT = "ICD 203 (US Intelligence Community probability yardstick)"
# (upper end of the band, exclusive; words); ICD 203 D.6.a
ICD203 = (
    (0.05, "almost no chance"),
    (0.20, "very unlikely"),
    (0.45, "unlikely"),
    (0.55, "roughly even chance"),
    (0.80, "likely"),
    (0.95, "very likely"),
    (0.99 + 1e-12, "almost certain"),
)


def clopper_pearson(
    k: np.ndarray | float, n: int, level: float = LEVEL
) -> tuple[np.ndarray, np.ndarray]:
    """The exact binomial interval of ``k`` successes in ``n`` trials (arrays broadcast).

    At k = 0 the lower bound is 0 and the upper 1 - (alpha/2)^(1/n); at k = n the mirror image.
    """
    from scipy.special import betaincinv

    k = np.asarray(k, dtype=float)
    a = (1.0 - level) / 2.0
    with np.errstate(invalid="ignore"):
        lo = np.where(k > 0, betaincinv(k, n - k + 1, a), 0.0)
        hi = np.where(k < n, betaincinv(k + 1, n - k, 1.0 - a), 1.0)
    nan = np.isnan(k)
    return np.where(nan, np.nan, lo), np.where(nan, np.nan, hi)


def interval(
    p: np.ndarray | float, n: int, known: np.ndarray | bool = False, level: float = LEVEL
) -> tuple[np.ndarray, np.ndarray]:
    """The interval of probabilities ``p`` estimated from ``n`` draws (k = p n, rounded);
    ``known`` cells get the point itself."""
    p = np.asarray(p, dtype=float)
    lo, hi = clopper_pearson(np.rint(p * n), n, level)
    known = np.broadcast_to(np.asarray(known, dtype=bool), p.shape)
    return np.where(known, p, lo), np.where(known, p, hi)


def _num(x: object) -> float:
    return float(cast(SupportsFloat, x))


def _missing(x: object) -> bool:
    try:
        return x is None or math.isnan(_num(x))
    except (TypeError, ValueError):
        return True


def in_words(p: object, known: bool = False) -> str:
    """The ICD 203 words for probability ``p``; 'known' for a known cell."""
    if _missing(p):
        return "not available"
    q = _num(p)
    if known:
        return "known"
    if q < 0.01:
        return "less than 1 in 100"
    for top, words in ICD203:
        if q < top:
            return words
    return "more than 99 in 100"


def fmt_se(se: float) -> str:
    """A standard error to three places; '<0.001' where a non-zero one rounds to zero."""
    return "<0.001" if 0 < se < 0.0005 else f"{se:.3f}"


def fmt_bound(x: object) -> str:
    """An interval bound: three places, or two significant digits of its distance from 0 or 1
    when that is under 0.001 ('0.00037', '0.99963')."""
    if _missing(x):
        return "n/a"
    v = _num(x)
    near = min(v, 1.0 - v)
    if 0 < near < 0.001:
        return f"{v:.{1 - math.floor(math.log10(near))}f}"
    return f"{v:.3f}"


def fmt_probability(
    p: object, se: object = None, lo: object = None, hi: object = None, known: bool = False
) -> str:
    """'0.623 ± 0.008 [0.607, 0.639]': the probability, its Monte Carlo s.e. and its 95%
    interval; '1 (known)' for a known cell; 'n/a' when missing."""
    if _missing(p):
        return "n/a"
    v = _num(p)
    if known:
        return f"{v:.0f} (known)"
    out = f"{v:.3f}"
    if not _missing(se):
        out += f" ± {fmt_se(_num(se))}"
    if not (_missing(lo) or _missing(hi)):
        out += f" [{fmt_bound(lo)}, {fmt_bound(hi)}]"
    return out
