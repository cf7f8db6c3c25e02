"""Commands on the calibration data: ``calibrate`` (fit params.toml) and ``backtest``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from .errors import exit_on_error
from .options import DataDir, OutDir, as_of_date, check_draws, check_seed, use_data_dir


def calibrate(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Fit on data published by this date")
    ] = None,
    out: Annotated[
        Path,
        typer.Option(
            help="Output folder: writes OUT/params.toml (to refit the shipped file: --out"
            " calibration)"
        ),
    ] = Path("outputs"),
    data_dir: DataDir = None,
) -> None:
    """Fit the parameters from calibration/data and write OUT/params.toml."""
    with exit_on_error():
        use_data_dir(data_dir)
        from ..calibrate import write_params
        from ..io import check_writable
        from ..paths import output_path

        if out.suffix == ".toml" and not out.is_dir():
            raise InputError(
                "--out", "", f"a folder, not a file: {out} (params.toml is written inside it)"
            )
        date = as_of_date(as_of)
        path = output_path(out, "params.toml")
        check_writable(out)
        write_params(path, date)
        typer.echo(f"wrote {path}", err=True)


def backtest(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Use only data published by this date")
    ] = None,
    draws: Annotated[int, typer.Option(help="Draws per forecast")] = 2000,
    seed: Annotated[int, typer.Option(help="Root seed")] = 1,
    first_origin: Annotated[int, typer.Option(help="First forecast origin (fiscal year)")] = 2000,
    out: OutDir = Path("outputs"),
    data_dir: DataDir = None,
) -> None:
    # one line: typer lists the commands with the docstring's line breaks
    """Rolling-origin backtest of nominal GDP and the MoD budget against benchmarks; writes OUT/backtest.nc."""  # noqa: E501
    with exit_on_error():
        use_data_dir(data_dir)
        from ..backtest import backtest_text, pit_figure, run_backtest
        from ..data import load_data
        from ..io import check_writable, write_bytes, write_netcdf
        from ..paths import output_path

        check_draws(draws, 10)
        check_seed(seed)
        date = as_of_date(as_of)
        nc = output_path(out, "backtest.nc")
        d = load_data(date)
        gdp = d.nominal_gdp()
        if not gdp or first_origin >= max(gdp) or first_origin < min(gdp) + 6:
            raise InputError(
                "--first-origin",
                "first_origin",
                f"must lie in FY{min(gdp, default=0) + 6}-FY{max(gdp, default=0) - 1}"
                f" for data as of {date}",
            )
        check_writable(out)
        ds = run_backtest(d, range(first_origin, max(gdp)), draws=draws, seed=seed)
        path = write_netcdf(ds, nc)
        png = write_bytes(pit_figure(ds), output_path(out, "backtest_pit.png"))
        typer.echo(backtest_text(ds))
        typer.echo(f"wrote {path}", err=True)
        typer.echo(f"wrote {png}", err=True)
