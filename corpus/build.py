"""Builds the corpus matrix and records the reference host's transcripts.

Plugins and hosts are built for every Go version x target, the non-plugin
programs and the plugin variants for the linux targets; each linux host then
runs every scenario (natively on the machine's own arch, under qemu-user
otherwise) and its JSON output is kept as the transcript. Products already in
the cache under their current key are not rebuilt.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from corpus import builds, toolchains
from corpus.matrix import (BENCH_GO_VERSIONS, BENCH_PLUGINS, BENCH_TARGETS, CROSS_VERSION_SCENARIO,
                           CROSS_VERSION_TARGET, GO_MODULE, PLUGIN_TAGS, PLUGIN_VARIANTS, PROGRAMS, TARGETS,
                           Target, source_plugin, zig_version)

MACHINE_GOARCH = {"x86_64": "amd64", "aarch64": "arm64", "ppc64le": "ppc64le", "s390x": "s390x"}.get(
    platform.machine(), platform.machine())
HOST_TIMEOUT = 600


class BuildError(Exception):
    """A build or a host run failed; the message carries the command and its output."""


@dataclass(frozen=True)
class Job:
    """One product to make: ``run`` writes ``out``."""

    label: str
    out: Path
    run: Callable[[Path], None]


def go_env(go: str, target: Target) -> dict[str, str]:
    """The environment of a ``go build`` for that target: local toolchain only, no network, cgo on."""
    cache = toolchains.cache_dir()
    env = dict(os.environ, GOTOOLCHAIN="local", GOPROXY="off", GOFLAGS="-buildvcs=false",
               GOCACHE=str(cache / "gocache"), CGO_ENABLED="1", GOOS=target.goos, GOARCH=target.goarch)
    env.pop("GOROOT", None)
    if target.cc.startswith("zig:"):
        env.update(CC=f"{sys.executable} {Path(__file__).with_name('zigcc.py')}",
                   ZIG=str(toolchains.zig_binary(zig_version(go))), ZIG_TARGET=target.cc[4:],
                   ZIG_GLOBAL_CACHE_DIR=str(cache / "zigcache"))
    else:
        env["CC"] = target.cc
    return env


def _spawn(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
           ) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=HOST_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise BuildError(f"timed out after {HOST_TIMEOUT} s: {' '.join(cmd)}") from exc


def _failed(proc: subprocess.CompletedProcess[str]) -> BuildError:
    return BuildError(f"exit {proc.returncode}: {' '.join(proc.args)}\n{proc.stdout}{proc.stderr}")


def _run(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    proc = _spawn(cmd, env, cwd)
    if proc.returncode != 0:
        raise _failed(proc)
    return proc.stdout


def _atomic(out: Path, make: Callable[[Path], None]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + f".tmp{os.getpid()}")
    try:
        make(tmp)
        tmp.rename(out)
    finally:
        tmp.unlink(missing_ok=True)


def plugin_job(go: str, target: str, name: str, stripped: bool) -> Job:
    """A corpus plugin, or a variant (matrix.PLUGIN_VARIANTS) built with its extra environment."""
    t = TARGETS[target]
    source = source_plugin(name)
    env = dict(PLUGIN_VARIANTS[name].env) if name in PLUGIN_VARIANTS else {}

    def run(out: Path) -> None:
        tags = PLUGIN_TAGS.get(source, ())
        cmd = [str(toolchains.go_binary(go)), "build", "-buildmode=plugin", "-o", str(out),
               *(["-tags", ",".join(tags)] if tags else []), *builds.ldflags(t, stripped), f"./plugins/{source}"]
        _run(cmd, go_env(go, t) | env, GO_MODULE)

    label = " stripped" if stripped else ""
    return Job(f"go{go} {target} plugin {name}{label}", builds.plugin_path(go, target, name, stripped), run)


def copy_job(go: str, target: str, name: str, stripped: bool) -> Job:
    """A copy variant: its plugin's build, byte for byte, under the variant's name."""
    source = builds.plugin_path(go, target, source_plugin(name), stripped)
    label = " stripped" if stripped else ""
    return Job(f"go{go} {target} copy {name}{label}", builds.plugin_path(go, target, name, stripped),
               lambda out: shutil.copyfile(source, out))


def program_job(go: str, target: str, name: str) -> Job:
    """A non-plugin program of go/programs (c-shared's C header is not kept)."""
    t = TARGETS[target]

    def run(out: Path) -> None:
        _run([str(toolchains.go_binary(go)), "build", f"-buildmode={PROGRAMS[name]}", "-o", str(out),
              f"./programs/{name}"], go_env(go, t), GO_MODULE)
        out.with_suffix(".h").unlink(missing_ok=True)

    return Job(f"go{go} {target} program {name}", builds.program_path(go, target, name), run)


def host_job(go: str, target: str) -> Job:
    t = TARGETS[target]

    def run(out: Path) -> None:
        _run([str(toolchains.go_binary(go)), "build", "-o", str(out), "./host"], go_env(go, t), GO_MODULE)

    return Job(f"go{go} {target} host", builds.host_path(go, target), run)


def benchhost_job(go: str, target: str) -> Job:
    """The benchmark host: times Go's plugin.Open and calls (benchmarks/bench_emulate.py)."""
    t = TARGETS[target]

    def run(out: Path) -> None:
        _run([str(toolchains.go_binary(go)), "build", "-o", str(out), "./benchhost"], go_env(go, t), GO_MODULE)

    return Job(f"go{go} {target} benchhost", builds.benchhost_path(go, target), run)


def host_command(target: Target, host: Path) -> list[str]:
    """How to start a target's host here: directly on this machine's arch, else under qemu-user."""
    if target.goarch == MACHINE_GOARCH:
        return [str(host)]
    if target.qemu is None:
        raise BuildError(f"no way to run a {target.name} host on this machine")
    return [target.qemu, "-L", str(target.sysroot), str(host)]


def run_host(cmd: list[str]) -> dict:
    """Run a reference host: its events, or how the Go runtime killed it ("fatal error: ..."),
    which is Go's answer too (a plugin of another toolchain makes the runtime throw)."""
    with tempfile.TemporaryDirectory() as tmpdir:
        proc = _spawn(cmd, dict(os.environ, TMPDIR=tmpdir))
    if proc.returncode == 0:
        return {"events": json.loads(proc.stdout)["events"]}
    first = proc.stderr.lstrip().split("\n", 1)[0]
    if first.startswith(("fatal error:", "panic:")):
        return {"events": [], "fatal": first, "exit_code": proc.returncode}
    raise _failed(proc)


def host_invocation(go: str, target: str, scenario: str, stripped: bool = False,
                    plugin_go: str | None = None) -> list[str]:
    """The command that has the host of ``go`` run ``scenario`` on the plugins ``plugin_go`` built."""
    cmd = host_command(TARGETS[target], builds.host_path(go, target))
    cmd += ["-scenario", str(builds.scenario_file(scenario))]
    for name in builds.scenario_plugins(scenario):
        cmd += ["-plugin", f"{name}={builds.plugin_path(plugin_go or go, target, name, stripped)}"]
    return cmd


def transcript_job(go: str, target: str, scenario: str, stripped: bool, plugin_go: str | None = None) -> Job:
    """The host of ``go`` runs ``scenario`` on plugins built by ``plugin_go`` (default: the same Go)."""
    plugin_go = plugin_go or go

    def run(out: Path) -> None:
        record = {"go": f"go{go}", "target": target, "scenario": scenario, "stripped": stripped,
                  "host": builds.host_path(go, target).name, "plugin_go": f"go{plugin_go}",
                  **run_host(host_invocation(go, target, scenario, stripped, plugin_go))}
        out.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")

    variant = (" stripped" if stripped else "") + (f" (plugins of go{plugin_go})" if plugin_go != go else "")
    return Job(f"go{go} {target} transcript {scenario}{variant}",
               builds.transcript_path(go, target, scenario, stripped, plugin_go if plugin_go != go else None), run)


def plan(versions: list[str], targets: list[str], plugins: list[str], scenarios: list[str],
         programs: bool = True) -> list[list[Job]]:
    """The jobs for that selection, in phases: hosts, programs (unless ``programs`` is false) and
    plugins first, then the copies of plugins, then transcripts. The benchmark's builds
    (matrix.BENCH_*) come with a whole build (``programs``) or when ``plugins`` names a
    benchmark-only plugin."""
    products: list[Job] = []
    copies: list[Job] = []
    transcripts: list[Job] = []
    bench = [p for p in BENCH_PLUGINS if programs or p in plugins]
    plugins = [p for p in plugins if p not in BENCH_PLUGINS]
    for go in versions:
        for target in targets:
            t = TARGETS[target]
            variants = {n: v for n, v in PLUGIN_VARIANTS.items() if v.plugin in plugins and v.built_for(t)}
            for stripped in t.stripped_variants:
                products += [plugin_job(go, target, name, stripped) for name in plugins]
                products += [plugin_job(go, target, n, stripped) for n, v in variants.items() if not v.copy]
                copies += [copy_job(go, target, n, stripped) for n, v in variants.items() if v.copy]
            if bench and go in BENCH_GO_VERSIONS and target in BENCH_TARGETS:
                products.append(benchhost_job(go, target))
                products += [plugin_job(go, target, name, False) for name in bench]
            if not t.runs_host:
                continue
            products.append(host_job(go, target))
            products += [program_job(go, target, name) for name in PROGRAMS if programs]
            for stripped in t.stripped_variants:
                transcripts += [transcript_job(go, target, s, stripped) for s in scenarios
                                if builds.scenario_runs_on(s, target)
                                and {source_plugin(p) for p in builds.scenario_plugins(s)} <= set(plugins)]
                if target == CROSS_VERSION_TARGET and CROSS_VERSION_SCENARIO in scenarios:
                    transcripts += [transcript_job(go, target, CROSS_VERSION_SCENARIO, stripped, other)
                                    for other in versions if other != go]
    return [products, copies, transcripts]


def execute(phases: list[list[Job]], workers: int) -> tuple[int, int]:
    """Run the jobs whose product is missing; returns (made, already cached)."""
    made = cached = 0
    for jobs in phases:
        todo = [j for j in jobs if not j.out.exists()]
        cached += len(jobs) - len(todo)

        def one(job: Job) -> None:
            start = time.monotonic()
            _atomic(job.out, job.run)
            print(f"corpus: {job.label} ({time.monotonic() - start:.1f} s)", flush=True)

        with ThreadPoolExecutor(max_workers=workers) as pool:
            for future in [pool.submit(one, j) for j in todo]:
                future.result()
        made += len(todo)
    return made, cached
