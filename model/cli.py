"""The ``jdef`` command line: thin typer glue over the model.

Exit codes: 0 success; 2 invalid input (usage, scenario, policy or data file);
1 a failure while running.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from .errors import InputError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="jdef: will Japan reach 2% or 3.5% of GDP on defense, and under which accounting?\n\n"
    "Exit codes: 0 success, 2 invalid input (usage, scenario, policy or data), 1 failure while running.",
)
scenarios_app = typer.Typer(no_args_is_help=True, help="List, show and validate scenario files.")
app.add_typer(scenarios_app, name="scenarios")


# the library names its parameters and option fields; the command line reports its options
OPTION_OF = {
    "draws": "--draws",
    "seed": "--seed",
    "chunk": "--chunk",
    "summary_only": "--summary-only",
    "keep_draws": "--keep-draws",
    "as_of": "--as-of",
    "overrides": "--set",
    "metric": "--metric",
    "probability": "--probability",
    "year": "--year",
    "lever": "--lever",
}


def cli_message(exc: InputError) -> str:
    """The error in the command line's words: a library parameter named by its option."""
    head, sep, rest = exc.file.partition(" ")
    if head not in OPTION_OF:
        return exc.one_line()
    return InputError(OPTION_OF[head] + sep + rest, exc.field, exc.message).one_line()


def _fail(exc: Exception) -> None:
    if isinstance(exc, InputError):
        typer.echo(f"error: {cli_message(exc)}", err=True)
        raise typer.Exit(2)
    from .parallel import RunError

    if isinstance(exc, RunError):
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1)
    typer.echo(f"error: {exc.__class__.__name__}: {exc}", err=True)
    raise typer.Exit(1)


@contextmanager
def _errors() -> Iterator[None]:
    """Every failure leaves through one clear message and an exit code (2 bad input, 1 failure)."""
    try:
        yield
    except typer.Exit:
        raise
    except Exception as exc:  # noqa: BLE001
        _fail(exc)


def _date(value: str, option: str = "--as-of") -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(
            option, option.lstrip("-").replace("-", "_"), f"not a date YYYY-MM-DD: {value!r}"
        ) from None


def _at_least(option: str, value: int | None, least: int) -> None:
    """Refuse a count option below ``least`` (None: not given)."""
    if value is not None and value < least:
        raise InputError(option, option.lstrip("-"), f"must be at least {least} (got {value})")


def _seed(seed: int | None) -> None:
    if seed is not None and seed < 0:
        raise InputError("--seed", "seed", f"must be >= 0 (got {seed})")


def _as_of(value: str | None) -> list[str]:
    if value is None:
        return []
    _date(value)
    return [f"as_of={value}"]


# options that several commands share, word for word
OutDir = Annotated[Path, typer.Option(help="Output folder")]
AsOf = Annotated[
    str | None, typer.Option("--as-of", help="Use only data published by this date (YYYY-MM-DD)")
]
SetKeys = Annotated[
    list[str] | None, typer.Option("--set", help="Override a scenario key, KEY=VALUE (TOML value)")
]
KeepDraws = Annotated[bool, typer.Option("--keep-draws", help="Also store per-draw arrays (large)")]
Seed = Annotated[int | None, typer.Option(help="Root seed (default: the scenario's)")]
Workers = Annotated[
    int | None, typer.Option(help="Run chunks on a local dask cluster of N worker processes")
]
Scheduler = Annotated[
    str | None, typer.Option(help="Address of an existing dask scheduler, e.g. tcp://10.0.0.5:8786")
]


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file (or a name in scenarios/)")],
    draws: Annotated[
        int | None, typer.Option(help="Monte Carlo draws (default: the scenario's)")
    ] = None,
    seed: Seed = None,
    out: OutDir = Path("outputs"),
    as_of: AsOf = None,
    set_: SetKeys = None,
    keep_draws: KeepDraws = False,
    csv: Annotated[bool, typer.Option("--csv", help="Also write the summary as CSV")] = False,
    report: Annotated[
        bool, typer.Option("--report", help="Also write OUT/NAME.html and OUT/NAME_figures/")
    ] = False,
    summary_only: Annotated[
        bool | None,
        typer.Option(
            "--summary-only/--exact",
            help="Stream chunks of draws into the summaries (bounded memory; quantiles within one histogram bin), or keep every draw for exact quantiles; default: stream above 250,000 draws",
        ),
    ] = None,
    chunk: Annotated[
        int | None,
        typer.Option(
            help="Draws per chunk (results do not depend on it; default one chunk per core up to 200,000, or 12,288 with --summary-only, where chunks are whole blocks of 4,096 draws)"
        ),
    ] = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
) -> None:
    """Run one scenario: write OUT/NAME.nc and print the summary table."""
    with _errors():
        from .io import write_csv, write_netcdf
        from .runner import Options, simulate
        from .scenario import load_scenario
        from .summary import summary_csv, summary_text

        _at_least("--draws", draws, 1)
        _seed(seed)
        sc = load_scenario(scenario, [*_as_of(as_of), *(set_ or [])])
        options = Options(
            keep_draws=keep_draws,
            summary_only=summary_only,
            chunk=chunk,
            workers=workers,
            scheduler=scheduler,
        )
        ds = simulate(sc, draws, seed, options)
        path = write_netcdf(ds, out / f"{sc.name}.nc")
        if csv:
            typer.echo(
                f"wrote {write_csv(summary_csv(ds), out / f'{sc.name}_summary.csv')}", err=True
            )
        typer.echo(summary_text(ds))
        typer.echo(f"wrote {path}")
        if report:
            from .report import write_report

            typer.echo(f"wrote {write_report(path, out)['html']}")


@app.command()
def batch(
    files: Annotated[list[Path], typer.Argument(help="Scenario TOML files")],
    draws: Annotated[
        int | None,
        typer.Option(help="Monte Carlo draws for every scenario (default: the first scenario's)"),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(help="Root seed shared by all scenarios (default: the first scenario's)"),
    ] = None,
    out: OutDir = Path("outputs"),
    as_of: AsOf = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a key in every scenario, KEY=VALUE (TOML value)"),
    ] = None,
    keep_draws: KeepDraws = False,
    report: Annotated[
        bool, typer.Option("--report", help="Also write OUT/batch.html and its figures")
    ] = False,
    workers: Workers = None,
    scheduler: Scheduler = None,
) -> None:
    """Run scenarios on common random numbers: OUT/NAME.nc each, OUT/batch.nc combined, and a comparison table.

    A re-run skips scenarios whose output exists with the same scenario hash, seed and draws.
    """
    with _errors():
        from rich.progress import Progress

        from .batch import combine, comparison_rows, comparison_text, run_batch
        from .scenario import load_scenario

        _at_least("--draws", draws, 1)
        _seed(seed)
        overrides = [*_as_of(as_of), *(set_ or [])]
        scenarios = [load_scenario(f, overrides) for f in files]
        # validate everything (policies, data) before the first run writes anything
        from .runner import prepare

        inputs = [prepare(sc) for sc in scenarios]
        n = draws or scenarios[0].draws
        s = scenarios[0].seed if seed is None else seed
        with Progress(disable=not sys.stderr.isatty(), transient=True, console=None) as progress:
            task = progress.add_task("scenarios", total=len(scenarios))

            def done(o):
                progress.advance(task)
                typer.echo(f"{'skipped (up to date)' if o.skipped else 'wrote'} {o.path}", err=True)

            outcomes = run_batch(
                scenarios,
                n,
                s,
                out,
                keep_draws,
                on_done=done,
                workers=workers,
                scheduler=scheduler,
                inputs=inputs,
            )
        _, path = combine(outcomes, out)
        typer.echo(comparison_text(comparison_rows(outcomes)))
        typer.echo(f"wrote {path}")
        if report:
            from .report import write_report

            typer.echo(f"wrote {write_report(path, out)['html']}")


class Method(str, Enum):
    oat = "oat"
    morris = "morris"
    sobol = "sobol"


@app.command()
def sensitivity(
    scenario: Annotated[
        Path,
        typer.Argument(
            help="Scenario TOML file; its \\[sensitivity.levers] and the calibrated uncertainties are the factors"
        ),
    ],
    method: Annotated[Method, typer.Option(help="oat (tornado), morris or sobol")] = Method.sobol,
    metric: Annotated[
        str,
        typer.Option(
            help="p_reach:YEAR:THRESHOLD:POLICY | p_reach_by:YEAR:THRESHOLD:POLICY | ratio_q:YEAR:QUANTILE:POLICY | plan_cum:contract|expenditure:QUANTILE"
        ),
    ] = "p_reach_by:2035:0.02:current-gdp",
    samples: Annotated[int, typer.Option(help="Base samples (Sobol N, Morris trajectories)")] = 256,
    draws: Annotated[
        int, typer.Option(help="Monte Carlo draws per evaluation (the same draws every time)")
    ] = 1000,
    seed: Seed = None,
    workers: Annotated[
        int | None, typer.Option(help="Run evaluations on a local dask cluster of N workers")
    ] = None,
    scheduler: Scheduler = None,
    out: OutDir = Path("outputs"),
    set_: SetKeys = None,
    groups: Annotated[
        bool,
        typer.Option(
            "--groups",
            help="Sobol: indices per group of inputs (economy, budget policy, accounting, ...)",
        ),
    ] = False,
) -> None:
    """Which inputs decide the metric: OAT tornado, Morris or Sobol indices (SALib), on common random numbers."""
    with _errors():
        from .io import write_netcdf
        from .parallel import execution
        from .report import write_sensitivity_png
        from .scenario import load_scenario
        from .sensitivity import (
            Evaluator,
            ranked_text,
            run_morris,
            run_oat,
            run_sobol,
            sensitivity_dataset,
        )

        _at_least("--samples", samples, 2)
        _at_least("--draws", draws, 10)
        _seed(seed)
        if groups and method != Method.sobol:
            raise InputError(
                "--groups", "groups", "group indices are computed for --method sobol only"
            )
        sc = load_scenario(scenario, set_ or [])
        s = sc.seed if seed is None else seed
        ev = Evaluator(sc, metric, draws, s)
        # evaluations one after the other here, or on the dask cluster
        with execution(workers, scheduler, threads=1) as ex:
            if method == Method.oat:
                res = run_oat(ev, ex.map)
            elif method == Method.morris:
                res = run_morris(ev, samples, s, ex.map)
            else:
                res = run_sobol(ev, samples, s, ex.map, grouped=groups)
        ds = sensitivity_dataset(
            ev, method.value, res, samples, s, grouped=groups and method == Method.sobol
        )
        path = write_netcdf(ds, out / f"{sc.name}_sensitivity_{method.value}.nc")
        png = out / f"{sc.name}_sensitivity_{method.value}.png"
        write_sensitivity_png(ds, png)
        typer.echo(ranked_text(ds))
        typer.echo(f"wrote {path} and {png}")


@app.command()
def solve(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file")],
    target: Annotated[float, typer.Option(help="Target ratio, e.g. 0.02")] = 0.02,
    year: Annotated[int, typer.Option(help="Fiscal year")] = 2030,
    policy: Annotated[str, typer.Option(help="Inclusion policy (or NAME:BUCKET)")] = "current-gdp",
    probability: Annotated[float, typer.Option(help="Probability asked for")] = 0.8,
    lever: Annotated[
        str, typer.Option(help="post2027_growth | supplementary_topup | category_share:NAME")
    ] = "post2027_growth",
    draws: Annotated[
        int, typer.Option(help="Monte Carlo draws (the same draws for every trial value)")
    ] = 2000,
    seed: Seed = None,
    set_: SetKeys = None,
) -> None:
    """What it takes: the smallest lever value that gives the asked probability of reaching the target."""
    with _errors():
        from .scenario import load_scenario
        from .sensitivity import solve as solve_

        _at_least("--draws", draws, 10)
        _seed(seed)
        sc = load_scenario(scenario, set_ or [])
        r = solve_(
            sc, target, year, policy, probability, lever, draws, sc.seed if seed is None else seed
        )
        unit = {
            "post2027_growth": "per year (nominal growth of the MoD budget after FY2027)",
            "supplementary_topup": "trillion yen a year (fixed supplementary top-up)",
        }.get(lever, "share of the category counted")
        typer.echo(
            f"{lever} = {r['value']:.6g} {unit}\n"
            f"  gives P(ratio >= {target:g} in FY{year} under {policy}) = {r['probability']:.3f} (asked {probability:g})\n"
            f"  Monte Carlo s.e. of the answer: {r['standard_error']:.3g} ({draws} draws)"
            + ("\n  (already met at the lever's lower bound)" if r["at_lower_bound"] else "")
        )


@app.command()
def report(
    result: Annotated[
        Path, typer.Argument(help="Result file (.nc) from jdef run, batch or sensitivity")
    ],
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: the result's folder)")
    ] = None,
) -> None:
    """Write PNG figures and one self-contained HTML report (figures embedded) for a result file."""
    with _errors():
        from .report import write_report

        paths = write_report(result, out or result.parent)
        n_fig = len(paths) - 1
        typer.echo(
            f"wrote {paths['html']} and {n_fig} figure{'s' if n_fig != 1 else ''} in {paths['html'].parent / (result.stem + '_figures')}"
        )


@app.command()
def calibrate(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Fit on data published by this date")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Parameter file to write (default calibration/params.toml)")
    ] = None,
) -> None:
    """Fit the parameters from calibration/data and write params.toml."""
    with _errors():
        from .calibrate import write_params
        from .constants import PARAMS_FILE

        date = _date(as_of) if as_of else dt.date.today()
        path = out or PARAMS_FILE
        write_params(path, date)
        typer.echo(f"wrote {path}")


@app.command()
def backtest(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Use only data published by this date")
    ] = None,
    draws: Annotated[int, typer.Option(help="Draws per forecast")] = 2000,
    seed: Annotated[int, typer.Option(help="Root seed")] = 1,
    first_origin: Annotated[int, typer.Option(help="First forecast origin (fiscal year)")] = 2000,
    out: OutDir = Path("outputs"),
) -> None:
    """Rolling-origin backtest of nominal GDP and the MoD budget against benchmarks; writes OUT/backtest.nc."""
    with _errors():
        from .backtest import backtest_text, run_backtest
        from .data import load_data
        from .io import write_netcdf

        _at_least("--draws", draws, 10)
        _seed(seed)
        date = _date(as_of) if as_of else dt.date.today()
        d = load_data(date)
        gdp = d.nominal_gdp()
        if not gdp or first_origin >= max(gdp) or first_origin < min(gdp) + 6:
            raise InputError(
                "--first-origin",
                "first_origin",
                f"must lie in FY{min(gdp, default=0) + 6}-FY{max(gdp, default=0) - 1} for data as of {date}",
            )
        ds = run_backtest(d, range(first_origin, max(gdp)), draws=draws, seed=seed)
        path = write_netcdf(ds, out / "backtest.nc")
        typer.echo(backtest_text(ds))
        typer.echo(f"wrote {path}")


@scenarios_app.command("list")
def scenarios_list() -> None:
    """List the shipped scenarios with their descriptions."""
    import tomllib

    from .constants import SCENARIO_DIR

    for f in sorted(SCENARIO_DIR.glob("*.toml")):
        try:
            desc = tomllib.loads(f.read_text(encoding="utf-8")).get("description", "")
        except (tomllib.TOMLDecodeError, OSError):
            desc = "(unreadable)"
        typer.echo(f"{f.stem:<28}{desc}")


@scenarios_app.command("show")
def scenarios_show(
    scenario: Annotated[Path, typer.Argument(help="Scenario file or name")],
    set_: Annotated[list[str] | None, typer.Option("--set", help="KEY=VALUE override")] = None,
) -> None:
    """Show the fully resolved scenario (after layering and overrides)."""
    with _errors():
        import json

        from .scenario import load_scenario

        typer.echo(json.dumps(load_scenario(scenario, set_ or []).resolved(), indent=2))


@scenarios_app.command("validate")
def scenarios_validate(files: Annotated[list[Path], typer.Argument(help="Scenario files")]) -> None:
    """Validate scenario files (and the policies they name); exit 2 if any is invalid."""
    from .runner import prepare
    from .scenario import check_scenario

    bad = 0
    for f in files:
        sc, problems = check_scenario(f)
        if sc is not None:
            try:
                prepare(sc)  # policies, target policies and data
            except InputError as exc:
                problems = [exc]
        for problem in problems:
            typer.echo(f"error: {cli_message(problem)}", err=True)
        if problems:
            bad += 1
        else:
            typer.echo(f"ok      {f}")
    if bad:
        raise typer.Exit(2)


def _keep_freed_memory() -> None:
    """Ask glibc's malloc to keep freed memory for reuse instead of handing it back to the kernel.

    A run allocates and frees arrays of tens of megabytes chunk after chunk; by default glibc
    serves each from fresh pages (mmap) and unmaps it on free, so every chunk pays the page
    faults again. ``M_MMAP_THRESHOLD`` of 1 GiB and a large ``M_TRIM_THRESHOLD`` make such
    arrays come from, and go back to, the heap. Measured here, a streamed 10^6-draw run: 37 s
    with 3 s of system time, against 47-50 s with 21-26 s; 10^5 draws: 2.76 s against 2.91 s
    (means of 4). Other C libraries: nothing happens. ``JDEF_NO_MALLOPT=1`` turns it off. The
    price is memory kept for reuse: 1.6 GB peak at 10^7 streamed draws instead of 1.14 GB.
    """
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 30)  # M_MMAP_THRESHOLD: arrays up to 1 GiB from the heap
        libc.mallopt(-1, 2**31 - 1)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


def main() -> None:
    # numpy asks the kernel for transparent huge pages for every large array; on this kind of
    # virtual machine the page compaction that triggers cost about 1 s of system time in a
    # 10^5-draw run (measured side by side: 3.24 s against 3.66 s wall, 6 runs each). The
    # command line turns that off unless the user has set NUMPY_MADVISE_HUGEPAGE; numpy is
    # imported later. Both settings are for the command line only: the Python API leaves the
    # process as it is.
    import os

    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    if os.environ.get("JDEF_NO_MALLOPT", "0") in ("", "0"):
        _keep_freed_memory()
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
