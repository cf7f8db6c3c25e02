"""The shipped scenario library (scenarios/*.toml): each scenario's description names its
parent ("vs PARENT: ...") and what differs; the scenario differs from its parent in those
variables, and `baseline` is the floor under its default name."""

import re
import tomllib
from functools import cache

import numpy as np
import pytest
from jdef import load_scenario
from jdef.constants import SCENARIO_DIR
from jdef.runner import Options, simulate

ROOT_SCENARIO = "no-new-plan-floor"
POST = slice(2028, 2040)
# the variables each description names (what differs from the parent), and where
RATIO = ("spending_ratio", {"fiscal_year": POST})
COUNTED = ("counted_spending", {"fiscal_year": POST})
NAMED: dict[str, list[tuple[str, dict]]] = {
    "growth-transition": [("nominal_gdp", {"fiscal_year": POST})],
    "high-growth": [("nominal_gdp", {"fiscal_year": POST})],
    "recession-2027": [
        ("nominal_gdp", {"fiscal_year": 2027}),
        ("spending_ratio", {"policy": "current-gdp", "fiscal_year": 2027}),
    ],
    "no-supplementary": [("counted_spending", {"policy": "current", "fiscal_year": POST})],
    "topup-on": [("target_seeking_topup_mean", {})],
    "nato-3.5-core-2035": [RATIO, COUNTED],
    "ramp-2pct-gdp-2030-current": [RATIO, COUNTED],
    "pledge-3.5pct-2035-delivered-short": [RATIO, COUNTED],
    "new-plan-65tn-from-fy2027": [
        ("counted_spending", {"policy": "mod-core", "fiscal_year": 2027})
    ],
    "late-2026-mixture": [
        RATIO,
        COUNTED,
        ("probability_of_spending_ratio_reached_threshold_by_year", {}),
    ],
    **{f"new-plan-{t}tn-fy2028-32": [RATIO, COUNTED] for t in (55, 65, 75, 85)},
    **{
        f"ramp-{r}pct-gdp-{y}-{c}": [RATIO, COUNTED]
        for r in ("2.5", "3", "3.5")
        for y in (2030, 2035)
        for c in ("current", "broadened")
    },
}
ALIASES = {"baseline": ROOT_SCENARIO}  # identical in every variable
FILES = sorted(SCENARIO_DIR.glob("*.toml"))
DRAWS, SEED = 200, 3


@cache
def run(stem: str):
    return simulate(load_scenario(SCENARIO_DIR / f"{stem}.toml"), DRAWS, SEED, Options())


def parent_of(stem: str) -> str | None:
    ext = tomllib.loads((SCENARIO_DIR / f"{stem}.toml").read_text()).get("extends")
    return None if ext is None else ext.removesuffix(".toml")


def test_every_shipped_scenario_is_covered():
    stems = {f.stem for f in FILES}
    assert stems == set(NAMED) | set(ALIASES) | {ROOT_SCENARIO}


@pytest.mark.parametrize("stem", sorted(NAMED))
def test_description_names_the_parent(stem):
    desc = load_scenario(SCENARIO_DIR / f"{stem}.toml").description
    m = re.match(r"vs ([A-Za-z0-9._-]+): ", desc)
    assert m, f"{stem}: the description should start 'vs PARENT: '"
    assert m.group(1) == parent_of(stem)


@pytest.mark.parametrize("stem", sorted(NAMED))
def test_scenario_differs_from_its_parent_where_its_description_says(stem):
    child, parent = run(stem), run(parent_of(stem))
    for name, sel in NAMED[stem]:
        a, b = child[name].sel(**sel).values, parent[name].sel(**sel).values
        assert not np.array_equal(a, b), f"{stem}: {name} at {sel} equals the parent's"


def test_baseline_is_the_floor_in_every_variable():
    a, b = run("baseline"), run(ROOT_SCENARIO)
    assert set(a.data_vars) == set(b.data_vars)
    for v in a.data_vars:
        x, y = a[v].values, b[v].values
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), v


def test_no_two_shipped_scenarios_are_duplicates():
    """Apart from the declared aliases, no two scenarios resolve to the same settings."""
    seen: dict[str, str] = {}
    for f in FILES:
        sc = load_scenario(f)
        key = {k: v for k, v in sc.resolved().items() if k not in ("name", "description")}
        digest = repr(sorted(key.items()))
        if f.stem in ALIASES:
            continue
        assert digest not in seen, f"{f.stem} duplicates {seen.get(digest)}"
        seen[digest] = f.stem
