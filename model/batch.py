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
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from . import __version__
from .constants import DRAW, GOAL_THRESHOLDS, POLICY, SCENARIO, YEAR, default_data_dir
from .inputs import ModelInputs
from .io import write_netcdf
from .metrics import TOLERANCE, probability
from .parallel import Background, Execution
from .scenario import Scenario
from .summary import fmt_se

COMPARE_YEARS = (2027, 2030, 2035)
PAIRED = "ratio_draws_at_comparison_years"


@dataclass
class Outcome:
    """A scenario of a batch: its file, whether it was up to date already, and (once
    :func:`digest` has read the file) its summaries for ``batch.nc`` and its comparison rows."""

    scenario: Scenario
    path: Path
    skipped: bool
    part: xr.Dataset | None = field(default=None, repr=False, compare=False)
    rows: list[dict[str, Any]] | None = field(default=None, repr=False, compare=False)
    against: Path | None = field(default=None, repr=False, compare=False)  # the rows' base


def resume_key(
    inp: ModelInputs,
    draws: int,
    seed: int,
    keep_draws: bool,
    data_dir: Path | None = None,
    data_sha256: dict[str, str] | None = None,
) -> str:
    """Everything a scenario's file depends on, as JSON: the scenario's hash, seed, draws,
    ``keep_draws``, the calibration's hash, the hashes of the data files (in ``data_dir``,
    the folder ``inp`` was prepared from; default ``constants.default_data_dir()``; or
    ``data_sha256``, those hashes if already known), of the wiring table and of the policies
    as resolved, and the model's version."""
    from .data import load_data
    from .wiring import WIRING_FILE

    if data_sha256 is None:
        data_sha256 = load_data(inp.scenario.as_of, data_dir or default_data_dir()).hashes

    acc = inp.accounting
    policies = repr((acc.entries, acc.target_entry, acc.ramp_entry))
    key = {
        "scenario_sha256": inp.scenario.digest(),
        "seed": seed,
        "draws": draws,
        "keep_draws": keep_draws,
        "calibration_sha256": inp.params.sha256,
        "data_sha256": data_sha256,
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


@dataclass(frozen=True)
class ScenarioFile:
    """Summarise one scenario and write its file ``OUT/NAME.nc`` where it runs (picklable: a
    whole scenario is one task on a dask worker, which builds and writes its own file, in a
    process of its own, so that only the file's path travels back, and the files of two
    workers are written at the same time). ``keys``: the resume key by scenario name;
    ``command``: the command line recorded in the file's ``history``. With ``write`` False
    (workers of an external scheduler, which may not see this machine's files) the task
    returns the scenario's summaries instead, for this process to write."""

    draws: int
    seed: int
    out: Path
    keys: dict[str, str]
    command: str
    keep_draws: bool = False
    write: bool = True

    def __call__(self, item: tuple[Scenario, ModelInputs]) -> Any:
        from .parallel import execution

        sc, inp = item
        with execution(threads=1) as local:
            st = summarize_one(inp, self.draws, self.seed, local, self.keep_draws)
        if not self.write:
            return st
        key = self.keys[sc.name]
        return write_one(sc, inp, st, self.draws, self.seed, self.out, key, self.command)


# what a worker imports as it starts (dask's ``preload``; see dask_setup)
PRELOAD = ("jdef.batch",)


def dask_setup(worker: Any = None) -> None:
    """Run by a local cluster's workers as they start (``PRELOAD``): the imports of a
    scenario's task (the engine, the summaries, the file's conventions, scipy's intervals and
    the chunk managers xarray looks for when it first builds or reads a Dataset, about a
    second and a half), paid while this process still prepares the scenarios, not by the first
    task; and by this process while it waits for the cluster (reading the files back)."""
    import xarray.namedarray.parallelcompat as chunks

    from . import conventions, probability, results, runner  # noqa: F401

    probability.interval(np.array([0.5]), 2)  # scipy.stats, imported when first used
    chunks.list_chunkmanagers()  # xarray's chunk managers (dask.array), found when first used


def summarize_one(
    inp: ModelInputs, draws: int, seed: int, ex: Execution, keep_draws: bool = False
) -> Any:
    """One scenario's ``Stats`` through ``ex``, streamed above ``AUTO_STREAM_ABOVE`` draws unless
    ``keep_draws``, with the ratio draws of the comparison years kept (``PAIRED``)."""
    from .runner import AUTO_STREAM_ABOVE, default_chunk, summarize

    years = [int(y) for y in inp.axis.years if y in COMPARE_YEARS]
    streamed = draws > AUTO_STREAM_ABOVE and not keep_draws
    return summarize(
        inp,
        draws,
        seed,
        ex,
        default_chunk(draws),
        streamed,
        keep_draws,
        paired=tuple(inp.axis.idx(y) for y in years),
    )


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

    inp = inp or prepare(sc)
    if sc.mixture is None:
        return write_one(
            sc, inp, summarize_one(inp, draws, seed, ex, keep_draws), draws, seed, out, key
        )
    # a policy mixture: its sampled draws are the paired ones
    from .mixtures import simulate_mixture
    from .runner import Options

    years = [int(y) for y in inp.axis.years if y in COMPARE_YEARS]
    ds = simulate_mixture(sc, draws, seed, Options(keep_draws=True), ex)
    paired = ds["ratio_draws"].sel(fiscal_year=years).transpose(POLICY, YEAR, DRAW).values
    if not keep_draws:
        ds = ds.drop_vars([v for v in ds.data_vars if str(v).endswith("_draws")])
        ds = ds.drop_dims(DRAW, errors="ignore")
    return _write(sc, inp, ds, paired, draws, out, key)


def write_one(
    sc: Scenario,
    inp: ModelInputs,
    st: Any,
    draws: int,
    seed: int,
    out: Path,
    key: str,
    command: str | None = None,
) -> Path:
    """Write one scenario's summaries ``st`` (with its ``PAIRED`` draws) to ``OUT/NAME.nc``
    (``command``: see :func:`_write`)."""
    from .results import build_dataset

    assert st.paired is not None, "summarize keeps the paired draws when asked"
    ds = build_dataset(inp, st, draws=draws, seed=seed)
    return _write(sc, inp, ds, st.paired, draws, out, key, command)


def _write(
    sc: Scenario,
    inp: ModelInputs,
    ds: xr.Dataset,
    paired: np.ndarray,
    draws: int,
    out: Path,
    key: str,
    command: str | None = None,
) -> Path:
    """``ds`` with the ``PAIRED`` draws and the resume key, written to ``OUT/NAME.nc``
    (``command``: the command line for the file's history when it is not this process's, as
    in a dask worker; default this process's)."""
    years = [int(y) for y in inp.axis.years if y in COMPARE_YEARS]
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
    if command is not None:
        from .conventions import apply

        ds = apply(ds, command)  # write_netcdf's conventions then keep this history
    with _WRITE:  # HDF5 is not thread-safe, and the files are written without its lock
        return write_netcdf(ds, out / f"{sc.name}.nc")


_WRITE = threading.Lock()
# in this process, scenarios of at most this many draws run side by side (one a core), so that
# one's serial parts (preparing, the Dataset, the file) overlap another's numpy work
SIDE_BY_SIDE_DRAWS = 200_000


def check_names(scenarios: list[Scenario]) -> None:
    """InputError (``batch``, ``name``) for two scenarios of one name: names name the files."""
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        from .errors import InputError

        dup = next(n for n in names if names.count(n) > 1)
        raise InputError(
            "batch",
            "name",
            f"two scenarios are named '{dup}'; names must be distinct (they name the output files)",
        )


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
    cluster: Background | None = None,
) -> list[Outcome]:
    """Run the scenarios (``inputs``: their prepared inputs, if already made, from the data in
    ``data_dir``, default ``constants.default_data_dir()``), reporting them in order, each
    file read back once as it is reported (:func:`digest`, for :func:`combine` and
    :func:`comparison_rows`).

    On a dask cluster (``workers`` or ``scheduler``; or ``cluster``, one started already with
    ``parallel.background``, which the caller closes) each scenario is one task
    (:class:`ScenarioFile`): the cluster is started once, on a thread, while the scenarios
    are prepared; each scenario's inputs are scattered to the workers once; a worker
    summarises the scenario, builds and writes its file, and sends back only the path (the
    workers of an external scheduler, which may not see this machine's files, send back the
    summaries instead, and the files are written here). In
    this process scenarios of up to ``SIDE_BY_SIDE_DRAWS`` draws run side by side on threads,
    their chunks on the shared threads. Results are identical either way.

    Raises
    ------
    InputError
        For two scenarios of one name, or a bad ``workers`` or ``scheduler``.
    """
    import os
    from concurrent.futures import ThreadPoolExecutor
    from contextlib import ExitStack

    from .conventions import command_line
    from .data import load_data
    from .parallel import background, check_execution, execution
    from .prepare import prepare

    check_execution(workers, scheduler)
    check_names(scenarios)
    with ExitStack() as stack:
        own = cluster is None and bool(workers or scheduler)
        if own:  # started now, on a thread: it is up by the time the scenarios are prepared
            cluster = stack.enter_context(background(workers, scheduler, PRELOAD))
        given: list[ModelInputs | None] = list(inputs) if inputs else [None] * len(scenarios)
        inps = [
            inp or prepare(sc, data_dir=data_dir) for sc, inp in zip(scenarios, given, strict=True)
        ]
        hashes: dict[Any, dict[str, str]] = {}  # the data files' hashes, read once an as_of
        for inp in inps:
            if inp.scenario.as_of not in hashes:
                folder = data_dir or default_data_dir()
                hashes[inp.scenario.as_of] = load_data(inp.scenario.as_of, folder).hashes
        keys = [
            resume_key(inp, draws, seed, keep_draws, data_dir, hashes[inp.scenario.as_of])
            for inp in inps
        ]
        paths = [out / f"{sc.name}.nc" for sc in scenarios]
        todo = [
            i for i, (p, k) in enumerate(zip(paths, keys, strict=True)) if not _is_current(p, k)
        ]
        if cluster is not None:
            dask_setup()  # the imports of reading the files back (digest), while it starts
        ex = stack.enter_context(execution()) if cluster is None else cluster.get()
        if not ex.in_process:
            # a scenario a task, all submitted at once, each file written by its worker (a
            # policy mixture runs its chunks on the cluster instead)
            tasks = [i for i in todo if scenarios[i].mixture is None]
            write = ScenarioFile(
                draws,
                seed,
                out.absolute(),
                {scenarios[i].name: keys[i] for i in tasks},
                command_line(),
                keep_draws,
                write=cluster is not None and cluster.local,
            )
            results = ex.imap(write, [(scenarios[i], inps[i]) for i in tasks])
            stack.callback(results.close)  # before the cluster closes (a callback runs first)

            def one(i: int) -> Path:
                sc = scenarios[i]
                if sc.mixture is not None:
                    return run_one(sc, draws, seed, out, ex, keep_draws, inps[i], keys[i])
                got = next(results)
                if not write.write:  # summaries from a remote worker: written here
                    return write_one(sc, inps[i], got, draws, seed, out, keys[i])
                return paths[i]

        else:

            def one(i: int) -> Path:
                return run_one(scenarios[i], draws, seed, out, ex, keep_draws, inps[i], keys[i])

        side = (os.cpu_count() or 1) if ex.in_process and draws <= SIDE_BY_SIDE_DRAWS else 1
        outcomes: list[Outcome] = []
        base = None
        with ThreadPoolExecutor(max(side, 1)) as pool:
            done = {i: pool.submit(one, i) for i in todo}
            for i, sc in enumerate(scenarios):
                if i in done:
                    done.pop(i).result()
                if own and not done and cluster is not None:
                    cluster.release()  # the last task is in: the cluster closes meanwhile
                o = Outcome(sc, paths[i], i not in todo)
                base = digest(o, base, paths[0])
                outcomes.append(o)
                if on_done:
                    on_done(o)
    return outcomes


def digest(o: Outcome, base: xr.DataArray | None, against: Path) -> xr.DataArray:
    """Read ``o``'s file once: ``o.part``, its summaries for ``batch.nc``, and ``o.rows``, its
    comparison rows against ``base`` (the ``PAIRED`` draws of the first scenario, in the file
    ``against``; None: ``o`` is the first). Returns the ``PAIRED`` draws to compare the next
    scenarios with (``base``, or ``o``'s if it is the first)."""
    with _WRITE, xr.open_dataset(o.path) as ds:  # not while this process writes a file
        ds = ds.load()
    paired = ds[PAIRED]
    base = paired if base is None else base
    o.rows = _rows(o.scenario.name, paired, base)
    o.against = against
    drop = [v for v in ds.data_vars if str(v).endswith("_draws") or v == PAIRED]
    part = ds.drop_vars(drop).drop_vars("comparison_year", errors="ignore")
    if "draw" in part.dims:
        part = part.drop_dims("draw")
    if "branch" in part.dims:  # a mixture's branches stay in its own file
        part = part.drop_dims("branch").drop_vars(
            [v for v in part.data_vars if str(v).startswith("sampled_")]
        )
    o.part = part.expand_dims({SCENARIO: [o.scenario.name]})
    return base


def _digested(outcomes: list[Outcome]) -> list[Outcome]:
    """``outcomes``, each digested against the first (read again unless done already)."""
    first = outcomes[0].path if outcomes else None
    if any(o.part is None or o.against != first for o in outcomes):
        base = None
        for o in outcomes:
            base = digest(o, base, outcomes[0].path)
    return outcomes


def combine(outcomes: list[Outcome], out: Path) -> tuple[xr.Dataset, Path]:
    """Concatenate the per-scenario summaries along a ``scenario`` dimension."""
    parts = [o.part for o in _digested(outcomes) if o.part is not None]  # all of them
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
    _add_paired(combined, outcomes)
    return combined, write_netcdf(combined, out / "batch.nc")


def _add_paired(combined: xr.Dataset, outcomes: list[Outcome]) -> None:
    """The paired differences against the first scenario (common random numbers), for the
    report: P(ratio >= goal) of each scenario minus the first's, with its s.e."""
    rows = comparison_rows(outcomes)
    if not rows:
        return
    scs = [o.scenario.name for o in outcomes]
    pols = list(dict.fromkeys(r["policy"] for r in rows))
    yrs = sorted({r["fiscal_year"] for r in rows})
    thr = list(GOAL_THRESHOLDS)
    shape = (len(scs), len(pols), len(yrs), len(thr))
    diff, se = np.full(shape, np.nan), np.full(shape, np.nan)
    for r in rows:
        at = (
            scs.index(r["scenario"]),
            pols.index(r["policy"]),
            yrs.index(r["fiscal_year"]),
            thr.index(r["threshold"]),
        )
        diff[at], se[at] = r["difference"], r["difference_se"]
    dims = (SCENARIO, "paired_policy", "comparison_year", "goal")
    first = scs[0]
    combined.coords["paired_policy"] = ("paired_policy", np.array(pols, dtype=object))
    combined.coords["comparison_year"] = ("comparison_year", np.array(yrs, dtype=np.int32))
    combined.coords["goal"] = ("goal", np.array(thr), {"long_name": "Goal ratio", "units": "1"})
    combined["paired_policy"].attrs["long_name"] = "Inclusion policy (paired comparison)"
    combined["comparison_year"].attrs["long_name"] = "Fiscal year of the paired comparison"
    combined["probability_difference"] = (
        dims,
        diff,
        {
            "long_name": f"P(ratio >= goal) minus that of scenario '{first}' on the same draws "
            "(common random numbers)",
            "units": "1",
        },
    )
    combined["probability_difference_standard_error"] = (
        dims,
        se,
        {"long_name": "Monte Carlo standard error of the paired difference", "units": "1"},
    )


def comparison_rows(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    """P(ratio >= threshold) per scenario and policy,
    with the paired difference against the first scenario."""
    return [r for o in _digested(outcomes) for r in o.rows or []]


def _rows(name: str, r: xr.DataArray, base: xr.DataArray) -> list[dict[str, Any]]:
    """The comparison rows of one scenario's ``PAIRED`` draws ``r`` against ``base``'s."""
    vals, bvals = r.values, base.values
    bpol = {str(p): k for k, p in enumerate(base.policy.values)}
    byear = {int(y): k for k, y in enumerate(base.comparison_year.values)}
    rows = []
    for a, pol in enumerate(r.policy.values):
        for c, y in enumerate(r.comparison_year.values):
            at = (bpol.get(str(pol)), byear.get(int(y)))
            for t in GOAL_THRESHOLDS:
                ind = (vals[a, c] >= t - TOLERANCE).astype(float)
                p, se = probability(ind)
                row = {
                    "scenario": name,
                    "policy": str(pol),
                    "fiscal_year": int(y),
                    "threshold": t,
                    "probability": float(p),
                    "standard_error": float(se),
                    "difference": np.nan,
                    "difference_se": np.nan,
                }
                if at[0] is not None and at[1] is not None:
                    b = (bvals[at[0], at[1]] >= t - TOLERANCE).astype(float)
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
