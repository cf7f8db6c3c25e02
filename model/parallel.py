"""Where the work runs: the one execution object of a run.

``execution(workers, scheduler)`` yields an :class:`Execution`, whose ``map(fn, items) ->
list`` keeps the order of ``items``. With neither option the tasks run on threads of this
process (numpy releases the GIL in the heavy loops). With ``workers`` it starts a
``dask.distributed.LocalCluster`` bound to loopback (127.0.0.1) with that many
single-threaded worker processes (at most ``MAX_WORKERS_PER_CORE`` a core), speaking TLS with
credentials made for this run only (``Security.temporary()``), so that no other local process
can connect to its scheduler and run code in its workers; with ``scheduler`` it connects to an
existing scheduler, with the TLS settings of the dask configuration (README, Scale).
Results do not depend on where they were computed: every task's random numbers come from
``SeedSequence`` keys fixed by its position (draw block, fiscal year), never from the worker.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from typing import Any
from urllib.parse import urlsplit

from .errors import InputError

CONNECT_TIMEOUT = "3s"  # per attempt to reach a scheduler; distributed retries within it
MAX_WORKERS_PER_CORE = 4  # more processes than this only add memory: the tasks are CPU-bound
SCHEMES = ("tcp", "tls", "ws", "wss")


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
    def scheduler_address(self) -> str | None:
        """The address of the dask scheduler the tasks go to (None: in this process)."""
        return None if self._client is None else self._client.scheduler.address

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

    def map(
        self,
        fn: Callable[[Any], Any],
        items: Iterable[Any],
        advance: Callable[[int], None] | None = None,
    ) -> list:
        """``fn`` over ``items``, in order: on the dask client if there is one, else as
        ``local_map``. ``advance(1)`` (a progress bar's) is called here, in this process, once
        a task's result is in (a bar advanced inside a worker process would not be seen)."""
        if self._client is None:
            if advance is None:
                return self.local_map(fn, items)
            from .progress import counted

            return self.local_map(counted(fn, advance), items)
        items = list(items)
        if not items:
            return []
        # hash=False: a key of its own each call; equal tasks of two streaming passes would
        # otherwise share one key, and releasing the first pass's would lose the second's data
        [f] = self._client.scatter([fn], broadcast=True, hash=False)
        futures = self._client.map(_apply, [f] * len(items), items, pure=False)
        if advance is None:
            return self._client.gather(futures)
        out = []
        for fut in futures:  # in order: a bar may lag the fastest tasks but never runs ahead
            out.append(fut.result())
            advance(1)
        return out

    def imap(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Generator[Any, None, None]:
        """``fn`` over ``items``, every task started at once, the results yielded in order as
        they come (so that the caller can use the first while the others still run).

        On a dask client ``fn`` is sent to every worker once and the ``items`` are scattered
        (each sent once, to one worker, where its task then prefers to run)."""
        items = list(items)
        if self._client is None or not items:
            if self._pool is None or len(items) <= 1:
                yield from (fn(x) for x in items)
            else:
                yield from self._pool.map(fn, items)
            return
        [f] = self._client.scatter([fn], broadcast=True, hash=False)
        data = self._client.scatter(items, hash=False)
        futures = self._client.map(_apply, [f] * len(items), data, pure=False)
        del data  # the tasks hold their inputs: each is released with its task
        try:
            for fut in futures:
                yield fut.result()
                fut.release()
        finally:
            left = [fut for fut in futures if not fut.done()]
            if left:  # a failed or abandoned batch: cancel what is left
                self._client.cancel(left)


def max_workers() -> int:
    """The most local dask workers allowed: ``MAX_WORKERS_PER_CORE`` per core."""
    return MAX_WORKERS_PER_CORE * (os.cpu_count() or 1)


def check_execution(workers: int | None = None, scheduler: str | None = None) -> None:
    """Refuse a number of workers or a scheduler address that cannot work, before any run.

    Raises
    ------
    InputError
        Naming ``workers`` (not an integer from 1 to :func:`max_workers`) or ``scheduler``
        (not ``[SCHEME://]HOST:PORT`` with a scheme of ``SCHEMES``).
    """
    if workers is not None and (
        isinstance(workers, bool)
        or not isinstance(workers, int)
        or not 1 <= workers <= max_workers()
    ):
        raise InputError(
            "workers",
            "",
            f"must be an integer from 1 to {max_workers()} ({MAX_WORKERS_PER_CORE} per core), "
            f"got {workers!r}",
        )
    if scheduler is None:
        return
    url = urlsplit(scheduler if "://" in scheduler else f"tcp://{scheduler}")
    try:
        port = url.port
    except ValueError:
        port = None
    if url.scheme not in SCHEMES or not url.hostname or port is None or url.path or url.query:
        raise InputError(
            "scheduler",
            "",
            f"'{scheduler}' is not a dask scheduler address: expected [SCHEME://]HOST:PORT "
            f"with SCHEME one of {', '.join(SCHEMES)}, e.g. tls://10.0.0.5:8786",
        )


@contextmanager
def execution(
    workers: int | None = None,
    scheduler: str | None = None,
    threads: int | None = None,
    preload: tuple[str, ...] = (),
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
    preload : tuple of str
        Modules a local cluster's workers import as they start, before they take tasks
        (dask's worker ``preload``; a module's ``dask_setup(worker)`` runs too), so that a first
        task does not pay the imports.

    Raises
    ------
    InputError
        For a bad ``workers`` or ``scheduler`` (:func:`check_execution`).
    RunError
        If the scheduler cannot be reached or does not speak dask's protocol.
    """
    check_execution(workers, scheduler)
    threads = threads or os.cpu_count() or 1
    with ExitStack() as stack:
        pool = stack.enter_context(ThreadPoolExecutor(threads)) if threads > 1 else None
        client = (
            stack.enter_context(_dask_client(workers, scheduler, preload))
            if workers or scheduler
            else None
        )
        yield Execution(pool, client)


def _probe(address: str) -> None:
    """Ask the service at ``address`` who it is, in a thread of its own (this thread may run an
    event loop already), so that a non-dask service fails here, within the connection timeout,
    and not inside a ``Client`` that would not close."""
    import asyncio

    from dask.utils import parse_timedelta
    from distributed.comm import connect
    from distributed.security import Security

    timeout = parse_timedelta(CONNECT_TIMEOUT)

    args = Security().get_connection_args("client")  # the TLS settings of the configuration
    if address.startswith(("tls://", "wss://")) and args.get("ssl_context") is None:
        raise RunError(
            f"{address} speaks TLS: put the client's TLS credentials in the dask configuration "
            "(README, Scale)"
        )

    async def identity() -> Any:
        comm = await connect(address, timeout=timeout, **args)
        try:
            await comm.write({"op": "identity"})
            return await comm.read()
        finally:
            comm.abort()

    with ThreadPoolExecutor(1) as one:
        try:
            reply = one.submit(asyncio.run, asyncio.wait_for(identity(), 2 * timeout)).result()
        except (OSError, TimeoutError):
            raise  # unreachable: reported by the caller
        except Exception as exc:  # noqa: BLE001 - e.g. a frame length read from another protocol
            raise RunError(
                f"the service at {address} does not speak dask's protocol ({type(exc).__name__})"
            ) from None
    if not isinstance(reply, dict) or reply.get("type") != "Scheduler":
        raise RunError(f"the service at {address} is not a dask scheduler")


@contextmanager
def _dask_client(
    workers: int | None, scheduler: str | None, preload: tuple[str, ...] = ()
) -> Iterator[Any]:
    import logging
    import warnings

    import dask
    from dask.distributed import Client, LocalCluster
    from distributed.security import Security

    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    # the scheduler's HTTP server (health checks; no dashboard) moves to a free port when 8787
    # is taken, e.g. by another cluster, and says so: nothing the user needs to read
    warnings.filterwarnings("ignore", message="Port 8787 is already in use", category=UserWarning)
    cluster = None
    where = scheduler or f"a local cluster of {workers} workers"
    try:
        if scheduler:
            # the connection timeout bounds every attempt to reach it, not only the first
            with dask.config.set({"distributed.comm.timeouts.connect": CONNECT_TIMEOUT}):
                _probe(scheduler)
                client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
            _check_kernels(client)
        else:
            # dask's workers trim freed memory at once (MALLOC_TRIM_THRESHOLD_ set before they
            # start), which also fixes glibc's mmap threshold: every large array is then a
            # fresh mapping, faulted in page by page (twice the system time of a task here);
            # the workers keep glibc's defaults, as this process does
            env = dict(dask.config.get("distributed.nanny.pre-spawn-environ"))
            env.pop("MALLOC_TRIM_THRESHOLD_", None)
            settings = dask.config.set({"distributed.nanny.pre-spawn-environ": env})
            with settings:
                cluster = LocalCluster(
                    n_workers=int(workers or 1),
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    protocol="tls://",
                    security=Security.temporary(),
                    dashboard_address=None,
                    silence_logs=logging.CRITICAL,
                    preload=list(preload),
                )
            client = Client(cluster, set_as_default=False)
    except RunError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure to connect: one line for the user
        if cluster is not None:
            cluster.close()
        raise RunError(
            f"cannot reach the dask scheduler at {where}: {type(exc).__name__}: {exc}"
        ) from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _check_kernels(client: Any) -> None:
    """Warn when a scheduler's workers compute with other numpy or OpenBLAS kernels than this
    process (``jdef.cpu``): a ``dask worker`` started on its own loads numpy unpinned."""
    import warnings

    from .cpu import kernels, mismatch

    message = mismatch(kernels(), client.run(kernels))
    if message:
        warnings.warn(message, RuntimeWarning, stacklevel=2)


class Background:
    """An :func:`execution` started on a thread of its own (a local cluster takes a second or
    more to start: its workers' processes and imports), while this thread prepares the work.

    ``local``: whether it is a local cluster (``workers``), whose workers see this machine's
    files. ``get()`` waits for it and returns the :class:`Execution` (raising what starting it
    raised); ``release()`` starts closing it, on a thread too, once its tasks are done;
    leaving the ``with`` block waits for both, so that no process outlives the block. An error
    of the block wins over one of the start it did not wait for (bad input is reported as
    such, even when the scheduler is unreachable too).
    """

    def __init__(self, workers: int | None, scheduler: str | None, preload: tuple[str, ...]):
        import threading

        self.local = scheduler is None  # a local cluster: its workers share this file system
        self._stack = ExitStack()
        self._ex: Execution | None = None
        self._error: BaseException | None = None
        self._closer: threading.Thread | None = None

        def start() -> None:
            try:
                self._ex = self._stack.enter_context(execution(workers, scheduler, preload=preload))
            except BaseException as exc:  # noqa: BLE001 - handed to get()
                self._error = exc

        self._starter = threading.Thread(target=start, name="jdef-cluster-start", daemon=True)
        self._starter.start()

    def get(self) -> Execution:
        self._starter.join()
        if self._error is not None:
            raise self._error
        assert self._ex is not None
        return self._ex

    def release(self) -> None:
        import threading

        if self._closer is None:
            self._starter.join()
            self._closer = threading.Thread(target=self._stack.close, name="jdef-cluster-close")
            self._closer.start()

    def close(self) -> None:
        self.release()
        assert self._closer is not None
        self._closer.join()


@contextmanager
def background(
    workers: int | None = None, scheduler: str | None = None, preload: tuple[str, ...] = ()
) -> Iterator[Background]:
    """:class:`Background`: ``execution(workers, scheduler, preload=preload)`` started on a
    thread at once, closed (and waited for) when the block ends.

    Raises
    ------
    InputError
        For a bad ``workers`` or ``scheduler`` (:func:`check_execution`), at once.
    """
    check_execution(workers, scheduler)
    bg = Background(workers, scheduler, preload)
    try:
        yield bg
    finally:
        bg.close()
