"""``inspect(path)``: what a Go plugin contains, read statically (no emulator, any host OS/CPU)."""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from gopluginemu.errors import CorruptFileError, GoPluginError
from gopluginemu.formats import open_object
from gopluginemu.gometa import Export, FuncTable, GoBinary, Module

T = TypeVar("T")
# What a parser may raise on bytes it did not expect; turned into CorruptFileError at this boundary.
PARSER_ERRORS = (struct.error, IndexError, KeyError, ValueError, OverflowError, UnicodeError, RecursionError, MemoryError)


@contextmanager
def parsing(path: str) -> Iterator[None]:
    """Turn any stray parser exception into ``CorruptFileError`` naming ``path``."""
    try:
        yield
    except GoPluginError:
        raise
    except PARSER_ERRORS as exc:
        raise CorruptFileError(path, f"corrupt or truncated file ({type(exc).__name__}: {exc})") from None


def guarded(path: str, fn: Callable[[], T]) -> T:
    """``fn()`` with parser exceptions turned into ``CorruptFileError``."""
    with parsing(path):
        return fn()


@dataclass
class PluginInfo:
    """Everything ``inspect`` reads from a plugin; ``functions`` is decoded lazily on first use."""

    path: str
    format: str  # "elf" or "macho"
    goos: str
    goarch: str
    microarch_level: str | None  # GOAMD64 / GOARM64 / GOPPC64 value, where recorded
    go_version: str  # "go1.26.6"
    main_module: Module | None
    deps: list[Module]
    settings: dict[str, str]  # the "build" lines of go version -m
    build_path: str  # the "path" line of go version -m (the main package)
    pluginpath: str  # as the runtime stores it (objabi.PathToPrefix-escaped)
    exports: dict[str, Export]
    init_order: list[str]  # packages whose init tasks run, in Go's order
    package_hashes: dict[str, str]  # package -> hex fingerprint, in Go's check order
    functions: FuncTable = field(repr=False, compare=False)

    @property
    def packages(self) -> list[str]:
        """The Go packages linked into the plugin."""
        return list(self.package_hashes)

    def to_json(self, functions: bool = False) -> dict:
        """A JSON-ready dict (with every function of the pclntab if ``functions``)."""
        out = {
            "path": self.path,
            "format": self.format,
            "goos": self.goos,
            "goarch": self.goarch,
            "microarch_level": self.microarch_level,
            "go_version": self.go_version,
            "build_path": self.build_path,
            "main_module": self.main_module.to_json() if self.main_module else None,
            "deps": [d.to_json() for d in self.deps],
            "settings": self.settings,
            "pluginpath": self.pluginpath,
            "exports": {name: e.to_json() for name, e in self.exports.items()},
            "init_order": self.init_order,
            "packages": self.packages,
            "package_hashes": self.package_hashes,
        }
        if functions:
            out["functions"] = guarded(self.path, lambda: [f.to_json() for f in self.functions])
        return out


def load(path: str | os.PathLike[str]) -> GoBinary:
    """Open ``path`` and return its Go view (any Go binary: plugin, executable, library)."""
    path = os.fspath(path)
    with parsing(path):
        return GoBinary(open_object(path))


def inspect(path: str | os.PathLike[str]) -> PluginInfo:
    """Read a Go plugin's build info, exports with their Go types, init order, packages and functions.

    Raises a ``gopluginemu.errors`` exception naming the file if it is unreadable,
    not ELF/Mach-O, truncated or corrupt, for an unsupported CPU, or not a plugin.
    """
    go = load(path)
    with parsing(go.obj.path):
        go.require_plugin()
        bi = go.buildinfo
        settings = bi.settings_dict
        level_key = go.obj.arch.level_setting
        return PluginInfo(
            path=go.obj.path,
            format=go.obj.format,
            goos=settings.get("GOOS", go.obj.goos),
            goarch=settings.get("GOARCH", go.obj.arch.goarch),
            microarch_level=settings.get(level_key) if level_key else None,
            go_version=bi.go_version,
            main_module=bi.main,
            deps=list(bi.deps),
            settings=settings,
            build_path=bi.path,
            pluginpath=go.moduledata.pluginpath,
            exports=go.exports,
            init_order=[t.package for t in go.init_tasks],
            package_hashes={h.package: h.hash.hex() for h in go.package_hashes},
            functions=go.functions,
        )
