"""How failures leave the command line: one message on stderr and an exit code.

Exit codes: 2 invalid input (usage, scenario, policy or data file); 1 a failure while running.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from ..errors import InputError

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
    "target": "--target",
    "policy": "--policy",
    "workers": "--workers",
    "scheduler": "--scheduler",
    "out": "--out",
}


def cli_message(exc: InputError) -> str:
    """The error in the command line's words: a library parameter named by its option."""
    head, sep, rest = exc.file.partition(" ")
    if head not in OPTION_OF:
        return exc.one_line()
    return InputError(OPTION_OF[head] + sep + rest, exc.field, exc.message).one_line()


@contextmanager
def exit_on_error() -> Iterator[None]:
    """Every failure leaves through one clear message and an exit code (2 bad input, 1 failure)."""
    try:
        yield
    except typer.Exit:
        raise
    except InputError as exc:
        typer.echo(f"error: {cli_message(exc)}", err=True)
        raise typer.Exit(2) from exc
    except Exception as exc:  # noqa: BLE001
        from ..io import DiskFullError
        from ..parallel import RunError

        message = (
            str(exc)
            if isinstance(exc, (RunError, DiskFullError))
            else f"{exc.__class__.__name__}: {exc}"
        )
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(1) from exc
