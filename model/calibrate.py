"""``jdef calibrate``: fit every parameter from ``calibration/data`` and write ``params.toml``.

The fits (``calibrate_economy``, ``calibrate_budget``) are deterministic, so the same data
give the same file byte for byte. Each parameter is written with its value, its standard
error where it has one, and a ``source`` string saying how it was obtained; the
``[uncertainty]`` section lists the parameters drawn per draw, from the uncertainty table
(``jdef.uncertainty``). Methods and fitted values: METHODOLOGY.md, section 5.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from pathlib import Path
from typing import Any

from .calibrate_budget import fit_budget, fit_contracts, fit_supplementary
from .calibrate_economy import Fitted, fit_economy, fit_fx, fit_outlook
from .data import DataStore, load_data
from .economy import MIN_ERRORS
from .errors import InputError
from .forecasters import fan_scale_at, weo_edition, window_fit
from .io import write_bytes
from .uncertainty import drawn


def _toml(v: Any) -> str:
    """One TOML value as tomli-w writes it (strings escaped to the TOML spec, newlines and
    control characters included; floats as repr, nan and inf as TOML spells them)."""
    import tomli_w

    return tomli_w.dumps({"v": v}).removeprefix("v = ").rstrip("\n")


def _fmt(v: Any) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return _toml(float(v))


def _esc(s: str) -> str:
    return _toml(str(s))


FAN_DRAWS, FAN_SEED = 2000, 1  # the unscaled fan the official errors are measured against


def fit_fan_scale(d: DataStore, window: tuple[int, int]) -> Fitted:
    """``economy.fan_scale``: the backtest's rolling conformal scaling (``fan_scale_at``)
    at the last fiscal year of the fit window, i.e. on every official error known by ``as_of``,
    against the fan of the window's fit around the latest IMF path."""
    last = min(window[1], max(d.nominal_gdp(), default=window[1]))
    edition = weo_edition(d, last)
    fit = window_fit(d, last, window[0])
    scale, n = fan_scale_at(
        d, last, edition[1] if edition else None, fit, n=FAN_DRAWS, seed=FAN_SEED
    )
    gdp, outlook = d.nominal_gdp(), d.series("gov_outlook_nominal_growth")
    weo_origins = [o for o in range(min(gdp, default=last), last) if weo_edition(d, o)]
    outlook_years = [y for y in outlook if y <= last and y in gdp and y - 1 in gdp]
    path = f"the IMF WEO path of {edition[0]}" if edition else "no IMF path: scale 1"
    return {
        "fan_scale": (
            scale,
            "multiplier of the real and deflator shock scales: rolling conformal scaling "
            f"(METHODOLOGY.md, section 2.5), the median over the {n} official forecast errors "
            f"known at FY{last} (the IMF WEO paths used at origins "
            f"FY{min(weo_origins, default=last)}-FY{last - 1}, horizons 1-5, and the government's "
            f"one-year outlooks of FY{min(outlook_years, default=last)}-FY{last}; outturns to "
            f"FY{last}) of |log error| / "
            f"the unscaled fan's median absolute log deviation at that horizon ({FAN_DRAWS} "
            f"draws, seed {FAN_SEED}, parameters fitted on FY{window[0]}-FY{last}, {path}); "
            f"1 with fewer than {MIN_ERRORS} errors. Held out: the same rule, refitted at each "
            "backtest origin on the errors known there only, is what jdef backtest scores",
        )
    }


def calibrate(
    as_of: dt.date,
    window: tuple[int, int] = (1995, 2024),
    data_dir: Path | None = None,
    data: DataStore | None = None,
) -> tuple[str, dict[str, Fitted]]:
    """Fit every parameter on the data published by ``as_of``.

    Parameters
    ----------
    as_of : datetime.date
        Only rows published by this date are used.
    window : tuple of int
        First and last fiscal year of the economy's fit.
    data_dir : Path, optional
        The data folder (default: the shipped ``calibration/data``).
    data : DataStore, optional
        The data, if already loaded (then ``data_dir`` is not read).

    Returns
    -------
    text : str
        The contents of ``params.toml``.
    tables : dict
        Per section, ``{name: (value, source)}`` or ``{name: (value, source, se)}``.
    """
    d = data if data is not None else load_data(as_of, data_dir)
    if not d.rows:
        raise InputError("as_of", "", f"no data published by {as_of}")
    tables = {
        "economy": {**fit_economy(d, window), **fit_fan_scale(d, window)},
        "outlook": fit_outlook(d),
        "fx": fit_fx(d),
        "budget": fit_budget(d),
        "supplementary": fit_supplementary(d),
        "contracts": fit_contracts(d),
    }
    for section, entries in tables.items():
        for name, entry in entries.items():
            vals = entry[0] if isinstance(entry[0], list) else [entry[0]]
            if not all(math.isfinite(float(v)) for v in vals):
                raise InputError(
                    "as_of",
                    f"{section}.{name}",
                    f"cannot be fitted on the data published by {as_of} ({entry[1]})",
                )
    lines = [
        "# Generated by `jdef calibrate`; do not edit by hand. Methods: METHODOLOGY.md, section 5.",
        "[meta]",
        f'as_of = "{d.vintage()}"  # every row published by this date (the data vintage)',
        f'fit_window = "FY{window[0]}-FY{window[1]}"',
        f'data_vintage = "{d.vintage()}"',
        (
            'optimiser = "scipy.optimize.minimize BFGS (gtol 1e-8, maxiter 2000) from the OLS '
            "start for the economy; closed-form moments elsewhere; "
            'scipy.optimize.least_squares (trf, fixed start) for the payment profiles"'
        ),
    ]
    lines.append("[meta.data_sha256]")
    lines += [f"{_esc(k)} = {_esc(v)}" for k, v in sorted(d.hashes.items())]
    for section, entries in tables.items():
        lines.append("")
        lines.append(f"[{section}]")
        for name, entry in entries.items():
            value, source = entry[0], entry[1]
            se = f", se = {_fmt(entry[2])}" if len(entry) > 2 else ""
            lines.append(f"{name} = {{ value = {_fmt(value)}{se}, source = {_esc(source)} }}")
    lines += [
        "",
        "# Parameters drawn per Monte Carlo draw from N(value, se), clipped to their valid range:",
        (
            "# parameter uncertainty where the fit rests on few observations (METHODOLOGY.md, "
            "section 5)."
        ),
        "[uncertainty]",
        "drawn = [" + ", ".join(f'"{name}"' for name in drawn()) + "]",
    ]
    text = "\n".join(lines) + "\n"
    tomllib.loads(text)  # what was written reads back
    return text, tables


def write_params(path: Path, as_of: dt.date, data_dir: Path | None = None) -> dict[str, Fitted]:
    """Calibrate on the data published by ``as_of`` and write ``path`` atomically."""
    text, tables = calibrate(as_of, data_dir=data_dir)
    write_bytes(text.encode("utf-8"), Path(path))
    return tables
