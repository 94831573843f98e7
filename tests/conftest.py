"""Shared test helpers: where the corpus builds are, failing loudly when they are missing."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from corpus import builds, matrix, toolchains  # noqa: E402
from gopluginemu.formats import table_store  # noqa: E402

# no tables kept on disk between test processes (tests of the store turn it on, in a temporary folder)
os.environ[table_store.ENV] = "off"

LINUX_TARGETS = [t for t, spec in matrix.TARGETS.items() if spec.goos == "linux"]
DARWIN_TARGETS = [t for t, spec in matrix.TARGETS.items() if spec.goos == "darwin"]


def require(path: Path) -> Path:
    """The path of a corpus product, failing the test (not skipping it) when it was not built."""
    if not path.exists():
        pytest.fail(f"{path} is missing: run `python -m corpus build` first", pytrace=False)
    return path


def built_plugin(go: str, target: str, name: str, stripped: bool = False) -> Path:
    """A corpus plugin or plugin variant (matrix.PLUGIN_VARIANTS)."""
    return require(builds.plugin_path(go, target, name, stripped))


def built_host(go: str, target: str) -> Path:
    return require(builds.host_path(go, target))


def built_program(go: str, target: str, name: str) -> Path:
    """A non-plugin program (matrix.PROGRAMS)."""
    return require(builds.program_path(go, target, name))


def transcript(go: str, target: str, scenario: str, stripped: bool = False,
               plugin_go: str | None = None) -> builds.Transcript:
    require(builds.transcript_path(go, target, scenario, stripped, plugin_go))
    return builds.load_transcript(go, target, scenario, stripped, plugin_go)


def go_outcome(recorded: builds.Transcript) -> str:
    """What Go said of a transcript's first plugin.Open: the fatal error that killed the host, the
    error plugin.Open returned, or ``panic: `` and the value it panicked with (the host recovers it)."""
    if recorded.fatal:
        return recorded.fatal
    event = next(e for e in recorded.events if e["op"] == "open")
    return f"panic: {event['panic']}" if "panic" in event else event["error"]


def as_transcribed(go_error: str, path: Path, name: str) -> str:
    """A Go error about the plugin file ``path`` as the corpus host records it for the scenario's
    plugin ``name``: the path, without ".so", written ``<name>``."""
    return go_error.replace(str(path).removesuffix(".so"), f"<{name}>")


def go_version_m(go: str, path: Path) -> str:
    """What `go version -m` prints for a file, run with the toolchain that built it."""
    return subprocess.run([str(toolchains.go_binary(go)), "version", "-m", str(path)],
                          capture_output=True, text=True, check=True).stdout


def go_tool_nm(go: str, path: Path) -> str:
    """What `go tool nm` prints for a file, run with the toolchain that built it."""
    return subprocess.run([str(toolchains.go_binary(go)), "tool", "nm", str(path)],
                          capture_output=True, text=True, check=True).stdout


@pytest.fixture(autouse=True)
def _free_emulated_processes():
    """Emulated processes hold their memory until Python's cycle collector frees their Unicorn
    instance: after a test that made some, collect, so hundreds of them never pile up."""
    machine = sys.modules.get("gopluginemu.engines.emulate.machine")
    before = machine.EmuMachine.created if machine else 0
    yield
    machine = sys.modules.get("gopluginemu.engines.emulate.machine")
    if machine and machine.EmuMachine.created != before:
        gc.collect()


# What the emulator runs: every corpus transcript is checked on all of these; the detailed API,
# policy and heap tests use DETAIL_GO (the releases either side of the map and malloc rewrites).
EMULATED_GO = matrix.GO_VERSIONS
EMULATED_TARGETS = ("linux/amd64", "linux/arm64", "linux/ppc64le", "linux/s390x", "darwin/amd64", "darwin/arm64")


def reference_target(target: str) -> str:
    """Where Go's own transcript of a target's plugins is recorded: the target itself, or for a
    darwin target (whose host cannot run here) linux on the same CPU, built from the same source."""
    spec = matrix.TARGETS[target]
    return target if spec.runs_host else f"linux/{spec.goarch}"


DETAIL_GO = ("1.24.11", "1.27.3")
