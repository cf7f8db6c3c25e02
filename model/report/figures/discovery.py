"""The scenario-discovery chart (``jdef discover`` and the report): PRIM's coverage-density
trade-off along its peeling trajectory, and the experiments on the box's two leading inputs
with the box drawn."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr

from .common import figure, png_bytes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CASE_COLOR, OTHER_COLOR, BOX_COLOR = "#d62728", "#9aa5b1", "#1f77b4"


def discovery_figure(ds: xr.Dataset) -> Figure:
    """Left: coverage against density per trajectory step (colour: restricted inputs), the
    selected box circled. Right: the experiments on the two inputs the selected box restricts
    first (the branch as a categorical axis), cases of interest in red, the box outlined."""
    sel = int(ds.attrs["selected_step"])
    fig = figure(11.0, 4.6)
    ax1, ax2 = fig.subplots(1, 2)
    cov, den = ds["box_coverage"].values, ds["box_density"].values
    sc = ax1.scatter(cov, den, c=ds["box_restricted_dimensions"].values, cmap="viridis", s=22)
    ax1.plot(cov, den, color="#cccccc", lw=0.8, zorder=0)
    ax1.scatter([cov[sel]], [den[sel]], s=160, facecolors="none", edgecolors="black", lw=1.5)
    ax1.annotate(
        f"step {sel}: coverage {cov[sel]:.2f}, density {den[sel]:.2f}",
        (cov[sel], den[sel]),
        xytext=(8, -14),
        textcoords="offset points",
        fontsize=8,
    )
    ax1.set_xlabel("coverage (share of cases of interest in the box)")
    ax1.set_ylabel("density (share of the box that is of interest)")
    ax1.set_title("PRIM peeling trajectory", fontsize=10)
    cb = fig.colorbar(sc, ax=ax1, label="inputs restricted")
    cb.set_ticks(sorted({int(v) for v in ds["box_restricted_dimensions"].values}))
    _scatter(ax2, ds, sel)
    return fig


def _axis_values(ds: xr.Dataset, name: str) -> tuple[np.ndarray, list[str] | None]:
    if name == "branch":
        names = sorted({str(b) for b in ds["experiment_branch"].values})
        codes = np.array([names.index(str(b)) for b in ds["experiment_branch"].values], float)
        jitter = np.random.default_rng(0).uniform(-0.3, 0.3, codes.size)
        return codes + jitter, names
    return ds["experiment_inputs"].sel(input=name).values, None


def _restricted(ds: xr.Dataset, sel: int) -> list[str]:
    inputs = [str(i) for i in ds["input"].values]
    low = ds["box_low"].values[sel]
    out = [n for n, lo in zip(inputs, low, strict=True) if not np.isnan(lo)]
    if "box_branches" in ds and str(ds["box_branches"].values[sel]) != "(all)":
        out = ["branch", *out]
    return out


def _scatter(ax, ds: xr.Dataset, sel: int) -> None:
    names = _restricted(ds, sel)
    if not names:
        ax.text(0.5, 0.5, "the box restricts no input", ha="center", transform=ax.transAxes)
        return
    if len(names) == 1:  # a second axis for the picture: the first other input
        others = [str(i) for i in ds["input"].values if str(i) != names[0]]
        names = names + others[:1]
    if len(names) < 2:
        names = names * 2
    xn, yn = names[0], names[1]
    x, xcats = _axis_values(ds, xn)
    y, ycats = _axis_values(ds, yn)
    case = ds["experiment_is_case_of_interest"].values.astype(bool)
    ax.scatter(x[~case], y[~case], s=9, color=OTHER_COLOR, label="other", alpha=0.7)
    ax.scatter(x[case], y[case], s=11, color=CASE_COLOR, label="case of interest", alpha=0.8)

    def lims(name: str, cats: list[str] | None, vals: np.ndarray) -> tuple[float, float]:
        if cats is not None:
            inside = str(ds["box_branches"].values[sel]).split(", ")
            idx = [cats.index(c) for c in inside if c in cats] or list(range(len(cats)))
            return min(idx) - 0.4, max(idx) + 0.4
        j = [str(i) for i in ds["input"].values].index(name)
        lo, hi = ds["box_low"].values[sel, j], ds["box_high"].values[sel, j]
        return (
            float(np.nanmin(vals)) if np.isnan(lo) else float(lo),
            float(np.nanmax(vals)) if np.isnan(hi) else float(hi),
        )

    def spans(name: str, cats: list[str] | None, vals: np.ndarray) -> list[tuple[float, float]]:
        """The box's extent on an axis: one span per category inside it (the categories are not
        ordered), or the numeric range."""
        if cats is None:
            return [lims(name, cats, vals)]
        inside = str(ds["box_branches"].values[sel]).split(", ")
        idx = [cats.index(c) for c in inside if c in cats] or list(range(len(cats)))
        return [(i - 0.4, i + 0.4) for i in idx]

    label = "box"
    for x0, x1 in spans(xn, xcats, x):
        for y0, y1 in spans(yn, ycats, y):
            ax.plot(
                [x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0], color=BOX_COLOR, lw=1.8, label=label
            )
            label = "_"
    for cats, setter in ((xcats, ax.set_xticks), (ycats, ax.set_yticks)):
        if cats is not None:
            setter(range(len(cats)), cats, fontsize=7)
    if xcats is not None:
        ax.tick_params(axis="x", labelrotation=30)
    ax.set_xlabel(xn)
    ax.set_ylabel(yn)
    ax.set_title("Experiments and the selected box", fontsize=10)
    ax.legend(fontsize=7, loc="best")


def write_discovery_png(ds: xr.Dataset, path: Path) -> Path:
    """Draw ``discovery_figure(ds)`` and write it atomically as PNG at ``path``."""
    from ...io import write_bytes

    return write_bytes(png_bytes(discovery_figure(ds)), path)
