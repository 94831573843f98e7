"""Where each corpus build and transcript lives, keyed by what it is built from.

Every product's file name carries a key: a hash of its Go sources, the
toolchain version, the target and its build flags (for a plugin variant, its
recipe plus its plugin's key; for a transcript, the keys of the host and
plugins it ran plus the scenario). A changed source changes only the keys
that depend on it, so a rebuild only redoes those.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from corpus.matrix import GO_MODULE, PLUGIN_TAGS, PLUGIN_VARIANTS, PROGRAMS, TARGETS, Target, built_for, zig_version
from corpus.toolchains import cache_dir

# Bump when the way things are built changes without any source changing.
RECIPE = "2"


def _tree_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and (p.suffix == ".go" or p.name == "go.mod"))


def _hash_files(files: list[Path]) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update(str(f.relative_to(GO_MODULE)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


@lru_cache(maxsize=None)
def library_hash() -> str:
    """Hash of the module's shared packages: everything but the plugins, the programs, the hosts and
    the scenarios."""
    own = {GO_MODULE / d for d in ("plugins", "programs", "host", "benchhost", "scenarios")}
    files = [f for f in _tree_files(GO_MODULE) if not any(d in f.parents for d in own)]
    return _hash_files(files)


@lru_cache(maxsize=None)
def package_hash(folder: str) -> str:
    return _hash_files(_tree_files(GO_MODULE / folder))


def _key(*parts: str) -> str:
    return hashlib.sha256("\0".join((RECIPE, *parts)).encode()).hexdigest()[:16]


def _target_dir(go: str, target: str) -> Path:
    return cache_dir() / "corpus" / f"go{go}" / TARGETS[target].slug


def ldflags(target: Target, stripped: bool) -> tuple[str, ...]:
    """Linker flags: -s -w for the stripped variant; darwin always needs -w (no host strip run)."""
    if stripped:
        return ("-ldflags=-s -w",)
    if target.goos == "darwin":
        return ("-ldflags=-w",)
    return ()


def plugin_key(go: str, target: str, name: str, stripped: bool) -> str:
    if name in PLUGIN_VARIANTS:
        v = PLUGIN_VARIANTS[name]
        recipe = ("copy",) if v.copy else tuple(f"{k}={value}" for k, value in v.env)
        return _key("variant", *recipe, plugin_key(go, target, v.plugin, stripped))
    t = TARGETS[target]
    flags = ldflags(t, stripped) + PLUGIN_TAGS.get(name, ())
    linker = f"zig{zig_version(go)}" if t.cc.startswith("zig:") else t.cc
    return _key("plugin", go, target, name, linker, *flags, library_hash(), package_hash(f"plugins/{name}"))


def host_key(go: str, target: str) -> str:
    return _key("host", go, target, library_hash(), package_hash("host"))


def benchhost_key(go: str, target: str) -> str:
    return _key("benchhost", go, target, library_hash(), package_hash("benchhost"))


def program_key(go: str, target: str, name: str) -> str:
    return _key("program", go, target, PROGRAMS[name], library_hash(), package_hash(f"programs/{name}"))


def plugin_path(go: str, target: str, name: str, stripped: bool = False) -> Path:
    """The built plugin or plugin variant ``name`` (it exists once ``python -m corpus build`` has run)."""
    suffix = "-stripped" if stripped else ""
    return _target_dir(go, target) / "plugins" / f"{name}{suffix}-{plugin_key(go, target, name, stripped)}.so"


def host_path(go: str, target: str) -> Path:
    """The reference host built for that Go version and target."""
    return _target_dir(go, target) / f"host-{host_key(go, target)}"


def benchhost_path(go: str, target: str) -> Path:
    """The benchmark host (go/benchhost) built for that Go version and target (matrix.BENCH_*)."""
    return _target_dir(go, target) / f"benchhost-{benchhost_key(go, target)}"


def program_path(go: str, target: str, name: str) -> Path:
    """The non-plugin program ``name`` (see matrix.PROGRAMS) built for a linux target."""
    suffix = ".so" if PROGRAMS[name] == "c-shared" else ""
    return _target_dir(go, target) / "programs" / f"{name}-{program_key(go, target, name)}{suffix}"


def scenario_file(scenario: str) -> Path:
    return GO_MODULE / "scenarios" / f"{scenario}.json"


@lru_cache(maxsize=None)
def scenario_plugins(scenario: str) -> tuple[str, ...]:
    """The plugins a scenario opens, in order of first mention."""
    ops = json.loads(scenario_file(scenario).read_text())["ops"]
    names: list[str] = []
    for op in ops:
        if op.get("plugin") and op["plugin"] not in names:
            names.append(op["plugin"])
    return tuple(names)


def scenario_runs_on(scenario: str, target: str) -> bool:
    """Whether the scenario is recorded on that target: its host runs there and so do its plugins."""
    t = TARGETS[target]
    return t.runs_host and all(built_for(name, t) for name in scenario_plugins(scenario))


def transcript_key(go: str, target: str, scenario: str, stripped: bool, plugin_go: str | None = None) -> str:
    plugins = [plugin_key(plugin_go or go, target, p, stripped) for p in scenario_plugins(scenario)]
    scenario_hash = hashlib.sha256(scenario_file(scenario).read_bytes()).hexdigest()
    return _key("transcript", host_key(go, target), *plugins, scenario_hash)


def transcript_path(go: str, target: str, scenario: str, stripped: bool = False,
                    plugin_go: str | None = None) -> Path:
    """The reference host's transcript of ``scenario`` (plugins stripped or not; built by
    ``plugin_go`` when another Go version than the host's)."""
    suffix = ("-stripped" if stripped else "") + (f"@go{plugin_go}" if plugin_go else "")
    key = transcript_key(go, target, scenario, stripped, plugin_go)
    return _target_dir(go, target) / "transcripts" / f"{scenario}{suffix}-{key}.json"


@dataclass(frozen=True)
class Transcript:
    """A recorded transcript: where it came from and Go's events."""

    go: str
    target: str
    scenario: str
    stripped: bool
    host: str
    plugin_go: str
    events: list[dict]
    fatal: str | None = None  # how the Go runtime killed the host, when it did
    exit_code: int = 0


def load_transcript(go: str, target: str, scenario: str, stripped: bool = False,
                    plugin_go: str | None = None) -> Transcript:
    """Read a transcript recorded by ``python -m corpus build``."""
    data = json.loads(transcript_path(go, target, scenario, stripped, plugin_go).read_text())
    return Transcript(**data)
