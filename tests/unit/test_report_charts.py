"""The sensitivity chart shared by ``jdef sensitivity`` and the report, checked on its
matplotlib artists for hand-made results: tornado bars from the nominal value to the low and
high metric values, coloured by side, with the nominal line and a legend inside the figure;
Sobol S1 and ST with their 95% intervals as error bars; the same PNG from both callers."""

import numpy as np
import pytest
import xarray as xr
from jdef.io import write_netcdf
from jdef.report import sensitivity_figure, write_report, write_sensitivity_png
from jdef.report.figures.sensitivity import SIDE_COLORS, SOBOL_COLORS, importance_order
from matplotlib.colors import to_hex

NAMES = ["a", "b", "c", "d"]
NOMINAL = 0.20
LOW = np.array([0.10, 0.25, 0.18, 0.20])  # swings |high - low|: 0.30, 0.10, 0.04, 0.00
HIGH = np.array([0.40, 0.15, 0.22, 0.20])
S1 = np.array([0.05, 0.50, 0.10, 0.02])
ST = np.array([0.10, 0.70, 0.30, 0.03])
S1_CONF = np.array([0.01, 0.04, 0.02, 0.005])
ST_CONF = np.array([0.02, 0.06, 0.03, 0.01])


def _per_parameter(values: np.ndarray) -> tuple[tuple[str, str], np.ndarray]:
    return ("parameter", "metric"), values[:, None]


def oat_dataset() -> xr.Dataset:
    return xr.Dataset(
        {
            "oat_low": _per_parameter(LOW),
            "oat_high": _per_parameter(HIGH),
            "oat_nominal": ("metric", [NOMINAL]),
        },
        coords={"parameter": NAMES, "metric": ("metric", ["m"], {"long_name": "the metric"})},
        attrs={"method": "oat"},
    )


def sobol_dataset() -> xr.Dataset:
    return xr.Dataset(
        {
            "sobol_S1": _per_parameter(S1),
            "sobol_S1_conf": _per_parameter(S1_CONF),
            "sobol_ST": _per_parameter(ST),
            "sobol_ST_conf": _per_parameter(ST_CONF),
        },
        coords={"parameter": NAMES, "metric": ["m"]},
        attrs={"method": "sobol"},
    )


def _bars(ax, label):
    (container,) = [c for c in ax.containers if c.get_label() == label]
    return container


def _row_of(ax) -> dict[str, float]:
    """Factor name -> y position of its row."""
    return {
        t.get_text(): float(y) for t, y in zip(ax.get_yticklabels(), ax.get_yticks(), strict=True)
    }


def test_tornado_bars_run_from_nominal_to_low_and_high():
    fig, where = sensitivity_figure(oat_dataset())
    assert where == {"metric": "m"}
    (ax,) = fig.axes
    rows = _row_of(ax)
    # widest swing on top, a factor that moves nothing at the bottom
    assert sorted(rows, key=rows.get) == ["d", "c", "b", "a"]
    for side, values in (("low", LOW), ("high", HIGH)):
        bars = _bars(ax, f"factor at its {side} value")
        assert len(bars) == len(NAMES)
        for rect in bars:
            y = rect.get_y() + rect.get_height() / 2
            (name,) = [n for n, r in rows.items() if np.isclose(r, y)]
            edges = sorted([rect.get_x(), rect.get_x() + rect.get_width()])
            want = sorted([NOMINAL, values[NAMES.index(name)]])
            np.testing.assert_allclose(edges, want, rtol=0, atol=1e-12)
            assert to_hex(rect.get_facecolor()) == SIDE_COLORS[side]
    assert SIDE_COLORS["low"] != SIDE_COLORS["high"]
    (nominal_line,) = [ln for ln in ax.lines if ln.get_label().startswith("nominal")]
    np.testing.assert_array_equal(nominal_line.get_xdata(), [NOMINAL, NOMINAL])
    assert ax.get_xlabel() == "the metric"


def test_tornado_legend_fits_inside_the_figure():
    fig, _ = sensitivity_figure(oat_dataset())
    fig.canvas.draw()
    legend = fig.axes[0].get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == ["nominal (0.2)", "factor at its low value", "factor at its high value"]
    box, page = legend.get_window_extent(), fig.bbox
    assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1


def test_sobol_bars_carry_their_95_percent_intervals():
    fig, _ = sensitivity_figure(sobol_dataset())
    (ax,) = fig.axes
    rows = _row_of(ax)
    assert sorted(rows, key=rows.get, reverse=True) == ["b", "c", "a", "d"]  # by ST
    for label, key, values, conf in (
        ("first order $S_1$", "S1", S1, S1_CONF),
        ("total order $S_T$", "ST", ST, ST_CONF),
    ):
        bars = _bars(ax, label)
        segments = bars.errorbar.lines[2][0].get_segments()
        assert len(bars) == len(segments) == len(NAMES)
        for rect, seg in zip(bars, segments, strict=True):
            assert to_hex(rect.get_facecolor()) == SOBOL_COLORS[key]
            y = rect.get_y() + rect.get_height() / 2
            (name,) = [n for n, r in rows.items() if abs(r - y) < 0.5]
            i = NAMES.index(name)
            assert rect.get_x() == 0 and rect.get_width() == pytest.approx(values[i], abs=1e-12)
            np.testing.assert_allclose(
                seg, [[values[i] - conf[i], y], [values[i] + conf[i], y]], rtol=0, atol=1e-12
            )


def test_importance_order():
    assert [NAMES[i] for i in importance_order(sobol_dataset())] == ["b", "c", "a", "d"]
    assert [NAMES[i] for i in importance_order(oat_dataset())] == ["a", "b", "c", "d"]
    ds = sobol_dataset()
    ds["sobol_ST"][1, 0] = np.nan  # an undefined index goes last
    assert [NAMES[i] for i in importance_order(ds)] == ["c", "a", "d", "b"]


@pytest.mark.parametrize("make", [oat_dataset, sobol_dataset])
def test_cli_and_report_draw_the_same_png(make, tmp_path):
    nc = write_netcdf(make(), tmp_path / "s.nc")
    with xr.open_dataset(nc) as ds:
        cli_png = write_sensitivity_png(ds.load(), tmp_path / "cli.png")
    report = write_report(nc, tmp_path / "report")
    assert report["sensitivity"].read_bytes() == cli_png.read_bytes()
