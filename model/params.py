"""``calibration/params.toml`` -> frozen parameter objects.

Each entry in the file is a table ``{value = ..., source = "..."}`` so that every
parameter carries its provenance (a fit from sourced data, or a documented
reasoning). The engine sees only the values. The file is checked against the
uncertainty table (``jdef.uncertainty``): its ``[uncertainty] drawn`` list must be the
table's, every drawn parameter needs a standard error, and every estimate must lie
within its bounds; draws per Monte Carlo draw follow the table's distributions.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, overload

import numpy as np

from .constants import PARAMS_FILE
from .errors import InputError
from .uncertainty import TABLE, UNCERTAINTY, drawn


@dataclass(frozen=True)
class EconomyParams:
    real_ar: float
    real_sd: float
    deflator_ar: float
    deflator_sd: float
    shock_corr: float
    t_df: float
    shock_bound: float
    recession_prob: float
    recession_real: float
    recession_deflator: float
    revision_sd: float


@dataclass(frozen=True)
class OutlookParams:
    bias: float
    sd: float


@dataclass(frozen=True)
class FxParams:
    ar: float
    sd: float
    anchor: float
    sensitive_share: float


@dataclass(frozen=True)
class BudgetParams:
    implementation_sd: float
    recession_cut: float
    contract_ratio: float
    contract_fy2027_sd: float
    related_growth_sd: float
    unspent_share: float


@dataclass(frozen=True)
class SupplementaryParams:
    prob: float
    log_ratio_mean: float
    log_ratio_sd: float
    realignment_share: float
    related_ratio: float


@dataclass(frozen=True)
class ContractParams:
    payment_profile: tuple[float, ...]


@dataclass(frozen=True)
class Params:
    economy: EconomyParams
    outlook: OutlookParams
    fx: FxParams
    budget: BudgetParams
    supplementary: SupplementaryParams
    contracts: ContractParams
    meta: dict[str, Any]
    se: dict[str, float] = field(default_factory=dict)  # "section.name" -> standard error
    sha256: str = ""  # of the parameter file's text (or of an in-memory refit)
    drawn: tuple[str, ...] = ()  # parameters drawn per draw from N(value, se)

    def value(self, name: str) -> float:
        section, key = name.split(".")
        return float(getattr(getattr(self, section), key))

    @overload
    def per_draw(self, name: str, z: float) -> float: ...
    @overload
    def per_draw(self, name: str, z: np.ndarray) -> float | np.ndarray: ...
    def per_draw(self, name: str, z: float | np.ndarray) -> float | np.ndarray:
        """The parameter's value in each draw: value + se * z, clipped to its valid range.

        Works on a float ``z`` (the scalar reference) and on arrays (the engine); a
        parameter that is not drawn has its value whatever ``z``.
        """
        if name not in self.drawn:
            return self.value(name)
        return UNCERTAINTY[name].draw(self.value(name), self.se[name], z)

    def replace(self, section: str, **kw: float) -> Params:
        """A copy with some values changed (for sensitivity and tests)."""
        from dataclasses import replace

        return replace(self, **{section: replace(getattr(self, section), **kw)})


def numeric_parameters() -> set[str]:
    """The names "section.name" of the file's single-number parameters
    (what a sensitivity lever may vary)."""
    return {
        f"{sec}.{f.name}"
        for sec, cls in _SECTIONS.items()
        for f in fields(cls)
        if f.type == "float"
    }


_SECTIONS = {
    "economy": EconomyParams,
    "outlook": OutlookParams,
    "fx": FxParams,
    "budget": BudgetParams,
    "supplementary": SupplementaryParams,
    "contracts": ContractParams,
}


def load_params(path: Path = PARAMS_FILE, text: str | None = None) -> Params:
    """Read a parameter file (or its ``text``, e.g. from an in-memory calibration)."""
    try:
        text = text if text is not None else path.read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except FileNotFoundError:
        raise InputError(path, "", "parameter file not found; run 'jdef calibrate'") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(path, "", f"not valid TOML ({exc})") from None
    built: dict[str, Any] = {}
    ses: dict[str, float] = {}
    for section, cls in _SECTIONS.items():
        table = raw.get(section)
        if not isinstance(table, dict):
            raise InputError(path, section, "missing section")
        kw: dict[str, Any] = {}
        for f in fields(cls):
            entry = table.get(f.name)
            if not isinstance(entry, dict) or "value" not in entry or "source" not in entry:
                raise InputError(
                    path,
                    f"{section}.{f.name}",
                    "missing, or not a table {value = ..., source = ...}",
                )
            v = entry["value"]
            kw[f.name] = tuple(float(x) for x in v) if isinstance(v, list) else float(v)
            if "se" in entry:
                ses[f"{section}.{f.name}"] = float(entry["se"])
        built[section] = cls(**kw)
    prof = built["contracts"].payment_profile
    if abs(sum(prof) - 1.0) > 1e-9 or min(prof) < 0:
        raise InputError(
            path, "contracts.payment_profile", f"shares must be >= 0 and sum to 1 (sum {sum(prof)})"
        )
    params = Params(
        meta=raw.get("meta", {}),
        se=ses,
        drawn=tuple(raw.get("uncertainty", {}).get("drawn", ())),
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        **built,
    )
    _check_uncertainty(path, params)
    return params


def _check_uncertainty(path: Path, params: Params) -> None:
    """The file agrees with the uncertainty table: same drawn list, s.e.s, estimates in bounds."""
    if params.drawn != drawn():
        raise InputError(
            path,
            "uncertainty.drawn",
            f"{list(params.drawn)} is not the uncertainty table's {list(drawn())} "
            "(jdef.uncertainty); run 'jdef calibrate'",
        )
    for name in params.drawn:
        if name not in params.se:
            raise InputError(path, name, "drawn per draw but has no standard error (se)")
    for u in TABLE:
        v = params.value(u.name)
        if not u.low <= v <= u.high:
            raise InputError(path, u.name, f"{v} lies outside its valid range [{u.low}, {u.high}]")
