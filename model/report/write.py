"""Writing the report: check the result file, assemble the page of a run, batch or
sensitivity result, write the HTML and the figures, and remove stale figures."""

from __future__ import annotations

from pathlib import Path

import xarray as xr

from ..errors import InputError
from ..io import write_bytes
from . import access
from .access import REQUIRED, SENSITIVITY_VARS
from .figures.common import source_line
from .format import esc
from .html import SECTIONS, Figures, contents, page
from .sections.charts import fans_section, probabilities_section
from .sections.discovery import is_discovery_result, render_discovery_html
from .sections.headline import headline_section
from .sections.plan import plan_section
from .sections.provenance import provenance_section
from .sections.reconciliation import reconciliation_section
from .sections.sensitivity import factors_section, sensitivity_section
from .sections.summary import summary_section

SENSITIVITY_SECTIONS = {
    "factors": "Inputs varied",
    "sensitivity": SECTIONS["sensitivity"],
    "provenance": SECTIONS["provenance"],
}


def _check(ds: xr.Dataset, path: Path) -> None:
    missing = [v for v in REQUIRED if v not in ds]
    if missing:
        raise InputError(path, missing[0], "not a jdef result: the variable is missing")
    for d in ("fiscal_year", "policy", "percentile"):
        if d not in ds.dims:
            raise InputError(path, d, "not a jdef result: the dimension is missing")


def _is_sensitivity_result(ds: xr.Dataset) -> bool:
    return (
        "parameter" in ds.dims and any(v in ds for v in SENSITIVITY_VARS) and REQUIRED[0] not in ds
    )


def _attr(ds: xr.Dataset, key: str) -> str:
    return esc(ds.attrs.get(key, "?"))


def render_sensitivity_html(ds: xr.Dataset, figs: Figures, result_path: Path) -> str:
    """The page of a ``jdef sensitivity`` result: the inputs varied, the chart and table,
    provenance."""
    scs: list[str | None] = [None]
    title = ds.attrs.get("title") or f"jdef sensitivity report: {result_path.stem}"
    body = [
        factors_section(ds),
        sensitivity_section(figs, ds, scs),
        provenance_section(ds, scs, result_path),
    ]
    meta = (
        f"method {_attr(ds, 'method')}, draws {_attr(ds, 'draws')}, "
        f"seed {_attr(ds, 'seed_entropy')}, data as of {_attr(ds, 'as_of')}, "
        f"jdef {_attr(ds, 'model_version')}"
    )
    intro = esc(ds.attrs.get("summary", ""))
    return page(title, intro, meta, contents(SENSITIVITY_SECTIONS), body)


def render_html(ds: xr.Dataset, figs: Figures, result_path: Path) -> str:
    """The page of a run or batch result: every section of SECTIONS."""
    scs = access.scenarios(ds)
    title = ds.attrs.get("title") or f"jdef report: {result_path.stem}"
    body = [
        headline_section(ds),
        summary_section(ds, scs),
        fans_section(figs, ds, scs),
        probabilities_section(figs, ds, scs),
        plan_section(figs, ds, scs),
        reconciliation_section(ds, scs),
        sensitivity_section(figs, ds, scs),
        provenance_section(ds, scs, result_path),
    ]
    meta = (
        f"draws {_attr(ds, 'draws')}, seed {_attr(ds, 'seed_entropy')}, "
        f"as of {_attr(ds, 'as_of')}, data vintage {_attr(ds, 'data_vintage')}, "
        f"jdef {_attr(ds, 'model_version')}"
    )
    return page(title, esc(ds.attrs.get("summary", "")), meta, contents(SECTIONS), body)


def write_report(result_path: Path, out_dir: Path) -> dict[str, Path]:
    """Write PNG figures to ``out_dir/STEM_figures/`` and ``out_dir/STEM.html``.

    Parameters
    ----------
    result_path : Path
        A run result (dims fiscal_year, policy, threshold, percentile, category), a batch
        result (the same and ``scenario``) or a ``jdef sensitivity`` result (parameter,
        metric).
    out_dir : Path
        The folder to write into.

    Returns
    -------
    dict
        ``"html"`` and one key per figure, each mapped to the file written.

    Raises
    ------
    InputError
        The file is missing, unreadable or not a jdef result.
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
    discovery = is_discovery_result(ds)  # a jdef discover result
    if not sensitivity_only and not discovery:
        _check(ds, result_path)
    stem = result_path.stem
    folder = out_dir / f"{stem}_figures"
    figs = Figures(folder, source_line(ds))
    render = (
        render_discovery_html
        if discovery
        else render_sensitivity_html
        if sensitivity_only
        else render_html
    )
    text = render(ds, figs, result_path)
    html_path = write_bytes(text.encode("utf-8"), out_dir / f"{stem}.html")
    _remove_stale_figures(folder, {p.name for p in [*figs.paths.values(), *figs.svg.values()]})
    return {"html": html_path, **figs.paths}


MANIFEST = "jdef-figures.txt"  # in the figures folder: the PNGs the last report drew there


def _remove_stale_figures(folder: Path, drawn: set[str]) -> None:
    """Delete the figures an earlier report listed in ``folder/MANIFEST`` that this one did not
    draw (they would mislead), then list this one's. Files the reports did not write are the
    user's and stay; so does everything in a folder without a manifest."""
    manifest = folder / MANIFEST
    try:
        before = set(manifest.read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError):
        before = set()
    for name in before - drawn:
        # a plain PNG name of this folder only, whatever the manifest holds
        if name.endswith((".png", ".svg")) and Path(name).name == name:
            (folder / name).unlink(missing_ok=True)
    if drawn:
        write_bytes("".join(f"{n}\n" for n in sorted(drawn)).encode("utf-8"), manifest)
