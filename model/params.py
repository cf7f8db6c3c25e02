"""``calibration/params.toml`` -> frozen parameter objects.

Each entry in the file is a table ``{value = ..., source = "..."}`` so that every
parameter carries its provenance (a fit from sourced data, or a documented
reasoning). The engine sees only the values. The file is checked against the
uncertainty table (``jdef.uncertainty``): its ``[uncertainty] drawn`` list must be the
table's, every drawn parameter needs a standard error, and every estimate must lie
within its bounds; draws per Monte Carlo draw follow the table's distributions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
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
    fan_scale: float = 1.0  # calibrated multiplier of the two shock scales (METHODOLOGY 2.5)


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
    personnel_base: float  # trillion yen, personnel and provisions in personnel_base_year
    personnel_base_year: float
    personnel_drift: float  # real growth on top of the expected deflator, fraction per year
    implementation_sd: float
    recession_cut: float
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
    payment_profile: tuple[float, ...]  # legacy contracts (before buildup_from), p0..p5
    buildup_profile: tuple[float, ...]  # contracts from buildup_from, p0..p10
    buildup_from: float  # first fiscal year of the buildup profile
    profile_tilt: float  # tilt of the buildup weights (0 at the fit; drawn per draw)


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


# Documented bounds of the values that the uncertainty table (jdef.uncertainty) does not bound:
# s.d.s and ratios are not negative, shares and probabilities lie in [0, 1], a correlation in
# [-1, 1]; the table's own bounds are checked by _check_uncertainty. Unlisted: any finite number
# (fx.ar too: OLS on the yen's data as of mid-2025 gives 1.15, and the model runs with it).
_NONNEG = (0.0, math.inf)
_UNIT = (0.0, 1.0)
BOUNDS: dict[str, tuple[float, float]] = {
    "economy.shock_corr": (-1.0, 1.0),
    "economy.shock_bound": (0.0, math.inf),  # standardised shocks truncated at +/- this; > 0
    "economy.revision_sd": _NONNEG,
    "economy.fan_scale": (0.0, math.inf),  # multiplier of the shock scales; > 0
    "outlook.sd": _NONNEG,
    "fx.sd": _NONNEG,
    "fx.anchor": (0.0, math.inf),  # yen per dollar; > 0
    "fx.sensitive_share": _UNIT,
    "budget.implementation_sd": _NONNEG,
    "budget.recession_cut": _UNIT,  # share of the budget cut after a recession
    "budget.personnel_base": _NONNEG,
    "budget.contract_fy2027_sd": _NONNEG,
    "budget.related_growth_sd": _NONNEG,
    "budget.unspent_share": _UNIT,
    "supplementary.log_ratio_sd": _NONNEG,
    "supplementary.related_ratio": _NONNEG,
    "contracts.payment_profile": _UNIT,  # each share
    "contracts.buildup_profile": _UNIT,  # each share
}
_STRICT_LOW = {
    "economy.shock_bound",
    "economy.fan_scale",
    "fx.anchor",
}  # these must be > low, not >= low
_META_KEYS = ("as_of", "fit_window", "data_vintage", "optimiser", "data_sha256")
_ENTRY_KEYS = ("value", "se", "source")


def _unknown(path: Path, table: dict[str, Any], allowed: tuple[str, ...], prefix: str) -> None:
    for key in table:
        if key not in allowed:
            raise InputError(path, f"{prefix}{key}", f"unknown key; allowed: {', '.join(allowed)}")


def _number(path: Path, name: str, v: object) -> float:
    """A finite number (an int or a float, not a boolean or a string) inside its bounds."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise InputError(path, name, f"must be a number, not {type(v).__name__} {v!r}")
    try:
        x = float(v)
    except OverflowError:
        x = math.inf
    if not math.isfinite(x):
        raise InputError(path, name, f"must be a finite number, not {v!r}")
    low, high = BOUNDS.get(name.split("[")[0], (-math.inf, math.inf))
    if not low <= x <= high or (x == low and name in _STRICT_LOW):
        raise InputError(path, name, f"{v!r} lies outside its valid range [{low}, {high}]")
    return x


def _entry(path: Path, name: str, entry: object, is_list: bool) -> tuple[Any, float | None]:
    """The value (a float, or a tuple of floats) and the standard error (or None) of one entry."""
    if not isinstance(entry, dict) or "value" not in entry or "source" not in entry:
        raise InputError(path, name, "missing, or not a table {value = ..., source = ...}")
    _unknown(path, entry, _ENTRY_KEYS, f"{name}.")
    if not isinstance(entry["source"], str):
        raise InputError(path, f"{name}.source", "must be a string")
    v = entry["value"]
    if is_list:
        if not isinstance(v, list) or not v:
            raise InputError(path, name, f"must be a non-empty list of numbers, not {v!r}")
        value: Any = tuple(_number(path, f"{name}[{i}]", x) for i, x in enumerate(v))
    else:
        value = _number(path, name, v)
    se = entry.get("se")
    if se is not None:
        se = _number(path, f"{name}.se", se)
        if se < 0:
            raise InputError(path, f"{name}.se", f"a standard error is not negative, got {se}")
    return value, se


def _meta(path: Path, meta: object) -> dict[str, Any]:
    if not isinstance(meta, dict):
        raise InputError(path, "meta", "must be a table")
    _unknown(path, meta, _META_KEYS, "meta.")
    for key in ("as_of", "fit_window", "data_vintage", "optimiser"):
        if key in meta and not isinstance(meta[key], str):
            raise InputError(path, f"meta.{key}", "must be a string")
    if "as_of" in meta:
        try:
            dt.date.fromisoformat(meta["as_of"])
        except ValueError:
            raise InputError(
                path, "meta.as_of", f"not a date YYYY-MM-DD: {meta['as_of']!r}"
            ) from None
    hashes = meta.get("data_sha256", {})
    if not isinstance(hashes, dict) or not all(isinstance(h, str) for h in hashes.values()):
        raise InputError(path, "meta.data_sha256", 'must be a table of file name = "hex digest"')
    return meta


def _drawn(path: Path, raw: dict[str, Any]) -> tuple[str, ...]:
    table = raw.get("uncertainty", {})
    if not isinstance(table, dict):
        raise InputError(path, "uncertainty", "must be a table")
    _unknown(path, table, ("drawn",), "uncertainty.")
    names = table.get("drawn", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise InputError(path, "uncertainty.drawn", f"must be a list of strings, not {names!r}")
    return tuple(names)


def load_params(path: Path = PARAMS_FILE, text: str | None = None) -> Params:
    """Read and validate a parameter file (or its ``text``, e.g. from an in-memory calibration).

    Every value is a finite number (``contracts.payment_profile`` a list of them) inside its
    bounds (``BOUNDS`` and the uncertainty table), every standard error a finite number >= 0;
    unknown sections and keys are refused.

    Raises
    ------
    InputError
        Naming the file and the field at fault (e.g. ``economy.real_sd``).
    """
    try:
        text = text if text is not None else path.read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except FileNotFoundError:
        raise InputError(path, "", "parameter file not found; run 'jdef calibrate'") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(path, "", f"not valid TOML ({exc})") from None
    except OSError as exc:
        raise InputError(path, "", f"cannot read ({exc})") from None
    _unknown(path, raw, ("meta", *_SECTIONS, "uncertainty"), "")
    built: dict[str, Any] = {}
    ses: dict[str, float] = {}
    for section, cls in _SECTIONS.items():
        table = raw.get(section)
        if not isinstance(table, dict):
            raise InputError(path, section, "missing section")
        _unknown(path, table, tuple(f.name for f in fields(cls)), f"{section}.")
        kw: dict[str, Any] = {}
        for f in fields(cls):
            name = f"{section}.{f.name}"
            kw[f.name], se = _entry(path, name, table.get(f.name), f.type != "float")
            if se is not None:
                ses[name] = se
        built[section] = cls(**kw)
    for key in ("payment_profile", "buildup_profile"):
        prof = getattr(built["contracts"], key)
        if abs(sum(prof) - 1.0) > 1e-9:
            raise InputError(
                path, f"contracts.{key}", f"shares must be >= 0 and sum to 1 (sum {sum(prof)})"
            )
    params = Params(
        meta=_meta(path, raw.get("meta", {})),
        se=ses,
        drawn=_drawn(path, raw),
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
