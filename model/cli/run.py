"""Commands that run scenarios and report on their results: ``run``, ``batch`` and ``report``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from .errors import exit_on_error
from .options import (
    AsOf,
    DataDir,
    KeepDraws,
    OutDir,
    Scheduler,
    Seed,
    SetKeys,
    Workers,
    as_of_named,
    at_least,
    check_draws,
    check_seed,
    load_named,
    use_data_dir,
)


def _report_paths(stem: str, out: Path) -> None:
    """Refuse a report whose HTML or figures folder would lie outside ``out``."""
    from ..paths import output_path

    output_path(out, f"{stem}.html")
    output_path(out, f"{stem}_figures")


def _write_report(result: Path, out: Path) -> None:
    from ..report import write_report

    _report_paths(result.stem, out)
    typer.echo(f"wrote {write_report(result, out)['html']}", err=True)


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
    csv: Annotated[
        bool, typer.Option("--csv/--no-csv", help="Also write the summary as CSV")
    ] = False,
    report: Annotated[
        bool,
        typer.Option("--report/--no-report", help="Also write OUT/NAME.html and OUT/NAME_figures/"),
    ] = False,
    summary_only: Annotated[
        bool | None,
        typer.Option(
            "--summary-only/--exact",
            help="Stream chunks of draws into the summaries (bounded memory; quantiles within one"
            " histogram bin), or keep every draw for exact quantiles; default: stream above"
            " 250,000 draws",
        ),
    ] = None,
    chunk: Annotated[
        int | None,
        typer.Option(
            help="Draws per chunk (results do not depend on it; default 12,288, or fewer so that"
            " every core has a chunk; with --summary-only, rounded up to whole blocks of 4,096"
            " draws)"
        ),
    ] = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    data_dir: DataDir = None,
) -> None:
    """Run one scenario: write OUT/NAME.nc and print the summary table."""
    with exit_on_error(), as_of_named(set_, as_of):
        use_data_dir(data_dir)
        from ..io import check_writable, write_csv, write_netcdf
        from ..paths import output_path
        from ..progress import bars, status
        from ..runner import AUTO_STREAM_ABOVE, Options, simulate
        from ..summary import summary_csv, summary_text

        check_draws(draws, 1)
        at_least("--chunk", chunk, 1)
        check_seed(seed)
        sc, shown = load_named(scenario, set_, as_of)
        nc, csv_path = output_path(out, f"{sc.name}.nc"), output_path(out, f"{sc.name}_summary.csv")
        if report:
            _report_paths(sc.name, out)
        options = Options(
            keep_draws=keep_draws,
            summary_only=summary_only,
            chunk=chunk,
            workers=workers,
            scheduler=scheduler,
        )
        check_writable(out)
        n = sc.draws if draws is None else draws
        if summary_only or (summary_only is None and n > AUTO_STREAM_ABOVE and not keep_draws):
            status(
                f"streaming {n:,} draws in chunks (--summary-only: bounded memory, probabilities "
                "and means exact, percentiles within one histogram bin; --exact to keep every draw)"
            )
        with bars():
            ds = simulate(sc, draws, seed, options)
            ds.attrs["overrides"] = json.dumps(shown)
            path = write_netcdf(ds, nc)
            if csv:
                status(f"wrote {write_csv(summary_csv(ds), csv_path)}")
            typer.echo(summary_text(ds))
            status(f"wrote {path}")
            if report:
                _write_report(path, out)


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
        bool, typer.Option("--report/--no-report", help="Also write OUT/batch.html and its figures")
    ] = False,
    workers: Workers = None,
    scheduler: Scheduler = None,
    data_dir: DataDir = None,
) -> None:
    # first line whole: typer lists the commands with the docstring's line breaks
    """Run scenarios on common random numbers: OUT/NAME.nc each, OUT/batch.nc combined, and a comparison table.

    A re-run skips a scenario whose output was made from the same inputs (scenario, seed, draws, --keep-draws, calibration, data, policies, model version).
    """  # noqa: E501
    with exit_on_error(), as_of_named(set_, as_of):
        use_data_dir(data_dir)
        from contextlib import ExitStack

        from ..batch import (
            PRELOAD,
            check_names,
            combine,
            comparison_rows,
            comparison_text,
            run_batch,
        )
        from ..io import check_writable
        from ..parallel import background, check_execution
        from ..paths import output_path
        from ..prepare import load_policies, prepare
        from ..progress import bars, status, task
        from ..runner import AUTO_STREAM_ABOVE, default_chunk
        from ..worksize import check_fits

        check_draws(draws, 1)
        check_seed(seed)
        check_execution(workers, scheduler)
        scenarios = [load_named(f, set_, as_of)[0] for f in files]
        for name in [*(sc.name for sc in scenarios), "batch"]:  # batch.run_one and combine's
            output_path(out, f"{name}.nc")
        if report:
            _report_paths("batch", out)
        check_names(scenarios)
        if workers or scheduler:  # a bad policy at once, not once a cluster started and stopped
            for sc in scenarios:
                load_policies(sc)
        with ExitStack() as stack:
            # a cluster starts now, on a thread (its workers' processes and imports take
            # seconds), while this thread prepares; a bad input found meanwhile (data, a refit)
            # is reported as before once the cluster has stopped (policies were read above, a
            # bad one at once), and nothing is written
            cluster = (
                stack.enter_context(background(workers, scheduler, PRELOAD))
                if workers or scheduler
                else None
            )
            # validate everything (policies, data) before the first run writes anything
            inputs = [prepare(sc) for sc in scenarios]
            check_writable(out)
            n = draws or scenarios[0].draws
            s = scenarios[0].seed if seed is None else seed
            streamed = n > AUTO_STREAM_ABOVE and not keep_draws  # as batch.run_one runs them
            for inp in inputs:
                how = "use fewer draws" + (" or no --keep-draws (batch then streams)" * keep_draws)
                check_fits(inp, n, default_chunk(n), streamed, keep_draws, how=how)
            with bars():
                tick = task("scenarios", len(scenarios))

                def done(o):
                    tick(1)
                    status(f"{'skipped (up to date)' if o.skipped else 'wrote'} {o.path}")

                outcomes = run_batch(
                    scenarios,
                    n,
                    s,
                    out,
                    keep_draws,
                    on_done=done,
                    inputs=inputs,
                    cluster=cluster,
                )
                if cluster is not None:
                    cluster.release()  # it closes while the combined file is written
                _, path = combine(outcomes, out)
                typer.echo(comparison_text(comparison_rows(outcomes)))
                status(f"wrote {path}")
                if report:
                    _write_report(path, out)


def report(
    result: Annotated[
        Path, typer.Argument(help="Result file (.nc) from jdef run, batch or sensitivity")
    ],
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: the result's folder)")
    ] = None,
) -> None:
    """Write PNG figures and one self-contained HTML report (figures embedded) for a result file."""
    with exit_on_error():
        from ..io import check_writable
        from ..progress import bars
        from ..report import write_report

        check_writable(out or result.parent)
        _report_paths(result.stem, out or result.parent)
        with bars():
            paths = write_report(result, out or result.parent)
        n_fig = len(paths) - 1
        figures = paths["html"].parent / (result.stem + "_figures")
        typer.echo(
            f"wrote {paths['html']} and {n_fig} figure{'s' if n_fig != 1 else ''} in {figures}",
            err=True,
        )
