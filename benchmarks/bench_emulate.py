"""What opening and calling a plugin in the emulator costs, side by side with Go's own `plugin`
package opening the same file natively (linux/amd64) and under qemu-user (linux/arm64).

    python -m benchmarks.bench_emulate [--quick] [--runs N] [--profile]

Prints markdown tables and writes benchmarks/results/emulate.json and benchmarks/results/emulate.png
(--quick: emulate-quick.json and emulate-quick.png, leaving the full run's results alone).
Every figure is a median of repeated runs (--runs, default 7; --quick: 3 runs and fewer calls).
Go's side is the benchmark host (corpus/go/benchhost, built by `python -m corpus build`): it
times `plugin.Open` in process (the first open: Go opens a plugin once per process, so it is run
once per repetition) and loops of calls through the func values `Lookup` returned.

1. open + init: `Session().open(path)` in a fresh Python process (the first open there,
   gopluginemu already imported), decoding every table (cold) or reading them from the tables an
   earlier process stored (`formats.table_store`), in process as the first open of the file (its
   decoded tables forgotten, none stored) and again in process (a new Session each time, reusing
   the file's decoded tables), against Go's `plugin.Open` and the Go host's whole process, all interleaved in each
   repetition (the machine's speed drifts; each way then sees the same drift), and each way's
   ratio to Go's open paired per repetition (what the target is checked on: the drift cancels);
   where the emulated part of an open goes: its time in Unicorn, and the blocks translated and run
   by the host's bring-up and by the package inits (hello of both Go versions, stdlib);
2. per call: Add(2, 3), Greet("world") (hello), Words(1000) (map-heavy) and Spin(10**7)
   (CPU-bound) (bench), through `Session().open(path).lookup(name)`;
3. the batched path `GoFunc.map(iterable_of_args)`, where the engine has one;
4. peak RSS of a process that opens hello and makes 1000 calls; RSS and the emulated heap
   sampled every 2 * 10**4 of 6 * 10**5 Greet calls (bounded: a plateau over the last third);
5. open time against plugin size, and total time against the number of calls.
The issue's targets are checked here (and only here: never asserted by a test).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_inspect import cpu_model, installed_env, median_of, time_once
from corpus import builds, matrix
from corpus.build import host_command

RESULTS = Path(__file__).resolve().parent / "results"
JSON_OUT = RESULTS / "emulate.json"
PNG_OUT = RESULTS / "emulate.png"

GO_MAIN = "1.27.3"
GO_EXTRA = "1.24.11"  # hello only: open and Add/Greet
TARGETS = ("linux/amd64", "linux/arm64")
OPEN_PLUGINS = ("hello", "funcs", "bench", "stdlib")  # growing size; hello and stdlib are the pair
WORDS_N = 1000
SPIN_N = 10**7
# Greet calls sampled every MEMORY_STEP: well past 10**5, so that the emulated collector's trigger
# (4 MiB of allocation; Greet allocates ~40 B a call) is crossed several times and the last third
# shows the plateau after the first collections (each of the first few raises the process's RSS
# while Python's allocator grows to the collector's transient copy of the heap).
MEMORY_CALLS, MEMORY_STEP = 6 * 10**5, 2 * 10**4
SCALING_CALLS = (10**2, 10**3, 10**4, 10**5)

# The targets (met or not in the results; never asserted in a test).
GOALS = {
    "add_us": 6.0,
    "greet_us": 15.0,
    "batched_us": 0.5,
    "spin_vs_qemu": 2.0,
    "peak_rss_mb": 150.0,
}


# -- measuring ---------------------------------------------------------------------------------


def per_call(func, args: tuple, calls: int, runs: int) -> tuple[float, object]:
    """Median over ``runs`` loops of ``calls`` calls of the seconds per call, and the last result,
    after one untimed loop: the steady state (the first calls of a function cost more while
    Unicorn translates its code; the call-scaling table shows that from a cold start)."""
    result = None

    def loop() -> None:
        nonlocal result
        for _ in range(calls):
            result = func(*args)

    loop()
    return median_of(loop, runs) / calls, result


def plugin(go: str, target: str, name: str) -> Path:
    path = builds.plugin_path(go, target, name)
    if not path.exists():
        raise SystemExit(f"{path} is missing: run `python -m corpus build` first")
    return path


def benchhost(go: str, target: str) -> list[str]:
    """How to start the benchmark host of that Go version here (qemu-user for arm64)."""
    path = builds.benchhost_path(go, target)
    if not path.exists():
        raise SystemExit(f"{path} is missing: run `python -m corpus build` first")
    return host_command(matrix.TARGETS[target], path)


def run_benchhost(go: str, target: str, name: str, *flags: str) -> tuple[dict, float]:
    """The benchmark host's JSON on one plugin, and the process's wall seconds."""
    cmd = [*benchhost(go, target), "-plugin", str(plugin(go, target, name)), *flags]
    with tempfile.TemporaryDirectory() as tmpdir:  # Go's plugin package may write there
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, TMPDIR=tmpdir))
        wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"benchhost failed: {' '.join(cmd)}\n{proc.stderr}")
    return json.loads(proc.stdout), wall


def child(mode: str, *args: str, store: str = "off") -> tuple[dict, float]:
    """Run this module as a fresh Python process in ``mode`` (see ``child_main``): its JSON and wall
    seconds. ``store``: the folder of its ``table_store`` (by default none: it decodes every table)."""
    from gopluginemu.formats import table_store  # not at the top: a child times its own imports

    cmd = [sys.executable, "-m", "benchmarks.bench_emulate", "--child", mode, *args]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent,
                          env={**installed_env(), table_store.ENV: store})
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"child failed: {' '.join(cmd)}\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1]), wall


def heap_stats(machine) -> dict:
    """The emulated heap's size: bytes of its region handed out (``top``, a high-water mark),
    and the collector's counters where the engine has them."""
    heap = machine.heap
    top = getattr(heap, "top", None)
    if top is None and hasattr(heap, "region"):
        top = heap.region.top
    stats = {"heap_top": top}
    for attr in ("collections", "live_after_gc"):
        if hasattr(heap, attr):
            stats[attr] = getattr(heap, attr)
    return stats


def rss_mb() -> float:
    """This process's resident set now (Linux), else its peak."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return peak_rss_mb()


def peak_rss_mb() -> float:
    """This process's peak resident set. On Linux, VmHWM: getrusage's ru_maxrss of a process
    started by a bigger one keeps that one's high-water mark (Linux carries it across exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 2**20


# -- the child processes -------------------------------------------------------------------------


def child_main(mode: str, args: list[str]) -> dict:
    """What a fresh process measures; it prints this as JSON on its last line."""
    start = time.perf_counter()
    from gopluginemu.api import Session

    imported = time.perf_counter() - start
    after_import = peak_rss_mb()
    path = args[0]
    start = time.perf_counter()
    p = Session().open(path)
    opened = time.perf_counter() - start
    out = {"import_s": imported, "open_s": opened, "peak_rss_after_import_mb": after_import,
           "peak_rss_after_open_mb": peak_rss_mb()}
    if mode == "open":
        return out
    if mode == "rss":  # open + N Greet calls
        greet = p.lookup("Greet")
        for _ in range(int(args[1])):
            greet("world")
        return out | {"calls": int(args[1]), "peak_rss_mb": peak_rss_mb(), **heap_stats(p.machine)}
    if mode == "series":  # RSS and the emulated heap every STEP calls of Greet
        calls, step = int(args[1]), int(args[2])
        greet = p.lookup("Greet")
        greet("world")
        live = []  # the live heap after a forced collection, before and after the calls
        if hasattr(p.machine, "collect"):
            live.append(p.machine.collect().live_bytes)
        samples = [{"calls": 0, "seconds": 0.0, "rss_mb": rss_mb(), **heap_stats(p.machine)}]
        start = time.perf_counter()
        for n in range(1, calls + 1):
            greet("world")
            if n % step == 0:
                samples.append({"calls": n, "seconds": time.perf_counter() - start, "rss_mb": rss_mb(),
                                **heap_stats(p.machine)})
        if live:
            live.append(p.machine.collect().live_bytes)
        return out | {"samples": samples, "peak_rss_mb": peak_rss_mb(), "live_bytes_before_after": live}
    raise SystemExit(f"unknown child mode {mode}")


# -- the sections --------------------------------------------------------------------------------


def go_reference(target: str) -> str:
    return "native" if target == "linux/amd64" else "qemu-user"


def measure_open(go: str, target: str, name: str, runs: int) -> dict:
    """Emulated open + init: cold (a fresh process's first open, decoding every table), stored (a
    fresh process's first open, the tables read from ``table_store``, written by an earlier
    process), first (in a running process, the file's decoded tables forgotten before each open)
    and warm (again in process: a new Session takes the file's tables decoded by the last one,
    ``formats.tables``); and Go's plugin.Open."""
    from gopluginemu.api import Session
    from gopluginemu.formats import tables

    path = plugin(go, target, name)
    cold, stored, first, warm, go_runs = [], [], [], [], []
    with tempfile.TemporaryDirectory() as store:
        child("open", str(path), store=store)  # an earlier process: decodes, and stores at exit
        for _ in range(runs):  # interleaved, so that each way sees the machine's speed (which drifts) alike
            cold.append(child("open", str(path)))
            stored.append(child("open", str(path), store=store))
            first.append(time_once(lambda: Session().open(path), setup=tables.clear))
            warm.append(time_once(lambda: Session().open(path)))
            go_runs.append(run_benchhost(go, target, name, "-calls", "1", "-reps", "1", "-spin", "1"))
    go_open = [r["open_ns"] / 1e9 for r, _ in go_runs]

    def paired(emulated: list[float]) -> float:  # drift cancels out of each repetition's ratio
        return statistics.median(e / g for e, g in zip(emulated, go_open))

    return {
        "plugin": name, "go": go, "target": target, "size_bytes": path.stat().st_size,
        "emulated_cold_ms": 1e3 * statistics.median(c["open_s"] for c, _ in cold),
        "emulated_stored_ms": 1e3 * statistics.median(c["open_s"] for c, _ in stored),
        "emulated_first_ms": 1e3 * statistics.median(first),
        "emulated_warm_ms": 1e3 * statistics.median(warm),
        "emulated_import_ms": 1e3 * statistics.median(c["import_s"] for c, _ in cold),
        "emulated_process_ms": 1e3 * statistics.median(w for _, w in cold),
        "go_reference": go_reference(target),
        "go_open_ms": 1e3 * statistics.median(go_open),
        "go_process_ms": 1e3 * statistics.median(w for _, w in go_runs),
        "ratio_cold": paired([c["open_s"] for c, _ in cold]),
        "ratio_stored": paired([c["open_s"] for c, _ in stored]),
        "ratio_first": paired(first),
        "ratio_warm": paired(warm),
    }


def measure_emulation(go: str, target: str, name: str, runs: int) -> dict:
    """Where an open's emulated part goes (again in process): the time in Unicorn (``CPU.start``)
    against the whole open and, from one more open with a block hook, how many distinct blocks the
    host's bring-up and the package inits run (each translated once: nearly all of the time in
    Unicorn) and how many blocks they run in all. Go's open of the same file is in
    ``measure_open``'s row."""
    from unicorn import UC_HOOK_BLOCK

    from gopluginemu.api import Session
    from gopluginemu.engines.emulate.cpu import CPU
    from gopluginemu.engines.emulate.runtime.host import GoHost

    path = plugin(go, target, name)
    Session().open(path).close()  # the file's tables decoded: what follows is the emulator's own work
    inside, whole = [], []
    start = CPU.start

    def timed_start(cpu, begin):
        t = time.perf_counter()
        try:
            return start(cpu, begin)
        finally:
            inside[-1] += time.perf_counter() - t

    CPU.start = timed_start
    try:
        for _ in range(runs):
            inside.append(0.0)
            whole.append(time_once(lambda: Session().open(path).close()))
    finally:
        CPU.start = start
    phases = {"host": {}, "inits": {}}
    phase = ["host"]
    bring_up, run_inits = GoHost.__init__, GoHost.run_inits

    def count(uc, address, size, data):
        runs_of = phases[phase[0]]
        runs_of[address] = runs_of.get(address, 0) + 1

    def watched_bring_up(host, machine):
        machine.cpu.uc.hook_add(UC_HOOK_BLOCK, count)
        bring_up(host, machine)

    def watched_inits(host, *args, **kwargs):
        phase[0] = "inits"
        return run_inits(host, *args, **kwargs)

    GoHost.__init__, GoHost.run_inits = watched_bring_up, watched_inits
    try:
        Session().open(path).close()
    finally:
        GoHost.__init__, GoHost.run_inits = bring_up, run_inits
    distinct = set(phases["host"]) | set(phases["inits"])
    return {
        "plugin": name, "go": go, "target": target, "go_reference": go_reference(target),
        "open_ms": 1e3 * statistics.median(whole), "unicorn_ms": 1e3 * statistics.median(inside),
        "host_blocks": len(phases["host"]), "init_blocks": len(set(phases["inits"]) - set(phases["host"])),
        "blocks": len(distinct), "block_runs": sum(phases["host"].values()) + sum(phases["inits"].values()),
    }


def measure_calls(go: str, target: str, runs: int, quick: bool, heavy: bool = True) -> list[dict]:
    """Per-call medians of Add and Greet (hello) and Words and Spin (bench), emulated and in Go."""
    from gopluginemu.api import Session

    n_light = 200 if quick else 2000
    n_words = 3 if quick else 20
    hosts = {"hello": run_benchhost(go, target, "hello", "-calls", "20000", "-reps", str(runs))[0]}
    if heavy:
        hosts["bench"] = run_benchhost(go, target, "bench", "-calls", "20000", "-reps", str(runs),
                                       "-words", str(WORDS_N), "-spin", str(SPIN_N))[0]
    cases = [("hello", "Add", (2, 3), n_light), ("hello", "Greet", ("world",), n_light)]
    if heavy:
        cases += [("bench", "Words", (WORDS_N,), n_words), ("bench", "Spin", (SPIN_N,), 1)]
    rows = []
    plugins = {}
    for name, func, args, calls in cases:
        if name not in plugins:
            plugins[name] = Session().open(plugin(go, target, name))
        f = plugins[name].lookup(func)
        f(*args)  # the first call resolves the func's register assignment
        seconds, result = per_call(f, args, calls, runs)
        go_call = hosts[name]["calls"][func]
        rows.append({
            "plugin": name, "func": func, "args": list(args), "go": go, "target": target,
            "calls_per_run": calls, "emulated_us": 1e6 * seconds,
            "go_reference": go_reference(target), "go_us": go_call["per_call_ns"] / 1e3,
            "ratio": 1e6 * seconds / (go_call["per_call_ns"] / 1e3),
            "result": result, "agrees_with_go": result == go_call["result"],
        })
    return rows


def measure_batched(go: str, target: str, runs: int, quick: bool) -> list[dict]:
    """``GoFunc.map(iterable_of_args)``'s cost per call, where the engine has it."""
    from gopluginemu.api import Session
    from gopluginemu.calls import GoFunc

    if not hasattr(GoFunc, "map"):
        return [{"func": f, "go": go, "target": target, "status": "not implemented (GoFunc has no map)"}
                for f in ("Add", "Greet")]
    p = Session().open(plugin(go, target, "hello"))
    n = 1000 if quick else 10000
    rows = []
    for func, args, want in (("Add", (2, 3), 5), ("Greet", ("world",), "hello, world")):
        f = p.lookup(func)
        batch = [args] * n
        try:
            results = list(f.map(batch))
            seconds = median_of(lambda: list(f.map(batch)), runs)
        except Exception as exc:  # an engine in flux: record what it said
            rows.append({"func": func, "go": go, "target": target, "status": f"failed: {type(exc).__name__}: {exc}"})
            continue
        rows.append({"func": func, "go": go, "target": target, "status": "ok", "calls": n,
                     "per_call_us": 1e6 * seconds / n, "agrees_with_go": results == [want] * n})
    return rows


def measure_memory(go: str, target: str, quick: bool) -> dict:
    """Peak RSS for hello open + 1000 calls; RSS and heap along 10**5 Greet calls; Go's peak RSS."""
    path = str(plugin(go, target, "hello"))
    rss, _ = child("rss", path, "1000")
    calls, step = (MEMORY_CALLS // 10, MEMORY_STEP // 10) if quick else (MEMORY_CALLS, MEMORY_STEP)
    series, _ = child("series", path, str(calls), str(step))
    go_host, _ = run_benchhost(go, target, "hello", "-calls", "1000", "-reps", "1")
    samples = series["samples"]
    first, third, last = samples[0], samples[len(samples) * 2 // 3], samples[-1]
    at_1e5 = min(samples, key=lambda x: abs(x["calls"] - min(10**5, calls // 3)))  # 10**5 in a full run
    heap_growth = last["heap_top"] - third["heap_top"]
    rss_growth = last["rss_mb"] - third["rss_mb"]
    live = series["live_bytes_before_after"]
    # bounded: over the last third of the calls the heap's high-water mark grows by < 1% (+64 KiB)
    # and RSS by < 8 MB, and (with a collector) a forced collection after the calls finds no more
    # live memory than one before them (+64 KiB): nothing leaks, and what is freed is reused
    bounded = heap_growth < last["heap_top"] / 100 + (64 << 10) and rss_growth < 8.0
    if live:
        bounded = bounded and live[1] - live[0] < 64 << 10
    auto = None
    if first.get("collections") is not None:
        auto = last["collections"] - first["collections"]
    return {
        "go": go, "target": target,
        "peak_rss_import_mb": rss["peak_rss_after_import_mb"],
        "peak_rss_open_mb": rss["peak_rss_after_open_mb"],
        "peak_rss_open_1000_calls_mb": rss["peak_rss_mb"],
        "go_reference": go_reference(target), "go_peak_rss_mb": go_host["peak_rss_kib"] / 1024,
        "series_calls": calls, "series_step": step, "series": samples,
        "heap_top_1e5_bytes": at_1e5["heap_top"], "heap_top_end_bytes": last["heap_top"],
        "rss_start_mb": first["rss_mb"], "rss_1e5_mb": at_1e5["rss_mb"], "rss_end_mb": last["rss_mb"],
        "automatic_collections": auto, "live_bytes_before_after": live,
        "last_third_heap_growth_bytes": heap_growth, "last_third_rss_growth_mb": rss_growth,
        "bounded": bounded,
    }


def measure_call_scaling(go: str, target: str, quick: bool) -> list[dict]:
    """Total seconds of N Add calls in one loop, for growing N."""
    from gopluginemu.api import Session

    add = Session().open(plugin(go, target, "hello")).lookup("Add")
    add(2, 3)
    rows = []
    for n in SCALING_CALLS[:-1] if quick else SCALING_CALLS:
        seconds = median_of(lambda: [add(2, 3) for _ in range(n)], 1)
        rows.append({"go": go, "target": target, "func": "Add", "calls": n, "total_s": seconds,
                     "per_call_us": 1e6 * seconds / n})
    return rows


def profile_calls(go: str, target: str, calls: int = 5000, top: int = 12) -> str:
    """cProfile of ``calls`` emulated Add and Greet calls: the top functions by own and by
    cumulative time."""
    import cProfile
    import io
    import pstats

    from gopluginemu.api import Session

    p = Session().open(plugin(go, target, "hello"))
    out = io.StringIO()
    for func, args in (("Add", (2, 3)), ("Greet", ("world",))):
        f = p.lookup(func)
        f(*args)
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(calls):
            f(*args)
        prof.disable()
        for key in ("tottime", "cumulative"):
            out.write(f"\n### {func}{args} x {calls}, go{go} {target}, by {key}\n")
            pstats.Stats(prof, stream=out).strip_dirs().sort_stats(key).print_stats(top)
    return out.getvalue()


# -- reporting -----------------------------------------------------------------------------------




def versions() -> dict:
    import unicorn

    import gopluginemu

    try:
        qemu = subprocess.run(["qemu-aarch64", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        qemu = "not found"
    return {"machine": f"{platform.machine()}, {cpu_model()}, {os.cpu_count()} cores",
            "python": platform.python_version(), "gopluginemu": gopluginemu.__version__,
            "unicorn": unicorn.__version__, "qemu": qemu, "go": [GO_MAIN, GO_EXTRA]}


def goals(result: dict) -> list[dict]:
    """The issue's targets against what was measured: the open and the single calls for each Go
    version measured (the issue names no version), the rest for ``GO_MAIN``."""
    rows = []

    def add(goal: str, measured: float | None, limit: float | None, unit: str) -> None:
        met = None if measured is None or limit is None else measured <= limit
        rows.append({"goal": goal, "measured": measured, "limit": limit, "unit": unit, "met": met})

    opens = {(r["plugin"], r["go"], r["target"]): r for r in result["open"]}
    for go in (GO_MAIN, GO_EXTRA):
        hello = opens.get(("hello", go, "linux/arm64"))
        if hello:
            for way, label in (("cold", "fresh process, tables decoded"), ("stored", "fresh process, tables stored"),
                               ("first", "first open in process"), ("warm", "again in process")):
                add(f"open+init hello go{go} arm64 (emulated, {label}) / qemu-user plugin.Open, paired per repetition <= 1",
                    hello[f"ratio_{way}"], 1.0, "x")
    for r in result["calls"]:
        if r["func"] == "Add":
            add(f"single Add go{r['go']} ({r['target']}) <= 6 us", r["emulated_us"], GOALS["add_us"], "us")
        if r["func"] == "Greet":
            add(f"Greet go{r['go']} ({r['target']}) <= 15 us", r["emulated_us"], GOALS["greet_us"], "us")
        if r["func"] == "Spin" and r["target"] == "linux/arm64":
            add("Spin(10**7) arm64 within 2x of qemu-user", r["ratio"], GOALS["spin_vs_qemu"], "x")
    for r in result["batched"]:
        if r["func"] == "Add" and r["go"] == GO_MAIN:
            add(f"batched Add ({r['target']}) <= 0.5 us/call", r.get("per_call_us"), GOALS["batched_us"], "us")
    for r in result["memory"]:
        add(f"peak RSS hello open + 1000 calls ({r['target']}) <= 150 MB", r["peak_rss_open_1000_calls_mb"],
            GOALS["peak_rss_mb"], "MB")
        rows.append({"goal": f"memory bounded over {r['series_calls']} Greet calls ({r['target']})",
                     "measured": None, "limit": None, "unit": "", "met": r["bounded"]})
    return rows


def fmt(x: float | None, digits: int = 1) -> str:
    if x is None:
        return "-"
    if abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.{digits}f}"


def tables(result: dict) -> str:
    lines = [f"{result['machine']}; Python {result['python']}, unicorn {result['unicorn']}, "
             f"gopluginemu {result['gopluginemu']}, {result['qemu']}; median of {result['runs']} runs"
             + (" (--quick)" if result["quick"] else ""), ""]
    lines += ["**open + init** (emulated: `Session().open(path)`; Go: `plugin.Open` in the benchmark host, "
              "natively for amd64, under qemu-user for arm64)", "",
              "| plugin | size | go | target | emulated, fresh process: tables decoded / stored "
              "| emulated, first in process | emulated, again in process | Go plugin.Open | Go "
              "| emulated / Go, paired (fresh decoded / fresh stored / first / again) "
              "| emulated process (with imports) | Go host process |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in result["open"]:
        lines.append(f"| {r['plugin']} | {r['size_bytes'] / 2**20:.1f} MiB | {r['go']} | {r['target']} "
                     f"| {fmt(r['emulated_cold_ms'])} / {fmt(r['emulated_stored_ms'])} ms "
                     f"| {fmt(r['emulated_first_ms'])} ms | {fmt(r['emulated_warm_ms'])} ms "
                     f"| {fmt(r['go_open_ms'])} ms | {r['go_reference']} "
                     f"| {r['ratio_cold']:.2f} / {r['ratio_stored']:.2f} / {r['ratio_first']:.2f} / {r['ratio_warm']:.2f}x "
                     f"| {fmt(r['emulated_process_ms'])} ms | {fmt(r['go_process_ms'])} ms |")
    go_open = {(r["plugin"], r["go"], r["target"]): r["go_open_ms"] for r in result["open"]}
    lines += ["", "**the emulated part of an open** (again in process; blocks counted by one more open with a "
              "block hook: each distinct block is translated once, which is nearly all of the time in Unicorn)", "",
              "| plugin | go | target | open | in Unicorn | distinct blocks: host bring-up / package inits / all "
              "| blocks run | Go plugin.Open |", "|---|---|---|---|---|---|---|---|"]
    for r in result["emulation"]:
        lines.append(f"| {r['plugin']} | {r['go']} | {r['target']} | {fmt(r['open_ms'])} ms | {fmt(r['unicorn_ms'])} ms "
                     f"| {r['host_blocks']} / {r['init_blocks']} / {r['blocks']} | {r['block_runs']:,} "
                     f"| {fmt(go_open.get((r['plugin'], r['go'], r['target'])))} ms {r['go_reference']} |")
    lines += ["", "**per call** (emulated: a `GoFunc` from `lookup`; Go: the func value from `Lookup`)", "",
              "| func | go | target | emulated | Go | Go | emulated / Go | same result |",
              "|---|---|---|---|---|---|---|---|"]
    for r in result["calls"]:
        args = ", ".join(repr(a) if not isinstance(a, int) or a < 10**6 else f"10**{len(str(a)) - 1}"
                         for a in r["args"])
        lines.append(f"| {r['func']}({args}) | {r['go']} | {r['target']} | {fmt(r['emulated_us'], 2)} µs "
                     f"| {fmt(r['go_us'], 3)} µs | {r['go_reference']} | {fmt(r['ratio'])}x | {r['agrees_with_go']} |")
    lines += ["", "**batched calls** (`GoFunc.map(iterable_of_args)`)", "",
              "| func | go | target | per call | status |", "|---|---|---|---|---|"]
    for r in result["batched"]:
        per = f"{fmt(r['per_call_us'], 2)} µs" if "per_call_us" in r else "-"
        lines.append(f"| {r['func']} | {r['go']} | {r['target']} | {per} | {r['status']} |")
    lines += ["", "**memory** (hello; peak RSS of a fresh process: VmHWM, what `resource.getrusage` would report "
              "for a process not started by a bigger one)", "",
              "| go | target | after import | after open | open + 1000 Greet calls | Go host (open + 2000 calls) | Go |",
              "|---|---|---|---|---|---|---|"]
    for r in result["memory"]:
        lines.append(f"| {r['go']} | {r['target']} | {fmt(r['peak_rss_import_mb'])} MB | {fmt(r['peak_rss_open_mb'])} MB "
                     f"| {fmt(r['peak_rss_open_1000_calls_mb'])} MB | {fmt(r['go_peak_rss_mb'])} MB | {r['go_reference']} |")
    lines += ["", "**memory over many Greet calls** (hello, one process; RSS now, emulated heap high-water mark; "
              "bounded: a plateau over the last third and a forced collection finds no more live memory after the "
              "calls than before)", "",
              "| go | target | calls | RSS at 0 / 10^5 / end | heap at 10^5 / end | automatic collections "
              "| live heap before / after | growth over the last third | bounded |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in result["memory"]:
        live = " / ".join(f"{b / 1024:.0f} KiB" for b in r["live_bytes_before_after"]) or "no collector"
        lines.append(f"| {r['go']} | {r['target']} | {r['series_calls']} "
                     f"| {r['rss_start_mb']:.0f} / {r['rss_1e5_mb']:.0f} / {r['rss_end_mb']:.0f} MB "
                     f"| {r['heap_top_1e5_bytes'] / 1024:.0f} / {r['heap_top_end_bytes'] / 1024:.0f} KiB "
                     f"| {r['automatic_collections']} | {live} | heap {r['last_third_heap_growth_bytes'] / 1024:.0f} KiB, "
                     f"RSS {r['last_third_rss_growth_mb']:.1f} MB | {r['bounded']} |")
    for r in result["memory"]:
        series = ", ".join(f"{s['calls'] // 1000}k: {s['rss_mb']:.0f}/{s['heap_top'] / 1024:.0f}" for s in r["series"])
        lines.append(f"\n{r['target']}, calls: RSS MB/heap KiB — {series}")
    lines += ["", "**scaling with the number of calls** (Add, one loop)", "",
              "| go | target | calls | total | per call |", "|---|---|---|---|---|"]
    for r in result["call_scaling"]:
        lines.append(f"| {r['go']} | {r['target']} | {r['calls']} | {fmt(r['total_s'] * 1e3)} ms | {fmt(r['per_call_us'], 2)} µs |")
    lines += ["", "**scaling with plugin size** (open + init, emulated: first open in process, and Go)", "",
              "| target | plugin | size | emulated | ms per MiB | Go plugin.Open |", "|---|---|---|---|---|---|"]
    for r in sorted((r for r in result["open"] if r["go"] == GO_MAIN), key=lambda r: (r["target"], r["size_bytes"])):
        mib = r["size_bytes"] / 2**20
        lines.append(f"| {r['target']} | {r['plugin']} | {mib:.1f} MiB | {fmt(r['emulated_first_ms'])} ms "
                     f"| {fmt(r['emulated_first_ms'] / mib)} | {fmt(r['go_open_ms'])} ms |")
    lines += ["", "**the issue's targets** (checked here, never asserted in a test)", "",
              "| goal | measured | limit | met |", "|---|---|---|---|"]
    for g in result["goals"]:
        met = {True: "yes", False: "**no**", None: "-"}[g["met"]]
        lines.append(f"| {g['goal']} | {fmt(g['measured'], 2)} {g['unit']} | {fmt(g['limit'], 2)} {g['unit']} | {met} |")
    return "\n".join(lines)


def plot(result: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(17, 9.5))
    colors = {"emulated": "tab:blue", "emulated warm": "tab:cyan", "Go": "tab:orange",
              "emulated, fresh process": "tab:blue", "emulated, fresh process, tables stored": "tab:purple",
              "emulated, first in process": "tab:green", "emulated, again": "tab:red"}

    def bars(ax, labels, series, title, unit):
        width = 0.8 / len(series)
        for i, (name, values) in enumerate(series.items()):
            xs = [j + (i - (len(series) - 1) / 2) * width for j in range(len(labels))]
            ax.bar(xs, values, width, label=name, color=colors.get(name))
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels, rotation=30, ha="right", fontsize=8)
        ax.set_yscale("log")
        ax.set_ylabel(unit)
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)

    opens = [r for r in result["open"] if r["go"] == GO_MAIN]
    bars(axes[0][0], [f"{r['plugin']}\n{r['target'].split('/')[1]}" for r in opens],
         {"emulated, fresh process": [r["emulated_cold_ms"] for r in opens],
          "emulated, fresh process, tables stored": [r["emulated_stored_ms"] for r in opens],
          "emulated, first in process": [r["emulated_first_ms"] for r in opens],
          "emulated, again": [r["emulated_warm_ms"] for r in opens],
          "Go": [r["go_open_ms"] for r in opens]},
         f"open + init, go{GO_MAIN} (Go: amd64 native, arm64 qemu-user)", "ms")
    calls = [r for r in result["calls"] if r["go"] == GO_MAIN]
    bars(axes[0][1], [f"{r['func']}\n{r['target'].split('/')[1]}" for r in calls],
         {"emulated": [r["emulated_us"] for r in calls], "Go": [r["go_us"] for r in calls]},
         "per call (Words(1000), Spin(10**7))", "µs")
    ax = axes[0][2]
    for r in result["memory"]:
        xs = [s["calls"] for s in r["series"]]
        ax.plot(xs, [s["rss_mb"] for s in r["series"]], marker="o", label=f"RSS {r['target']}")
    ax.set_xlabel("Greet calls")
    ax.set_ylabel("RSS (MB)")
    ax.set_ylim(bottom=0)
    twin = ax.twinx()
    for r in result["memory"]:
        twin.plot([s["calls"] for s in r["series"]], [s["heap_top"] / 1024 for s in r["series"]], linestyle="--",
                  marker="x", label=f"emulated heap {r['target']}")
    twin.set_ylabel("emulated heap top (KiB, dashed)")
    twin.set_ylim(bottom=0)
    ax.legend(fontsize=8, loc="lower left")
    twin.legend(fontsize=8, loc="lower right")
    ax.set_title("memory over many calls (hello)", fontsize=10)
    ax = axes[1][0]
    for target in TARGETS:
        rows = sorted((r for r in opens if r["target"] == target), key=lambda r: r["size_bytes"])
        sizes = [r["size_bytes"] / 2**20 for r in rows]
        ax.plot(sizes, [r["emulated_first_ms"] for r in rows], marker="o", label=f"emulated {target}")
        ax.plot(sizes, [r["go_open_ms"] for r in rows], marker="s", linestyle="--", label=f"Go {target}")
        for r, s in zip(rows, sizes):
            ax.annotate(r["plugin"], (s, r["emulated_first_ms"]), fontsize=7)
    ax.set_yscale("log")
    ax.set_xlabel("plugin size (MiB)")
    ax.set_ylabel("open + init (ms)")
    ax.set_title("open cost vs plugin size", fontsize=10)
    ax.legend(fontsize=8)
    ax = axes[1][1]
    for target in TARGETS:
        rows = [r for r in result["call_scaling"] if r["target"] == target]
        ax.loglog([r["calls"] for r in rows], [r["total_s"] for r in rows], marker="o", label=f"Add {target}")
    ax.set_xlabel("calls")
    ax.set_ylabel("total (s)")
    ax.set_title("total time vs number of calls", fontsize=10)
    ax.legend(fontsize=8)
    ax = axes[1][2]
    ax.axis("off")
    text = "\n".join(f"{'✓' if g['met'] else ('✗' if g['met'] is False else '-')} {g['goal']}"
                     + (f": {fmt(g['measured'], 2)} {g['unit']}" if g["measured"] is not None else "")
                     for g in result["goals"])
    ax.text(0, 1, "the issue's targets\n\n" + text, va="top", fontsize=7.5, family="monospace", wrap=True)
    fig.suptitle(f"gopluginemu {result['gopluginemu']} emulator vs Go's plugin package — {result['machine']}, "
                 f"Python {result['python']}, unicorn {result['unicorn']}, {result['qemu']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 runs, fewer calls (a smoke run)")
    parser.add_argument("--runs", type=int, help="repetitions per median (default 7; --quick 3)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of emulated Add and Greet calls too")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_main(args.child[0], args.child[1:])))
        return
    from gopluginemu.formats import table_store

    os.environ[table_store.ENV] = "off"  # in this process every "first" open decodes: nothing is read from a store
    runs = args.runs or (3 if args.quick else 7)
    started = time.time()
    result = {**versions(), "runs": runs, "quick": args.quick,
              "open": [], "emulation": [], "calls": [], "batched": [], "memory": [], "call_scaling": []}
    for target in TARGETS:
        for name in OPEN_PLUGINS:
            print(f"open {name} go{GO_MAIN} {target}", file=sys.stderr, flush=True)
            result["open"].append(measure_open(GO_MAIN, target, name, runs))
        print(f"open hello go{GO_EXTRA} {target}", file=sys.stderr, flush=True)
        result["open"].append(measure_open(GO_EXTRA, target, "hello", runs))
        for go, name in ((GO_MAIN, "hello"), (GO_EXTRA, "hello"), (GO_MAIN, "stdlib")):
            result["emulation"].append(measure_emulation(go, target, name, runs))
    for target in TARGETS:
        print(f"calls {target}", file=sys.stderr, flush=True)
        result["calls"] += measure_calls(GO_MAIN, target, runs, args.quick)
        result["calls"] += measure_calls(GO_EXTRA, target, runs, args.quick, heavy=False)
        result["batched"] += measure_batched(GO_MAIN, target, runs, args.quick)
        print(f"memory {target}", file=sys.stderr, flush=True)
        result["memory"].append(measure_memory(GO_MAIN, target, args.quick))
        print(f"call scaling {target}", file=sys.stderr, flush=True)
        result["call_scaling"] += measure_call_scaling(GO_MAIN, target, args.quick)
    result["goals"] = goals(result)
    result["seconds"] = time.time() - started
    # a --quick smoke run does not replace the full run's results
    json_out, png_out = (RESULTS / "emulate-quick.json", RESULTS / "emulate-quick.png") if args.quick else (JSON_OUT, PNG_OUT)
    RESULTS.mkdir(exist_ok=True)
    json_out.write_text(json.dumps(result, indent=1, default=str) + "\n")
    plot(result, png_out)
    print(tables(result))
    print(f"\nwrote {json_out} and {png_out.name} in {result['seconds']:.0f} s")
    if args.profile:
        print(profile_calls(GO_MAIN, "linux/arm64"))


if __name__ == "__main__":
    main()
