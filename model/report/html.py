"""The page shell: section headings, inline CSS, ``data-*`` attributes, the figure store that
writes each PNG and embeds it, and the HTML document around the sections."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING

from ..io import write_bytes
from .figures.common import add_source, png_bytes, svg_bytes
from .format import esc

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Section ids and headings of a run or batch report, in the order they appear.
SECTIONS = {
    "headline": "Headline",
    "summary": "Summary",
    "fan-charts": "Fan charts: GDP, counted spending and the ratio",
    "probabilities": "Probability of reaching the targets",
    "plan": "Plan tracking: the FY2023-FY2027 Defense Buildup Program",
    "reconciliation": "Reconciliation: what each policy counts",
    "sensitivity": "Sensitivity",
    "provenance": "Provenance",
}

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",Arial,sans-serif;
margin:0;color:#1d1d1f;background:#fff;line-height:1.45}
main{max-width:1240px;margin:0 auto;padding:1.2rem 1.6rem 3rem}
h1{font-size:1.6rem;margin:.4rem 0 .3rem}
h2{font-size:1.3rem;margin-top:2.2rem;border-bottom:2px solid #ddd;padding-bottom:.2rem}
h3{font-size:1.05rem;margin-top:1.4rem}
nav ol{columns:2;font-size:.92rem}
figure{margin:1rem 0 1.6rem}figure img{max-width:100%;height:auto;border:1px solid #e5e5e5}
figcaption{font-size:.88rem;color:#444;margin-top:.3rem}
table{border-collapse:collapse;margin:.6rem 0 1.2rem;font-size:.88rem}
th,td{border:1px solid #d9d9d9;padding:.25rem .5rem;vertical-align:top}
th{background:#f4f4f6;text-align:left}tbody+tbody{border-top:2px solid #888}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td .words{display:block;color:#555;font-size:.8rem}
pre{background:#f6f8fa;border:1px solid #e1e4e8;padding:.7rem;overflow-x:auto;font-size:.8rem}
.headline{font-size:1.12rem;background:#f5f7fa;border-left:4px solid #1f77b4;padding:.7rem 1rem}
.note{color:#555;font-size:.88rem}sup{line-height:0}code{font-size:.88em}
dl.prov{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;font-size:.9rem}
dl.prov dt{font-weight:600}dl.prov dd{margin:0;word-break:break-all}
"""


def attrs(**kv: object) -> str:
    """``data-*`` attributes naming where a number comes from (None values left out)."""
    return "".join(
        f' data-{k.replace("_", "-")}="{esc(v)}"' for k, v in kv.items() if v is not None
    )


class Figures:
    """The figures of one report: writes each as PNG (embedded in the page) and SVG (vector)
    into ``folder``, with the source line along its top, and keeps the PNG bytes to embed."""

    def __init__(self, folder: Path, source: str = ""):
        from .. import progress

        self.folder = folder
        self.source = source
        self.paths: dict[str, Path] = {}
        self.svg: dict[str, Path] = {}
        self.png: dict[str, bytes] = {}
        self._tick = progress.task("figures", None)

    def save(self, fig: Figure, name: str) -> str:
        """Write ``fig`` as ``folder/NAME.png`` and ``NAME.svg`` (atomically); return ``name``."""
        if self.source:
            add_source(fig, self.source)
        data = png_bytes(fig)
        self.paths[name] = write_bytes(data, self.folder / f"{name}.png")
        self.svg[name] = write_bytes(svg_bytes(fig), self.folder / f"{name}.svg")
        self.png[name] = data
        self._tick(1)
        return name

    def img(self, name: str, alt: str, caption: str) -> str:
        """The saved figure ``name`` as a <figure> with the PNG as a data URI."""
        b64 = base64.b64encode(self.png[name]).decode("ascii")
        return (
            f'<figure id="fig-{esc(name)}"><img src="data:image/png;base64,{b64}" alt="{esc(alt)}">'
            f"<figcaption>{caption}</figcaption></figure>"
        )


def contents(items: dict[str, str]) -> str:
    """The table of contents: one link per section id."""
    return "".join(f'<li><a href="#{k}">{esc(v)}</a></li>' for k, v in items.items())


def page(title: str, intro: str, meta: str, nav: str, body: list[str]) -> str:
    """The HTML document: header (title, summary, run facts, contents) and the sections."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body><main>"
        f'<header><h1>{esc(title)}</h1><p>{intro}</p><p class="note">{meta}</p>'
        f"<nav><ol>{nav}</ol></nav></header>" + "\n".join(body) + "</main></body></html>\n"
    )
