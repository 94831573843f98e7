"""How long static inspection takes, side by side with Go's own `go version -m` on the same file.

    python -m benchmarks.bench_inspect [--runs N] [--go VERSION] [--target TARGET]

Prints a table and writes benchmarks/results/inspect.json. Medians of N runs:
- in-process `gopluginemu.inspect(path)` plus reading every export's type (imports already done;
  the file's first inspection: its decoded tables forgotten before each run, untimed);
- a whole `gopluginemu inspect --json` process (Python start-up and imports included);
- `go version -m` of the same file (the reference: Go reads only the build info).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import gopluginemu
from gopluginemu.formats import tables
from corpus import builds, matrix, toolchains

RESULTS = Path(__file__).resolve().parent / "results" / "inspect.json"


def time_once(action, setup=None) -> float:
    """Seconds of one call of ``action`` (``setup`` and Python's collector run before it, untimed)."""
    if setup is not None:
        setup()
    gc.collect()
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def median_of(action, runs: int, setup=None) -> float:
    """Median seconds of ``runs`` calls of ``action`` (each timed as ``time_once`` does)."""
    return statistics.median(time_once(action, setup) for _ in range(runs))


def measure(go: str, target: str, name: str, stripped: bool, runs: int) -> dict:
    path = builds.plugin_path(go, target, name, stripped)
    if not path.exists():
        raise SystemExit(f"{path} is missing: run `python -m corpus build` first")

    def in_process() -> None:  # the file's first inspection (its decoded tables forgotten, untimed)
        info = gopluginemu.inspect(str(path))
        _ = {name: export.type for name, export in info.exports.items()}

    cli = [sys.executable, "-m", "gopluginemu", "inspect", "--json", str(path)]
    go_m = [str(toolchains.go_binary(go)), "version", "-m", str(path)]
    return {
        "plugin": name, "go": go, "target": target, "stripped": stripped,
        "inspect_in_process_ms": 1e3 * median_of(in_process, runs, setup=tables.clear),
        "inspect_cli_process_ms": 1e3 * median_of(lambda: subprocess.run(cli, check=True, capture_output=True, env=installed_env()), runs),
        "go_version_m_ms": 1e3 * median_of(lambda: subprocess.run(go_m, check=True, capture_output=True), runs),
    }


def installed_env() -> dict[str, str]:
    """The environment for a fresh Python process that runs gopluginemu as an installed package
    does: with its bytecode compiled once and kept (pip compiles at install), here under the
    benchmarks' cache folder. A shell's PYTHONDONTWRITEBYTECODE would make every process compile
    the whole package again (the generated runtime layout table alone is ~70 ms). No decoded
    tables are kept between these processes (``table_store``): each decodes what it reads."""
    from gopluginemu.formats import table_store  # not at the top: bench_emulate's children time their imports

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(toolchains.cache_dir() / "pycache")
    env[table_store.ENV] = "off"
    return env


def cpu_model() -> str:
    """The CPU's model name where the OS tells it (Linux), else what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--go", default=matrix.GO_VERSIONS[-1])
    parser.add_argument("--target", default="linux/arm64")
    args = parser.parse_args()
    rows = [measure(args.go, args.target, name, stripped, args.runs)
            for name in ("hello", "stdlib") for stripped in (False, True)]
    result = {"machine": f"{platform.machine()}, {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}",
              "gopluginemu": gopluginemu.__version__, "runs": args.runs, "rows": rows}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    print(f"median of {args.runs} runs; {result['machine']}")
    print("| plugin | go | target | stripped | inspect (in process) | `gopluginemu inspect` process | `go version -m` |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['plugin']} | {r['go']} | {r['target']} | {r['stripped']} | {r['inspect_in_process_ms']:.1f} ms "
              f"| {r['inspect_cli_process_ms']:.0f} ms | {r['go_version_m_ms']:.0f} ms |")


if __name__ == "__main__":
    main()
