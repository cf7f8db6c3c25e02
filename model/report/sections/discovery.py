"""The scenario-discovery section (a ``jdef discover`` result): the box PRIM found, its
coverage and density, the peeling trajectory and the chart."""

from __future__ import annotations

from pathlib import Path

import xarray as xr

from ..figures.discovery import discovery_figure
from ..format import esc
from ..html import Figures, contents, page

DISCOVERY_SECTIONS = {"discovery": "Scenario discovery (PRIM)"}


def is_discovery_result(ds: xr.Dataset) -> bool:
    return "box_coverage" in ds and "step" in ds.dims and "experiment" in ds.dims


def discovery_section(figs: Figures, ds: xr.Dataset) -> str:
    sel = int(ds.attrs["selected_step"])
    cov, den = float(ds["box_coverage"][sel]), float(ds["box_density"][sel])
    mass = float(ds["box_mass"][sel])
    n_case = int(ds["experiment_is_case_of_interest"].sum())
    side = "below" if ds.attrs.get("case_of_interest") == "below" else "at or above"
    selected = ' class="selected"'
    rows = "".join(
        f'<tr{selected if i == sel else ""}><td class="num">{i}</td>'
        f'<td class="num">{float(ds["box_coverage"][i]):.3f}</td>'
        f'<td class="num">{float(ds["box_density"][i]):.3f}</td>'
        f'<td class="num">{float(ds["box_mass"][i]):.3f}</td>'
        f'<td class="num">{int(ds["box_restricted_dimensions"][i])}</td>'
        f"<td>{esc(str(ds['box_description'].values[i]))}</td></tr>"
        for i in range(ds.sizes["step"])
    )
    name = figs.save(discovery_figure(ds), "discovery")
    return (
        '<section id="discovery"><h2>Scenario discovery (PRIM)</h2>'
        f"<p>Metric <code>{esc(str(ds.attrs.get('metric', '?')))}</code> "
        f"({esc(str(ds.attrs.get('metric_long_name', '')))}); an experiment is a case of "
        f"interest when it is {side} "
        f"{esc(str(ds.attrs.get('threshold')))}: {n_case} of {ds.sizes['experiment']} "
        f"experiments ({esc(str(ds.attrs.get('draws', '?')))} Monte Carlo draws each, the same "
        "draws for every experiment).</p>"
        f"<p><strong>Box (step {sel}):</strong> {esc(str(ds['box_description'].values[sel]))}"
        f"<br>coverage {cov:.3f}, density {den:.3f}, mass {mass:.3f}: the box holds "
        f"{cov:.0%} of the cases of interest, and {den:.0%} of the experiments in it are cases "
        f"of interest. It is the step of highest coverage with density at least "
        f"{esc(str(ds.attrs.get('min_density')))}.</p>"
        + figs.img(
            name,
            "PRIM trade-off and box",
            "Left: coverage against density along the "
            "peeling trajectory (the selected box circled). Right: the experiments on the "
            "box's leading inputs, cases of interest in red, the box in blue.",
        )
        + "<table><thead><tr><th>step</th><th>coverage</th><th>density</th><th>mass</th>"
        "<th>inputs restricted</th><th>box</th></tr></thead><tbody>"
        + rows
        + "</tbody></table></section>"
    )


def render_discovery_html(ds: xr.Dataset, figs: Figures, result_path: Path) -> str:
    """The page of a ``jdef discover`` result."""
    title = ds.attrs.get("title") or f"jdef scenario discovery: {result_path.stem}"
    meta = (
        f"experiments {ds.sizes['experiment']}, draws {esc(str(ds.attrs.get('draws', '?')))}, "
        f"seed {esc(str(ds.attrs.get('seed_entropy', '?')))}, data as of "
        f"{esc(str(ds.attrs.get('as_of', '?')))}"
    )
    return page(
        title,
        esc(ds.attrs.get("summary", "")),
        meta,
        contents(DISCOVERY_SECTIONS),
        [discovery_section(figs, ds)],
    )
