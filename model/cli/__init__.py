"""The ``jdef`` command line: thin typer glue over the model.

Exit codes: 0 success; 2 invalid input (usage, scenario, policy or data file);
1 a failure while running.

One module per family of commands (:mod:`.run`, :mod:`.analysis`, :mod:`.data`,
:mod:`.scenarios`), the shared options in :mod:`.options` and the way errors leave in
:mod:`.errors`. The heavy libraries are imported inside the commands, so that ``jdef --help``
is fast.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from . import analysis, data, run, scenarios
from .discover import discover

__all__ = ["app", "main"]

HELP = {"help_option_names": ["-h", "--help"]}


def _flags_without_metavar() -> None:
    """typer's help shows a value type after every option, '<bool>' after a flag too, which
    reads as if the flag took a value ('--csv true' then fails); flags show none."""
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich

    def display(self: TyperOption, ctx: object) -> str | None:
        return None if self.is_flag else shown(self, ctx)  # type: ignore[arg-type]

    TyperOption.display_type_rich = display  # type: ignore[method-assign]


_flags_without_metavar()


class _Root(TyperGroup):
    """The root group: keeps the command line for the files' ``history``
    (``jdef.conventions.command_line``) while the command runs, also when a test runner
    invokes the app."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        self._argv = ["jdef", *args]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        from .. import conventions

        conventions.ARGV = getattr(self, "_argv", None)
        try:
            return super().invoke(ctx)
        finally:
            conventions.ARGV = None


app = typer.Typer(
    cls=_Root,
    add_completion=False,
    no_args_is_help=True,
    context_settings=HELP,
    help="jdef: will Japan reach 2% or 3.5% of GDP on defense, and under which accounting?\n\n"
    "Exit codes: 0 success, 2 invalid input (usage, scenario, policy or data), "
    "1 failure while running.",
)
scenarios_app = typer.Typer(
    no_args_is_help=True, context_settings=HELP, help="List, show and validate scenario files."
)


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"jdef {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show jdef's version and exit"
        ),
    ] = False,
) -> None:
    """jdef: will Japan reach 2% or 3.5% of GDP on defense, and under which accounting?"""


app.add_typer(scenarios_app, name="scenarios")

app.command()(run.run)
app.command()(run.batch)
app.command()(analysis.sensitivity)
app.command()(analysis.solve)
app.command()(discover)
app.command()(run.report)
app.command()(data.calibrate)
app.command()(data.backtest)
scenarios_app.command("list")(scenarios.list_)
scenarios_app.command("show")(scenarios.show)
scenarios_app.command("validate")(scenarios.validate)


def _keep_freed_memory() -> None:
    """Ask glibc's malloc to keep freed memory for reuse instead of handing it back to the kernel.

    A run allocates and frees arrays of tens of megabytes chunk after chunk; by default glibc
    serves each from fresh pages (mmap) and unmaps it on free, so every chunk pays the page
    faults again. ``M_MMAP_THRESHOLD`` of 1 GiB and a large ``M_TRIM_THRESHOLD`` make such
    arrays come from, and go back to, the heap. Measured here (2026-12-02, 2 runs each,
    interleaved), a streamed 10^6-draw run: 9.8-10.5 s with 1.3 s of system time, against
    10.9-11.7 s with 2.7-3.1 s; the price is memory kept for reuse, 0.70-0.77 GB peak against
    0.61-0.62 GB. Other C libraries: nothing happens. ``JDEF_NO_MALLOPT=1`` turns it off.
    """
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 30)  # M_MMAP_THRESHOLD: arrays up to 1 GiB from the heap
        libc.mallopt(-1, 2**31 - 1)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


def _one_line_warning(
    message: Warning | str, category: type[Warning], *args: Any, **kw: Any
) -> str:
    """A warning on the command line: one line, ``warning: ...``, without the source line."""
    return f"warning: {message}\n"


def _exit_on_signal(signum: int, frame: object) -> None:
    # an exception, so that every ``finally`` runs: atomic writes remove their temporary files
    raise SystemExit(128 + signum)


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
    import signal
    import warnings

    warnings.formatwarning = _one_line_warning
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
