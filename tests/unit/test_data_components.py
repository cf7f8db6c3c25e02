"""The MoD budget components and the dated decisions added for issues 14 and 15: they load
through the ordinary loader, add up to the published totals within the published rounding,
and every new row carries its source and a publication date no later than its source's."""

import datetime as dt
import re

import pytest
from jdef.data import Row, load_data

LATE = dt.date(2100, 1, 1)
NEW_FILES = {"mod_components.csv", "decisions.csv"}
# rows added to files that existed before (file, series, year)
NEW_IN_OLD_FILES = {
    ("fx.csv", "usdjpy_gov_outlook_assumption", 2026),
    ("fx.csv", "usdjpy_gov_outlook_estimate", 2025),
    ("contracts.csv", "new_contracts_initial_saco_realignment", 2026),
}
COMPONENTS = ("mod_personnel_provisions", "mod_obligatory_outlays", "mod_general_material")
# Each published figure is rounded to the nearest 1 oku yen (四捨五入), so n rounded parts and
# their rounded total can differ by at most (n + 1) / 2 oku: 2 for three parts, 1.5 for two.
TOL_THREE_PARTS_OKU = 2.0
TOL_TWO_PARTS_OKU = 1.5
SOURCE_DATE = re.compile(r"source dated (\d{4}-\d{2}-\d{2})")


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    return list(load_data(LATE).rows)


def _oku(rows: list[Row], file: str, series: str) -> dict[int, float]:
    out = {}
    for r in rows:
        if r.file == file and r.series == series:
            assert r.unit == "oku_yen", (r.file, r.line)
            assert r.year not in out, f"{file}: {series} FY{r.year} twice"
            out[r.year] = r.value
    return out


def _new(rows: list[Row]) -> list[Row]:
    return [
        r for r in rows if r.file in NEW_FILES or (r.file, r.series, r.year) in NEW_IN_OLD_FILES
    ]


def test_new_files_load_and_hold_the_expected_rows(rows: list[Row]) -> None:
    by_file = {f: [r for r in rows if r.file == f] for f in NEW_FILES}
    assert len(by_file["mod_components.csv"]) == 18  # + FY2026 personnel, DERIVED (issue 15)
    assert len(by_file["decisions.csv"]) == 13
    assert {(f, s, y) for f, s, y in NEW_IN_OLD_FILES} <= {(r.file, r.series, r.year) for r in rows}
    d = load_data(LATE)
    assert d.series("mod_obligatory_outlays")[2023] == pytest.approx(2.5182)
    assert d.series("usdjpy_gov_outlook_assumption")[2026] == 155.2


def test_components_add_up_to_the_plan_covered_initial_budget(rows: list[Row]) -> None:
    parts = [_oku(rows, "mod_components.csv", s) for s in COMPONENTS]
    total = _oku(rows, "defense_budget.csv", "mod_initial_excl")
    years = set(total).intersection(*parts)
    assert years == {2017, 2022, 2023}  # the years with all three published components
    # FY2026: personnel is DERIVED from the total and 物件費, so the identity holds exactly
    pers, material = (
        _oku(rows, "mod_components.csv", "mod_personnel_provisions"),
        _oku(rows, "mod_components.csv", "mod_material_costs"),
    )
    assert pers[2026] + material[2026] == total[2026]
    for y in sorted(years):
        gap = sum(p[y] for p in parts) - total[y]
        assert abs(gap) <= TOL_THREE_PARTS_OKU, f"FY{y}: components miss the total by {gap} oku"


def test_general_material_plus_new_obligations_is_new_contracts(rows: list[Row]) -> None:
    """契約ベース = 一般物件費 + 新規後年度負担 (plan-covered): the identity behind the chart."""
    general = _oku(rows, "mod_components.csv", "mod_general_material")
    new_obl = _oku(rows, "contracts.csv", "new_future_obligations_plan_covered")
    contracts = _oku(rows, "contracts.csv", "new_contracts_initial")
    years = set(general) & set(new_obl) & set(contracts)
    assert years == {2022, 2023}
    for y in sorted(years):
        gap = general[y] + new_obl[y] - contracts[y]
        assert abs(gap) <= TOL_TWO_PARTS_OKU, f"FY{y}: identity misses by {gap} oku"


def test_saco_contracts_complete_the_mod_total(rows: list[Row]) -> None:
    saco = _oku(rows, "contracts.csv", "new_contracts_initial_saco_realignment")[2026]
    plan = _oku(rows, "contracts.csv", "new_contracts_initial")[2026]
    mod_total = _oku(rows, "contracts.csv", "new_contracts_initial_mod_total")[2026]
    assert abs(plan + saco - mod_total) <= TOL_TWO_PARTS_OKU


def test_june_2026_supplementary_parts_add_up_to_its_total() -> None:
    """The three published parts exhaust the total, which is why it carries no defense money."""
    d = load_data(LATE)
    parts = ("supplementary_middle_east_reserve", "supplementary_reserve_replenishment")
    parts += ("supplementary_local_grants",)
    total = d.value("general_account_supplementary_total", 2026)
    assert sum(d.value(s, 2026) for s in parts) == pytest.approx(total, abs=0.5e-4)  # 0.1 bn
    assert 2026 not in d.series("mod_supplementary_total")  # no source gives an MoD amount


def test_every_new_row_is_sourced_and_not_dated_after_its_source(rows: list[Row]) -> None:
    new = _new(rows)
    assert len(new) == 18 + 13 + len(NEW_IN_OLD_FILES)
    for r in new:
        where = f"{r.file} line {r.line}"
        assert r.publisher and r.source_url.startswith("http"), where
        dated = SOURCE_DATE.search(r.note)
        assert dated or "source undated" in r.note, f"{where}: note must give the source's date"
        if dated:
            assert r.published <= dt.date.fromisoformat(dated.group(1)), where
        # nothing later than the reach of the 2026 update (about 2026-06-24) was found
        assert r.published <= dt.date(2026, 6, 30), where


def test_as_of_hides_decisions_not_yet_published() -> None:
    before = load_data(dt.date(2025, 10, 23))
    after = load_data(dt.date(2025, 10, 24))
    assert 2025 not in before.series("pledge_2pct_level")
    assert after.series("pledge_2pct_level")[2025] == pytest.approx(0.02)
    assert 2026 not in load_data(dt.date(2026, 6, 2)).series("general_account_supplementary_total")
