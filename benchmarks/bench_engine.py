"""Benchmark of the jdef engine, measured side by side in one process run.

    .venv/bin/python benchmarks/bench_engine.py            # everything (10^7 streamed draws too)
    .venv/bin/python benchmarks/bench_engine.py --quick    # skip the 10^7-draw run
    .venv/bin/python benchmarks/bench_engine.py --readme   # and rewrite README's table

1. Vectorised engine (``run_engine``) against the scalar reference
   (``run_reference``) on the same scenario and the same pre-drawn shocks.
2. Engine against the random-number floor: numpy alone generating as many
   variates of each kind as the run's ``Shocks`` hold.
3. Wall time and peak memory of ``jdef run scenarios/baseline.toml`` as a
   subprocess, by draws, horizon and number of policies.
4. ``jdef --help`` start-up time against ``python -c pass``.
5. Floors and ratios (issue 19), each figure beside its floor or peer, measured in this run:
   the floor of a run of N draws is the import time of numpy, pandas and xarray plus the
   random-number time of its variates (section 2, single thread) divided by the cores;
   `jdef run` exact at 10^5, streamed at 10^6 and 10^7 (peak memory too); a batch of six
   scenarios at 50,000 draws in process, on 1 and on 2 dask workers; Sobol with 256 samples.
   ``--readme`` rewrites the README's performance table from these figures.

Short timings are repeated and the best is kept (``time.perf_counter``).
Shocks are drawn before, and excluded from, the engine and reference timings.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from jdef.calendar import Paths, run_engine  # noqa: E402
from jdef.prepare import prepare  # noqa: E402
from jdef.reference import run_reference  # noqa: E402
from jdef.runner import shocks_for  # noqa: E402
from jdef.scenario import load_scenario  # noqa: E402
from jdef.shocks import Shocks  # noqa: E402

SCENARIO = "scenarios/baseline.toml"
SEED = 1
ENGINE_DRAWS = 100_000
REFERENCE_DRAWS = 200
REPEATS = 3
HELP_REPEATS = 5

# targets
TARGET_SPEEDUP = 300.0  # engine per-draw speed-up over the reference at 10^5 draws
TARGET_FLOOR_RATIO = 4.0  # run_engine time / random-number floor
TARGET_RUN_1E5_S = 3.0  # `jdef run` baseline, 10^5 draws, wall time
TARGET_HELP_S = 0.5  # `jdef --help`
SLOW_RUN_S = 120.0  # a CLI run above this is reported as too slow


# --- helpers -------------------------------------------------------------------------------


def best_of(fn, repeats: int = REPEATS):
    """Run ``fn`` ``repeats`` times; return (best seconds, result of the last call)."""
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def head(sh: Shocks, m: int) -> Shocks:
    """The first ``m`` draws of ``sh`` (the same random numbers, fewer draws)."""
    kw = {}
    for f in dataclasses.fields(Shocks):
        v = getattr(sh, f.name)
        if f.name == "years":
            kw[f.name] = v
        elif isinstance(v, dict):
            kw[f.name] = {k: a[..., :m] for k, a in v.items()}
        else:
            kw[f.name] = v[..., :m]
    return Shocks(**kw)


def variate_counts(sh: Shocks) -> dict[str, int]:
    """Number of random variates the run drew, by kind (from the field-name convention:
    ``n_*``/``z_*`` standard normal, ``u_*`` uniform, ``chi2`` chi-square). Years a stream
    does not use (known figures) are zero rows that cost no random numbers: not counted."""
    counts = {"normal": 0, "uniform": 0, "chisquare": 0}
    for f in dataclasses.fields(Shocks):
        if f.name == "years":
            continue
        v = getattr(sh, f.name)
        if isinstance(v, dict):
            size = sum(a.size for a in v.values())
        elif v.ndim >= 2:  # year-major: count only the years that were drawn
            size = sum(row.size for row in v if np.any(row))
        else:
            size = v.size
        if f.name == "chi2":
            counts["chisquare"] += size
        elif f.name.startswith(("n_", "z_")):
            counts["normal"] += size
        elif f.name.startswith("u_"):
            counts["uniform"] += size
        else:
            raise SystemExit(
                f"bench: unknown kind of random variate for Shocks.{f.name}; update "
                "variate_counts()"
            )
    return counts


def max_rel_diff(a: Paths, b: Paths, m: int) -> float:
    """Largest relative difference between the first ``m`` draws of ``a`` and ``b`` (NaNs equal)."""
    worst = 0.0
    for f in dataclasses.fields(Paths):
        if f.name == "trace":
            continue
        x, y = getattr(a, f.name)[..., :m], getattr(b, f.name)[..., :m]
        if not np.array_equal(np.isnan(x), np.isnan(y)):
            return float("inf")
        ok = ~np.isnan(x)
        d = np.abs(x[ok] - y[ok]) / np.maximum(np.abs(y[ok]), 1e-300)
        if d.size:
            worst = max(worst, float(d.max()))
    return worst


def met(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def fmt_s(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.2f} us"
    if s < 1.0:
        return f"{s * 1e3:.1f} ms"
    return f"{s:.3f} s"


def table(title: str, header: tuple[str, ...], rows: list[tuple], left: bool = False) -> None:
    """Print a fixed-width table; the first column (every column if ``left``) left-aligned."""
    rows = [tuple(str(c) for c in r) for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    line = "  ".join("-" * w for w in widths)
    print(f"\n== {title}")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print(line)
    for r in rows:
        print(
            "  ".join(
                c.ljust(w) if i == 0 or left else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )


def jdef_command() -> list[str]:
    exe = Path(sys.executable).parent / "jdef"
    return (
        [str(exe)] if exe.exists() else [sys.executable, "-c", "from jdef.cli import main; main()"]
    )


# --- machine -------------------------------------------------------------------------------


def machine_info() -> None:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    avail = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    rows = [
        ("platform", platform.platform()),
        ("cpu", cpu),
        ("nproc (usable / total)", f"{avail} / {os.cpu_count()}"),
        ("memory", f"{mem_gib:.1f} GiB"),
        ("load average (1, 5, 15 min)", " ".join(f"{x:.2f}" for x in os.getloadavg())),
        ("python", platform.python_version()),
        ("numpy", np.__version__),
    ]
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        rows.append(("numpy build BLAS", f"{blas.get('name')} {blas.get('version', '')}".strip()))
    except Exception:  # noqa: BLE001 - informative only
        pass
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        if var in os.environ:
            rows.append((var, os.environ[var]))
    try:
        from threadpoolctl import threadpool_info

        for i, pool in enumerate(threadpool_info()):
            rows.append(
                (
                    f"threadpool {i}",
                    f"{pool.get('internal_api')} {pool.get('version')} "
                    f"threads={pool.get('num_threads')} ({pool.get('threading_layer', '-')})",
                )
            )
    except ImportError:
        rows.append(("threadpoolctl", "not installed: thread-pool info skipped"))
    table("Machine", ("item", "value"), rows, left=True)


# --- 1. engine vs reference ----------------------------------------------------------------


def bench_reference(inp, sh: Shocks) -> dict:
    small = head(sh, REFERENCE_DRAWS)
    t_ref, ref_paths = best_of(lambda: run_reference(inp, small))
    t_eng, eng_paths = best_of(lambda: run_engine(inp, sh))
    t_eng_small, _ = best_of(lambda: run_engine(inp, small))
    diff = max_rel_diff(eng_paths, ref_paths, REFERENCE_DRAWS)
    ref_pd, eng_pd = t_ref / REFERENCE_DRAWS, t_eng / sh.n
    speedup = ref_pd / eng_pd
    table(
        (
            "1. Vectorised engine vs scalar reference (baseline, same shocks; shocks drawn "
            "beforehand, not timed)"
        ),
        ("implementation", "draws", "time (best of 3)", "per draw", "draws/s"),
        [
            (
                "run_reference (scalar)",
                f"{REFERENCE_DRAWS:,}",
                fmt_s(t_ref),
                fmt_s(ref_pd),
                f"{1 / ref_pd:,.0f}",
            ),
            (
                "run_engine (vectorised)",
                f"{REFERENCE_DRAWS:,}",
                fmt_s(t_eng_small),
                fmt_s(t_eng_small / REFERENCE_DRAWS),
                f"{REFERENCE_DRAWS / t_eng_small:,.0f}",
            ),
            (
                "run_engine (vectorised)",
                f"{sh.n:,}",
                fmt_s(t_eng),
                fmt_s(eng_pd),
                f"{1 / eng_pd:,.0f}",
            ),
        ],
    )
    print(
        f"engine is {speedup:,.0f} x faster per draw at 10^5 draws "
        f"(target >= {TARGET_SPEEDUP:.0f} x: {met(speedup >= TARGET_SPEEDUP)})"
    )
    print(
        f"check: engine vs reference on the first {REFERENCE_DRAWS} draws, max relative "
        f"difference {diff:.2e}"
    )
    return {"speedup": speedup, "t_engine": t_eng}


# --- 2. engine vs the random-number floor --------------------------------------------------


def bench_floor(inp, sh: Shocks, t_shocks: float, t_engine: float) -> dict:
    counts = variate_counts(sh)
    df = inp.params.economy.t_df
    # floor: one Generator(PCG64), one big call per kind
    g = np.random.Generator(np.random.PCG64(SEED))
    t_norm, _ = best_of(lambda: g.standard_normal(counts["normal"]))
    t_unif, _ = best_of(lambda: g.random(counts["uniform"]))
    t_chi2, _ = best_of(lambda: g.chisquare(df, counts["chisquare"]))
    floor = t_norm + t_unif + t_chi2
    total = sum(counts.values())
    rows = [
        ("floor: standard_normal", f"{counts['normal']:,}", fmt_s(t_norm), ""),
        ("floor: random (uniform)", f"{counts['uniform']:,}", fmt_s(t_unif), ""),
        (f"floor: chisquare(df={df:.3f})", f"{counts['chisquare']:,}", fmt_s(t_chi2), ""),
        ("floor: total", f"{total:,}", fmt_s(floor), "1.00 x"),
        (
            "shocks_for (our RNG, per block/stream/year seeding)",
            f"{total:,}",
            fmt_s(t_shocks),
            f"{t_shocks / floor:.2f} x",
        ),
        ("run_engine", "", fmt_s(t_engine), f"{t_engine / floor:.2f} x"),
        (
            "shocks_for + run_engine",
            "",
            fmt_s(t_shocks + t_engine),
            f"{(t_shocks + t_engine) / floor:.2f} x",
        ),
    ]
    table(
        f"2. Engine vs the random-number floor ({sh.n:,} draws, {len(sh.years)} years; best of 3)",
        ("step", "variates", "time", "/ floor"),
        rows,
    )
    ratio = t_engine / floor
    print(
        f"run_engine / floor = {ratio:.2f} (target <= {TARGET_FLOOR_RATIO:.0f} x: "
        f"{met(ratio <= TARGET_FLOOR_RATIO)}); "
        f"(shocks_for + run_engine) / floor = {(t_shocks + t_engine) / floor:.2f}"
    )
    print(
        f"variates per draw: {total / sh.n:,.0f} "
        f"({total * 8 / 2**20:,.0f} MiB of float64 for {sh.n:,} draws)"
    )
    return {
        "floor_ratio": ratio,
        "rng_per_draw": floor / sh.n,
        "counts": counts,
        "df": df,
        "n": sh.n,
    }


# --- 3. the command line: wall time and peak memory ----------------------------------------


def run_child(
    args: list[str], timeout: float, mem_cap: int | None, cpus: set[int] | None = None
) -> dict:
    """Run ``jdef ARGS`` as a child (on the cores ``cpus`` only, if given); wall time, and the
    child's own peak RSS from ``wait4``."""

    # in the child: a cap on address space, so that running out of memory is a clean error
    def limit():
        if mem_cap:
            resource.setrlimit(resource.RLIMIT_AS, (mem_cap, mem_cap))
        if cpus is not None:
            os.sched_setaffinity(0, cpus)

    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [*jdef_command(), *args],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=err,
            preexec_fn=limit,
        )
        status, usage, timed_out = None, None, False
        while status is None:
            pid, st, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                status, usage = st, ru
            elif time.perf_counter() - t0 > timeout:
                proc.kill()
                _, st, ru = os.wait4(proc.pid, 0)
                status, usage, timed_out = st, ru, True
            else:
                time.sleep(0.02)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4 above
        err.seek(0)
        lines = err.read().decode(errors="replace").strip().splitlines()
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mib": usage.ru_maxrss / 1024,
        "rc": proc.returncode,
        "timed_out": timed_out,
        "error": lines[-1] if lines else "",
    }


def cli_case(label: str, draws: int, extra: list[str], timeout: float, mem_cap: int | None) -> dict:
    """Best of 3 when a run is short (< 10 s), otherwise one run."""
    best = None
    for i in range(REPEATS):
        with tempfile.TemporaryDirectory() as out:
            r = run_child(
                ["run", SCENARIO, "--draws", str(draws), "--seed", str(SEED), "--out", out, *extra],
                timeout,
                mem_cap,
            )
        if best is None or (r["rc"] == 0 and r["wall"] < best["wall"]):
            best = {**r, "rss_mib": max(r["rss_mib"], best["rss_mib"]) if best else r["rss_mib"]}
        else:
            best["rss_mib"] = max(best["rss_mib"], r["rss_mib"])
        best["runs"] = i + 1
        if r["rc"] != 0 or r["wall"] > 10.0:
            break
    best.update(label=label, draws=draws)
    return best


def bench_cli(quick: bool, timeout: float, mem_cap: int | None) -> dict:
    cases = [("baseline", 10_000, []), ("baseline", 100_000, [])]
    cases += [
        ("horizon=2030", 100_000, ["--set", "horizon=2030"]),
        ('policies=["current"]', 100_000, ["--set", 'policies=["current"]']),
    ]
    results = []
    for label, draws, extra in cases:
        print(f"  running jdef run {SCENARIO} --draws {draws:,} {' '.join(extra)} ...", flush=True)
        results.append(cli_case(label, draws, extra, timeout, mem_cap))
    rows, notes = [], []
    for r in results:
        if r["timed_out"]:
            status = f"KILLED after {timeout:.0f} s"
        elif r["rc"] != 0:
            status = f"FAILED, exit {r['rc']}"
            notes.append(
                f"{r['label']} at {r['draws']:,} draws failed after {r['wall']:.1f} s "
                f"(peak RSS {r['rss_mib']:,.0f} MiB): {r['error']}"
                + (
                    (
                        f" [address space capped at {mem_cap / 2**30:.1f} GiB; --mem-cap-gib 0 "
                        "lifts the cap]"
                    )
                    if mem_cap and "MemoryError" in r["error"]
                    else ""
                )
            )
        elif r["wall"] > SLOW_RUN_S:
            status = f"ok, but over {SLOW_RUN_S:.0f} s"
        else:
            status = "ok"
        rows.append(
            (
                r["label"],
                f"{r['draws']:,}",
                f"{r['wall']:.2f} s",
                f"{r['rss_mib']:,.0f} MiB",
                f"{r['wall'] / r['draws'] * 1e6:.1f} us",
                r["runs"],
                status,
            )
        )
    cap = f"address-space cap {mem_cap / 2**30:.1f} GiB per child" if mem_cap else "no memory cap"
    table(
        f"3. `jdef run` as a subprocess (--seed {SEED}, --out a temporary folder; "
        f"wall time best of up to 3; peak RSS of the child; {cap})",
        ("case", "draws", "wall", "peak RSS", "wall/draw", "runs", "status"),
        rows,
    )
    for n in notes:
        print(n)
    base = {r["draws"]: r for r in results if r["label"] == "baseline"}
    b5 = base[100_000]
    for r in results:
        if r["label"] != "baseline" and r["rc"] == 0 and b5["rc"] == 0:
            print(
                f"{r['label']}: {r['wall'] / b5['wall']:.2f} x the wall time and "
                f"{r['rss_mib'] / b5['rss_mib']:.2f} x the peak memory of the default baseline at "
                "10^5 draws"
            )
    if 10_000 in base and base[10_000]["rc"] == 0 and b5["rc"] == 0:
        print(
            f"10^4 -> 10^5 draws: wall x {b5['wall'] / base[10_000]['wall']:.2f}, "
            f"peak memory x {b5['rss_mib'] / base[10_000]['rss_mib']:.2f}"
        )
    if 1_000_000 in base and base[1_000_000]["rc"] == 0 and b5["rc"] == 0:
        r6 = base[1_000_000]
        print(
            f"10^5 -> 10^6 draws: wall x {r6['wall'] / b5['wall']:.2f}, "
            f"peak memory x {r6['rss_mib'] / b5['rss_mib']:.2f}"
        )
    return {
        "run_1e5": b5["wall"] if b5["rc"] == 0 else float("inf"),
        "rss_1e5": b5["rss_mib"],
        "run_1e4": base[10_000]["wall"],
    }


# --- 4. start-up ---------------------------------------------------------------------------


def bench_startup() -> dict:
    def timed(cmd):
        def go():
            subprocess.run(
                cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
            )

        return best_of(go, HELP_REPEATS)[0]

    t_pass = timed([sys.executable, "-c", "pass"])
    t_help = timed([*jdef_command(), "--help"])
    table(
        "4. Start-up (subprocess, best of 5)",
        ("command", "wall", "over python"),
        [
            ("python -c pass", fmt_s(t_pass), ""),
            ("jdef --help", fmt_s(t_help), f"+{fmt_s(t_help - t_pass)}"),
        ],
    )
    return {"help": t_help}


# --- 5. floors and ratios (issue 19) --------------------------------------------------------

BATCH = [
    "scenarios/baseline.toml",
    "scenarios/no-supplementary.toml",
    "scenarios/high-growth.toml",
    "scenarios/recession-2027.toml",
    "scenarios/growth-transition.toml",
    "scenarios/topup-on.toml",
]
BATCH_DRAWS = 50_000
STREAM_SIZES = (1_000_000, 10_000_000)
EXACT_DRAWS = 100_000
SOBOL_SAMPLES = 256
TARGET_RUN_FLOOR = 1.5  # exact 10^5-draw run / its floor
TARGET_STREAM_FLOOR = 2.0  # streamed 10^6 and 10^7 runs / their floor
TARGET_STREAM_MIB = 2000 * 10**6 / 2**20  # 10^7 streamed: under 2 GB
TARGET_WORKERS = 1.7  # batch: --workers 2 speed over --workers 1
TARGET_SOBOL_S = 15.0


def timed_child(
    args: list[str], timeout: float, mem_cap: int | None, cpus: set[int] | None = None
) -> dict:
    """One run of ``jdef ARGS`` in a fresh temporary --out folder (on the cores ``cpus``)."""
    with tempfile.TemporaryDirectory() as out:
        return run_child([*args, "--out", out], timeout, mem_cap, cpus)


def two_core_ceiling(args: list[str], timeout: float, mem_cap: int | None) -> dict | None:
    """The speed of two cores over one on a batch's work, with nothing to coordinate: the
    batch of ``BATCH`` in one process held to one core, against its two halves in two
    processes at once, each held to a core of its own (each imports and writes for itself,
    as a worker does). ``--workers 2`` over ``--workers 1`` cannot do much better than this.
    None where fewer than two cores are usable (or affinity cannot be set)."""
    from concurrent.futures import ThreadPoolExecutor

    if not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2:
        return None
    cores = sorted(os.sched_getaffinity(0))[:2]
    print("  running the batch on one core, and its halves on two cores at once ...", flush=True)
    half = len(BATCH) // 2
    one = timed_child(["batch", *BATCH, *args], timeout, mem_cap, {cores[0]})
    t0 = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        parts = list(
            pool.map(
                lambda part, core: timed_child(["batch", *part, *args], timeout, mem_cap, {core}),
                (BATCH[:half], BATCH[half:]),
                cores,
            )
        )
    two = time.perf_counter() - t0
    ok = one["rc"] == 0 and all(p["rc"] == 0 for p in parts)
    return {"one": one["wall"], "two": two, "ceiling": one["wall"] / two if ok else float("nan")}


def import_floor() -> dict:
    """Wall and CPU time of importing numpy, pandas and xarray in a fresh interpreter (best of
    3), against python -c pass, and what dask.array (which xarray imports when it builds a
    Dataset with dask installed) adds."""

    def t(code: str) -> tuple[float, float]:
        best = (float("inf"), float("inf"))
        for _ in range(REPEATS):
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)
            wall = time.perf_counter() - t0
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
            best = min(best, (wall, cpu))
        return best

    base, libs, dask = (
        t("pass"),
        t("import numpy, pandas, xarray"),
        t("import numpy, pandas, xarray, dask.array"),
    )
    return {"python": base, "libs": libs, "dask": dask}


def rng_floor(r2: dict) -> tuple[float, float]:
    """(wall, CPU) seconds per draw of numpy alone drawing the run's variates (one Generator,
    one call per kind, single thread), measured now: each run's floor is measured next to it,
    at the same load."""
    g = np.random.Generator(np.random.PCG64(SEED))
    c = r2["counts"]
    t0, c0 = time.perf_counter(), time.process_time()
    g.standard_normal(c["normal"])
    g.random(c["uniform"])
    g.chisquare(r2["df"], c["chisquare"])
    return (time.perf_counter() - t0) / r2["n"], (time.process_time() - c0) / r2["n"]


def bench_ratios(quick: bool, timeout: float, mem_cap: int | None, r2: dict, r3: dict) -> dict:
    cores = os.cpu_count() or 1
    imp = import_floor()
    out: dict = {"import": imp, "cores": cores}
    rows = [
        ("python -c pass", "", fmt_s(imp["python"][0]), fmt_s(imp["python"][1]), "", "", ""),
        (
            "import numpy, pandas, xarray (the import floor)",
            "",
            fmt_s(imp["libs"][0]),
            fmt_s(imp["libs"][1]),
            "",
            "",
            "",
        ),
        (
            "  + dask.array (imported by xarray's array-type checks)",
            "",
            f"+{fmt_s(imp['dask'][0] - imp['libs'][0])}",
            f"+{fmt_s(imp['dask'][1] - imp['libs'][1])}",
            "",
            "",
            "",
        ),
    ]

    def floors(n: int) -> tuple[float, float]:
        """(wall floor, CPU floor) of a run of ``n`` draws, the random numbers measured now."""
        w, c = rng_floor(r2)
        return imp["libs"][0] + w * n / cores, imp["libs"][1] + c * n

    def case(label: str, n: int, args: list[str], limit: float) -> dict:
        print(f"  running jdef {' '.join(args)} ...", flush=True)
        fw, fc = floors(n)
        r = timed_child(args, limit, mem_cap)
        ok = r["rc"] == 0
        wall = r["wall"] if ok else float("inf")
        rows.append(
            (
                label + ("" if ok else f" (FAILED: {r['error'][:60]})"),
                f"{n:,}",
                fmt_s(r["wall"]),
                fmt_s(r["cpu"]),
                f"{fmt_s(fw)} / {fmt_s(fc)}",
                f"{wall / fw:.2f} x",
                f"{r['cpu'] / fc:.2f} x",
            )
        )
        return {"wall": wall, "floor": fw, "cpu": r["cpu"], "floor_cpu": fc, "mib": r["rss_mib"]}

    run = ["run", SCENARIO, "--seed", str(SEED)]
    out["run_1e5"] = case(
        "`jdef run` exact", EXACT_DRAWS, [*run, "--draws", str(EXACT_DRAWS), "--exact"], timeout
    )
    for n in STREAM_SIZES[:1] if quick else STREAM_SIZES:
        out[f"stream_{n}"] = r = case(
            "`jdef run --summary-only`",
            n,
            [*run, "--draws", str(n), "--summary-only"],
            timeout * (10 if n >= 10**7 else 1),
        )
        rows[-1] = (f"{rows[-1][0]}, peak {r['mib']:,.0f} MiB", *rows[-1][1:])
    table(
        f"5. Each run beside its floor, measured next to it: import + random numbers / {cores} "
        "cores (wall), import + random numbers (CPU)",
        ("measurement", "draws", "wall", "CPU", "floor wall / CPU", "wall/floor", "CPU/floor"),
        rows,
    )

    # batch: six scenarios in process, on one and on two dask workers
    brow = []
    batch_args = ["--draws", str(BATCH_DRAWS), "--seed", str(SEED)]
    for label, extra in (
        ("in process", []),
        ("--workers 1", ["--workers", "1"]),
        ("--workers 2", ["--workers", "2"]),
    ):
        print(f"  running jdef batch (6 scenarios, {BATCH_DRAWS:,} draws) {label} ...", flush=True)
        r = timed_child(
            ["batch", *BATCH, *batch_args, *extra],
            timeout,
            mem_cap,
        )
        out[f"batch {label}"] = r["wall"] if r["rc"] == 0 else float("inf")
        brow.append(
            (
                label,
                fmt_s(r["wall"]),
                fmt_s(r["cpu"]),
                "ok" if r["rc"] == 0 else r["error"][:60],
            )
        )
    table(
        f"6. `jdef batch`, {len(BATCH)} shipped scenarios at {BATCH_DRAWS:,} draws "
        "(CPU: this process and its workers)",
        ("where", "wall", "CPU", "status"),
        brow,
    )
    w1, w2, ip = out["batch --workers 1"], out["batch --workers 2"], out["batch in process"]
    out["ceiling"] = c = two_core_ceiling(batch_args, timeout, mem_cap)
    if c is not None:
        print(
            f"two cores over one on this work (no coordination): {c['one']:.2f} s on one core, "
            f"{c['two']:.2f} s on two: {c['ceiling']:.2f} x"
        )
    print(
        f"--workers 2 is {w1 / w2:.2f} x the speed of --workers 1 (target >= {TARGET_WORKERS}); "
        f"in process / --workers 2 wall: {ip / w2:.2f}"
    )

    print(f"  running jdef sensitivity --method sobol --samples {SOBOL_SAMPLES} ...", flush=True)
    r = timed_child(
        [
            "sensitivity",
            SCENARIO,
            "--method",
            "sobol",
            "--samples",
            str(SOBOL_SAMPLES),
            "--seed",
            str(SEED),
        ],
        timeout,
        mem_cap,
    )
    out["sobol"] = r["wall"] if r["rc"] == 0 else float("inf")
    table(
        f"7. `jdef sensitivity` Sobol, {SOBOL_SAMPLES} samples, baseline",
        ("measurement", "wall", "CPU", "status"),
        [("sobol", fmt_s(r["wall"]), fmt_s(r["cpu"]), "ok" if r["rc"] == 0 else r["error"][:60])],
    )
    return out


def ratio_rows(r1: dict, r2: dict, r3: dict, r4: dict, r5: dict | None) -> list[tuple]:
    """(measurement, figure, beside, ratio, target, status) for the targets table and README."""
    rows = [
        (
            "vectorised engine vs scalar reference, per draw at 10^5",
            f"{r1['speedup']:,.0f} x",
            "reference",
            f"{r1['speedup']:,.0f} x",
            f">= {TARGET_SPEEDUP:.0f} x",
            met(r1["speedup"] >= TARGET_SPEEDUP),
        ),
        (
            "run_engine vs the random-number floor",
            f"{r2['floor_ratio']:.2f} x",
            "numpy alone, same variates",
            f"{r2['floor_ratio']:.2f} x",
            f"<= {TARGET_FLOOR_RATIO:.0f} x",
            met(r2["floor_ratio"] <= TARGET_FLOOR_RATIO),
        ),
        (
            "`jdef --help`",
            fmt_s(r4["help"]),
            "",
            "",
            f"< {TARGET_HELP_S} s",
            met(r4["help"] < TARGET_HELP_S),
        ),
    ]
    if r5 is None:
        return rows
    dask = r5["import"]["dask"][0] - r5["import"]["libs"][0]
    r = r5["run_1e5"]
    rows.append(
        (
            f"`jdef run` baseline, exact, {EXACT_DRAWS:,} draws",
            fmt_s(r["wall"]),
            f"floor {fmt_s(r['floor'])} (CPU {r['cpu'] / r['floor_cpu']:.2f} x its floor; "
            f"{r['wall'] / (r['floor'] + dask):.2f} x with dask.array's import)",
            f"{r['wall'] / r['floor']:.2f} x",
            f"<= {TARGET_RUN_FLOOR} x floor",
            met(r["wall"] / r["floor"] <= TARGET_RUN_FLOOR),
        )
    )
    for n in STREAM_SIZES:
        if f"stream_{n}" not in r5:
            continue
        r = r5[f"stream_{n}"]
        rows.append(
            (
                f"`jdef run --summary-only`, {n:,} draws",
                fmt_s(r["wall"]),
                f"floor {fmt_s(r['floor'])} (CPU {r['cpu'] / r['floor_cpu']:.2f} x its floor)",
                f"{r['wall'] / r['floor']:.2f} x",
                f"<= {TARGET_STREAM_FLOOR} x floor",
                met(r["wall"] / r["floor"] <= TARGET_STREAM_FLOOR),
            )
        )
        if n == STREAM_SIZES[-1]:
            rows.append(
                (
                    f"`jdef run --summary-only`, {n:,} draws, peak memory",
                    f"{r['mib'] * 2**20 / 1e9:.2f} GB",
                    "",
                    "",
                    "< 2 GB",
                    met(r["mib"] < TARGET_STREAM_MIB),
                )
            )
    w1, w2, ip = r5["batch --workers 1"], r5["batch --workers 2"], r5["batch in process"]
    c = r5.get("ceiling")
    ceiling = "" if c is None else f"; two cores over one, uncoordinated: {c['ceiling']:.2f} x"
    rows += [
        (
            f"batch of {len(BATCH)} at {BATCH_DRAWS:,}: --workers 2 vs --workers 1",
            fmt_s(w2),
            f"--workers 1 {fmt_s(w1)}{ceiling}",
            f"{w1 / w2:.2f} x the speed",
            f">= {TARGET_WORKERS} x",
            met(w1 / w2 >= TARGET_WORKERS),
        ),
        (
            f"batch of {len(BATCH)} at {BATCH_DRAWS:,}: --workers 2 vs in process",
            fmt_s(w2),
            f"in process {fmt_s(ip)}",
            f"{ip / w2:.2f} x the speed",
            ">= 1 x (never slower)",
            met(w2 <= ip),
        ),
        (
            f"Sobol, {SOBOL_SAMPLES} samples, baseline",
            fmt_s(r5["sobol"]),
            "",
            "",
            f"< {TARGET_SOBOL_S:.0f} s",
            met(r5["sobol"] < TARGET_SOBOL_S),
        ),
    ]
    return rows


README_START = "<!-- bench:start (written by make bench --readme) -->"
README_END = "<!-- bench:end -->"


def write_readme(rows: list[tuple], load: tuple[float, float, float]) -> None:
    """Rewrite the README's performance table (between the bench markers) from ``rows``."""
    import datetime as dt

    readme = REPO / "README.md"
    text = readme.read_text()
    if README_START not in text or README_END not in text:
        raise SystemExit(f"bench: {readme} has no {README_START!r} ... {README_END!r} markers")
    lines = [
        README_START,
        f"Measured {dt.date.today().isoformat()} by one `make bench` run ({os.cpu_count()} cores, "
        f"numpy {np.__version__}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the "
        "end: a shared, loaded machine, so read the ratios, measured side by side):",
        "",
        "| measurement | figure | beside | ratio | target | status |",
        "|---|---|---|---|---|---|",
        *("| " + " | ".join(str(c) for c in r) + " |" for r in rows),
        README_END,
    ]
    a, b = text.index(README_START), text.index(README_END) + len(README_END)
    readme.write_text(text[:a] + "\n".join(lines) + text[b:])
    print(f"wrote the performance table of {readme}")


# --- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="skip the 10^7-draw streamed run")
    ap.add_argument(
        "--no-ratios", action="store_true", help="skip section 5-7 (floors, batch, Sobol)"
    )
    ap.add_argument("--readme", action="store_true", help="rewrite README.md's performance table")
    ap.add_argument(
        "--timeout", type=float, default=600.0, help="seconds before a `jdef run` child is killed"
    )
    ap.add_argument(
        "--mem-cap-gib",
        type=float,
        default=None,
        help="address-space cap per `jdef run` child (default: half the physical memory; 0: none)",
    )
    args = ap.parse_args(argv)
    phys = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    mem_cap = int(phys / 2) if args.mem_cap_gib is None else int(args.mem_cap_gib * 2**30)

    print(f"jdef engine benchmark: {SCENARIO}, seed {SEED}")
    machine_info()

    sc = load_scenario(REPO / SCENARIO)
    inp = prepare(sc)
    t_shocks, sh = best_of(lambda: shocks_for(inp, SEED, 0, ENGINE_DRAWS))
    r1 = bench_reference(inp, sh)
    r2 = bench_floor(inp, sh, t_shocks, r1["t_engine"])
    del sh
    r3 = bench_cli(args.quick, args.timeout, mem_cap)
    r4 = bench_startup()
    r5 = None if args.no_ratios else bench_ratios(args.quick, args.timeout, mem_cap, r2, r3)
    rows = ratio_rows(r1, r2, r3, r4, r5)
    table(
        "Targets (each figure beside its floor or peer, measured in this run)",
        ("target", "measured", "beside", "ratio", "goal", "status"),
        rows,
    )
    load = os.getloadavg()
    print(f"\nload average at the end (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in load)}")
    if args.readme and r5 is not None:
        write_readme(rows, load)


if __name__ == "__main__":
    main()
