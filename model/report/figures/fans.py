"""Fan charts: the median with its 50%, 80% and 90% bands by fiscal year (three shades, as the
Bank of England and the IMF draw theirs), known years as a dark line and a dotted line where the
projection starts."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr

from ..access import denominator_words, part, policies, quantile
from ..format import fmt_threshold
from .common import (
    BAND_COLOR,
    HISTORY_COLOR,
    figure,
    grid,
    legend_place,
    target_color,
    target_lines,
    year_axis,
)

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

BAND_QUANTILES = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
# (lower, upper, alpha): 90%, 80% and 50% bands, lightest outside
BANDS = ((0.05, 0.95, 0.14), (0.1, 0.9, 0.22), (0.25, 0.75, 0.4))


def fan(ax: Axes, da: xr.DataArray, scale: float = 1.0, color: str = BAND_COLOR) -> bool:
    """Median, 50% and 90% bands of ``da`` (quantile, fiscal_year) times ``scale``; known years
    (where the bands collapse) as a dark line. False if there is nothing to draw."""
    years = np.asarray(da["fiscal_year"].values, dtype=int)
    q = {k: quantile(da, k) for k in BAND_QUANTILES}
    med = q[0.5]
    if med is None or not np.isfinite(med.values).any():
        return False
    v = {k: x.values * scale for k, x in q.items() if x is not None}
    for a, b, alpha in BANDS:
        if a in v and b in v:
            ax.fill_between(years, v[a], v[b], color=color, alpha=alpha, linewidth=0)
    ax.plot(years, v[0.5], color=color, linewidth=1.8)
    lo, hi = v.get(0.05, v[0.5]), v.get(0.95, v[0.5])
    known = np.isfinite(v[0.5]) & np.isclose(lo, hi, rtol=1e-9, atol=1e-12)
    projected = years[np.isfinite(v[0.5]) & ~known]
    if projected.size and known.any():
        # the projection starts between the last known year and the first projected one
        ax.axvline(projected.min() - 0.5, color=HISTORY_COLOR, linestyle=":", linewidth=1.0)
    if known.any():
        ax.plot(
            years[known],
            v[0.5][known],
            color=HISTORY_COLOR,
            linewidth=2.2,
            marker="o",
            markersize=3.5,
        )
    ax.grid(True, alpha=0.3)
    year_axis(ax, years)
    return True


def fan_legend_handles() -> list[Artist]:
    """Legend entries for the median, the two bands and the known years."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    return [
        Line2D([], [], color=BAND_COLOR, linewidth=1.8, label="median"),
        Patch(color=BAND_COLOR, alpha=0.62, label="50% band (25th-75th percentile)"),
        Patch(color=BAND_COLOR, alpha=0.33, label="80% band (10th-90th)"),
        Patch(color=BAND_COLOR, alpha=0.14, label="90% band (5th-95th)"),
        Line2D(
            [],
            [],
            color=HISTORY_COLOR,
            linewidth=2.2,
            marker="o",
            markersize=3.5,
            label="known (published) years",
        ),
        Line2D(
            [], [], color=HISTORY_COLOR, linestyle=":", linewidth=1.0, label="projection starts"
        ),
    ]


def gdp_fan(ds: xr.Dataset, scs: list[str | None]) -> Figure | None:
    """Nominal GDP (trillion yen), one panel per scenario."""
    n = len(scs)
    fig = figure(min(12, 5.5 * n) if n > 1 else 9, 4.4)
    axes = fig.subplots(1, n, sharey=True, squeeze=False)[0]
    drawn = False
    for ax, sc in zip(axes, scs, strict=True):
        drawn |= fan(ax, part(ds, sc)["nominal_gdp"])
        if sc is not None:
            ax.set_title(sc, fontsize=10)
    axes[0].set_ylabel("nominal GDP (trillion yen)")
    fig.legend(
        handles=fan_legend_handles(), loc="outside lower center", ncol=3, frameon=False, fontsize=9
    )
    fig.suptitle("Nominal GDP, 2020 base", fontsize=12)
    return fig if drawn else None


def policy_fans(
    part: xr.Dataset,
    var: str,
    title: str,
    ylabel: str,
    scale: float,
    targets: list[float],
    ylim: tuple[float, float] | None = None,
) -> Figure | None:
    """One fan panel per policy of ``var`` (quantile, fiscal_year, policy) times ``scale``,
    with the targets as dashed lines; ``ylim`` shared when given."""
    from matplotlib.lines import Line2D

    pols = policies(part, var)
    if not pols:
        return None
    fig = figure(12, 3.1 * math.ceil(len(pols) / 4) + 0.9)
    axes, spare = grid(fig, len(pols), 4, sharey=True)
    own_targets: list[float] = []
    for ax, pol in zip(axes, pols, strict=True):
        fan(ax, part[var].sel(policy=pol), scale=scale)
        if targets:
            target_lines(ax, targets)
            own = _own_target(part, pol)
            if own is not None and not any(np.isclose(own, targets)):
                # the policy's own yardstick (NATO-style: 5%, 3.5% core, 1.5% resilience)
                target_lines(ax, [own])
                own_targets.append(own)
        words = denominator_words(part, pol)
        ax.set_title(f"{pol}\n{words}" if words and targets else pol, fontsize=9.5)
    for i, ax in enumerate(axes):
        if i % 4 == 0:
            ax.set_ylabel(ylabel, fontsize=9)
    if ylim is not None:
        axes[0].set_ylim(*ylim)  # shared: the same scale in every scenario's figure
    handles = fan_legend_handles()
    handles += [
        Line2D([], [], color=target_color(t), linestyle="--", label=f"target {fmt_threshold(t)}")
        for t in [*targets, *dict.fromkeys(own_targets)]
    ]
    legend_place(fig, spare, handles, ncol_bottom=3)
    fig.suptitle(title, fontsize=12)
    return fig


def _own_target(part: xr.Dataset, pol: str) -> float | None:
    """The target the policy file names for this entry, or None."""
    if "policy_target" not in part:
        return None
    t = float(part["policy_target"].sel(policy=pol).values)
    return None if not np.isfinite(t) else t


def common_ylim(da: xr.DataArray, scale: float, targets: list[float]) -> tuple[float, float] | None:
    """One y range for a quantity over every scenario and policy (the 90% band and the
    targets in percent), padded by 5%."""
    bands = [np.ravel(x.values) for q in (0.05, 0.95) if (x := quantile(da, q)) is not None]
    vals = np.concatenate(bands) * scale if bands else np.array([])
    vals = np.concatenate([vals[np.isfinite(vals)], np.array(targets) * 100.0])
    if vals.size == 0:
        return None
    lo, hi = float(vals.min()), float(vals.max())
    pad = 0.05 * (hi - lo or 1.0)
    return lo - pad, hi + pad
