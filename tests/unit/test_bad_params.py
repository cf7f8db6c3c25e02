"""Bad parameter files: each case is the shipped ``calibration/params.toml`` with one fault, and
``load_params`` refuses it with one InputError naming the file and the field.

No command-line option reads a parameter file (``jdef calibrate --out`` writes one), so the
cases go through ``load_params(path)`` only.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jdef.constants import PARAMS_FILE
from jdef.errors import InputError
from jdef.params import load_params

SHIPPED = PARAMS_FILE.read_text(encoding="utf-8")


def _edit(section: str, key: str, pattern: str, new: str) -> str:
    """The shipped text with ``pattern`` replaced by ``new`` in the entry ``[section] key``."""
    lines, current = SHIPPED.splitlines(), ""
    for i, line in enumerate(lines):
        if line.startswith("["):
            current = line.strip("[]")
        elif current == section and line.startswith(f"{key} = "):
            edited = re.sub(pattern, new, line, count=1)
            assert edited != line, f"{section}.{key}: {pattern} not found"
            lines[i] = edited
            return "\n".join(lines) + "\n"
    raise AssertionError(f"{section}.{key} not in the shipped file")


def value(section: str, key: str, new: str) -> str:
    return _edit(section, key, r"value = (\[[^\]]*\]|[^,]+),", f"value = {new},")


def se(section: str, key: str, new: str) -> str:
    return _edit(section, key, r"se = [^,]+,", f"se = {new},")


def added(section: str, line: str) -> str:
    assert f"\n[{section}]\n" in SHIPPED
    return SHIPPED.replace(f"\n[{section}]\n", f"\n[{section}]\n{line}\n", 1)


# (case, file text, the field the error must name)
CASES = [
    ("nan", value("economy", "revision_sd", "nan"), "economy.revision_sd"),
    ("inf", value("economy", "shock_corr", "inf"), "economy.shock_corr"),
    ("overflow-to-inf", value("economy", "shock_bound", "1e400"), "economy.shock_bound"),
    ("bool", value("supplementary", "prob", "true"), "supplementary.prob"),
    ("string", value("fx", "anchor", '"abc"'), "fx.anchor"),
    ("numeric-string", value("economy", "t_df", '"3.5"'), "economy.t_df"),
    ("list-for-number", value("fx", "anchor", "[1.0, 2.0]"), "fx.anchor"),
    ("negative-sd", value("budget", "implementation_sd", "-0.01"), "budget.implementation_sd"),
    ("negative-sd-int", value("fx", "sd", "-1"), "fx.sd"),
    ("se-negative", se("economy", "real_ar", "-5"), "economy.real_ar.se"),
    ("se-nan", se("outlook", "bias", "nan"), "outlook.bias.se"),
    ("se-bool", se("economy", "real_sd", "true"), "economy.real_sd.se"),
    ("share-above-one", value("fx", "sensitive_share", "7.5"), "fx.sensitive_share"),
    ("probability-above-one", value("economy", "recession_prob", "7.5"), "economy.recession_prob"),
    ("cut-above-one", value("budget", "recession_cut", "1.5"), "budget.recession_cut"),
    ("anchor-zero", value("fx", "anchor", "0"), "fx.anchor"),
    ("profile-not-list", value("contracts", "payment_profile", "0.5"), "contracts.payment_profile"),
    (
        "profile-string",
        value("contracts", "payment_profile", '[0.5, "abc", 0.5]'),
        "contracts.payment_profile[1]",
    ),
    ("profile-empty", value("contracts", "payment_profile", "[]"), "contracts.payment_profile"),
    ("source-not-string", _edit("fx", "ar", r'source = "[^"]*"', "source = 5"), "fx.ar.source"),
    ("unknown-section", SHIPPED + "\n[extra]\nx = 1\n", "extra"),
    (
        "unknown-key",
        added("economy", 'real_sdd = { value = 0.1, source = "x" }'),
        "economy.real_sdd",
    ),
    ("unknown-entry-key", _edit("fx", "sd", r"value = ", "sd = 1, value = "), "fx.sd.sd"),
    ("drawn-not-list", re.sub(r"drawn = \[.*\]", "drawn = 5", SHIPPED), "uncertainty.drawn"),
    ("drawn-number", SHIPPED.replace('drawn = ["', 'drawn = [5, "', 1), "uncertainty.drawn"),
    (
        "meta-as-of",
        re.sub(r'as_of = "[0-9-]+"', 'as_of = "yesterday"', SHIPPED, count=1),
        "meta.as_of",
    ),
    (
        "meta-as-of-date",
        re.sub(r'as_of = "([0-9-]+)"', r"as_of = \1", SHIPPED, count=1),
        "meta.as_of",
    ),
]


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 15


@pytest.mark.parametrize("text,field", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_params_file(text: str, field: str, tmp_path: Path) -> None:
    path = tmp_path / "params.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_params(path)
    assert info.value.file == str(path)
    assert info.value.field == field, info.value.one_line()


def test_shipped_file_is_accepted() -> None:
    assert load_params().value("economy.real_sd") > 0
