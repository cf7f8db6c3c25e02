"""The sensitivity chart, shared by ``jdef sensitivity`` and the report: Sobol S1 and ST with
their 95% confidence intervals, Morris mu*, and the one-at-a-time tornado.

One panel per method present in the Dataset; factors ranked by importance, the most
important on top.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from ..access import sensitivity_slice, sensitivity_vars, where_text
from .common import add_source, figure, png_bytes, source_line

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SOBOL_COLORS = {"S1": "#1f77b4", "ST": "#ff7f0e"}
SIDE_COLORS = {"low": "#1f77b4", "high": "#ff7f0e"}
MORRIS_COLOR = "#2ca02c"
NOMINAL_COLOR = "black"
ERROR_BAR = {"ecolor": "#333333", "capsize": 2.5, "elinewidth": 1.0}


def _values(part: xr.Dataset, var: str) -> np.ndarray:
    """``var`` sliced to (parameter,) as float, or NaN throughout when the file lacks it."""
    if var not in part:
        return np.full(part.sizes["parameter"], np.nan)
    return sensitivity_slice(part[var])[0].values.astype(float)


def oat_nominal(part: xr.Dataset) -> float:
    """The metric with every factor nominal (``oat_nominal``, sliced like the low/high values)."""
    return float(sensitivity_slice(part["oat_nominal"])[0].values)


def importance_order(part: xr.Dataset) -> np.ndarray:
    """Parameter indices, most important first: by Sobol ST (else S1), else Morris mu*, else
    the OAT swing |high - low|; undefined (NaN) indices last."""
    present = sensitivity_vars(part)
    if "sobol_ST" in present or "sobol_S1" in present:
        key = _values(part, "sobol_ST" if "sobol_ST" in present else "sobol_S1")
    elif "morris_mu_star" in present:
        key = _values(part, "morris_mu_star")
    else:
        key = np.abs(_values(part, "oat_high") - _values(part, "oat_low"))
    return np.argsort(-np.nan_to_num(key, nan=-np.inf), kind="stable")


def _unit_suffix(attrs: dict[Any, Any]) -> str:
    u = str(attrs.get("units", "")).strip()
    if u in ("", "1"):
        return ""
    return " (trillion yen)" if u == "1e12" else f" ({u})"


def _metric_name(part: xr.Dataset) -> str:
    if "metric" in part.coords:
        return str(part["metric"].attrs.get("long_name", "outcome"))
    return "outcome"


def tornado(
    ax: Axes, names: list[str], low: np.ndarray, high: np.ndarray, nominal: float
) -> np.ndarray:
    """One-at-a-time tornado: for each factor a bar from ``nominal`` to the metric at the
    factor's low value and one to the metric at its high value, coloured by side, with a
    line at ``nominal``. Widest swing on top. Returns the order drawn (bottom to top)."""
    order = np.argsort(np.nan_to_num(np.abs(high - low), nan=-1.0), kind="stable")
    y = np.arange(len(names))
    ax.barh(
        y,
        low[order] - nominal,
        left=nominal,
        height=0.7,
        color=SIDE_COLORS["low"],
        label="factor at its low value",
    )
    ax.barh(
        y,
        high[order] - nominal,
        left=nominal,
        height=0.7,
        color=SIDE_COLORS["high"],
        alpha=0.85,
        label="factor at its high value",
    )
    ax.axvline(nominal, color=NOMINAL_COLOR, linewidth=1.0, label=f"nominal ({nominal:.4g})")
    ax.set_yticks(y, [names[i] for i in order], fontsize=8.5)
    ax.legend(loc="lower right", fontsize=8.5, framealpha=0.9)
    return order


def sobol_bars(
    ax: Axes,
    names: list[str],
    s1: np.ndarray,
    st: np.ndarray,
    s1_conf: np.ndarray | None = None,
    st_conf: np.ndarray | None = None,
) -> np.ndarray:
    """First- and total-order Sobol indices side by side per factor, each with its 95%
    confidence half-width as an error bar when given. Largest ST on top. Returns the order."""
    order = np.argsort(np.nan_to_num(st, nan=-1.0), kind="stable")
    y = np.arange(len(names))

    def err(conf: np.ndarray | None) -> np.ndarray | None:
        return None if conf is None else np.nan_to_num(conf[order])

    ax.barh(
        y - 0.2,
        s1[order],
        height=0.4,
        xerr=err(s1_conf),
        error_kw=ERROR_BAR,
        color=SOBOL_COLORS["S1"],
        label="first order $S_1$",
    )
    ax.barh(
        y + 0.2,
        st[order],
        height=0.4,
        xerr=err(st_conf),
        error_kw=ERROR_BAR,
        color=SOBOL_COLORS["ST"],
        label="total order $S_T$",
    )
    ax.set_yticks(y, [names[i] for i in order], fontsize=8.5)
    ax.legend(
        loc="lower right",
        fontsize=8.5,
        framealpha=0.9,
        title="error bars: 95% bootstrap intervals" if s1_conf is not None else None,
        title_fontsize=8,
    )
    return order


def morris_bars(
    ax: Axes, names: list[str], mu_star: np.ndarray, conf: np.ndarray | None = None
) -> np.ndarray:
    """Morris mu* per factor, with its 95% confidence half-width when given. Largest on top."""
    order = np.argsort(np.nan_to_num(mu_star, nan=-1.0), kind="stable")
    y = np.arange(len(names))
    xerr = None if conf is None else np.nan_to_num(conf[order])
    ax.barh(y, mu_star[order], xerr=xerr, error_kw=ERROR_BAR, color=MORRIS_COLOR)
    ax.set_yticks(y, [names[i] for i in order], fontsize=8.5)
    return order


def _conf(part: xr.Dataset, var: str) -> np.ndarray | None:
    return _values(part, f"{var}_conf") if f"{var}_conf" in part else None


def sensitivity_figure(part: xr.Dataset) -> tuple[Figure | None, dict[str, object]]:
    """The sensitivity chart of a result with a ``parameter`` dimension.

    Parameters
    ----------
    part : Dataset
        A ``jdef sensitivity`` result (dims parameter, metric) or one scenario of a
        result holding sobol_S1/ST (with ``_conf``), morris_mu_star (with ``_conf``) or
        oat_low/oat_high with oat_nominal. Other dims are sliced by ``sensitivity_slice``.

    Returns
    -------
    (the figure, or None when no method's variables are present; {dim: value} the slice
    shown)
    """
    present = sensitivity_vars(part)
    panels = [
        kind
        for kind, ok in (
            ("sobol", "sobol_S1" in present and "sobol_ST" in present),
            ("morris", "morris_mu_star" in present),
            ("oat", {"oat_low", "oat_high"} <= set(present) and "oat_nominal" in part),
        )
        if ok
    ]
    if not panels:
        return None, {}
    names = [str(p) for p in part["parameter"].values]
    fig = figure(max(9.0, 4.8 * len(panels)), 0.32 * len(names) + 1.9)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    metric = _metric_name(part)
    where: dict[str, object] = {}
    for ax, kind in zip(axes, panels, strict=True):
        if kind == "sobol":
            w = sensitivity_slice(part["sobol_ST"])[1]
            sobol_bars(
                ax,
                names,
                _values(part, "sobol_S1"),
                _values(part, "sobol_ST"),
                _conf(part, "sobol_S1"),
                _conf(part, "sobol_ST"),
            )
            ax.set_xlabel("Sobol index (share of the metric's variance)")
            ax.set_title("Sobol indices" + where_text(w), fontsize=10)
        elif kind == "morris":
            w = sensitivity_slice(part["morris_mu_star"])[1]
            morris_bars(ax, names, _values(part, "morris_mu_star"), _conf(part, "morris_mu_star"))
            ax.set_xlabel(
                "Morris μ* (mean absolute elementary effect)"
                + _unit_suffix(part["morris_mu_star"].attrs)
            )
            ax.set_title("Morris elementary effects" + where_text(w), fontsize=10)
        else:
            w = sensitivity_slice(part["oat_low"])[1]
            tornado(
                ax, names, _values(part, "oat_low"), _values(part, "oat_high"), oat_nominal(part)
            )
            ax.set_xlabel(metric + _unit_suffix(part["oat_low"].attrs))
            ax.set_title("One at a time (tornado)" + where_text(w), fontsize=10)
        where.update(w)
        ax.grid(True, axis="x", alpha=0.3)
    return fig, where


def write_sensitivity_png(ds: xr.Dataset, path: Path) -> Path:
    """Draw ``sensitivity_figure(ds)`` and write it atomically as PNG at ``path``.

    Raises
    ------
    ValueError
        When ``ds`` holds no sensitivity variables to draw.
    """
    from ...io import write_bytes

    fig = sensitivity_figure(ds)[0]
    if fig is None:
        raise ValueError("the dataset holds no sensitivity indices to draw")
    add_source(fig, source_line(ds))  # as in the report, so both draw the same PNG
    return write_bytes(png_bytes(fig), Path(path))
