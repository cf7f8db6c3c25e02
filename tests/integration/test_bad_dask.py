"""dask: the local cluster is locked (TLS with credentials of its own), bad worker counts and
scheduler addresses are refused in one line, a clean exit leaves no processes, and a dask run
is bit for bit the in-process run."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from jdef.cli import app
from jdef.constants import SCENARIO_DIR
from jdef.errors import InputError
from jdef.parallel import MAX_WORKERS_PER_CORE, RunError, check_execution, execution, max_workers
from jdef.runner import Options, simulate
from typer.testing import CliRunner

runner = CliRunner()
BASELINE = str(SCENARIO_DIR / "baseline.toml")

# a second local process tries three ways in: plain, over TCP, and with TLS credentials of its
# own; each must fail, and quickly
INTRUDER = """
import sys, time
from distributed import Client
from distributed.security import Security
tls = sys.argv[1]
for how, addr, kw in [
    ("plain", tls, {}),
    ("tcp", tls.replace("tls://", "tcp://"), {}),
    ("own credentials", tls, {"security": Security.temporary()}),
]:
    t = time.monotonic()
    try:
        c = Client(addr, timeout="3s", set_as_default=False, **kw)
    except Exception as exc:
        print(f"refused {how} {time.monotonic() - t:.1f} {type(exc).__name__}", flush=True)
        continue
    print(f"CONNECTED {how}: ran {c.run(lambda: 'code in a worker')}", flush=True)
    c.close()
"""


def test_local_cluster_refuses_a_process_without_its_credentials() -> None:
    with execution(workers=2) as ex:
        address = ex.scheduler_address
        assert address is not None and address.startswith("tls://127.0.0.1:")
        proc = subprocess.run(
            [sys.executable, "-c", INTRUDER, address], capture_output=True, text=True, timeout=120
        )
        lines = proc.stdout.splitlines()
        assert [ln.split()[0] for ln in lines] == ["refused"] * 3, proc.stdout + proc.stderr
        # within a few seconds each (the intruder's own connection timeout is 3 s)
        assert all(float(ln.split()[-2]) < 8 for ln in lines), lines
        # while jdef's own client runs tasks
        assert ex.map(abs, [-3, 2, -1]) == [3, 2, 1]


def test_worker_counts_are_bounded() -> None:
    assert max_workers() == MAX_WORKERS_PER_CORE * (os.cpu_count() or 1)
    check_execution(1)
    check_execution(max_workers())
    for bad in (0, -1, max_workers() + 1, 10**9, True, 2.5):
        with pytest.raises(InputError) as err:
            check_execution(bad)
        assert err.value.file == "workers", bad


def test_cli_refuses_too_many_workers_in_one_line(tmp_path: Path) -> None:
    res = runner.invoke(
        app, ["run", BASELINE, "--draws", "10", "--workers", "-1", "--out", str(tmp_path)]
    )
    assert res.exit_code == 2, res.output
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1 and "workers" in err and "Traceback" not in res.output
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    "address",
    [
        "garbage",
        "",
        "tcp://",
        "tcp://127.0.0.1",
        "tcp://127.0.0.1:99999",
        "ftp://h:1",
        "tcp://h:1/x",
    ],
)
def test_malformed_scheduler_refused_at_once(address: str, baseline) -> None:
    t = time.monotonic()
    with pytest.raises(InputError) as err:
        simulate(baseline, draws=10, options=Options(scheduler=address))
    assert err.value.file == "scheduler"
    assert time.monotonic() - t < 2


def test_cli_malformed_scheduler_exit_2(tmp_path: Path) -> None:
    res = runner.invoke(
        app, ["run", BASELINE, "--draws", "10", "--scheduler", "garbage", "--out", str(tmp_path)]
    )
    assert res.exit_code == 2, res.output
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1 and "scheduler" in err and "garbage" in err, err
    assert "Traceback" not in res.output


def _one_line_failure(args: list[str], out: Path, limit: float) -> str:
    t = time.monotonic()
    res = runner.invoke(app, [*args, "--out", str(out)])
    took = time.monotonic() - t
    assert res.exit_code == 1, res.output
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in res.output, err
    assert took < limit, took
    assert not out.exists() or not any(out.iterdir())
    return err


def test_unreachable_scheduler_fails_cleanly_within_10_s(tmp_path: Path) -> None:
    err = _one_line_failure(
        ["run", BASELINE, "--draws", "10", "--scheduler", "tcp://127.0.0.1:1"], tmp_path, 10
    )
    assert "tcp://127.0.0.1:1" in err


@pytest.fixture
def not_dask() -> Iterator[str]:
    """A TCP service on loopback that answers every connection with bytes that are not dask's."""
    srv = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            with conn:
                try:
                    conn.sendall(b"HTTP/1.0 200 OK\r\n\r\nnot dask\xff" * 64)
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"tcp://127.0.0.1:{srv.getsockname()[1]}"
    stop.set()
    thread.join()
    srv.close()


def test_non_dask_service_fails_cleanly(not_dask: str, tmp_path: Path, baseline) -> None:
    with pytest.raises(RunError, match="dask"):
        simulate(baseline, draws=10, options=Options(scheduler=not_dask))
    err = _one_line_failure(
        ["run", BASELINE, "--draws", "10", "--scheduler", not_dask], tmp_path, 10
    )
    assert not_dask in err


def _processes() -> list[tuple[int, int, int, str]]:
    """(pid, parent, session, command line) of every live process, from /proc (a zombie has
    exited already: it only waits for its parent, PID 1 once its own parent is gone)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rpartition(")")[2].split()
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if stat[0] != "Z":
                found.append((int(entry.name), int(stat[1]), int(stat[3]), cmd))
    return found


def _in_session(sid: int) -> list[str]:
    return [cmd for _, _, s, cmd in _processes() if s == sid]


def _descendants(pid: int) -> list[str]:
    """The live descendants of ``pid`` but multiprocessing's resource tracker, which lives as
    long as the process that started it (it exits on its own when that process does)."""
    procs = _processes()
    out, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for p, pp, _, cmd in procs:
            if pp == parent:
                todo.append(p)
                if "multiprocessing.resource_tracker" not in cmd:
                    out.append(cmd)
    return out


@pytest.mark.slow  # moved out of the default suite (under 5 min): see the slow tier
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_batch_on_workers_leaves_no_processes(tmp_path: Path) -> None:
    jdef = Path(sys.executable).with_name("jdef")
    proc = subprocess.Popen(
        [str(jdef), "batch", BASELINE, "--draws", "300", "--workers", "2", "--out", str(tmp_path)],
        start_new_session=True,  # its own session: every process it starts stays in it
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    while proc.poll() is None:
        assert len(_in_session(proc.pid)) >= 1
        time.sleep(0.2)
    out, err = proc.communicate()
    assert proc.returncode == 0, err.decode()
    assert (tmp_path / "batch.nc").exists()
    left = _in_session(proc.pid)
    for _ in range(10):  # a moment for processes that are exiting already
        if not left:
            break
        time.sleep(0.2)
        left = _in_session(proc.pid)
    assert left == [], left


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_library_batch_on_workers_stops_its_workers(tmp_path: Path, baseline) -> None:
    from jdef.batch import run_batch

    before = _descendants(os.getpid())
    seen: list[list[str]] = []
    run_batch(
        [baseline],
        300,
        1,
        tmp_path,
        workers=2,
        on_done=lambda o: seen.append(_descendants(os.getpid())),
    )
    assert len(seen[0]) >= 2, seen  # the workers (and their nannies) while it ran
    assert _descendants(os.getpid()) == before


@pytest.mark.slow  # three clusters, 10 s
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_cluster_started_in_the_background_yields_to_bad_input() -> None:
    """A cluster starting on a thread (parallel.background, as jdef batch starts it while it
    prepares the scenarios): an input error of the block is what leaves, and the cluster is
    stopped by then; an unreachable scheduler the block never waited for says nothing."""
    from jdef.parallel import background

    before = _descendants(os.getpid())
    with pytest.raises(InputError, match="bad policy"), background(workers=1):
        raise InputError("scenario.toml", "policies", "bad policy")
    assert _descendants(os.getpid()) == before
    with pytest.raises(InputError, match="bad policy"), background(scheduler="tcp://127.0.0.1:1"):
        raise InputError("scenario.toml", "policies", "bad policy")
    with background(workers=1) as bg:
        assert bg.get().map(abs, [-1, -2]) == [1, 2]
        bg.release()  # closing while this block goes on
    assert _descendants(os.getpid()) == before


def test_dask_run_is_the_in_process_run_bit_for_bit(baseline) -> None:
    """Every variable, means included, with one chunk on a worker and with several: means are
    taken on aligned arrays (a worker's arrays can arrive misaligned, and numpy sums those in
    another order)."""
    ref = simulate(baseline, draws=20000, seed=6)
    for chunk in (20000, 7000):
        other = simulate(baseline, draws=20000, seed=6, options=Options(workers=2, chunk=chunk))
        assert sorted(other.data_vars) == sorted(ref.data_vars)
        for v in ref.data_vars:
            np.testing.assert_array_equal(other[v].values, ref[v].values, err_msg=f"{v} {chunk}")


def test_external_tls_scheduler_takes_the_configured_credentials(baseline) -> None:
    """README, Scale: a TLS scheduler is refused without credentials, in one clear line, and
    used with the client's credentials from the dask configuration."""
    import logging

    import dask
    from distributed import LocalCluster
    from distributed.security import Security

    sec = Security.temporary()
    with LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        host="127.0.0.1",
        protocol="tls://",
        security=sec,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    ) as cluster:
        address = cluster.scheduler_address
        with pytest.raises(RunError, match="TLS credentials"):
            simulate(baseline, draws=50, options=Options(scheduler=address))
        tls = {
            "distributed.comm.require-encryption": True,
            "distributed.comm.tls.ca-file": sec.tls_ca_file,
            "distributed.comm.tls.client.cert": sec.tls_client_cert,
            "distributed.comm.tls.client.key": sec.tls_client_key,
        }
        with dask.config.set(tls):
            there = simulate(baseline, draws=50, seed=3, options=Options(scheduler=address))
    here = simulate(baseline, draws=50, seed=3)
    np.testing.assert_array_equal(
        there["spending_ratio_mean"].values, here["spending_ratio_mean"].values
    )
