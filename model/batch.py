"""Batches of scenarios on common random numbers, resumable.

Each scenario is written to ``OUT/NAME.nc`` as it finishes (atomically). A
re-run skips a scenario whose file exists with the same resume key (``resume_key``:
everything its results depend on) and recomputes one whose key changed; an
interrupted batch therefore resumes where it stopped, with identical results. Like
``jdef run``, a scenario of more than ``AUTO_STREAM_ABOVE`` draws streams, unless
per-draw arrays are kept. The combined file ``OUT/batch.nc`` (a ``scenario``
dimension) is written last; no scenario can take its name (``batch`` is reserved by
the scenario schema).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from . import __version__
from .constants import DRAW, GOAL_THRESHOLDS, POLICY, SCENARIO, YEAR, default_data_dir
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


def resume_key(
    inp: ModelInputs, draws: int, seed: int, keep_draws: bool, data_dir: Path | None = None
) -> str:
    """Everything a scenario's file depends on, as JSON: the scenario's hash, seed, draws,
    ``keep_draws``, the calibration's hash, the hashes of the data files (in ``data_dir``,
    the folder ``inp`` was prepared from; default ``constants.default_data_dir()``), of the
    wiring table and of the policies as resolved, and the model's version."""
    from .data import load_data
    from .wiring import WIRING_FILE

    acc = inp.accounting
    policies = repr((acc.entries, acc.target_entry, acc.ramp_entry))
    key = {
        "scenario_sha256": inp.scenario.digest(),
        "seed": seed,
        "draws": draws,
        "keep_draws": keep_draws,
        "calibration_sha256": inp.params.sha256,
        "data_sha256": load_data(inp.scenario.as_of, data_dir or default_data_dir()).hashes,
        "wiring_sha256": hashlib.sha256(WIRING_FILE.read_bytes()).hexdigest(),
        "policies_sha256": hashlib.sha256(policies.encode()).hexdigest(),
        "model_version": __version__,
    }
    return json.dumps(key, sort_keys=True)


def _is_current(path: Path, key: str) -> bool:
    if not path.exists():
        return False
    try:
        with xr.open_dataset(path) as ds:
            return PAIRED in ds and ds[PAIRED].attrs.get("resume_key") == key
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
    key: str = "",
) -> Path:
    """Run one scenario through ``ex`` (``inp``: its prepared inputs, if already made) and
    write ``OUT/NAME.nc``, streamed above ``AUTO_STREAM_ABOVE`` draws unless ``keep_draws``;
    ``key`` (from :func:`resume_key`) is recorded for resuming."""
    from .prepare import prepare
    from .results import build_dataset
    from .runner import AUTO_STREAM_ABOVE, default_chunk, summarize

    inp = inp or prepare(sc)
    years = [int(y) for y in inp.axis.years if y in COMPARE_YEARS]
    if sc.mixture is not None:  # a policy mixture: its sampled draws are the paired ones
        from .mixtures import simulate_mixture
        from .runner import Options

        ds = simulate_mixture(sc, draws, seed, Options(keep_draws=True), ex)
        paired = ds["ratio_draws"].sel(fiscal_year=years).transpose(POLICY, YEAR, DRAW).values
        if not keep_draws:
            ds = ds.drop_vars([v for v in ds.data_vars if str(v).endswith("_draws")])
            ds = ds.drop_dims(DRAW, errors="ignore")
    else:
        streamed = draws > AUTO_STREAM_ABOVE and not keep_draws
        st = summarize(
            inp,
            draws,
            seed,
            ex,
            default_chunk(draws, streamed),
            streamed,
            keep_draws,
            paired=tuple(inp.axis.idx(y) for y in years),
        )
        ds = build_dataset(inp, st, draws=draws, seed=seed)
        assert st.paired is not None, "summarize keeps the paired draws when asked"
        paired = st.paired
    ds[PAIRED] = xr.DataArray(
        paired,
        dims=(POLICY, "comparison_year", DRAW),
        coords={
            "comparison_year": (
                "comparison_year",
                ds.fiscal_year.values[[inp.axis.idx(y) for y in years]],
                {"long_name": "Fiscal years compared across scenarios", "units": "1"},
            ),
            DRAW: (
                DRAW,
                np.arange(draws, dtype=np.int32),
                {"long_name": "Monte Carlo draw index", "units": "1"},
            ),
        },
        attrs={
            "long_name": (
                "Counted spending / GDP denominator at the comparison years, every draw (for "
                "paired differences)"
            ),
            "units": "1",
            "resume_key": key,
        },
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
    data_dir: Path | None = None,
) -> list[Outcome]:
    """Run the scenarios in order (``inputs``: their prepared inputs, if already made, from the
    data in ``data_dir``, default ``constants.default_data_dir()``); chunks of draws go to the
    dask cluster when one is asked for.

    Raises
    ------
    InputError
        For two scenarios of one name, or a bad ``workers`` or ``scheduler``.
    """
    from .parallel import check_execution, execution
    from .prepare import prepare

    check_execution(workers, scheduler)

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
            inp = inp or prepare(sc, data_dir=data_dir)
            path = out / f"{sc.name}.nc"
            key = resume_key(inp, draws, seed, keep_draws, data_dir)
            skipped = _is_current(path, key)
            if not skipped:
                run_one(sc, draws, seed, out, ex, keep_draws, inp, key)
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
        if "branch" in part.dims:  # a mixture's branches stay in its own file
            part = part.drop_dims("branch").drop_vars(
                [v for v in part.data_vars if str(v).startswith("sampled_")]
            )
        parts.append(part.expand_dims({SCENARIO: [o.scenario.name]}))
    from .conventions import batch_attrs

    combined = xr.concat(parts, dim=SCENARIO, join="outer", combine_attrs="drop", data_vars="all")
    combined[SCENARIO].attrs = {"long_name": "Scenario name"}
    # the scenarios' shared attributes, and the differing ones (scenario, id, ...) by scenario
    combined.attrs = batch_attrs(parts, [o.scenario.name for o in outcomes])
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
