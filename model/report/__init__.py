"""PNG figures and one self-contained HTML report for a run, batch or sensitivity result.

``write_report(result.nc, out_dir)`` writes ``out_dir/STEM_figures/*.png`` and
``out_dir/STEM.html``; the HTML embeds every figure as a base64 data URI, has its CSS
inline, loads nothing from elsewhere and needs no JavaScript. Every number in it is read
from the NetCDF file and formatted by ``jdef.report.format``, so a test can find it again.

Modules: ``format`` (numbers and words), ``access`` (reading the Dataset), ``figures``
(one module per chart family, shared with the CLI), ``sections`` (one module per page
section), ``html`` (the page shell) and ``write`` (the entry point). matplotlib is imported
inside the plotting functions, so importing this package, and ``jdef --help``, stay fast.
"""

from .figures.sensitivity import sensitivity_figure, write_sensitivity_png
from .format import (
    fmt_index,
    fmt_prob,
    fmt_prob_se,
    fmt_ratio,
    fmt_threshold,
    fmt_yen,
    fy,
    in_words,
)
from .html import SECTIONS
from .write import write_report

__all__ = [
    "SECTIONS",
    "fmt_index",
    "fmt_prob",
    "fmt_prob_se",
    "fmt_ratio",
    "fmt_threshold",
    "fmt_yen",
    "fy",
    "in_words",
    "sensitivity_figure",
    "write_report",
    "write_sensitivity_png",
]
