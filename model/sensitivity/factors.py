"""The factors of a sensitivity analysis: the inputs it varies and their ranges.

One table (``factor_table``): the parameters that a run draws from their estimates'
distribution (the uncertainty table, ``jdef.uncertainty``: the same table feeds the Monte
Carlo), the uncertain eligible shares of the scenario's policies (the Monte Carlo draws them
too), and the levers the scenario declares under ``[sensitivity.levers]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ..errors import InputError
from ..inputs import ModelInputs
from ..policies import uncertain_keys
from ..scenario import Scenario
from ..uncertainty import UNCERTAINTY


@dataclass(frozen=True)
class Factor:
    """One input that a sensitivity analysis varies over [low, high].

    ``kind`` says what ``key`` names: a scenario key ("scenario"), a parameter of
    params.toml ("param"), a category whose eligible share is uncertain ("share": the
    value is the quantile of the policies' share ranges) or a policy mixture's branch
    ("weight": its weight; the other branches share the rest in proportion). ``nominal`` is
    the value of a run; ``units``, ``group`` and ``source`` describe the factor in the outputs.
    """

    name: str
    kind: str  # "scenario", "param", "share" or "weight"
    key: str
    low: float
    high: float
    nominal: float
    units: str
    group: str
    source: str


def factor_table(scenario: Scenario, inp: ModelInputs) -> list[Factor]:
    """The factors of a sensitivity analysis of ``scenario``.

    Parameters
    ----------
    scenario : Scenario
        The scenario; its ``[sensitivity]`` table says which factors to include.
    inp : ModelInputs
        The scenario's inputs (parameters, standard errors and policy entries).

    Returns
    -------
    list of Factor
        The parameters drawn per draw over their estimate +/- 2 s.e. within bounds, the
        uncertain eligible shares of the scenario's policies, and the scenario's levers, in
        this order.
    """
    out: list[Factor] = []
    sens = scenario.sensitivity
    if sens.include_parameters:
        for name in inp.params.drawn:
            u, v = UNCERTAINTY[name], inp.params.value(name)
            low, high = u.sensitivity_range(v, inp.params.se[name])
            source = "calibration/params.toml: estimate +/- 2 s.e."
            out.append(Factor(name, "param", name, low, high, v, u.units, u.group, source))
    uncertain = list(
        dict.fromkeys(cat for e in inp.accounting.entries for cat in uncertain_keys(e.shares))
    )
    if sens.include_shares:
        out += [
            Factor(
                f"share:{cat}",
                "share",
                cat,
                0.0,
                1.0,
                0.5,
                "quantile of the policy's share range",
                "accounting",
                "eligible share drawn uniformly between the policy's low and high (policy files)",
            )
            for cat in uncertain
        ]
    # key formats and parameter ranges were checked when the scenario was read
    for name, lv in sens.levers.items():
        kind, key, field = lv.kind, lv.target, f"sensitivity.levers.{name}.key"
        if kind == "scenario":
            for v in (lv.low, lv.high):
                try:
                    scenario_with(scenario, {key: v})
                except ValidationError as e:
                    raise InputError(
                        scenario.source_file,
                        field,
                        f"{key} = {v} is not a valid scenario value: {e.errors()[0]['msg']}",
                    ) from None
            nominal = float(scenario.value_at(key))
        elif kind == "param":
            nominal = inp.params.value(key)
        elif kind == "weight":  # the branch was checked when the scenario was read
            assert scenario.mixture is not None
            nominal = scenario.mixture.branches[key].weight
        else:
            if key not in uncertain:
                raise InputError(
                    scenario.source_file,
                    field,
                    f"no policy of the scenario gives '{key}' an uncertain share, "
                    "so the lever would change nothing "
                    f"(uncertain: {', '.join(sorted(uncertain)) or 'none'})",
                )
            nominal = 0.5
        out.append(Factor(name, kind, key, lv.low, lv.high, nominal, lv.units, lv.group, lv.source))
    if not out:
        raise InputError(
            scenario.source_file,
            "sensitivity",
            "no factors: declare [sensitivity.levers] or enable parameters/shares",
        )
    return out


def nominal_point(factors: list[Factor]) -> dict[str, float]:
    """Every factor at its nominal value, clipped into its range (a scenario may sit outside)."""
    return {f.name: float(min(max(f.nominal, f.low), f.high)) for f in factors}


def scenario_with(sc: Scenario, over: dict[str, Any]) -> Scenario:
    """A validated copy of ``sc`` with the dotted keys of ``over`` set (``post2027.growth``...)."""
    d = sc.model_dump()
    for key, v in over.items():
        node = d
        *path, last = key.split(".")
        for p in path:
            node = node[p]
        node[last] = v
    return Scenario(**d)
