"""Builds the Go programs the inspection tests compare against, once, into a cache folder.

Sources live in tests/data/goplugins (plugins, a reference host, a plain
executable and a c-shared library) and corpus/go (the hello plugin). Products go to
$GOPLUGINEMU_TEST_CACHE (default: <tmp>/gopluginemu-inspect-tests) and are reused
while they are newer than their sources. Run this file to build everything up front.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_MODULE = ROOT / "tests" / "data" / "goplugins"
CORPUS_MODULE = ROOT / "corpus" / "go"
GO_DIR = Path(os.environ.get("GOPLUGINEMU_CACHE") or Path.home() / ".cache" / "gopluginemu") / "go"
CACHE = Path(os.environ.get("GOPLUGINEMU_TEST_CACHE") or Path(tempfile.gettempdir()) / "gopluginemu-inspect-tests")

ALL_VERSIONS = ("1.21.13", "1.22.10", "1.23.9", "1.24.11", "1.25.5", "1.26.6", "1.27.3")
CROSS_VERSIONS = ("1.24.11", "1.27.3")
C_COMPILERS = {
    "amd64": "gcc",
    "arm64": "aarch64-linux-gnu-gcc",
    "ppc64le": "powerpc64le-linux-gnu-gcc",
    "s390x": "s390x-linux-gnu-gcc",
}
# what -> (module folder, package folder, build mode)
PROGRAMS = {
    "typezoo": (TEST_MODULE, "typezoo", "plugin"),
    "hello": (CORPUS_MODULE, "plugins/hello", "plugin"),
    "host": (TEST_MODULE, "host", "exe"),
    "exe": (TEST_MODULE, "exe", "exe"),
    "cshared": (TEST_MODULE, "cshared", "c-shared"),
}
# the exported names of typezoo, as the host looks them up
TYPEZOO_EXPORTS = (
    "Counter Label Names Table Grid In Out Nested Any Point Embedded Ptr Variadic Raw Complex Addr Err Gen "
    "Methods Funcs Empty Greet Divide Sum MakeShape Apply Describe Nothing Multi NewThing Version"
).split()


def go_binary(version: str) -> Path:
    return GO_DIR / version / "go" / "bin" / "go"


def _env(version: str, goarch: str) -> dict[str, str]:
    return dict(
        os.environ,
        GOTOOLCHAIN="local",
        GOPROXY="off",
        GOFLAGS="",
        CGO_ENABLED="1",
        GOOS="linux",
        GOARCH=goarch,
        CC=C_COMPILERS[goarch],
        GOCACHE=str(CACHE / "gocache" / version),
    )


def _newest_source(module: Path) -> float:
    return max(p.stat().st_mtime for p in module.rglob("*") if p.suffix == ".go" or p.name == "go.mod")


def build(
    version: str, goarch: str, what: str, stripped: bool = False, tags: str = "", copy: str = "", goamd64: str = ""
) -> Path:
    """The built program ``what`` (see PROGRAMS) for linux/goarch with Go ``version``.

    ``tags`` are build tags; ``copy`` names an extra identical build (same plugin path, other file);
    ``goamd64`` sets GOAMD64.
    """
    module, package, mode = PROGRAMS[what]
    suffix = ("-stripped" if stripped else "") + (f"-tags-{tags}" if tags else "") + (f"-{copy}" if copy else "")
    suffix += f"-{goamd64}" if goamd64 else ""
    ext = {"plugin": ".so", "c-shared": ".so", "exe": ""}[mode]
    out = CACHE / f"go{version}" / goarch / f"{what}{suffix}{ext}"
    if out.exists() and out.stat().st_mtime > _newest_source(module):
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + f".{os.getpid()}.tmp")
    cmd = [str(go_binary(version)), "build", f"-buildmode={mode}", "-o", str(tmp)]
    if stripped:
        cmd.append("-ldflags=-s -w")
    if tags:
        cmd.append(f"-tags={tags}")
    cmd.append("./" + package)
    env = _env(version, goarch) | ({"GOAMD64": goamd64} if goamd64 else {})
    proc = subprocess.run(cmd, cwd=module, env=env, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"building {what} with go{version} for {goarch} failed:\n{proc.stderr}")
    for leftover in tmp.parent.glob(tmp.stem + ".h"):  # c-shared writes a header beside the library
        leftover.unlink()
    tmp.rename(out)
    return out


def go_version_m(version: str, path: Path) -> str:
    """What ``go version -m path`` prints, run with the toolchain that built the file."""
    proc = subprocess.run([str(go_binary(version)), "version", "-m", str(path)], capture_output=True, text=True, check=True)
    return proc.stdout


def run_host(host: Path, plugins: list[Path], names: list[str] = TYPEZOO_EXPORTS) -> list[dict]:
    """Run the reference host (linux/amd64): one record per plugin, its Open error or the %T of each name.

    If the Go runtime throws, the last record is {"plugin": ..., "fatal": "fatal error: ..."}.
    """
    proc = subprocess.run([str(host), ",".join(names), *map(str, plugins)], capture_output=True, text=True, timeout=120)
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    if proc.returncode:
        fatal = next((line for line in proc.stderr.splitlines() if line.startswith("fatal error: ")), None)
        if fatal is None:
            raise RuntimeError(f"host failed: {proc.stderr}")
        records.append({"plugin": str(plugins[len(records)]), "fatal": fatal})
    return records


def build_all() -> None:
    """Everything the tests use (what they would otherwise build on first use)."""
    for version in ALL_VERSIONS:
        build(version, "amd64", "typezoo")
        build(version, "amd64", "host")
    for version in CROSS_VERSIONS:
        for goarch in C_COMPILERS:
            build(version, goarch, "typezoo")
            build(version, goarch, "typezoo", stripped=True)
        build(version, "amd64", "typezoo", tags="skew")
        build(version, "amd64", "typezoo", copy="copy")
        build(version, "amd64", "typezoo", goamd64="v3")
        build(version, "amd64", "exe")
        build(version, "amd64", "cshared")
        build(version, "amd64", "hello")


if __name__ == "__main__":
    build_all()
    print(f"built into {CACHE}", file=sys.stderr)
