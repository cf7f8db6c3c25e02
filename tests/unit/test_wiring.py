"""The series-to-category wiring table (jdef.wiring, calibration/wiring.toml)."""

import pytest
from jdef import categories as cats
from jdef.errors import InputError
from jdef.wiring import WIRING_FILE, figures, load_wiring

SERIES = {"a": {2023: 5.0, 2024: 6.0}, "b": {2024: 1.5, 2025: 2.0}, "c": {2023: 0.25}}


def _s(name):
    return SERIES.get(name, {})


def test_the_shipped_table_covers_every_category_once():
    w = load_wiring()
    assert sorted(r.name for r in w.category) == sorted(cats.NAMES)
    assert w.path_editions[0] == "cao2026"
    assert set(w.group_targets) == {"four_areas", "jcg_pko", "saco"}


def test_a_difference_counts_only_years_with_every_term():
    assert figures(("a", "-b"), "skip", _s, {}) == {2024: 4.5}


def test_alternatives_and_missing_as_zero():
    # "b|c": b's figure, else c's; a missing term counts 0 over the union of years
    assert figures(("b|c", "a"), "zero", _s, {}) == {2023: 5.25, 2024: 7.5, 2025: 2.0}


def test_a_category_built_before_can_be_a_term():
    built = {"x": {2024: 0.5}}
    assert figures(("a", "-cat:x"), "skip", _s, built) == {2024: 5.5}


def _write(tmp_path, text):
    f = tmp_path / "wiring.toml"
    f.write_text(WIRING_FILE.read_text(encoding="utf-8") + text, encoding="utf-8")
    return f


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ('\n[[category]]\nname = "tanks"\nknown = "initial"\nsum = ["x"]\n', "category.16.name",
         "unknown category"),
        ('\n[[category]]\nname = "space"\nknown = "initial"\nsum = ["x"]\n', "category.16.name",
         "appears twice"),
        ('\n[[category]]\nname = "space"\nknown = "later"\nsum = ["x"]\n', "category.16.known",
         "Input should be"),
        ('\n[[category]]\nname = "space"\nknown = "own"\nsum = []\n', "category.16.sum",
         "at least one term"),
    ],
)  # fmt: skip
def test_a_malformed_table_names_the_file_and_the_field(tmp_path, extra, field, message):
    f = _write(tmp_path, extra)
    with pytest.raises(InputError) as err:
        load_wiring(f)
    assert err.value.file == str(f) and err.value.field == field
    assert message in err.value.message


def test_a_reference_to_a_later_category_is_refused(tmp_path):
    text = WIRING_FILE.read_text(encoding="utf-8").replace(
        '"-cat:saco_realignment"', '"-cat:space"'
    )
    f = tmp_path / "wiring.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="'cat:space' is not built before"):
        load_wiring(f)


def test_a_missing_category_and_bad_toml_are_named(tmp_path):
    f = tmp_path / "wiring.toml"
    f.write_text('path_editions = ["cao2026"]\n[group_targets]\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_wiring(f)
    assert err.value.field == "category"
    f.write_text("path_editions = [", encoding="utf-8")
    with pytest.raises(InputError, match="cannot read the wiring table"):
        load_wiring(f)
