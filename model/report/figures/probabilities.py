"""Probability of reaching the targets by fiscal year, with bands of two Monte Carlo errors."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from ..access import part, policies, years
from ..format import fmt_threshold
from .common import figure, grid, legend_place, line_style, note_if_flat, series_colors, year_axis

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# The two probability variables and how the report describes each.
PROB_MEASURES = {
    "probability_of_spending_ratio_above_threshold": "in the fiscal year",
    "probability_of_spending_ratio_reached_threshold_by_year": (
        "reached in some year from FY2023 up to then"
    ),
}


def prob_series(
    part: xr.Dataset, var: str, pol: str, t: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(probability, lower, upper) by fiscal year: the 95% Clopper-Pearson interval the file
    holds (``NAME_lower_bound``, ``NAME_upper_bound``), else +/- 2 standard errors, else the
    point."""
    at = dict(policy=pol, threshold=t)
    p = part[var].sel(at).values
    if f"{var}_lower_bound" in part and f"{var}_upper_bound" in part:
        lo = part[f"{var}_lower_bound"].sel(at).values
        hi = part[f"{var}_upper_bound"].sel(at).values
        return p, np.where(np.isnan(lo), p, lo), np.where(np.isnan(hi), p, hi)
    se_name = f"{var}_standard_error"
    se = part[se_name].sel(at).values if se_name in part else np.zeros_like(p)
    se = np.nan_to_num(se)
    return p, np.clip(p - 2 * se, 0, 1), np.clip(p + 2 * se, 0, 1)


def _prob_axes(ax: Axes, yrs: np.ndarray) -> None:
    ax.set_ylim(-0.03, 1.03)
    ax.grid(True, alpha=0.3)
    year_axis(ax, yrs)


def _prob_line(
    ax: Axes,
    yrs: np.ndarray,
    p: np.ndarray,
    band: tuple[np.ndarray, np.ndarray],
    color: Any,
    label: str,
    k: int,
) -> None:
    """A probability by year with its 95% interval shaded."""
    ax.fill_between(yrs, band[0], band[1], color=color, alpha=0.2, linewidth=0)
    ax.plot(yrs, p, color=color, label=label, **line_style(k))


def run_probabilities(ds: xr.Dataset, targets: list[float]) -> Figure | None:
    """A run: one panel per measure and target, one line per policy."""
    measures = [m for m in PROB_MEASURES if m in ds]
    pols = policies(ds)
    if not measures or not targets or not pols:
        return None
    colors = series_colors(pols)
    yrs = years(ds)
    fig = figure(12, 3.6 * len(measures) + 1.2)
    axes = fig.subplots(len(measures), len(targets), sharex=True, sharey=True, squeeze=False)
    for i, m in enumerate(measures):
        for j, t in enumerate(targets):
            ax = axes[i, j]
            series = []
            for k, pol in enumerate(pols):
                p, lo, hi = prob_series(ds, m, pol, t)
                series.append(p)
                _prob_line(ax, yrs, p, (lo, hi), colors[pol], pol, k)
            _prob_axes(ax, yrs)
            note_if_flat(ax, series, "policy")
            ax.set_title(f"P(ratio ≥ {fmt_threshold(t)}), {PROB_MEASURES[m]}", fontsize=10)
            if j == 0:
                ax.set_ylabel("probability")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncol=min(7, len(pols)),
        frameon=False,
        fontsize=9,
        title="policy (shaded: 95% Clopper-Pearson interval)",
        title_fontsize=9,
    )
    fig.suptitle(
        "Probability that counted spending / GDP denominator reaches the target", fontsize=12
    )
    return fig


def batch_probabilities(ds: xr.Dataset, scs: list[str], m: str, t: float) -> Figure | None:
    """A batch, for measure ``m`` and target ``t``: one panel per policy, one line per scenario."""
    from matplotlib.lines import Line2D

    pols = policies(ds)
    if not pols:
        return None
    colors = series_colors(scs)
    yrs = years(ds)
    fig = figure(12, 3.0 * math.ceil(len(pols) / 4) + 1.0)
    axes, spare = grid(fig, len(pols), 4, sharey=True)
    drawn: set[str] = set()
    for ax, pol in zip(axes, pols, strict=True):
        series = []
        for k, sc in enumerate(scs):
            p, lo, hi = prob_series(part(ds, sc), m, pol, t)
            if not np.isfinite(p).any():
                continue
            series.append(p)
            drawn.add(sc)
            _prob_line(ax, yrs, p, (lo, hi), colors[sc], sc, k)
        _prob_axes(ax, yrs)
        note_if_flat(ax, series, "scenario")
        ax.set_title(pol, fontsize=9.5)
    for i, ax in enumerate(axes):
        if i % 4 == 0:
            ax.set_ylabel("probability", fontsize=9)
    handles = [
        Line2D(
            [],
            [],
            color=colors[sc],
            label=sc if sc in drawn else f"{sc} (no data here)",
            **line_style(k),
        )
        for k, sc in enumerate(scs)
    ]
    legend_place(
        fig,
        spare,
        handles,
        ncol_bottom=min(5, len(scs)),
        title="scenario (shaded: ± 2 s.e.)",
        title_fontsize=9,
    )
    fig.suptitle(f"P(ratio ≥ {fmt_threshold(t)}), {PROB_MEASURES[m]}", fontsize=12)
    return fig
