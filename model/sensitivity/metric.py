"""The metric a sensitivity analysis explains: its syntax, its per-draw quantity and its
reduction over the draws (a probability or a quantile) with its Monte Carlo error."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import categories as cats
from ..calendar import Paths
from ..constants import PLAN_LAST_YEAR
from ..errors import InputError
from ..inputs import ModelInputs, PolicyEntry
from ..metrics import (
    TOLERANCE,
    entry_accounts,
    entry_denominator,
    plan_accounts,
    probability,
    quantiles,
)
from ..policies import uncertain_columns, year_mask
from ..shocks import Shocks

METRIC_HELP = (
    "p_reach:YEAR:THRESHOLD:POLICY | p_reach_by:YEAR:THRESHOLD:POLICY | "
    "ratio_q:YEAR:QUANTILE:POLICY | "
    "plan_cum:contract|expenditure:QUANTILE"
)


@dataclass(frozen=True)
class Metric:
    """A parsed metric (see ``METRIC_HELP``).

    ``kind`` is p_reach, p_reach_by, ratio_q or plan_cum; ``value`` the threshold (a ratio to
    GDP or the denominator) or the quantile; ``policy`` the policy entry's label; ``basis``
    contract or expenditure (plan_cum).
    """

    text: str
    kind: str
    year: int = 0
    value: float = 0.0
    policy: str = ""
    basis: str = ""

    @property
    def is_probability(self) -> bool:
        return self.kind in ("p_reach", "p_reach_by")

    def long_name(self) -> str:
        if self.kind == "p_reach":
            return f"P(ratio >= {self.value:g} in FY{self.year}) under {self.policy}"
        if self.kind == "p_reach_by":
            return (
                f"P(ratio >= {self.value:g} in some year up to FY{self.year}) under {self.policy}"
            )
        if self.kind == "ratio_q":
            return f"{self.value:g} quantile of the ratio in FY{self.year} under {self.policy}"
        return (
            f"{self.value:g} quantile of FY2023-FY{PLAN_LAST_YEAR} {self.basis} spending "
            "(trillion yen)"
        )

    @property
    def last_year(self) -> int | None:
        """The last fiscal year the metric reads (None: it may read any)."""
        return self.year if self.kind in ("p_reach", "p_reach_by", "ratio_q") else None

    def per_draw(
        self, inp: ModelInputs, paths: Paths, sh: Shocks, entry: PolicyEntry | None = None
    ) -> np.ndarray:
        """The per-draw quantity, shape (n,): an indicator (probabilities, 0 or 1), a ratio
        (ratio_q, 1) or cumulative spending (plan_cum, trillion yen). ``entry``: the policy's
        entry to count by instead of ``inp``'s (e.g. with its shares pinned)."""
        if self.kind == "plan_cum":
            acc = plan_accounts(inp, paths)
            return acc["cum_contracts" if self.basis == "contract" else "cum_expenditure"]
        e = entry or next(e for e in inp.accounting.entries if e.label == self.policy)
        c, d = entry_accounts(inp, paths, sh, e)
        ratio = c / d
        j = inp.axis.idx(self.year)
        if self.kind == "p_reach":
            return (ratio[j] >= self.value - TOLERANCE).astype(float)
        if self.kind == "p_reach_by":
            return (ratio[: j + 1] >= self.value - TOLERANCE).any(axis=0).astype(float)
        return ratio[j]

    def per_draw_many(
        self, inp: ModelInputs, paths: Paths, sh: Shocks, entries: list[PolicyEntry], n: int
    ) -> np.ndarray | None:
        """The per-draw quantity of ``len(entries)`` evaluations stacked on the draw axis
        (evaluation k: draws [k n, (k + 1) n), counted by ``entries[k]``, which differ only in
        their shares known exactly), shape (k n,); the same numbers as ``per_draw`` of each
        evaluation. None where it cannot stack them (plan_cum, an outlays basis, entries whose
        shares differ otherwise): evaluate them one at a time then."""
        if self.kind not in ("p_reach", "p_reach_by", "ratio_q") or not entries:
            return None
        e0 = entries[0]
        shape = [(k, s.from_year, s.to_year, s.low != s.high) for k, s in e0.shares.items()]
        if e0.outlays or any(
            e.outlays
            or e.supplementary != e0.supplementary
            or e.denominator != e0.denominator
            or [(k, s.from_year, s.to_year, s.low != s.high) for k, s in e.shares.items()] != shape
            for e in entries
        ):
            return None
        j = inp.axis.idx(self.year)  # the years after it are not needed
        c = _counted_many_entries(inp, paths.spending[: j + 1], entries, sh.u_shares, n)
        d = entry_denominator(inp, e0, paths.gdp_reported, paths.gdp_outlook)
        ratio = c / d[: j + 1]
        if self.kind == "p_reach":
            return (ratio[j] >= self.value - TOLERANCE).astype(float)
        if self.kind == "p_reach_by":
            return (ratio[: j + 1] >= self.value - TOLERANCE).any(axis=0).astype(float)
        return ratio[j]

    def reduce(self, v: np.ndarray) -> float:
        """The metric from its per-draw values ``v`` (n,): their mean or their quantile."""
        if self.is_probability:
            return float(v.mean())
        return float(quantiles(v, np.array([self.value]))[0])

    def standard_error(self, v: np.ndarray, batches: int = 20) -> float:
        """Monte Carlo standard error of the metric from its per-draw values ``v`` (n,):
        binomial for a probability, else by batch means over the draws."""
        if self.is_probability:
            return float(probability(v)[1])
        vals = np.array([self.reduce(p) for p in np.array_split(v, batches)])
        return float(vals.std(ddof=1) / math.sqrt(batches))


def parse_metric(text: str, inp: ModelInputs) -> Metric:
    """Parse the metric syntax (``METRIC_HELP``) against the scenario's inputs.

    Raises
    ------
    InputError
        Naming ``metric``, for unknown policies, years outside the axis or values outside [0, 1].
    """
    parts = text.split(":")

    def bad(why: str) -> InputError:
        return InputError("metric", text, f"{why}; syntax: {METRIC_HELP}")

    labels = [e.label for e in inp.accounting.entries]
    if parts[0] == "plan_cum":
        if len(parts) != 3 or parts[1] not in ("contract", "expenditure"):
            raise bad("expected plan_cum:contract|expenditure:QUANTILE")
        q = _number(parts[2], bad)
        if not 0 <= q <= 1:
            raise bad("the quantile must lie in [0, 1]")
        return Metric(text, "plan_cum", value=q, basis=parts[1])
    if parts[0] not in ("p_reach", "p_reach_by", "ratio_q") or len(parts) < 4:
        raise bad(f"unknown metric '{parts[0]}'")
    policy = ":".join(parts[3:])  # a bucket label contains a colon
    year = _number(parts[1], bad)
    value = _number(parts[2], bad)
    if int(year) != year or int(year) not in inp.axis.years:
        raise bad(f"year {parts[1]} is outside FY{inp.axis.years[0]}-FY{inp.axis.years[-1]}")
    if policy not in labels:
        raise bad(f"unknown policy '{policy}'; the scenario reports: {', '.join(labels)}")
    if not 0 <= value <= 1:
        raise bad("the threshold or quantile must lie in [0, 1]")
    return Metric(text, parts[0], int(year), value, policy)


def _number(s: str, bad: Callable[[str], InputError]) -> float:
    try:
        return float(s)
    except ValueError:
        raise bad(f"not a number: {s!r}") from None


def _counted_many_entries(
    inp: ModelInputs,
    spending: np.ndarray,
    entries: list[PolicyEntry],
    u_shares: dict[str, np.ndarray],
    n: int,
) -> np.ndarray:
    """Counted spending (n_year, k n) of ``k = len(entries)`` stacked evaluations, entry k
    counting draws [k n, (k + 1) n) of ``spending`` (n_year, n_category, k n; the first
    n_year years of the axis): per draw the
    arithmetic of ``metrics.entry_accounts`` (``policies.counted_many``: the shares known
    exactly summed year by year in category order, then the uncertain ones column by column;
    the known years set to ``metrics.known_counted``), for the k entries at once.
    tests/unit/test_stacked.py checks the two agree bit for bit."""
    e0, k = entries[0], len(entries)
    n_year, n_cat, _ = spending.shape
    years = inp.axis.years[:n_year]
    mask = year_mask(e0.shares, years)  # the same for every entry (from and to years)
    var = uncertain_columns(e0.shares, e0.supplementary)
    w = np.empty((k, n_cat, n_year))
    row = np.zeros((k, n_cat))  # policies.share_values' value of each share known exactly
    for i, e in enumerate(entries):
        for name, s in e.shares.items():
            if cats.BY_NAME[name].kind == "supplementary" and not e.supplementary:
                continue
            if s.low == s.high:
                row[i, cats.INDEX[name]] = s.low
        w[i] = np.where(var, 0.0, row[i])[:, None] * mask
    out = np.empty((n_year, k, n))
    np.einsum("ycen,ecy->yen", spending.reshape(n_year, n_cat, k, n), w, out=out)
    flat = out.reshape(n_year, k * n)
    tmp = np.empty((n_year, k * n))
    for col in np.flatnonzero(var):
        s = e0.shares[cats.NAMES[col]]
        u = u_shares[cats.NAMES[col]]
        np.multiply(spending[:, col, :], s.low + (s.high - s.low) * u, out=tmp)
        tmp *= mask[col][:, None]
        flat += tmp
    # metrics.known_counted for every entry: the known years are one number each
    spend = inp.known.spending[:, :n_year]
    kc = np.zeros((k, n_year))
    for name in e0.shares:
        c = cats.INDEX[name]
        if cats.BY_NAME[name].kind == "supplementary" and not e0.supplementary:
            continue
        wk = np.array(
            [s.low if s.low == s.high else np.nan for s in (e.shares[name] for e in entries)]
        )
        kc += np.where(mask[c] > 0, wk[:, None] * mask[c] * spend[c], 0.0)
    # which years are known depends on which shares are uncertain: the same for every entry
    known = np.flatnonzero(~np.isnan(kc[0]))
    out[known] = kc[:, known].T[:, :, None]
    return flat
