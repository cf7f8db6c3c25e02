"""Batches of scenarios on common random numbers, resumable.

Each scenario is written to ``OUT/NAME.nc`` as it finishes (atomically). A
re-run skips a scenario whose file exists with the same scenario hash, seed
and draws, and recomputes one that changed; an interrupted batch therefore
resumes where it stopped, with identical results. The combined file
``OUT/batch.nc`` (a ``scenario`` dimension) is written last.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from .constants import GOAL_THRESHOLDS, SCENARIO
from .inputs import ModelInputs
from .io import write_netcdf
from .metrics import TOLERANCE, probability
from .parallel import Execution
from .scenario import Scenario
from .summary import fmt_se

COMPARE_YEARS = (2027, 2030, 2035)
PAIRED = "ratio_draws_at_comparison_years"


@dataclass
class Outcome:
    scenario: Scenario
    path: Path
    skipped: bool


def _is_current(path: Path, sc: Scenario, draws: int, seed: int) -> bool:
    if not path.exists():
        return False
    try:
        with xr.open_dataset(path) as ds:
            a = ds.attrs
            return (
                a.get("scenario_sha256") == sc.digest()
                and a.get("seed_entropy") == str(seed)
                and a.get("draws") == str(draws)
                and PAIRED in ds
            )
    except (OSError, ValueError):
        return False  # unreadable: recompute


def run_one(
    sc: Scenario,
    draws: int,
    seed: int,
    out: Path,
    ex: Execution,
    keep_draws: bool = False,
    inp: ModelInputs | None = None,
) -> Path:
    """Run one scenario through ``ex`` (``inp``: its prepared inputs, if already made) and
    write ``OUT/NAME.nc``."""
    from .results import build_dataset
    from .runner import prepare, summarize

    inp = inp or prepare(sc)
    ds = build_dataset(
        inp, summarize(inp, draws, seed, ex, keep_draws=True), draws=draws, seed=seed
    )
    years = [y for y in COMPARE_YEARS if y in ds.fiscal_year.values]
    paired = ds["ratio_draws"].sel(fiscal_year=years).rename(fiscal_year="comparison_year")
    paired.attrs = {
        "long_name": (
            "Counted spending / GDP denominator at the comparison years, every draw (for paired "
            "differences)"
        ),
        "units": "1",
    }
    ds[PAIRED] = paired
    ds["comparison_year"].attrs = {
        "long_name": "Fiscal years compared across scenarios",
        "units": "1",
    }
    if not keep_draws:
        ds = ds.drop_vars(
            [v for v in ("ratio_draws", "counted_spending_draws", "nominal_gdp_draws") if v in ds]
        )
    return write_netcdf(ds, out / f"{sc.name}.nc")


def run_batch(
    scenarios: list[Scenario],
    draws: int,
    seed: int,
    out: Path,
    keep_draws: bool = False,
    on_done: Callable[[Outcome], None] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    inputs: list[ModelInputs] | None = None,
) -> list[Outcome]:
    """Run the scenarios in order (``inputs``: their prepared inputs, if already made); chunks of
    draws go to the dask cluster when one is asked for."""
    from .parallel import execution

    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        from .errors import InputError

        dup = next(n for n in names if names.count(n) > 1)
        raise InputError(
            "batch",
            "name",
            f"two scenarios are named '{dup}'; names must be distinct (they name the output files)",
        )
    outcomes = []
    given: list[ModelInputs | None] = list(inputs) if inputs else [None] * len(scenarios)
    with execution(workers, scheduler) as ex:
        for sc, inp in zip(scenarios, given, strict=True):
            path = out / f"{sc.name}.nc"
            skipped = _is_current(path, sc, draws, seed)
            if not skipped:
                run_one(sc, draws, seed, out, ex, keep_draws, inp)
            o = Outcome(sc, path, skipped)
            outcomes.append(o)
            if on_done:
                on_done(o)
    return outcomes


def combine(outcomes: list[Outcome], out: Path) -> tuple[xr.Dataset, Path]:
    """Concatenate the per-scenario summaries along a ``scenario`` dimension."""
    parts = []
    for o in outcomes:
        with xr.open_dataset(o.path) as ds:
            ds = ds.load()
        drop = [v for v in ds.data_vars if str(v).endswith("_draws") or v == PAIRED]
        part = ds.drop_vars(drop).drop_vars("comparison_year", errors="ignore")
        if "draw" in part.dims:
            part = part.drop_dims("draw")
        parts.append(part.expand_dims({SCENARIO: [o.scenario.name]}))
    combined = xr.concat(
        parts, dim=SCENARIO, join="outer", combine_attrs="drop_conflicts", data_vars="all"
    )
    combined[SCENARIO].attrs = {"long_name": "Scenario name"}
    combined.attrs.update(
        {
            "title": "jdef: Japan defense spending outlook, scenario batch",
            "summary": (
                f"Scenarios {', '.join(o.scenario.name for o in outcomes)} on common random "
                "numbers."
            ),
            "scenarios": ", ".join(o.scenario.name for o in outcomes),
        }
    )
    return combined, write_netcdf(combined, out / "batch.nc")


def comparison_rows(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    """P(ratio >= threshold) per scenario and policy,
    with the paired difference against the first scenario."""
    data = []
    for o in outcomes:
        with xr.open_dataset(o.path) as ds:
            data.append(ds[PAIRED].load())
    base = data[0]
    rows = []
    for o, r in zip(outcomes, data, strict=True):
        for pol in r.policy.values:
            for y in r.comparison_year.values:
                for t in GOAL_THRESHOLDS:
                    ind = (r.sel(policy=pol, comparison_year=y).values >= t - TOLERANCE).astype(
                        float
                    )
                    p, se = probability(ind)
                    row = {
                        "scenario": o.scenario.name,
                        "policy": str(pol),
                        "fiscal_year": int(y),
                        "threshold": t,
                        "probability": float(p),
                        "standard_error": float(se),
                        "difference": np.nan,
                        "difference_se": np.nan,
                    }
                    if pol in base.policy.values and y in base.comparison_year.values:
                        b = (
                            base.sel(policy=pol, comparison_year=y).values >= t - TOLERANCE
                        ).astype(float)
                        d = ind - b
                        row["difference"] = float(d.mean())
                        row["difference_se"] = (
                            float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else 0.0
                        )
                    rows.append(row)
    return rows


def comparison_text(rows: list[dict[str, Any]]) -> str:
    """One block per threshold: rows scenario x policy, columns fiscal years;
    cells P and the paired difference."""
    if not rows:
        return ""
    first = rows[0]["scenario"]
    years = sorted({r["fiscal_year"] for r in rows})
    cell = {(r["scenario"], r["policy"], r["fiscal_year"], r["threshold"]): r for r in rows}
    keys = list(dict.fromkeys((r["scenario"], r["policy"]) for r in rows))
    lines = [
        "P(counted / GDP >= target) in the fiscal year, and the paired difference against "
        f"'{first}' (common random numbers; +/- Monte Carlo s.e.)"
    ]
    for t in GOAL_THRESHOLDS:
        head = f"{'scenario':<28}{'policy':<23}" + "".join(
            f"{'FY' + str(y) + ' P   diff ± s.e.':>27}" for y in years
        )
        lines += ["", f"target {t:.1%}", head, "-" * len(head)]
        for sc, pol in keys:
            line = f"{sc:<28}{pol:<23}"
            for y in years:
                r = cell.get((sc, pol, y, t))
                if r is None:
                    line += f"{'':>27}"
                elif np.isnan(r["difference"]):
                    line += f"{r['probability']:>11.3f}{'':>16}"
                else:
                    line += (
                        f"{r['probability']:>11.3f} {r['difference']:>+7.3f} "
                        f"±{fmt_se(r['difference_se'])}"
                    )
            lines.append(line)
    return "\n".join(lines) + "\n"
