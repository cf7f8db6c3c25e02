"""``jdef discover``: scenario discovery with PRIM over the factor table, the levers and the
branches of a policy mixture (:mod:`jdef.discover`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from .errors import exit_on_error
from .options import (
    DataDir,
    OutDir,
    Seed,
    SetKeys,
    as_of_named,
    at_least,
    check_draws,
    check_seed,
    overrides,
    use_data_dir,
)


def discover(
    scenario: Annotated[
        Path,
        typer.Argument(
            help="Scenario TOML file; its factor table (parameters, shares, levers) and mixture"
            " branches are the inputs"
        ),
    ],
    metric: Annotated[
        str,
        typer.Option(
            help="p_reach:YEAR:THRESHOLD:POLICY | p_reach_by:YEAR:THRESHOLD:POLICY"
            " | ratio_q:YEAR:QUANTILE:POLICY | plan_cum:contract|expenditure:QUANTILE"
        ),
    ] = "p_reach_by:2035:0.035:current-gdp",
    threshold: Annotated[
        float,
        typer.Option(help="An experiment is of interest when the metric is at or above this"),
    ] = 0.5,
    below: Annotated[
        bool, typer.Option("--below", help="Cases of interest: the metric below the threshold")
    ] = False,
    experiments: Annotated[int, typer.Option(help="Number of experiments (Latin hypercube)")] = 600,
    draws: Annotated[
        int, typer.Option(help="Monte Carlo draws per experiment (the same draws every time)")
    ] = 300,
    min_density: Annotated[
        float, typer.Option(help="Report the box of highest coverage with at least this density")
    ] = 0.8,
    seed: Seed = None,
    out: OutDir = Path("outputs"),
    data_dir: DataDir = None,
    set_: SetKeys = None,
) -> None:
    """Scenario discovery (PRIM): which inputs and policy branches lead to the outcome."""
    with exit_on_error(), as_of_named(set_, None):
        use_data_dir(data_dir)
        from ..discover import discover as run_discovery
        from ..discover import discovery_dataset, summary_text, trajectory_csv
        from ..io import check_writable, write_bytes, write_netcdf
        from ..paths import output_path
        from ..report.figures.discovery import write_discovery_png
        from ..scenario import load_scenario
        from ..sensitivity import Evaluator

        at_least("--experiments", experiments, 20)
        check_draws(draws, 10)
        check_seed(seed)
        if not 0 < min_density <= 1:
            raise InputError("--min-density", "min_density", "must lie in (0, 1]")
        sc = load_scenario(scenario, overrides(set_))
        check_writable(out)
        s = sc.seed if seed is None else seed
        stem = f"{sc.name}_discover"
        nc, csv = output_path(out, f"{stem}.nc"), output_path(out, f"{stem}.csv")
        png = output_path(out, f"{stem}.png")
        ev = Evaluator(sc, metric, draws, s)
        d = run_discovery(ev, experiments, s, threshold, below, min_density)
        ds = discovery_dataset(d, ev, s)
        write_netcdf(ds, nc)
        write_bytes(trajectory_csv(ds).encode("utf-8"), csv)
        write_discovery_png(ds, png)
        typer.echo(summary_text(ds))
        typer.echo(f"wrote {nc}, {csv} and {png}")
