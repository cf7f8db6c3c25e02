"""Where the work runs: in this process, on a local dask cluster, or on an existing one.

``executor(workers, scheduler)`` yields a ``map(fn, items) -> list`` that keeps
the order of ``items``. With neither option it is the built-in ``map``. With
``workers`` it starts a ``dask.distributed.LocalCluster`` bound to loopback
(127.0.0.1) with that many single-threaded worker processes; with
``scheduler`` it connects to an existing scheduler. Results do not depend on
where they were computed: every task's random numbers come from
``SeedSequence`` keys fixed by its position (draw block, fiscal year), never
from the worker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

CONNECT_TIMEOUT = "5s"


class RunError(Exception):
    """A failure while running (exit code 1), with a message for the user."""


def _apply(fn: Callable[[Any], Any], item: Any) -> Any:
    return fn(item)


@contextmanager
def executor(
    workers: int | None = None, scheduler: str | None = None
) -> Iterator[Callable[..., list]]:
    if not workers and not scheduler:
        yield lambda fn, items: list(map(fn, items))
        return
    import logging

    from dask.distributed import Client, LocalCluster

    logging.getLogger("distributed").setLevel(logging.ERROR)
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
        else:
            cluster = LocalCluster(
                n_workers=int(workers),
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            client = Client(cluster, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        where = scheduler or f"a local cluster of {workers} workers"
        raise RunError(f"cannot reach the dask scheduler at {where}: {exc}") from None

    def run(fn: Callable[[Any], Any], items) -> list:
        items = list(items)
        if not items:
            return []
        [f] = client.scatter([fn], broadcast=True)
        futures = client.map(_apply, [f] * len(items), items, pure=False)
        return client.gather(futures)

    try:
        yield run
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
