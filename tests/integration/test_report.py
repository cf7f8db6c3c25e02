"""The HTML report and its PNG figures: valid images, a self-contained page, numbers that match
the NetCDF, batches, optional sensitivity results, and the page as a headless browser renders it.
"""

import base64
import shutil
import struct
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from jdef import load_scenario, simulate
from jdef.batch import combine, run_batch
from jdef.constants import SCENARIO_DIR
from jdef.errors import InputError
from jdef.io import write_netcdf
from jdef.report import SECTIONS, fmt_prob_se, fmt_ratio, fmt_yen, in_words, write_report
from jdef.report.sections.paired import fmt_difference

POLICIES = 'policies=["mod-core", "current", "current-gdp"]'
SMALL = [POLICIES, "horizon=2036"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


# ----------------------------------------------------------------------------- helpers


class Page(HTMLParser):
    """Headings, images, links and the text of every element carrying data-var (with its
    data-* key)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[list] = []  # [tag, capture-key or None, text parts]
        self.headings: dict[str, list[str]] = {"h1": [], "h2": [], "h3": []}
        self.images: list[dict[str, str]] = []
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.cells: dict[tuple, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "img":
            self.images.append(a)
        if "href" in a:
            self.hrefs.append(a["href"])
        if tag in VOID:
            return
        key = None
        if "data-var" in a or "data-attr" in a:
            key = tuple(sorted((k[5:], v) for k, v in a.items() if k.startswith("data-")))
        self.stack.append([tag, key, []])

    def handle_endtag(self, tag):
        while self.stack:
            t, key, parts = self.stack.pop()
            text = "".join(parts).strip()
            if t in self.headings:
                self.headings[t].append(text)
            if key is not None:
                self.cells[key] = text
            if self.stack:  # text of a child belongs to its parents too
                self.stack[-1][2].append(
                    " " + "".join(parts) + " " if t in ("span", "sup") else "".join(parts)
                )
            if t == tag:
                break

    def handle_data(self, data):
        if self.stack:
            self.stack[-1][2].append(data)

    def cell(self, **kv) -> str:
        want = tuple(sorted((k.replace("_", "-"), str(v)) for k, v in kv.items()))
        assert want in self.cells, f"no element with {want}; have e.g. {list(self.cells)[:3]}"
        return self.cells[want]


def parse(path: Path) -> Page:
    p = Page()
    p.feed(path.read_text(encoding="utf-8"))
    p.close()
    return p


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE, "not a PNG signature"
    length, ctype = struct.unpack(">I4s", data[8:16])
    assert ctype == b"IHDR" and length == 13, "the first chunk is not IHDR"
    return struct.unpack(">II", data[16:24])


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def run_nc(tmp_path_factory) -> Path:
    sc = load_scenario(SCENARIO_DIR / "baseline.toml", SMALL)
    ds = simulate(sc, draws=400, seed=7)
    return write_netcdf(ds, tmp_path_factory.mktemp("run") / "baseline.nc")


@pytest.fixture(scope="module")
def run_report(run_nc, tmp_path_factory) -> dict[str, Path]:
    return write_report(run_nc, tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def batch_nc(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("batch")
    scs = [load_scenario(SCENARIO_DIR / f, SMALL) for f in ("baseline.toml", "topup-on.toml")]
    outcomes = run_batch(scs, draws=300, seed=7, out=out)
    return combine(outcomes, out)[1]


@pytest.fixture(scope="module")
def batch_report(batch_nc, tmp_path_factory) -> dict[str, Path]:
    return write_report(batch_nc, tmp_path_factory.mktemp("batch_report"))


# ----------------------------------------------------------------------------- tests


@pytest.mark.parametrize(
    "p, words",
    [
        (0.0, "less than 1 in 100"),
        (0.005, "less than 1 in 100"),
        (0.01, "almost no chance"),
        (0.027, "almost no chance"),
        (0.05, "very unlikely"),
        (0.3, "unlikely"),
        (0.5, "roughly even chance"),
        (0.7, "likely"),
        (0.9, "very likely"),
        (0.95, "almost certain"),
        (0.99, "almost certain"),
        (0.995, "more than 99 in 100"),
        (1.0, "more than 99 in 100"),
        (float("nan"), "not available"),
    ],
)
def test_in_words(p, words):
    assert in_words(p) == words


def test_layout_and_pngs(run_nc, run_report):
    html = run_report["html"]
    assert html == html.parent / "baseline.html" and html.exists()
    figs = {k: v for k, v in run_report.items() if k != "html"}
    assert {
        "fan_nominal_gdp",
        "fan_counted_spending",
        "fan_spending_ratio",
        "probability_of_targets",
        "plan_tracking",
    } <= set(figs)
    for name, path in figs.items():
        assert path.parent == html.parent / "baseline_figures" and path.suffix == ".png"
        w, h = png_size(path.read_bytes())
        assert w >= 400 and 200 <= h <= 4000, (name, w, h)


def test_html_self_contained_with_sections_and_figures(run_report):
    page = parse(run_report["html"])
    text = run_report["html"].read_text(encoding="utf-8")
    for heading in SECTIONS.values():
        assert heading in page.headings["h2"], heading
    figs = {k: v for k, v in run_report.items() if k != "html"}
    srcs = [img["src"] for img in page.images]
    assert len(srcs) == len(figs)
    embedded = {
        base64.b64decode(s.split(",", 1)[1]) for s in srcs if s.startswith("data:image/png;base64,")
    }
    assert embedded == {p.read_bytes() for p in figs.values()}, (
        "every figure embedded, byte for byte"
    )
    assert all(img.get("alt") for img in page.images)
    assert "script" not in page.tags and "link" not in page.tags
    assert all(h.startswith("#") for h in page.hrefs), "only links within the page"
    assert "url(" not in text and "@import" not in text, "no external resources from CSS"


def test_numbers_match_netcdf(run_nc, run_report):
    page = parse(run_report["html"])
    with xr.open_dataset(run_nc) as ds:
        var = "probability_of_spending_ratio_above_threshold"
        sel = dict(policy="current", fiscal_year=2027, threshold=0.02)
        p = float(ds[var].sel(sel))
        se = float(ds[f"{var}_standard_error"].sel(sel))
        cell = page.cell(var=var, policy="current", year=2027, threshold="0.02")
        assert cell.startswith(fmt_prob_se(p, se)) and in_words(p) in cell

        var = "probability_of_spending_ratio_reached_threshold_by_year"
        p = float(ds[var].sel(policy="current-gdp", fiscal_year=2035, threshold=0.035))
        assert page.cell(var=var, policy="current-gdp", year=2035, threshold="0.035").startswith(
            fmt_prob_se(
                p,
                float(
                    ds[f"{var}_standard_error"].sel(
                        policy="current-gdp", fiscal_year=2035, threshold=0.035
                    )
                ),
            )
        )

        counted = float(
            ds["counted_spending"].sel(percentile=50, policy="mod-core", fiscal_year=2030)
        )
        ratio = float(ds["spending_ratio"].sel(percentile=50, policy="mod-core", fiscal_year=2030))
        assert page.cell(
            var="counted_spending", policy="mod-core", year=2030, quantile="0.5"
        ).startswith(fmt_yen(counted))
        assert page.cell(
            var="spending_ratio", policy="mod-core", year=2030, quantile="0.5"
        ) == fmt_ratio(ratio)

        cat = float(ds["category_spending_mean"].sel(category="coast_guard", fiscal_year=2025))
        assert page.cell(
            var="category_spending_mean", category="coast_guard", year=2025
        ).startswith(fmt_yen(cat))

        for v in (
            "plan_cumulative_expenditure",
            "plan_cumulative_contracts",
            "obligations_after_fy2027",
            "plan_real_value_fy2022_yen",
            "plan_value_at_plan_exchange_rate",
        ):
            assert page.cell(var=v, quantile="0.5") == fmt_yen(float(ds[v].sel(percentile=50)))
        p = float(ds["probability_of_plan_contract_shortfall"])
        name = "probability_of_plan_contract_shortfall"
        assert page.cell(var=name) == fmt_prob_se(
            p,
            float(ds[f"{name}_standard_error"]),
            float(ds[f"{name}_lower_bound"]),
            float(ds[f"{name}_upper_bound"]),
        )
        text = run_report["html"].read_text(encoding="utf-8")
        assert f"{fmt_yen(float(ds['plan_budget_total']))} trillion yen" in text

        for key in (
            "seed_entropy",
            "draws",
            "model_version",
            "git_commit",
            "data_vintage",
            "as_of",
        ):
            assert page.cell(attr=key) == ds.attrs[key]
        assert '"name": "baseline"' in page.cell(attr="scenario")  # pretty-printed scenario JSON


def test_no_sensitivity_section_content_when_absent(run_report):
    assert not any(k.startswith("sensitivity") for k in run_report)
    assert "holds no sensitivity analysis" in run_report["html"].read_text(encoding="utf-8")


@pytest.mark.slow  # moved out of the default suite (under 5 min): see the slow tier
def test_sensitivity_results_drawn_when_present(run_nc, tmp_path):
    with xr.open_dataset(run_nc) as ds:
        ds = ds.load()
    params = ["real_growth_shift", "supplementary_scale", "fx_shift", "deflator_shift"]
    rng = np.random.default_rng(1)
    dims = ("parameter", "policy")
    shape = (len(params), ds.sizes["policy"])
    ds = ds.assign_coords(parameter=("parameter", params))
    ds["sobol_S1"] = (dims, rng.uniform(0, 0.4, shape))
    ds["sobol_ST"] = (dims, ds["sobol_S1"].values + 0.1)
    ds["morris_mu_star"] = ("parameter", rng.uniform(0, 1, len(params)))
    ds["oat_low"] = ("parameter", 0.02 - rng.uniform(0, 0.003, len(params)))
    ds["oat_high"] = ("parameter", 0.02 + rng.uniform(0, 0.003, len(params)))
    ds["oat_nominal"] = 0.02
    nc = write_netcdf(ds, tmp_path / "sens.nc")
    out = write_report(nc, tmp_path / "out")
    assert "sensitivity" in out
    w, _h = png_size(out["sensitivity"].read_bytes())
    assert w >= 400
    page = parse(out["html"])
    st = float(
        ds["sobol_ST"].sel(parameter="fx_shift", policy="current")
    )  # the report prefers policy 'current'
    assert page.cell(var="sobol_ST", parameter="fx_shift") == f"{st:.3f}"
    assert (
        page.cell(var="oat_high", parameter="deflator_shift")
        == f"{float(ds['oat_high'].sel(parameter='deflator_shift')):.3f}"
    )
    assert page.cell(var="oat_nominal") == "0.020"
    # the table ranks the parameters by total-order index, largest first
    rows = [dict(k)["parameter"] for k in page.cells if ("var", "sobol_ST") in k]
    ranked = ds["sobol_ST"].sel(policy="current").sortby(ds["sobol_ST"].sel(policy="current"))
    assert rows == [str(p) for p in ranked["parameter"].values[::-1]]


def test_batch_report(batch_nc, batch_report):
    html = batch_report["html"]
    assert html.name == "batch.html"
    page = parse(html)
    for heading in SECTIONS.values():
        assert heading in page.headings["h2"]
    figs = {k: v for k, v in batch_report.items() if k != "html"}
    assert {
        "fan_counted_spending_baseline",  # the fans of the first scenario
        "median_spending_ratio_by_scenario",  # every scenario's median, one line each
        "probability_in_year_2pct",
        "plan_tracking",
    } <= set(figs)
    assert "fan_counted_spending_topup-on" not in figs
    # the paired differences against the first scenario, from batch.nc
    with xr.open_dataset(batch_nc) as ds:
        d = ds["probability_difference"].sel(
            scenario="topup-on", paired_policy="current", comparison_year=2030, goal=0.02
        )
        se = ds["probability_difference_standard_error"].sel(
            scenario="topup-on", paired_policy="current", comparison_year=2030, goal=0.02
        )
        assert page.cell(
            var="probability_difference", scenario="topup-on", policy="current", year=2030
        ) == fmt_difference(float(d), float(se))
        assert "headline" in page.headings["h2"][0].lower()
    assert len(page.images) == len(figs)
    for path in figs.values():
        assert png_size(path.read_bytes())[0] >= 400
    var = "probability_of_spending_ratio_above_threshold"
    with xr.open_dataset(batch_nc) as ds:
        for sc in ("baseline", "topup-on"):
            sel = dict(scenario=sc, policy="current", fiscal_year=2027, threshold=0.02)
            p, se = float(ds[var].sel(sel)), float(ds[f"{var}_standard_error"].sel(sel))
            assert page.cell(
                var=var, scenario=sc, policy="current", year=2027, threshold="0.02"
            ).startswith(fmt_prob_se(p, se))
        assert page.cell(attr="seed_entropy") == ds.attrs["seed_entropy"]
    # the scenario definitions come from the per-scenario files beside batch.nc
    assert '"name": "topup-on"' in page.cell(attr="scenario", scenario="topup-on")


@pytest.mark.slow  # moved out of the default suite (under 5 min): see the slow tier
def test_rewrite_removes_stale_figures(run_nc, tmp_path):
    folder = tmp_path / "baseline_figures"
    folder.mkdir()
    (folder / "sensitivity.png").write_bytes(PNG_SIGNATURE)
    (folder / "jdef-figures.txt").write_text("sensitivity.png\n")  # drawn by an earlier report
    out = write_report(run_nc, tmp_path)
    assert not (folder / "sensitivity.png").exists()
    assert sorted(folder.glob("*.png")) == sorted(v for k, v in out.items() if k != "html")


def test_not_a_result_is_input_error(tmp_path):
    nc = write_netcdf(xr.Dataset({"x": ("t", np.arange(3.0))}), tmp_path / "other.nc")
    with pytest.raises(InputError, match="not a jdef result"):
        write_report(nc, tmp_path / "out")
    with pytest.raises(InputError, match="no such result file"):
        write_report(tmp_path / "missing.nc", tmp_path / "out")


def test_import_does_not_load_matplotlib():
    code = (
        "import sys, jdef.report; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported eagerly'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]


def _chromium(tmp: Path, name: str, html: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            CHROMIUM,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp / name}",
            *extra,
            html.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )


def _console_problems(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "Uncaught" in line or "CONSOLE" in line]


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (apt-get install chromium); the browser test needs it",
)
def test_browser_renders_report(run_report, tmp_path):
    html = run_report["html"]
    shot = tmp_path / "shot.png"
    res = _chromium(
        tmp_path, "profile-shot", html, f"--screenshot={shot}", "--window-size=1280,2000"
    )
    assert shot.exists(), res.stderr[-2000:]
    assert png_size(shot.read_bytes()) == (1280, 2000)
    assert shot.stat().st_size > 20_000, "the screenshot looks blank"
    assert not _console_problems(res.stderr), _console_problems(res.stderr)

    dom = _chromium(tmp_path, "profile-dom", html, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert not _console_problems(dom.stderr), _console_problems(dom.stderr)
    page = Page()
    page.feed(dom.stdout)
    for heading in SECTIONS.values():
        assert heading in page.headings["h2"]
    figs = [v for k, v in run_report.items() if k != "html"]
    assert sum(img["src"].startswith("data:image/png;base64,") for img in page.images) == len(figs)
