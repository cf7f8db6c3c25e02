"""Where the work runs: the one execution object of a run.

``execution(workers, scheduler)`` yields an :class:`Execution`, whose ``map(fn, items) ->
list`` keeps the order of ``items``. With neither option the tasks run on threads of this
process (numpy releases the GIL in the heavy loops). With ``workers`` it starts a
``dask.distributed.LocalCluster`` bound to loopback (127.0.0.1) with that many
single-threaded worker processes; with ``scheduler`` it connects to an existing scheduler.
Results do not depend on where they were computed: every task's random numbers come from
``SeedSequence`` keys fixed by its position (draw block, fiscal year), never from the worker.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from typing import Any

CONNECT_TIMEOUT = "5s"


class RunError(Exception):
    """A failure while running (exit code 1), with a message for the user."""


def _apply(fn: Callable[[Any], Any], item: Any) -> Any:
    return fn(item)


class Execution:
    """Runs tasks: on threads of this process, and on a dask client if it has one.

    Parameters
    ----------
    pool : ThreadPoolExecutor or None
        Threads of this process; None runs tasks one after the other.
    client : dask.distributed.Client or None
        Where ``map`` sends tasks (and their arguments, pickled) if given.
    """

    def __init__(self, pool: ThreadPoolExecutor | None = None, client: Any = None):
        self._pool = pool
        self._client = client

    @property
    def in_process(self) -> bool:
        """Whether ``map`` runs tasks in this process, so that they may write into arrays
        they are handed."""
        return self._client is None

    def local_map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> list:
        """``fn`` over ``items`` on this process's threads, in order (for work on arrays held
        here, which are not worth sending to a cluster)."""
        items = list(items)
        if self._pool is None or len(items) <= 1:
            return [fn(x) for x in items]
        return list(self._pool.map(fn, items))

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> list:
        """``fn`` over ``items``, in order: on the dask client if there is one, else as
        ``local_map``."""
        if self._client is None:
            return self.local_map(fn, items)
        items = list(items)
        if not items:
            return []
        [f] = self._client.scatter([fn], broadcast=True)
        futures = self._client.map(_apply, [f] * len(items), items, pure=False)
        return self._client.gather(futures)


@contextmanager
def execution(
    workers: int | None = None, scheduler: str | None = None, threads: int | None = None
) -> Iterator[Execution]:
    """An :class:`Execution` for the duration of the block.

    Parameters
    ----------
    workers : int, optional
        Start a local dask cluster of this many single-threaded worker processes.
    scheduler : str, optional
        Connect to the dask scheduler at this address instead.
    threads : int, optional
        Threads of this process (default one per core; 1: none).
    """
    threads = threads or os.cpu_count() or 1
    with ExitStack() as stack:
        pool = stack.enter_context(ThreadPoolExecutor(threads)) if threads > 1 else None
        client = (
            stack.enter_context(_dask_client(workers, scheduler)) if workers or scheduler else None
        )
        yield Execution(pool, client)


@contextmanager
def _dask_client(workers: int | None, scheduler: str | None) -> Iterator[Any]:
    import logging

    from dask.distributed import Client, LocalCluster

    logging.getLogger("distributed").setLevel(logging.ERROR)
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
        else:
            cluster = LocalCluster(
                n_workers=int(workers or 1),
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
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
