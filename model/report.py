"""PNG figures and one self-contained HTML report for a run or a batch result.

``write_report(result.nc, out_dir)`` writes ``out_dir/STEM_figures/*.png`` and
``out_dir/STEM.html``; the HTML embeds every figure as a base64 data URI, has
its CSS inline, loads nothing from elsewhere and needs no JavaScript. Every
number in it is read from the NetCDF file and formatted by the ``fmt_*``
helpers below, so a test can find it again.

matplotlib is imported inside the plotting functions (with the Agg canvas,
never pyplot), so importing this module, and ``jdef --help``, stay fast.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import xarray as xr

from .constants import GOAL_THRESHOLDS
from .errors import InputError

REPORT_YEARS = (2025, 2027, 2030, 2035)
SENSITIVITY_VARS = ("sobol_S1", "sobol_ST", "morris_mu_star", "oat_low", "oat_high")
REQUIRED = (
    "probability_of_spending_ratio_above_threshold",
    "spending_ratio",
    "counted_spending",
    "nominal_gdp",
)

# Section ids and headings, in the order they appear.
SECTIONS = {
    "summary": "Summary",
    "fan-charts": "Fan charts: GDP, counted spending and the ratio",
    "probabilities": "Probability of reaching the targets",
    "plan": "Plan tracking: the FY2023-FY2027 Defense Buildup Program",
    "reconciliation": "Reconciliation: what each policy counts",
    "sensitivity": "Sensitivity",
    "provenance": "Provenance",
}

DPI = 110
BAND_COLOR = "#1f77b4"
HISTORY_COLOR = "#222222"
TARGET_COLORS = {0.02: "#d62728", 0.035: "#9467bd"}
DENOMINATOR_WORDS = {
    "fy2022_fixed": "over FY2022 GDP",
    "current_gdp": "over current-year GDP",
    "outlook_gdp": "over the GDP outlook",
}


# ----------------------------------------------------------------------------- formatting


def fy(year: object) -> str:
    """A fiscal year as 'FY2027'."""
    return f"FY{int(year)}"


def _isnan(x: object) -> bool:
    try:
        return x is None or math.isnan(float(x))
    except (TypeError, ValueError):
        return True


def fmt_prob(p: object) -> str:
    """A probability with three decimals, '0.623' ('n/a' when missing)."""
    return "n/a" if _isnan(p) else f"{float(p):.3f}"


def fmt_prob_se(p: object, se: object) -> str:
    """'0.623 ± 0.008': the probability and its Monte Carlo standard error."""
    if _isnan(p):
        return "n/a"
    return fmt_prob(p) if _isnan(se) else f"{fmt_prob(p)} ± {float(se):.3f}"


def fmt_yen(x: object) -> str:
    """Trillion yen with two decimals, '40.50'."""
    return "n/a" if _isnan(x) else f"{float(x):.2f}"


def fmt_ratio(r: object) -> str:
    """A ratio to GDP as a percentage with two decimals, '2.13%'."""
    return "n/a" if _isnan(r) else f"{float(r) * 100:.2f}%"


def fmt_threshold(t: float) -> str:
    """A target as '2%' or '3.5%'."""
    return f"{float(t) * 100:g}%"


def fmt_index(x: object) -> str:
    """A sensitivity index with three decimals."""
    return "n/a" if _isnan(x) else f"{float(x):.3f}"


NICE_ODDS = (10, 15, 20, 25, 30, 40, 50, 100)


def _nice(n: float) -> int:
    """The denominator in NICE_ODDS nearest to ``n`` on a log scale."""
    return min(NICE_ODDS, key=lambda d: abs(math.log(d / n)))


def in_words(p: object) -> str:
    """A probability in words: 'almost no chance', 'about 1 in 20', 'about 3 in 10', 'about 19 in 20', 'almost certain'.

    Below 0.01 'almost no chance' and above 0.99 'almost certain'; from 0.01 to
    0.1 'about 1 in N' and from 0.9 to 0.99 its mirror image 'about N-1 in N'
    (N = 1/p, or 1/(1-p), taken to the nearest of 10, 15, 20, 25, 30, 40, 50,
    100, so that 0.985 reads 'about 49 in 50', not 'about 10 in 10'); from 0.1
    to 0.9 'about k in 10', p rounded to the nearest tenth.
    """
    if _isnan(p):
        return "not available"
    p = float(p)
    if p < 0.01:
        return "almost no chance"
    if p > 0.99:
        return "almost certain"
    if p < 0.1:
        return f"about 1 in {_nice(1 / p)}"
    if p > 0.9:
        n = _nice(1 / (1 - p))
        return f"about {n - 1} in {n}"
    return f"about {math.floor(p * 10 + 0.5)} in 10"


def _e(x: object) -> str:
    return html.escape(str(x), quote=True)


# ----------------------------------------------------------------------------- data access


def _scenarios(ds: xr.Dataset) -> list[str | None]:
    if "scenario" in ds.dims:
        return [str(s) for s in ds["scenario"].values]
    return [None]


def _part(ds: xr.Dataset, sc: str | None) -> xr.Dataset:
    return ds if sc is None else ds.sel(scenario=sc)


def _coord(ds: xr.Dataset, dim: str, value: float) -> float | None:
    """The coordinate value of ``dim`` close to ``value`` (floats such as thresholds), or None."""
    if dim not in ds.coords:
        return None
    vals = np.asarray(ds[dim].values, dtype=float)
    hit = np.flatnonzero(np.isclose(vals, value))
    return float(vals[hit[0]]) if hit.size else None


def _quantile(da: xr.DataArray, q: float) -> xr.DataArray | None:
    c = _coord(da.to_dataset(name="_x"), "quantile", q)
    return None if c is None else da.sel(quantile=c)


def _policies(part: xr.Dataset, var: str = "counted_spending") -> list[str]:
    """Policies with data in this part (a batch's outer join leaves NaN for absent ones)."""
    out = []
    for p in part["policy"].values:
        v = part[var].sel(policy=p)
        if np.isfinite(v.values).any():
            out.append(str(p))
    return out


def _years(part: xr.Dataset) -> np.ndarray:
    return np.asarray(part["fiscal_year"].values, dtype=int)


def _report_years(ds: xr.Dataset) -> list[int]:
    have = set(_years(ds).tolist())
    return [y for y in REPORT_YEARS if y in have]


def _targets(ds: xr.Dataset) -> list[float]:
    return [c for t in GOAL_THRESHOLDS if (c := _coord(ds, "threshold", t)) is not None]


def _denominator_words(part: xr.Dataset, policy: str) -> str:
    if "policy_description" not in part:
        return ""
    desc = str(part["policy_description"].sel(policy=policy).values)
    m = re.search(r"denominator (\S+?),", desc)
    return DENOMINATOR_WORDS.get(m.group(1), f"over {m.group(1)}") if m else ""


def _scalar(part: xr.Dataset, name: str) -> float:
    return float(part[name].values) if name in part else float("nan")


# ----------------------------------------------------------------------------- writing


def _atomic_write(path: Path, data: bytes) -> Path:
    from .io import write_bytes

    return write_bytes(data, path)


class _Figures:
    """Collects the figures: writes each PNG and keeps its bytes for embedding."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.paths: dict[str, Path] = {}
        self.png: dict[str, bytes] = {}

    def save(self, fig, name: str) -> str:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": "jdef"})
        data = buf.getvalue()
        self.paths[name] = _atomic_write(self.folder / f"{name}.png", data)
        self.png[name] = data
        return name

    def img(self, name: str, alt: str, caption: str) -> str:
        b64 = base64.b64encode(self.png[name]).decode("ascii")
        return (
            f'<figure id="fig-{_e(name)}"><img src="data:image/png;base64,{b64}" alt="{_e(alt)}">'
            f"<figcaption>{caption}</figcaption></figure>"
        )


# ----------------------------------------------------------------------------- plotting helpers


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    return fig


def _year_axis(ax, years: Iterable[int]) -> None:
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


def _grid(fig, n: int, ncols: int = 4, sharey: bool = True):
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    axes = fig.subplots(nrows, ncols, sharey=sharey, squeeze=False)
    flat = list(axes.flat)
    spare = flat[n:]
    for ax in spare:
        ax.set_axis_off()
    return flat[:n], spare, nrows, ncols


def _fan(ax, da: xr.DataArray, scale: float = 1.0, color: str = BAND_COLOR) -> bool:
    """Median, 50% and 90% bands of ``da`` (quantile, fiscal_year); known years as a dark line. False if empty."""
    years = np.asarray(da["fiscal_year"].values, dtype=int)
    q = {k: _quantile(da, k) for k in (0.05, 0.25, 0.5, 0.75, 0.95)}
    if q[0.5] is None or not np.isfinite(q[0.5].values).any():
        return False
    v = {k: (x.values * scale if x is not None else None) for k, x in q.items()}
    if v[0.05] is not None and v[0.95] is not None:
        ax.fill_between(years, v[0.05], v[0.95], color=color, alpha=0.18, linewidth=0)
    if v[0.25] is not None and v[0.75] is not None:
        ax.fill_between(years, v[0.25], v[0.75], color=color, alpha=0.38, linewidth=0)
    ax.plot(years, v[0.5], color=color, linewidth=1.8)
    lo = v[0.05] if v[0.05] is not None else v[0.5]
    hi = v[0.95] if v[0.95] is not None else v[0.5]
    known = np.isfinite(v[0.5]) & np.isclose(lo, hi, rtol=1e-9, atol=1e-12)
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
    _year_axis(ax, years)
    return True


def _fan_legend_handles():
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    return [
        Line2D([], [], color=BAND_COLOR, linewidth=1.8, label="median"),
        Patch(color=BAND_COLOR, alpha=0.45, label="50% band (25th-75th percentile)"),
        Patch(color=BAND_COLOR, alpha=0.2, label="90% band (5th-95th percentile)"),
        Line2D(
            [],
            [],
            color=HISTORY_COLOR,
            linewidth=2.2,
            marker="o",
            markersize=3.5,
            label="known (published) years",
        ),
    ]


def _legend_place(fig, spare, handles, ncol_bottom: int = 4, **kw) -> None:
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


def _target_lines(ax, targets: list[float], scale: float = 100.0) -> None:
    for t in targets:
        ax.axhline(
            t * scale, color=TARGET_COLORS.get(round(t, 4), "grey"), linestyle="--", linewidth=1
        )


LINE_STYLES = (("-", 2.6), ("--", 1.9), (":", 2.2), ("-.", 1.8))


def _line_style(i: int) -> dict[str, object]:
    """Solid and wide for the first series, then dashed and narrower, so that series lying on top of each other stay visible."""
    ls, lw = LINE_STYLES[i % len(LINE_STYLES)]
    return {"linestyle": ls, "linewidth": lw}


def _note_if_flat(ax, values: list[np.ndarray], what: str) -> None:
    """Say so in the panel when every line stays near zero, so it does not look empty by mistake."""
    vals = [v[np.isfinite(v)] for v in values]
    top = max((float(v.max()) for v in vals if v.size), default=float("nan"))
    if _isnan(top):
        ax.text(
            0.5,
            0.5,
            "no data",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="#666",
            fontsize=9,
        )
    elif top < 0.0005:
        ax.text(
            0.5,
            0.55,
            f"zero or almost zero for every {what}\nin every year",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="#555",
            fontsize=9,
            bbox={"facecolor": "white", "edgecolor": "#ccc", "alpha": 0.9},
        )
    elif top < 0.05:
        ax.text(
            0.5,
            0.55,
            f"below 0.05 for every {what}\nin every year (max {fmt_prob(top)})",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="#555",
            fontsize=9,
            bbox={"facecolor": "white", "edgecolor": "#ccc", "alpha": 0.9},
        )


def _policy_colors(policies: list[str]) -> dict[str, str]:
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    return {p: cmap(i % 10) for i, p in enumerate(policies)}


# ----------------------------------------------------------------------------- figures


def _fig_gdp(figs: _Figures, ds: xr.Dataset, scs: list[str | None]) -> str | None:
    n = len(scs)
    fig = _figure(min(12, 5.5 * n) if n > 1 else 9, 4.4)
    axes = fig.subplots(1, n, sharey=True, squeeze=False)[0]
    drawn = False
    for ax, sc in zip(axes, scs, strict=True):
        part = _part(ds, sc)
        drawn |= _fan(ax, part["nominal_gdp"])
        if sc is not None:
            ax.set_title(sc, fontsize=10)
    axes[0].set_ylabel("nominal GDP (trillion yen)")
    fig.legend(
        handles=_fan_legend_handles(), loc="outside lower center", ncol=4, frameon=False, fontsize=9
    )
    fig.suptitle("Nominal GDP, 2020 base", fontsize=12)
    return figs.save(fig, "fan_nominal_gdp") if drawn else None


def _fig_policy_fans(
    figs: _Figures,
    part: xr.Dataset,
    var: str,
    name: str,
    title: str,
    ylabel: str,
    scale: float,
    targets: list[float],
    ylim: tuple[float, float] | None = None,
) -> str | None:
    pols = _policies(part, var)
    if not pols:
        return None
    fig = _figure(12, 3.1 * math.ceil(len(pols) / 4) + 0.9)
    axes, spare, nrows, _ = _grid(fig, len(pols), 4, sharey=True)
    for ax, pol in zip(axes, pols, strict=True):
        _fan(ax, part[var].sel(policy=pol), scale=scale)
        if targets:
            _target_lines(ax, targets)
        words = _denominator_words(part, pol)
        ax.set_title(f"{pol}\n{words}" if words and targets else pol, fontsize=9.5)
    for i, ax in enumerate(axes):
        if i % 4 == 0:
            ax.set_ylabel(ylabel, fontsize=9)
    if ylim is not None:
        axes[0].set_ylim(*ylim)  # shared: the same scale in every scenario's figure
    handles = _fan_legend_handles()
    if targets:
        from matplotlib.lines import Line2D

        handles += [
            Line2D(
                [],
                [],
                color=TARGET_COLORS.get(round(t, 4), "grey"),
                linestyle="--",
                label=f"target {fmt_threshold(t)}",
            )
            for t in targets
        ]
    _legend_place(fig, spare, handles, ncol_bottom=3)
    fig.suptitle(title, fontsize=12)
    return figs.save(fig, name)


def _prob_series(part: xr.Dataset, var: str, pol: str, t: float):
    p = part[var].sel(policy=pol, threshold=t).values
    se_name = f"{var}_standard_error"
    se = part[se_name].sel(policy=pol, threshold=t).values if se_name in part else np.zeros_like(p)
    return p, np.nan_to_num(se)


PROB_MEASURES = {
    "probability_of_spending_ratio_above_threshold": "in the fiscal year",
    "probability_of_spending_ratio_reached_threshold_by_year": "reached in some year from FY2023 up to then",
}


def _prob_axes(ax, years) -> None:
    ax.set_ylim(-0.03, 1.03)
    ax.grid(True, alpha=0.3)
    _year_axis(ax, years)


def _fig_prob_run(figs: _Figures, ds: xr.Dataset, targets: list[float]) -> str | None:
    measures = [m for m in PROB_MEASURES if m in ds]
    pols = _policies(ds)
    if not measures or not targets or not pols:
        return None
    colors = _policy_colors(pols)
    years = _years(ds)
    fig = _figure(12, 3.6 * len(measures) + 1.2)
    axes = fig.subplots(len(measures), len(targets), sharex=True, sharey=True, squeeze=False)
    for i, m in enumerate(measures):
        for j, t in enumerate(targets):
            ax = axes[i, j]
            series = []
            for k, pol in enumerate(pols):
                p, se = _prob_series(ds, m, pol, t)
                series.append(p)
                _prob_line(ax, years, p, se, colors[pol], pol, k)
            _prob_axes(ax, years)
            _note_if_flat(ax, series, "policy")
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
        title="policy (shaded: ± 2 Monte Carlo standard errors)",
        title_fontsize=9,
    )
    fig.suptitle(
        "Probability that counted spending / GDP denominator reaches the target", fontsize=12
    )
    return figs.save(fig, "probability_of_targets")


def _prob_line(ax, years, p: np.ndarray, se: np.ndarray, color: str, label: str, k: int) -> None:
    """A probability by year with its band of +/- 2 Monte Carlo standard errors (clipped to [0, 1])."""
    ax.fill_between(
        years,
        np.clip(p - 2 * se, 0, 1),
        np.clip(p + 2 * se, 0, 1),
        color=color,
        alpha=0.2,
        linewidth=0,
    )
    ax.plot(years, p, color=color, label=label, **_line_style(k))


def _fig_prob_batch(figs: _Figures, ds: xr.Dataset, scs: list[str], m: str, t: float) -> str | None:
    pols = _policies(ds)
    if not pols:
        return None
    colors = _policy_colors(scs)
    years = _years(ds)
    fig = _figure(12, 3.0 * math.ceil(len(pols) / 4) + 1.0)
    axes, spare, _, _ = _grid(fig, len(pols), 4, sharey=True)
    drawn: set[str] = set()
    for ax, pol in zip(axes, pols, strict=True):
        series = []
        for k, sc in enumerate(scs):
            part = _part(ds, sc)
            p, se = _prob_series(part, m, pol, t)
            if not np.isfinite(p).any():
                continue
            series.append(p)
            drawn.add(sc)
            _prob_line(ax, years, p, se, colors[sc], sc, k)
        _prob_axes(ax, years)
        _note_if_flat(ax, series, "scenario")
        ax.set_title(pol, fontsize=9.5)
    for i, ax in enumerate(axes):
        if i % 4 == 0:
            ax.set_ylabel("probability", fontsize=9)
    from matplotlib.lines import Line2D

    handles = [
        Line2D(
            [],
            [],
            color=colors[sc],
            label=sc if sc in drawn else f"{sc} (no data here)",
            **_line_style(k),
        )
        for k, sc in enumerate(scs)
    ]
    _legend_place(
        fig,
        spare,
        handles,
        ncol_bottom=min(5, len(scs)),
        title="scenario (shaded: ± 2 s.e.)",
        title_fontsize=9,
    )
    fig.suptitle(f"P(ratio ≥ {fmt_threshold(t)}), {PROB_MEASURES[m]}", fontsize=12)
    kind = "in_year" if m.endswith("above_threshold") else "reached_by_year"
    return figs.save(fig, f"probability_{kind}_{fmt_threshold(t).rstrip('%').replace('.', 'p')}pct")


PLAN_ROWS = (
    ("plan_cumulative_initial", "FY2023-27 initial\nbudgets", "plan_budget_total"),
    (
        "plan_cumulative_expenditure",
        "FY2023-27 spending incl.\ncounted supplementaries",
        "plan_level_total",
    ),
    (
        "plan_cumulative_contracts",
        "FY2023-27 new contracts,\ncontract basis",
        "plan_contract_total",
    ),
    (
        "plan_real_value_fy2022_yen",
        "FY2023-27 spending\nin FY2022 yen (deflated)",
        "plan_level_total",
    ),
    (
        "plan_value_at_plan_exchange_rate",
        "FY2023-27 spending at\nthe plan's yen/dollar rate",
        "plan_level_total",
    ),
)
OBLIGATIONS = ("obligations_after_fy2027", "Contracts signed by FY2027,\npayable after FY2027")


def _interval(ax, y: float, part: xr.Dataset, var: str, color, label: str | None = None) -> None:
    da = part[var]
    g = {
        k: (float(x.values) if (x := _quantile(da, k)) is not None else float("nan"))
        for k in (0.05, 0.25, 0.5, 0.75, 0.95)
    }
    if _isnan(g[0.5]):
        return
    ax.plot(
        [g[0.05], g[0.95]], [y, y], color=color, linewidth=1.5, solid_capstyle="butt", label=label
    )
    ax.plot([g[0.25], g[0.75]], [y, y], color=color, linewidth=9, alpha=0.55, solid_capstyle="butt")
    ax.plot([g[0.5]], [y], marker="|", color="black", markersize=14, markeredgewidth=2)
    ax.annotate(
        fmt_yen(g[0.5]),
        (g[0.95], y),
        xytext=(6, 0),
        textcoords="offset points",
        va="center",
        fontsize=8.5,
    )


def _fig_plan(figs: _Figures, ds: xr.Dataset, scs: list[str | None]) -> str | None:
    rows = [r for r in PLAN_ROWS if r[0] in ds]
    if not rows:
        return None
    has_obl = OBLIGATIONS[0] in ds
    colors = _policy_colors([str(s) for s in scs])
    fig = _figure(11, 1.1 * len(rows) * max(1, 0.6 * len(scs)) + (1.6 if has_obl else 0) + 1.4)
    if has_obl:
        ax, ax2 = fig.subplots(2, 1, height_ratios=[len(rows) * max(1, 0.6 * len(scs)), 1.3])
    else:
        ax, ax2 = fig.subplots(1, 1), None
    offs = (
        np.linspace(0.25, -0.25, len(scs)) if len(scs) > 1 else [0.0]
    )  # the first scenario on top, as in the legend
    for i, (var, _label, _ref) in enumerate(rows):
        for k, sc in enumerate(scs):
            c = colors[str(sc)] if sc is not None else BAND_COLOR
            _interval(
                ax,
                -i + offs[k],
                _part(ds, sc),
                var,
                c,
                label=(sc if (i == 0 and sc is not None) else None),
            )
    ax.set_yticks([-i for i in range(len(rows))], [r[1] for r in rows], fontsize=9)
    first = _part(ds, scs[0])
    refs = {}
    for _v, _l, ref in rows:
        if ref in first and not _isnan(_scalar(first, ref)):
            refs[ref] = _scalar(first, ref)
    styles = {
        "plan_budget_total": ("#d62728", "plan budget total"),
        "plan_level_total": ("#9467bd", "plan level (incl. separate measures)"),
        "plan_contract_total": ("#2ca02c", "plan total, contract basis"),
    }
    for ref, val in refs.items():
        col, lab = styles.get(ref, ("grey", ref))
        ax.axvline(val, color=col, linestyle="--", linewidth=1.2, label=f"{lab}: {fmt_yen(val)}")
    ax.set_xlabel("trillion yen")
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_ylim(-len(rows) + 0.5, 0.5)
    lo, hi = ax.get_xlim()
    ax.set_xlim(lo, hi + 0.06 * (hi - lo))  # room for the median labels
    ax.legend(loc="lower left", fontsize=8.5, framealpha=0.9)
    ax.set_title(
        "Cumulative FY2023-FY2027 against the plan (line: 90% interval, bar: 50%, tick: median)",
        fontsize=10,
    )
    if ax2 is not None:
        for k, sc in enumerate(scs):
            c = colors[str(sc)] if sc is not None else BAND_COLOR
            _interval(ax2, offs[k], _part(ds, sc), OBLIGATIONS[0], c)
        ax2.set_yticks([0], [OBLIGATIONS[1]], fontsize=9)
        ax2.set_ylim(-0.5, 0.5)
        ax2.set_xlabel("trillion yen")
        ax2.grid(True, axis="x", alpha=0.3)
        lo, hi = ax2.get_xlim()
        ax2.set_xlim(lo, hi + 0.06 * (hi - lo))
        ax2.set_title("Obligations carried past the plan", fontsize=10)
    return figs.save(fig, "plan_tracking")


def _sens_slice(da: xr.DataArray) -> tuple[xr.DataArray, dict[str, object]]:
    """Reduce a sensitivity variable to its ``parameter`` dimension, preferring current / FY2030 / 2%."""
    prefer = {"policy": "current", "fiscal_year": 2030, "threshold": 0.02, "quantile": 0.5}
    sel: dict[str, object] = {}
    for d in da.dims:
        if d == "parameter":
            continue
        vals = da[d].values
        want = prefer.get(d)
        pick = vals[0]
        if want is not None:
            try:
                hit = [
                    v
                    for v in vals
                    if (
                        np.isclose(float(v), float(want))
                        if isinstance(want, float)
                        else str(v) == str(want) or v == want
                    )
                ]
            except (TypeError, ValueError):
                hit = [v for v in vals if str(v) == str(want)]
            if hit:
                pick = hit[0]
        sel[d] = pick
    return (da.sel(sel) if sel else da), {
        k: (v.item() if hasattr(v, "item") else v) for k, v in sel.items()
    }


def _where_text(where: dict[str, object]) -> str:
    if not where:
        return ""
    return (
        "\n("
        + ", ".join(fy(v) if k == "fiscal_year" else f"{k} {v}" for k, v in where.items())
        + ")"
    )


def _unit_suffix(attrs: dict) -> str:
    u = str(attrs.get("units", "")).strip()
    if u in ("", "1"):
        return ""
    return " (trillion yen)" if u == "1e12" else f" ({u})"


def _sens_vars(part: xr.Dataset) -> list[str]:
    return [v for v in SENSITIVITY_VARS if v in part and "parameter" in part[v].dims]


def _fig_sensitivity(
    figs: _Figures, part: xr.Dataset, suffix: str
) -> tuple[str | None, dict[str, object]]:
    present = _sens_vars(part)
    if not present:
        return None, {}
    panels = []
    if "sobol_S1" in present or "sobol_ST" in present:
        panels.append("sobol")
    if "morris_mu_star" in present:
        panels.append("morris")
    if "oat_low" in present and "oat_high" in present:
        panels.append("oat")
    if not panels:
        return None, {}
    params = [str(p) for p in part["parameter"].values]
    fig = _figure(max(6, 4.6 * len(panels)), 0.32 * len(params) + 1.8)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    where: dict[str, object] = {}
    for ax, kind in zip(axes, panels, strict=True):
        if kind == "sobol":
            s1 = _sens_slice(part["sobol_S1"])[0].values if "sobol_S1" in present else None
            st, w = (
                _sens_slice(part["sobol_ST"])
                if "sobol_ST" in present
                else _sens_slice(part["sobol_S1"])
            )
            where.update(w)
            key = np.nan_to_num(st.values, nan=-1)
            order = np.argsort(key)
            y = np.arange(len(params))
            if "sobol_ST" in present:
                ax.barh(
                    y + 0.2,
                    st.values[order],
                    height=0.4,
                    color="#1f77b4",
                    label="total-order $S_T$",
                )
            if s1 is not None:
                ax.barh(y - 0.2, s1[order], height=0.4, color="#ff7f0e", label="first-order $S_1$")
            ax.set_yticks(y, [params[i] for i in order], fontsize=8.5)
            ax.set_xlabel("Sobol index (share of variance)")
            ax.legend(
                fontsize=8.5, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False
            )
            ax.set_title("Sobol indices" + _where_text(w), fontsize=10)
        elif kind == "morris":
            mu, w = _sens_slice(part["morris_mu_star"])
            where.update(w)
            order = np.argsort(np.nan_to_num(mu.values, nan=-1))
            ax.barh(np.arange(len(params)), mu.values[order], color="#2ca02c")
            ax.set_yticks(np.arange(len(params)), [params[i] for i in order], fontsize=8.5)
            ax.set_xlabel(
                "Morris μ* (mean absolute elementary effect)"
                + _unit_suffix(part["morris_mu_star"].attrs)
            )
            ax.set_title("Morris elementary effects" + _where_text(w), fontsize=10)
        else:
            lo, w = _sens_slice(part["oat_low"])
            where.update(w)
            hi, _ = _sens_slice(part["oat_high"])
            lv, hv = lo.values.astype(float), hi.values.astype(float)
            width = np.nan_to_num(np.abs(hv - lv), nan=-1)
            order = np.argsort(width)
            y = np.arange(len(params))
            left = lv[
                order
            ]  # each bar runs from the outcome at the low value to the outcome at the high value
            ax.barh(
                y,
                (lv[order] - left),
                left=left,
                color="#1f77b4",
                height=0.6,
                label="parameter at its low value",
            )
            ax.barh(
                y,
                (hv[order] - left),
                left=left,
                color="#ff7f0e",
                height=0.6,
                alpha=0.85,
                label="parameter at its high value",
            )
            ax.set_yticks(y, [params[i] for i in order], fontsize=8.5)
            ax.set_xlabel("outcome" + _unit_suffix(part["oat_low"].attrs))
            ax.legend(
                fontsize=8.5, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False
            )
            ax.set_title("One at a time (tornado)" + _where_text(w), fontsize=10)
        ax.grid(True, axis="x", alpha=0.3)
    return figs.save(fig, f"sensitivity{suffix}"), where


# ----------------------------------------------------------------------------- HTML pieces

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",Arial,sans-serif;margin:0;color:#1d1d1f;background:#fff;line-height:1.45}
main{max-width:1240px;margin:0 auto;padding:1.2rem 1.6rem 3rem}
h1{font-size:1.6rem;margin:.4rem 0 .3rem}h2{font-size:1.3rem;margin-top:2.2rem;border-bottom:2px solid #ddd;padding-bottom:.2rem}
h3{font-size:1.05rem;margin-top:1.4rem}
nav ol{columns:2;font-size:.92rem}
figure{margin:1rem 0 1.6rem}figure img{max-width:100%;height:auto;border:1px solid #e5e5e5}
figcaption{font-size:.88rem;color:#444;margin-top:.3rem}
table{border-collapse:collapse;margin:.6rem 0 1.2rem;font-size:.88rem}
th,td{border:1px solid #d9d9d9;padding:.25rem .5rem;vertical-align:top}
th{background:#f4f4f6;text-align:left}tbody+tbody{border-top:2px solid #888}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td .words{display:block;color:#555;font-size:.8rem}
pre{background:#f6f8fa;border:1px solid #e1e4e8;padding:.7rem;overflow-x:auto;font-size:.8rem}
.note{color:#555;font-size:.88rem}sup{line-height:0}code{font-size:.88em}
dl.prov{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;font-size:.9rem}dl.prov dt{font-weight:600}dl.prov dd{margin:0;word-break:break-all}
"""


def _attrs(**kv: object) -> str:
    return "".join(f' data-{k.replace("_", "-")}="{_e(v)}"' for k, v in kv.items() if v is not None)


def _prob_cell(part: xr.Dataset, var: str, pol: str, y: int, t: float, sc: str | None) -> str:
    if var not in part:
        return '<td class="num">n/a</td>'
    p = float(part[var].sel(policy=pol, fiscal_year=y, threshold=t).values)
    se_name = f"{var}_standard_error"
    se = (
        float(part[se_name].sel(policy=pol, fiscal_year=y, threshold=t).values)
        if se_name in part
        else float("nan")
    )
    return (
        f'<td class="num"{_attrs(var=var, scenario=sc, policy=pol, year=y, threshold=f"{t:g}")}>'
        f'{_e(fmt_prob_se(p, se))}<span class="words">{_e(in_words(p))}</span></td>'
    )


def _html_summary(ds: xr.Dataset, scs: list[str | None]) -> str:
    years, targets = _report_years(ds), _targets(ds)
    out = [
        f'<section id="summary"><h2>{SECTIONS["summary"]}</h2>',
        '<p class="note">Probability that counted spending divided by the policy\'s GDP denominator is at or above the '
        "target, computed from the Monte Carlo draws, with its Monte Carlo standard error (±) and in words. "
        "A policy's denominator is FY2022 GDP (the government's fixed yardstick), current-year GDP or the outlook, "
        "as its description in the reconciliation section says.</p>",
    ]
    if not years or not targets:
        out.append(
            '<p class="note">This result has none of the summary years or targets.</p></section>'
        )
        return "".join(out)
    for var, what in PROB_MEASURES.items():
        if var not in ds:
            continue
        for t in targets:
            out.append(f"<h3>Reaching {fmt_threshold(t)}: {_e(what)}</h3>")
            head = "".join(f"<th>{fy(y)}</th>" for y in years)
            out.append(
                f"<table><thead><tr><th>policy</th>{'<th>scenario</th>' if scs[0] is not None else ''}{head}</tr></thead>"
            )
            # a batch: grouped by policy, so that the scenarios for one policy sit together
            pols = list(dict.fromkeys(p for sc in scs for p in _policies(_part(ds, sc))))
            groups = (
                [[(pol, sc) for sc in scs if pol in _policies(_part(ds, sc))] for pol in pols]
                if scs[0] is not None
                else [[(pol, None) for pol in pols]]
            )
            for group in groups:
                out.append("<tbody>")
                for pol, sc in group:
                    cells = "".join(_prob_cell(_part(ds, sc), var, pol, y, t, sc) for y in years)
                    sc_cell = f"<td>{_e(sc)}</td>" if sc is not None else ""
                    out.append(f"<tr><td>{_e(pol)}</td>{sc_cell}{cells}</tr>")
                out.append("</tbody>")
            out.append("</table>")
    out.append(_html_own_targets(ds, scs, years))
    out.append("</section>")
    return "".join(out)


def _html_own_targets(ds: xr.Dataset, scs: list[str | None], years: list[int]) -> str:
    """Entries whose policy file names their own target (e.g. NATO's 5%, 3.5% core, 1.5% resilience)."""
    if "policy_target" not in ds:
        return ""
    var = "probability_of_spending_ratio_above_threshold"
    rows = []
    for sc in scs:
        part = _part(ds, sc)
        for pol in part["policy"].values:
            t = float(part["policy_target"].sel(policy=pol).values)
            if np.isnan(t) or _coord(part, "threshold", t) is None:
                continue
            cells = "".join(
                _prob_cell(part, var, str(pol), y, _coord(part, "threshold", t), sc) for y in years
            )
            sc_cell = f"<td>{_e(sc)}</td>" if sc is not None else ""
            rows.append(
                f'<tr><td>{_e(pol)}</td>{sc_cell}<td class="num">{fmt_threshold(t)}</td>{cells}</tr>'
            )
    if not rows:
        return ""
    head = "".join(f"<th>{fy(y)}</th>" for y in years)
    return (
        "<h3>Reaching the policy's own target: in the fiscal year</h3>"
        '<p class="note">Policies and buckets whose file names the ratio they are measured against '
        "(NATO-style: 5% in all, 3.5% core, 1.5% resilience).</p>"
        f"<table><thead><tr><th>policy</th>{'<th>scenario</th>' if scs[0] is not None else ''}<th>target</th>{head}</tr></thead>"
        "<tbody>" + "".join(rows) + "</tbody></table>"
    )


def _html_fans(figs: _Figures, ds: xr.Dataset, scs: list[str | None]) -> str:
    out = [
        f'<section id="fan-charts"><h2>{SECTIONS["fan-charts"]}</h2>',
        '<p class="note">Lines are medians; the darker band holds the middle 50% of draws (25th to 75th percentile), '
        "the lighter band 90% (5th to 95th). Where the bands collapse to the dark line the figures are known "
        "(published) rather than projected.</p>",
    ]
    name = _fig_gdp(figs, ds, scs)
    if name:
        out.append(
            figs.img(name, "Fan chart of nominal GDP", "Nominal GDP (trillion yen), 2020 base.")
        )
    targets = _targets(ds)
    lim_c = _common_ylim(ds["counted_spending"], 1.0, []) if len(scs) > 1 else None
    lim_r = _common_ylim(ds["spending_ratio"], 100.0, targets) if len(scs) > 1 else None
    for sc in scs:
        part = _part(ds, sc)
        suffix = f"_{_slug(sc)}" if sc is not None else ""
        if sc is not None:
            out.append(f"<h3>Scenario {_e(sc)}</h3>")
        n1 = _fig_policy_fans(
            figs,
            part,
            "counted_spending",
            f"fan_counted_spending{suffix}",
            "Counted spending by inclusion policy" + (f" ({sc})" if sc else ""),
            "counted spending (trillion yen)",
            1.0,
            [],
            lim_c,
        )
        if n1:
            out.append(
                figs.img(
                    n1,
                    "Fan charts of counted spending per policy",
                    "Spending counted by each inclusion policy (trillion yen).",
                )
            )
        n2 = _fig_policy_fans(
            figs,
            part,
            "spending_ratio",
            f"fan_spending_ratio{suffix}",
            "Counted spending / GDP denominator by inclusion policy" + (f" ({sc})" if sc else ""),
            "% of GDP (policy's denominator)",
            100.0,
            targets,
            lim_r,
        )
        if n2:
            out.append(
                figs.img(
                    n2,
                    "Fan charts of the spending ratio per policy",
                    "Counted spending as % of the policy's GDP denominator; dashed lines are the targets "
                    + " and ".join(fmt_threshold(t) for t in targets)
                    + ".",
                )
            )
    out.append("</section>")
    return "".join(out)


def _common_ylim(
    da: xr.DataArray, scale: float, targets: list[float]
) -> tuple[float, float] | None:
    """One y range for a quantity over every scenario and policy (the 90% band and the targets), padded."""
    vals = [x.values for q in (0.05, 0.95) if (x := _quantile(da, q)) is not None]
    vals = np.concatenate([np.ravel(v) for v in vals]) * scale if vals else np.array([])
    vals = np.concatenate([vals[np.isfinite(vals)], np.array(targets) * 100.0])
    if vals.size == 0:
        return None
    lo, hi = float(vals.min()), float(vals.max())
    pad = 0.05 * (hi - lo or 1.0)
    return lo - pad, hi + pad


def _slug(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", s)


def _html_probabilities(figs: _Figures, ds: xr.Dataset, scs: list[str | None]) -> str:
    out = [
        f'<section id="probabilities"><h2>{SECTIONS["probabilities"]}</h2>',
        '<p class="note">"In the fiscal year": the ratio is at or above the target that year. "Reached": it has been '
        "at or above the target in at least one year from FY2023 up to that year. Shaded bands are ± 2 Monte Carlo "
        "standard errors.</p>",
    ]
    targets = _targets(ds)
    if scs[0] is None:
        n = _fig_prob_run(figs, ds, targets)
        if n:
            out.append(
                figs.img(
                    n,
                    "Probability of reaching the targets by fiscal year, one line per policy",
                    "Probability of reaching "
                    + " and ".join(fmt_threshold(t) for t in targets)
                    + " by fiscal year, one line per policy.",
                )
            )
    else:
        for m, what in PROB_MEASURES.items():
            if m not in ds:
                continue
            for t in targets:
                n = _fig_prob_batch(figs, ds, [str(s) for s in scs], m, t)
                if n:
                    out.append(f"<h3>Reaching {fmt_threshold(t)}: {_e(what)}</h3>")
                    out.append(
                        figs.img(
                            n,
                            f"Probability of reaching {fmt_threshold(t)} ({what}), one panel per policy, one line per scenario",
                            f"P(ratio ≥ {fmt_threshold(t)}), {_e(what)}: one panel per policy, one line per scenario.",
                        )
                    )
    if not targets:
        out.append('<p class="note">This result has neither the 2% nor the 3.5% threshold.</p>')
    out.append("</section>")
    return "".join(out)


PLAN_LABELS = {
    "plan_cumulative_initial": "FY2023-FY2027 initial budgets (against the 40.5 budget total)",
    "plan_cumulative_expenditure": "FY2023-FY2027 spending counted toward the plan: initial + counted supplementaries (against the 43.0 level)",
    "plan_cumulative_contracts": "FY2023-FY2027 new contracts, contract basis",
    "plan_real_value_fy2022_yen": "FY2023-FY2027 spending deflated to FY2022 yen",
    "plan_value_at_plan_exchange_rate": "FY2023-FY2027 spending at the plan's yen/dollar rate",
    "obligations_after_fy2027": "Contracts signed by FY2027, payable after FY2027",
}
PLAN_REF = {name: ref for name, _, ref in PLAN_ROWS}
SHORTFALL = (
    (
        "probability_of_plan_budget_shortfall",
        "plan_budget_total",
        "FY2023-FY2027 initial budgets fall short of the plan's budget total of",
    ),
    (
        "probability_of_plan_expenditure_shortfall",
        "plan_level_total",
        "FY2023-FY2027 spending incl. counted supplementaries falls short of the plan's level of",
    ),
    (
        "probability_of_plan_contract_shortfall",
        "plan_contract_total",
        "FY2023-FY2027 new contracts fall short of the plan's",
    ),
)


def _html_plan(figs: _Figures, ds: xr.Dataset, scs: list[str | None]) -> str:
    out = [f'<section id="plan"><h2>{SECTIONS["plan"]}</h2>']
    name = _fig_plan(figs, ds, scs)
    if name is None:
        out.append('<p class="note">This result has no plan-tracking variables.</p></section>')
        return "".join(out)
    out.append(
        figs.img(
            name,
            "Plan tracking: cumulative FY2023-FY2027 spending and contracts against the plan totals",
            "Cumulative FY2023-FY2027 spending and contracts (trillion yen) against the plan's totals; "
            "the real value in FY2022 yen and the value at the plan's exchange rate; obligations carried past FY2027.",
        )
    )
    qs = [0.05, 0.25, 0.5, 0.75, 0.95]
    head = "".join(f"<th>{'median' if q == 0.5 else f'{int(q * 100)}th pct'}</th>" for q in qs)
    sc_head = "<th>scenario</th>" if scs[0] is not None else ""
    out.append(
        f"<table><thead><tr>{sc_head}<th>trillion yen</th>{head}<th>plan total</th></tr></thead><tbody>"
    )
    for var, label in PLAN_LABELS.items():
        if var not in ds:
            continue
        for sc in scs:
            part = _part(ds, sc)
            cells = ""
            for q in qs:
                x = _quantile(part[var], q)
                v = float(x.values) if x is not None else float("nan")
                cells += f'<td class="num"{_attrs(var=var, scenario=sc, quantile=f"{q:g}")}>{fmt_yen(v)}</td>'
            ref = PLAN_REF.get(var)
            refv = fmt_yen(_scalar(part, ref)) if ref and ref in part else ""
            sc_cell = f"<td>{_e(sc)}</td>" if sc is not None else ""
            out.append(f'<tr>{sc_cell}<td>{_e(label)}</td>{cells}<td class="num">{refv}</td></tr>')
    out.append("</tbody></table><ul>")
    for var, ref, text in SHORTFALL:
        if var not in ds:
            continue
        for sc in scs:
            part = _part(ds, sc)
            p, se = _scalar(part, var), _scalar(part, f"{var}_standard_error")
            who = f"{_e(sc)}: " if sc is not None else ""
            out.append(
                f"<li>{who}Probability that {_e(text)} {fmt_yen(_scalar(part, ref))} trillion yen: "
                f"<span{_attrs(var=var, scenario=sc)}>{_e(fmt_prob_se(p, se))}</span> ({_e(in_words(p))}).</li>"
            )
    out.append("</ul></section>")
    return "".join(out)


def _html_reconciliation(ds: xr.Dataset, scs: list[str | None]) -> str:
    years = _report_years(ds)
    out = [
        f'<section id="reconciliation"><h2>{SECTIONS["reconciliation"]}</h2>',
        '<p class="note">Spending by category (mean over the draws, trillion yen) and what each inclusion policy counts '
        "of it (median of counted spending, trillion yen), for selected fiscal years. A policy counts a share of each "
        "category; the shares are in the policy files.</p>",
    ]
    if not years:
        out.append(
            '<p class="note">None of the selected fiscal years is in this result.</p></section>'
        )
        return "".join(out)
    head = "".join(f"<th>{fy(y)}</th>" for y in years)
    for sc in scs:
        part = _part(ds, sc)
        if sc is not None:
            out.append(f"<h3>Scenario {_e(sc)}</h3>")
        if "category_spending_mean" in part:
            imputed = part["category_imputed"] if "category_imputed" in part else None
            any_imp = False
            out.append(
                f"<table><thead><tr><th>category</th><th>description</th>{head}</tr></thead><tbody>"
            )
            for c in part["category"].values:
                c = str(c)
                desc = (
                    str(part["category_long_name"].sel(category=c).values)
                    if "category_long_name" in part
                    else ""
                )
                cells = ""
                for y in years:
                    v = float(part["category_spending_mean"].sel(category=c, fiscal_year=y).values)
                    flag = ""
                    if (
                        imputed is not None
                        and float(imputed.sel(category=c, fiscal_year=y).values) == 1
                    ):
                        flag, any_imp = "<sup>†</sup>", True
                    cells += f'<td class="num"{_attrs(var="category_spending_mean", scenario=sc, category=c, year=y)}>{fmt_yen(v)}{flag}</td>'
                out.append(f"<tr><td><code>{_e(c)}</code></td><td>{_e(desc)}</td>{cells}</tr>")
            out.append("</tbody></table>")
            if any_imp:
                out.append(
                    '<p class="note">† a known-period figure that was not published and was filled from the nearest year with a figure.</p>'
                )
        pols = _policies(part)
        med = _quantile(part["counted_spending"], 0.5)
        rmed = _quantile(part["spending_ratio"], 0.5)
        out.append(
            f"<table><thead><tr><th>policy</th><th>denominator and supplementary budgets</th>{head}</tr></thead><tbody>"
        )
        for pol in pols:
            desc = (
                str(part["policy_description"].sel(policy=pol).values)
                if "policy_description" in part
                else ""
            )
            desc = desc.split(": ", 1)[-1]
            words = _denominator_words(part, pol)
            m = re.match(r"denominator (\S+?), (.*)", desc)
            if words and m:
                desc = f"{words[0].upper()}{words[1:]} ({m.group(1)}); {m.group(2)}"
            cells = ""
            for y in years:
                v = (
                    float(med.sel(policy=pol, fiscal_year=y).values)
                    if med is not None
                    else float("nan")
                )
                r = (
                    float(rmed.sel(policy=pol, fiscal_year=y).values)
                    if rmed is not None
                    else float("nan")
                )
                cells += (
                    f'<td class="num"{_attrs(var="counted_spending", scenario=sc, policy=pol, year=y, quantile="0.5")}>{fmt_yen(v)}'
                    f'<span class="words"{_attrs(var="spending_ratio", scenario=sc, policy=pol, year=y, quantile="0.5")}>{fmt_ratio(r)}</span></td>'
                )
            out.append(f"<tr><td>{_e(pol)}</td><td>{_e(desc)}</td>{cells}</tr>")
        out.append("</tbody></table>")
        out.append(
            '<p class="note">Each cell: median counted spending (trillion yen) and, below it, the median ratio to the policy\'s GDP denominator.</p>'
        )
    out.append("</section>")
    return "".join(out)


def _html_sensitivity(figs: _Figures, ds: xr.Dataset, scs: list[str | None]) -> str:
    out = [f'<section id="sensitivity"><h2>{SECTIONS["sensitivity"]}</h2>']
    found = False
    for sc in scs:
        part = _part(ds, sc)
        present = _sens_vars(part)
        if not present:
            continue
        found = True
        if sc is not None:
            out.append(f"<h3>Scenario {_e(sc)}</h3>")
        name, where = _fig_sensitivity(figs, part, f"_{_slug(sc)}" if sc is not None else "")
        at = _where_text(where).strip().strip("()")
        if name:
            out.append(
                figs.img(
                    name,
                    "Sensitivity of the outcome to the parameters",
                    "Parameters ranked by their influence" + (f" ({_e(at)})" if at else "") + ".",
                )
            )
        cols = "".join(f"<th>{_e(v)}</th>" for v in present)
        out.append(f"<table><thead><tr><th>parameter</th>{cols}</tr></thead><tbody>")
        sliced = {v: _sens_slice(part[v])[0] for v in present}
        for prm in part["parameter"].values:
            cells = "".join(
                f'<td class="num"{_attrs(var=v, scenario=sc, parameter=str(prm))}>{fmt_index(sliced[v].sel(parameter=prm).values)}</td>'
                for v in present
            )
            out.append(f"<tr><td><code>{_e(prm)}</code></td>{cells}</tr>")
        out.append("</tbody></table>")
    if not found:
        out.append(
            '<p class="note">This result holds no sensitivity analysis (no variables '
            + ", ".join(f"<code>{v}</code>" for v in SENSITIVITY_VARS)
            + ").</p>"
        )
    out.append("</section>")
    return "".join(out)


PROVENANCE_ATTRS = (
    ("title", "Title"),
    ("scenarios", "Scenarios"),
    ("draws", "Draws"),
    ("seed_entropy", "Seed (entropy)"),
    ("model_version", "Model version"),
    ("git_commit", "Git commit"),
    ("data_vintage", "Data vintage"),
    ("as_of", "Data as of"),
    ("date_created", "Created"),
    ("history", "History"),
    ("scenario_sha256", "Scenario SHA-256"),
    ("calibration_sha256", "Calibration SHA-256"),
    ("Conventions", "Conventions"),
    ("source", "Source"),
)


SCENARIO_NOTE = (
    '<p class="note">The scenario file\'s <code>draws</code> and <code>seed</code> are defaults that the command '
    "line may override; the draws and seed this result used are listed above.</p>"
)


def _pretty_json(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2, sort_keys=True)
    except (TypeError, ValueError):
        return text


def _html_provenance(ds: xr.Dataset, scs: list[str | None], result_path: Path) -> str:
    a = ds.attrs
    out = [
        f'<section id="provenance"><h2>{SECTIONS["provenance"]}</h2><dl class="prov">',
        f"<dt>Result file</dt><dd><code>{_e(result_path.name)}</code></dd>",
    ]
    for key, label in PROVENANCE_ATTRS:
        if key in a and str(a[key]) != "":
            out.append(f"<dt>{_e(label)}</dt><dd{_attrs(attr=key)}>{_e(a[key])}</dd>")
    out.append("</dl>")
    for key, label in (
        ("first_projected_year", "First projected year of each block"),
        ("data_sha256", "Data files (SHA-256)"),
    ):
        if key in a:
            out.append(f"<h3>{_e(label)}</h3><pre>{_e(_pretty_json(a[key]))}</pre>")
    if "scenario" in a:
        out.append(
            "<h3>Scenario (resolved)</h3>"
            + SCENARIO_NOTE
            + f"<pre{_attrs(attr='scenario')}>{_e(_pretty_json(a['scenario']))}</pre>"
        )
    elif scs[0] is not None:
        for sc in scs:
            sib = result_path.parent / f"{sc}.nc"
            text, note = None, ""
            if sib.exists():
                try:
                    with xr.open_dataset(sib) as s:
                        sa = dict(s.attrs)
                    if sa.get("seed_entropy") != a.get("seed_entropy") or sa.get("draws") != a.get(
                        "draws"
                    ):
                        note = f" (from {sib.name}, whose seed or draws differ from this batch's: it may be from another run)"
                    else:
                        note = f" (from {sib.name})"
                    text = sa.get("scenario")
                except (OSError, ValueError):
                    text = None
            if text:
                out.append(
                    f"<h3>Scenario {_e(sc)} (resolved){_e(note)}</h3>{SCENARIO_NOTE}<pre{_attrs(attr='scenario', scenario=sc)}>{_e(_pretty_json(text))}</pre>"
                )
            else:
                out.append(
                    f'<p class="note">Scenario {_e(sc)}: its definition is not in the batch file and '
                    f"<code>{_e(sib.name)}</code> was not found next to it.</p>"
                )
    out.append("</section>")
    return "".join(out)


# ----------------------------------------------------------------------------- entry point


def _check(ds: xr.Dataset, path: Path) -> None:
    missing = [v for v in REQUIRED if v not in ds]
    if missing:
        raise InputError(path, missing[0], "not a jdef result: the variable is missing")
    for d in ("fiscal_year", "policy", "quantile"):
        if d not in ds.dims:
            raise InputError(path, d, "not a jdef result: the dimension is missing")


def _is_sensitivity_result(ds: xr.Dataset) -> bool:
    return (
        "parameter" in ds.dims and any(v in ds for v in SENSITIVITY_VARS) and REQUIRED[0] not in ds
    )


def _html_factors(ds: xr.Dataset) -> str:
    """The factor table of a sensitivity result: what was varied, over which range, and why."""
    out = ['<section id="factors"><h2>Inputs varied</h2>']
    if "metric_monte_carlo_error" in ds:
        mc = float(ds["metric_monte_carlo_error"].values.ravel()[0])
        out.append(
            f"<p>Metric: <code>{_e(str(ds.metric.values[0]))}</code>: {_e(ds.metric.attrs.get('long_name', ''))}. "
            f'Its Monte Carlo standard error at the nominal point is <span class="num"{_attrs(var="metric_monte_carlo_error")}>{mc:.4f}</span> '
            f"({_e(ds.attrs.get('draws', '?'))} draws, the same draws for every evaluation; {_e(ds.attrs.get('samples', '?'))} base samples, method {_e(ds.attrs.get('method', '?'))}).</p>"
        )
    out.append(
        "<table><thead><tr><th>input</th><th>group</th><th>low</th><th>nominal</th><th>high</th><th>units</th><th>range from</th></tr></thead><tbody>"
    )
    for i, prm in enumerate(ds["parameter"].values):

        def get(v: str, i: int = i) -> object:
            return ds[v].values[i] if v in ds else ""

        out.append(
            f"<tr><td><code>{_e(prm)}</code></td><td>{_e(get('factor_group'))}</td>"
            f'<td class="num">{float(get("factor_low")):.4g}</td><td class="num">{float(get("factor_nominal")):.4g}</td>'
            f'<td class="num">{float(get("factor_high")):.4g}</td><td>{_e(get("factor_units"))}</td><td>{_e(get("factor_source"))}</td></tr>'
        )
    out.append("</tbody></table></section>")
    return "".join(out)


def render_sensitivity_html(ds: xr.Dataset, figs: _Figures, result_path: Path) -> str:
    scs: list[str | None] = [None]
    title = ds.attrs.get("title") or f"jdef sensitivity report: {result_path.stem}"
    body = [
        _html_factors(ds),
        _html_sensitivity(figs, ds, scs),
        _html_provenance(ds, scs, result_path),
    ]
    nav = "".join(
        f'<li><a href="#{k}">{_e(v)}</a></li>'
        for k, v in (
            ("factors", "Inputs varied"),
            ("sensitivity", SECTIONS["sensitivity"]),
            ("provenance", SECTIONS["provenance"]),
        )
    )
    meta = (
        f"method {_e(ds.attrs.get('method', '?'))}, draws {_e(ds.attrs.get('draws', '?'))}, seed {_e(ds.attrs.get('seed_entropy', '?'))}, "
        f"data as of {_e(ds.attrs.get('as_of', '?'))}, jdef {_e(ds.attrs.get('model_version', '?'))}"
    )
    return _page(title, _e(ds.attrs.get("summary", "")), meta, nav, body)


def _page(title: str, intro: str, meta: str, nav: str, body: list[str]) -> str:
    """The HTML document: header (title, summary, run facts, contents) and the sections."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body><main>"
        f'<header><h1>{_e(title)}</h1><p>{intro}</p><p class="note">{meta}</p>'
        f"<nav><ol>{nav}</ol></nav></header>" + "\n".join(body) + "</main></body></html>\n"
    )


def render_html(ds: xr.Dataset, figs: _Figures, result_path: Path) -> str:
    scs = _scenarios(ds)
    title = ds.attrs.get("title") or f"jdef report: {result_path.stem}"
    nav = "".join(f'<li><a href="#{k}">{_e(v)}</a></li>' for k, v in SECTIONS.items())
    intro = _e(ds.attrs.get("summary", ""))
    body = [
        _html_summary(ds, scs),
        _html_fans(figs, ds, scs),
        _html_probabilities(figs, ds, scs),
        _html_plan(figs, ds, scs),
        _html_reconciliation(ds, scs),
        _html_sensitivity(figs, ds, scs),
        _html_provenance(ds, scs, result_path),
    ]
    meta = (
        f"draws {_e(ds.attrs.get('draws', '?'))}, seed {_e(ds.attrs.get('seed_entropy', '?'))}, "
        f"data as of {_e(ds.attrs.get('as_of', '?'))}, jdef {_e(ds.attrs.get('model_version', '?'))}"
    )
    return _page(title, intro, meta, nav, body)


def write_report(result_path: Path, out_dir: Path) -> dict[str, Path]:
    """Write PNG figures to ``out_dir/STEM_figures/`` and ``out_dir/STEM.html``; return name -> path.

    ``result_path`` is a run result (dims fiscal_year, policy, threshold,
    quantile, category) or a batch result (the same and ``scenario``). The
    returned mapping has the key ``"html"`` and one key per figure.
    """
    result_path, out_dir = Path(result_path), Path(out_dir)
    if not result_path.exists():
        raise InputError(result_path, "", "no such result file")
    try:
        with xr.open_dataset(result_path) as ds:
            ds = ds.load()
    except (OSError, ValueError) as exc:
        raise InputError(result_path, "", f"not a readable NetCDF file ({exc})") from None
    sensitivity_only = _is_sensitivity_result(ds)
    if not sensitivity_only:
        _check(ds, result_path)
    stem = result_path.stem
    folder = out_dir / f"{stem}_figures"
    figs = _Figures(folder)
    text = (render_sensitivity_html if sensitivity_only else render_html)(ds, figs, result_path)
    html_path = _atomic_write(out_dir / f"{stem}.html", text.encode("utf-8"))
    # figures from an earlier report of the same file that this one did not draw would mislead
    keep = {p.name for p in figs.paths.values()}
    for old in folder.glob("*.png"):
        if old.name not in keep:
            old.unlink()
    return {"html": html_path, **figs.paths}
