"""The ``scenarios`` commands: list the shipped scenarios, show one resolved, validate files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from .errors import cli_message, exit_on_error
from .options import overrides


def list_() -> None:
    """List the shipped scenarios with their descriptions."""
    import tomllib

    from ..constants import SCENARIO_DIR

    files = sorted(SCENARIO_DIR.glob("*.toml"))
    width = max([28, *(len(f.stem) + 2 for f in files)])
    for f in files:
        try:
            desc = tomllib.loads(f.read_text(encoding="utf-8")).get("description", "")
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
            desc = "(unreadable: not a UTF-8 TOML file)"
        typer.echo(f"{f.stem:<{width}}{desc}")


def show(
    scenario: Annotated[Path, typer.Argument(help="Scenario file or name")],
    set_: Annotated[list[str] | None, typer.Option("--set", help="KEY=VALUE override")] = None,
) -> None:
    """Show the fully resolved scenario (after layering and overrides)."""
    with exit_on_error():
        import json

        from ..scenario import load_scenario

        typer.echo(json.dumps(load_scenario(scenario, overrides(set_)).resolved(), indent=2))


def validate(files: Annotated[list[Path], typer.Argument(help="Scenario files")]) -> None:
    """Validate scenario files (and the policies they name); exit 2 if any is invalid."""
    from ..prepare import prepare
    from ..scenario import check_scenario

    bad = 0
    for f in files:
        sc, problems = check_scenario(f)
        if sc is not None:
            try:
                prepare(sc)  # policies, target policies and data
                if sc.mixture is not None:  # each branch's rule and target policy
                    from ..mixtures import check_branches

                    check_branches(sc)
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
