"""What the charts share: the figure and its PNG bytes, the fiscal-year axis, panel grids,
legends, line styles, colours and the note on an almost empty panel."""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..format import fmt_prob, isnan

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

DPI = 110
BAND_COLOR = "#1f77b4"
HISTORY_COLOR = "#222222"
TARGET_COLORS = {0.02: "#d62728", 0.035: "#9467bd", 0.05: "#8c564b", 0.015: "#17becf"}
LINE_STYLES = (("-", 2.6), ("--", 1.9), (":", 2.2), ("-.", 1.8))


def figure(width: float, height: float) -> Figure:
    """A new figure of ``width`` x ``height`` inches with constrained layout, on the Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG at DPI, with fixed metadata (no date) so the bytes repeat."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": "jdef"})
    return buf.getvalue()


def svg_bytes(fig: Figure) -> bytes:
    """The figure as SVG (vector), with fixed metadata and ids so the bytes repeat."""
    import matplotlib

    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "jdef", "svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "jdef"})
    return buf.getvalue()


def source_line(ds: Any) -> str:
    """'Source: jdef 0.1.0 Monte Carlo model, scenario baseline, 10000 draws, seed 7; data
    vintage 2026-06-05 (calibration/data, sources per row)' for the foot of each figure."""
    import re

    a = ds.attrs
    m = re.search(r"scenario '([^']+)'", str(a.get("title", "")))
    name = f"scenario {m.group(1)}" if m else ""
    if not name and a.get("scenarios"):
        name = f"scenarios {a['scenarios']}"
    what = ", ".join(
        x
        for x in (
            name,
            f"{a['draws']} draws" if a.get("draws") else "",
            f"seed {a['seed_entropy']}" if a.get("seed_entropy") else "",
        )
        if x
    )
    vintage = f"; data vintage {a['data_vintage']}" if a.get("data_vintage") else ""
    return (
        f"Source: jdef {a.get('model_version', '')} Monte Carlo model"
        + (f", {what}" if what else "")
        + f"{vintage} (MoD, MoF, Cabinet Office, IMF figures; sources per row in calibration/data)"
    )


def add_source(fig: Figure, text: str) -> None:
    """The source line along the top edge of ``fig`` (once), above the title: a strip of
    0.2 inch the constrained layout keeps free, the title moved below it (legends placed
    "outside lower center" by the layout leave no room at the foot)."""
    if getattr(fig, "_jdef_source", False):
        return
    w, h = fig.get_size_inches()
    title = getattr(fig, "_suptitle", None)
    extra = 0.2 + (0.3 if title is not None else 0.0)
    fig.set_size_inches(w, h + extra)
    top = 1 - extra / (h + extra)
    engine = fig.get_layout_engine()
    if engine is not None and "rect" in engine.get():
        engine.set(rect=(0, 0, 1, top))  # type: ignore[call-arg]
    if title is not None:
        title._autopos = False  # placed here, in the band between the strip and the axes
        title.set_y(1 - 0.2 / (h + extra))
        title.set_in_layout(False)
    fig.text(0.005, 0.995, text, ha="left", va="top", fontsize=7, color="#555555", wrap=True)
    fig._jdef_source = True  # type: ignore[attr-defined]


def year_axis(ax: Axes, years: Iterable[int]) -> None:
    """Ticks labelled 'FY2030' every 1, 2 or 5 years, with a minor tick on every year."""
    from matplotlib.ticker import FixedLocator, FuncFormatter

    ys = sorted(int(y) for y in years)
    span = ys[-1] - ys[0] if ys else 0
    step = 5 if span > 12 else 2 if span > 5 else 1
    ticks = [y for y in ys if y % step == 0] or ys[::step]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(FixedLocator(ys))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"FY{int(round(x))}"))
    ax.tick_params(axis="x", labelsize=8.5)
    if ys:
        ax.set_xlim(ys[0] - 0.3, ys[-1] + 0.3)


def grid(fig: Figure, n: int, ncols: int = 4, sharey: bool = True) -> tuple[list[Axes], list[Axes]]:
    """``n`` panels in rows of ``ncols``; returns (the panels, the spare axes, switched off)."""
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    axes = fig.subplots(nrows, ncols, sharey=sharey, squeeze=False)
    flat = list(axes.flat)
    spare = flat[n:]
    for ax in spare:
        ax.set_axis_off()
    return flat[:n], spare


def legend_place(
    fig: Figure, spare: list[Axes], handles: Sequence[Artist], ncol_bottom: int = 4, **kw: Any
) -> None:
    """The legend in the first spare panel, or below the panels when there is none."""
    if spare:
        spare[0].legend(handles=handles, loc="center", frameon=False, fontsize=9, **kw)
    else:
        fig.legend(
            handles=handles,
            loc="outside lower center",
            ncol=ncol_bottom,
            frameon=False,
            fontsize=9,
            **kw,
        )


def target_color(t: float) -> str:
    """The colour of a target's dashed line."""
    return TARGET_COLORS.get(round(t, 4), "grey")


def target_lines(ax: Axes, targets: list[float], scale: float = 100.0) -> None:
    """A dashed horizontal line at each target (times ``scale``: percent by default)."""
    for t in targets:
        ax.axhline(t * scale, color=target_color(t), linestyle="--", linewidth=1)


def line_style(i: int) -> dict[str, Any]:
    """Solid and wide for the first series, then dashed and narrower, so that series lying
    on top of each other stay visible."""
    ls, lw = LINE_STYLES[i % len(LINE_STYLES)]
    return {"linestyle": ls, "linewidth": lw}


def _panel_note(ax: Axes, y: float, text: str, boxed: bool) -> None:
    box = {"facecolor": "white", "edgecolor": "#ccc", "alpha": 0.9} if boxed else None
    color = "#555" if boxed else "#666"
    ax.text(
        0.5,
        y,
        text,
        transform=ax.transAxes,
        ha="center",
        va="center",
        color=color,
        fontsize=9,
        bbox=box,
    )


def note_if_flat(ax: Axes, values: list[np.ndarray], what: str) -> None:
    """Say so in the panel when every line stays near zero, so it does not look empty by mistake."""
    vals = [v[np.isfinite(v)] for v in values]
    top = max((float(v.max()) for v in vals if v.size), default=float("nan"))
    if isnan(top):
        _panel_note(ax, 0.5, "no data", boxed=False)
    elif top < 0.0005:
        _panel_note(ax, 0.55, f"zero or almost zero for every {what}\nin every year", boxed=True)
    elif top < 0.05:
        text = f"below 0.05 for every {what}\nin every year (max {fmt_prob(top)})"
        _panel_note(ax, 0.55, text, boxed=True)


def series_colors(names: list[str]) -> dict[str, Any]:
    """One tab10 colour per policy or scenario, in order."""
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    return {p: cmap(i % 10) for i, p in enumerate(names)}
