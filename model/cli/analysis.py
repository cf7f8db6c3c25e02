"""Commands that question a scenario: ``sensitivity`` (which inputs matter) and ``solve``."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from .errors import exit_on_error
from .options import (
    DataDir,
    OutDir,
    Scheduler,
    Seed,
    SetKeys,
    as_of_named,
    at_least,
    check_draws,
    check_seed,
    load_named,
    overrides,
    use_data_dir,
)


class Method(str, Enum):
    oat = "oat"
    morris = "morris"
    sobol = "sobol"


# what the lever's value means, for the answer of ``solve``; any category share otherwise
LEVER_UNIT = {
    "post2027_growth": "per year (nominal growth of the MoD budget after FY2027)",
    "supplementary_topup": "trillion yen a year (fixed supplementary top-up)",
}


def sensitivity(
    scenario: Annotated[
        Path,
        typer.Argument(
            help="Scenario TOML file; its \\[sensitivity.levers] and the calibrated uncertainties"
            " are the factors"
        ),
    ],
    method: Annotated[Method, typer.Option(help="oat (tornado), morris or sobol")] = Method.sobol,
    metric: Annotated[
        str,
        typer.Option(
            help="p_reach:YEAR:THRESHOLD:POLICY | p_reach_by:YEAR:THRESHOLD:POLICY"
            " | ratio_q:YEAR:QUANTILE:POLICY | plan_cum:contract|expenditure:QUANTILE"
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
    data_dir: DataDir = None,
    set_: SetKeys = None,
    groups: Annotated[
        bool,
        typer.Option(
            "--groups/--no-groups",
            help="Sobol: indices per group of inputs (economy, budget policy, accounting, ...)",
        ),
    ] = False,
) -> None:
    # one line: typer lists the commands with the docstring's line breaks
    """Which inputs decide the metric: OAT tornado, Morris or Sobol indices (SALib), on common random numbers."""  # noqa: E501
    with exit_on_error(), as_of_named(set_, None):
        use_data_dir(data_dir)
        from ..io import check_writable, write_netcdf
        from ..parallel import execution
        from ..paths import output_path
        from ..report import write_sensitivity_png
        from ..sensitivity import (
            Evaluator,
            ranked_text,
            run_morris,
            run_oat,
            run_sobol,
            sensitivity_dataset,
        )

        at_least("--samples", samples, 2)
        check_draws(draws, 10)
        check_seed(seed)
        if groups and method != Method.sobol:
            raise InputError(
                "--groups", "groups", "group indices are computed for --method sobol only"
            )
        sc, _ = load_named(scenario, set_)
        check_writable(out)
        s = sc.seed if seed is None else seed
        stem = f"{sc.name}_sensitivity_{method.value}"
        nc, png = output_path(out, f"{stem}.nc"), output_path(out, f"{stem}.png")
        ev = Evaluator(sc, metric, draws, s)
        # batches of evaluations (each one engine run, sensitivity.evaluation.STACK points
        # stacked on the draw axis) on this process's threads (one a core; the shocks are
        # shared, drawn once), or on the dask cluster
        from ..progress import bars, status, task

        with bars(), execution(workers, scheduler) as ex:

            def pmap(fn, items):
                """ex.map with a bar of batches of evaluations (advanced here, also on a dask
                cluster)."""
                items = list(items)
                return ex.map(fn, items, advance=task("batches of evaluations", len(items)))

            if method == Method.oat:
                res = run_oat(ev, pmap)
            elif method == Method.morris:
                res = run_morris(ev, samples, s, pmap)
            else:
                res = run_sobol(ev, samples, s, pmap, grouped=groups)
        ds = sensitivity_dataset(ev, method.value, res, samples, s, grouped=groups)
        path = write_netcdf(ds, nc)
        write_sensitivity_png(ds, png)
        typer.echo(ranked_text(ds))
        status(f"wrote {path} and {png}")


def solve(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file")],
    target: Annotated[float, typer.Option(help="Target ratio, e.g. 0.02")] = 0.02,
    year: Annotated[int, typer.Option(help="Fiscal year")] = 2030,
    policy: Annotated[str, typer.Option(help="Inclusion policy (or NAME:BUCKET)")] = "current-gdp",
    probability: Annotated[float, typer.Option(help="Probability asked for")] = 0.8,
    lever: Annotated[
        str,
        typer.Option(
            help="post2027_growth | supplementary_topup | category_share:NAME | weight:BRANCH "
            "(a branch of the scenario's policy mixture)"
        ),
    ] = "post2027_growth",
    draws: Annotated[
        int, typer.Option(help="Monte Carlo draws (the same draws for every trial value)")
    ] = 2000,
    seed: Seed = None,
    set_: SetKeys = None,
    data_dir: DataDir = None,
) -> None:
    """What it takes: the smallest lever value that gives the asked probability of reaching the target."""  # noqa: E501
    with exit_on_error(), as_of_named(set_, None):
        use_data_dir(data_dir)
        from ..scenario import load_scenario
        from ..sensitivity import solve as solve_

        check_draws(draws, 10)
        check_seed(seed)
        sc = load_scenario(scenario, overrides(set_))
        r = solve_(
            sc, target, year, policy, probability, lever, draws, sc.seed if seed is None else seed
        )
        unit = LEVER_UNIT.get(
            lever,
            "weight of the branch (the others share the rest in proportion)"
            if lever.startswith("weight:")
            else "share of the category counted",
        )
        typer.echo(
            f"{lever} = {r['value']:.6g} {unit}\n"
            f"  gives P(ratio >= {target:g} in FY{year} under {policy}) = {r['probability']:.3f}"
            f" (asked {probability:g})\n"
            f"  Monte Carlo s.e. of the answer: {r['standard_error']:.3g} ({draws} draws)"
            + ("\n  (already met at the lever's lower bound)" if r["at_lower_bound"] else "")
        )
