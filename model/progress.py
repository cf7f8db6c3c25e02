"""Progress bars for long steps (chunks and passes, scenarios, evaluations, figures).

The command line opens :func:`bars` around a command; the model's long loops ask for a bar with
:func:`task` and advance it. Bars are drawn by ``rich`` on **stderr** only, and only when stderr
is a terminal: in a pipe, a log file or the Python API they are silent and cost nothing.
Results go to stdout; status lines ("wrote ...", the streaming notice) go to stderr through
:func:`status`, which prints above a live bar instead of breaking it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_ACTIVE: ContextVar[Any] = ContextVar("jdef_progress", default=None)


def _nothing(n: int = 1) -> None:
    return None


@contextmanager
def bars(enabled: bool | None = None) -> Iterator[Any]:
    """Bars on stderr for the block (``enabled`` None: when stderr is a terminal)."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    console = Console(file=sys.stderr, stderr=True, force_terminal=enabled or None)
    on = console.is_terminal if enabled is None else enabled
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not on,
    )
    token = _ACTIVE.set(progress)
    try:
        with progress:
            yield progress
    finally:
        _ACTIVE.reset(token)


def task(description: str, total: int | None) -> Callable[[int], None]:
    """A bar of ``total`` steps in the active :func:`bars` block; returns ``advance(n=1)``.
    Without an active block (the Python API, tests) a function that does nothing."""
    progress = _ACTIVE.get()
    if progress is None or progress.disable:
        return _nothing
    tid = progress.add_task(description, total=total)

    def advance(n: int = 1) -> None:
        progress.advance(tid, n)

    return advance


def counted(fn: Callable[[Any], Any], advance: Callable[[int], None]) -> Callable[[Any], Any]:
    """``fn`` advancing the bar after each call (for maps in this process)."""

    def run(item: Any) -> Any:
        out = fn(item)
        advance(1)
        return out

    return run


def status(text: str) -> None:
    """A status line on stderr, printed above the active bar if any."""
    progress = _ACTIVE.get()
    if progress is not None and not progress.disable:
        progress.console.print(text, highlight=False, markup=False, soft_wrap=True)
    else:
        print(text, file=sys.stderr, flush=True)
