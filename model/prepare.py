"""Everything a run reads, resolved once: data (as of the scenario's date), parameters
(the shipped fit, or a refit on the data visible then) and the policies the scenario names.

``prepare(scenario) -> ModelInputs`` is the one step between files and the engine.
"""

from __future__ import annotations

from pathlib import Path

from .constants import SHIPPED_DATA_DIR, default_data_dir
from .data import DataStore, load_data
from .errors import InputError
from .inputs import ModelInputs, build_inputs
from .params import Params, load_params
from .policies import Policy, policy_path, read_policy
from .scenario import Scenario


def prepare(
    scenario: Scenario, params: Params | None = None, data_dir: Path | None = None
) -> ModelInputs:
    """Load data (as of the scenario's date), parameters and policies; resolve the inputs."""
    data_dir = data_dir or default_data_dir()
    data = load_data(scenario.as_of, data_dir)
    params = params or scenario_params(scenario, data, data_dir)
    return build_inputs(scenario, data, params, load_policies(scenario))


def scenario_params(scenario: Scenario, data: DataStore, data_dir: Path | None = None) -> Params:
    """The parameters as of the scenario's date; InputError naming its file's ``as_of``."""
    try:
        return params_as_of(scenario.as_of, data_dir, data)
    except InputError as exc:
        if exc.file != "as_of":
            raise
        where = f"{exc.field}: " if exc.field else ""
        raise InputError(scenario.source_file or "scenario", "as_of", where + exc.message) from None


def load_policies(scenario: Scenario) -> dict[str, Policy]:
    """The policies a scenario refers to, by reference (paths relative to the scenario file).

    An unused target policy may be missing or invalid (it is skipped). InputError for a used
    policy not found (naming the scenario file and field), an invalid policy file (naming that
    file and field), or two listed policies of the same name (naming both).
    """
    base = Path(scenario.source_file).parent if scenario.source_file else None
    policies: dict[str, Policy] = {}
    paths: dict[str, Path] = {}
    for ref in sorted(policy_names(scenario)):
        try:
            paths[ref] = policy_path(ref, base)
        except InputError as exc:
            if ref not in scenario.policies and not _needed(scenario, ref):
                continue
            raise InputError(
                scenario.source_file or "scenario",
                _field(scenario, ref),
                f"unknown policy '{ref}' ({exc.one_line()})",
            ) from None
        try:
            policies[ref] = read_policy(paths[ref])
        except InputError:
            if ref in scenario.policies or _needed(scenario, ref):
                # the policy file exists but is invalid: the error names that file and field
                raise
    named: dict[str, str] = {}
    for ref in scenario.policies:
        name = policies[ref].name
        if name in named:
            raise InputError(
                paths[ref],
                "name",
                f"'{name}' is also the name of the listed policy '{named[name]}' "
                f"({paths[named[name]]}); each listed policy needs its own name",
            )
        named[name] = ref
    return policies


def params_as_of(as_of, data_dir: Path | None = None, data: DataStore | None = None) -> Params:
    """``calibration/params.toml`` when it was fitted on data as of ``as_of`` or earlier;
    otherwise the parameters refitted in memory on the data published by ``as_of`` (no look-ahead).
    ``data``: those data, if already loaded."""
    import datetime as dt

    data_dir = data_dir or default_data_dir()
    if data_dir.resolve() == SHIPPED_DATA_DIR.resolve():  # a user's own data: always refit
        params = load_params()
        fitted = params.meta.get("as_of")
        if fitted and dt.date.fromisoformat(fitted) <= as_of:
            return params
    from .calibrate import calibrate  # scipy: only when a refit is needed

    text, _ = calibrate(as_of, data_dir=data_dir, data=data)
    return load_params(text=text)


def _file(policy: str) -> str:
    """The policy file a policy reference names: 'nato-style:core' -> 'nato-style'."""
    return policy.split(":")[0]


def policy_names(s: Scenario) -> set[str]:
    """The policy files a scenario refers to: its policies, the two target policies and, when
    it applies announced decisions, the yardstick policy a pledge is measured by."""
    from .decisions import YARDSTICK_POLICY

    out = set(s.policies) | {_file(s.supplementary.target_policy), _file(s.post2027.target_policy)}
    return out | {YARDSTICK_POLICY} if s.decisions else out


def _needed(s: Scenario, name: str) -> bool:
    return (s.supplementary.target_seeking and name == _file(s.supplementary.target_policy)) or (
        s.post2027.rule.value == "ramp_to_ratio" and name == _file(s.post2027.target_policy)
    )


def _field(s: Scenario, name: str) -> str:
    if name in s.policies:
        return "policies"
    return (
        "supplementary.target_policy"
        if name == _file(s.supplementary.target_policy)
        else "post2027.target_policy"
    )
