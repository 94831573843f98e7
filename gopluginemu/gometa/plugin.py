"""The plugin tables: exports (``go:plugin.tabs``), init tasks and package hashes.

Everything is reached from the moduledata and from relocation targets in
``.dynsym``, so it works on stripped plugins too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gopluginemu.errors import CorruptFileError
from gopluginemu.formats.base import ObjectFile
from gopluginemu.formats.name_search import NamePatterns
from gopluginemu.gometa.layouts import Layout
from gopluginemu.gometa.memory import Memory
from gopluginemu.gometa.moduledata import ModuleData
from gopluginemu.gometa.types import GoType, TypeReader

INITTASK_SUFFIX = "..inittask"
PKGHASH_PREFIX = "go:link.pkghash."
_PKGHASH = NamePatterns([re.escape(PKGHASH_PREFIX)])
_ESCAPE = re.compile(r"%([0-9a-fA-F]{2})")


@dataclass(frozen=True)
class Export:
    """An exported symbol as ``plugin.Lookup`` returns it: ``type`` is Go's ``%T`` of the value."""

    name: str
    kind: str  # "func" or "var"
    type: str
    go_type: GoType

    def to_json(self) -> dict:
        return {"name": self.name, "kind": self.kind, "type": self.type}


@dataclass(frozen=True)
class InitTask:
    """A package whose init task runs, with the number of its init functions."""

    package: str
    nfns: int


@dataclass(frozen=True)
class PackageHash:
    """A linked package and the fingerprint Go compares when a plugin is loaded."""

    package: str
    hash: bytes

    def to_json(self) -> dict:
        return {"package": self.package, "hash": self.hash.hex()}


def unescape_path(prefix: str) -> str:
    """Undo ``objabi.PathToPrefix`` (``%2e`` -> ``.``) to get a package path back."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), prefix)


def exports(mem: Memory, layout: Layout, md: ModuleData, types: TypeReader) -> dict[str, Export]:
    """The ``go:plugin.tabs`` entries in table order; vars have type ``*T`` as Lookup returns them."""
    size = layout.size("ptabEntry")
    data, count = mem.table(md.slices["ptab"], size)
    out: dict[str, Export] = {}
    for i in range(count):
        entry = data + i * size
        name = types.name_off(mem.int(entry + layout.off("ptabEntry", "name"), 4)).name
        typ = types.type_off(mem.int(entry + layout.off("ptabEntry", "typ"), 4))
        kind = "func" if typ.kind == "Func" else "var"
        out[name] = Export(name, kind, typ.string, typ)
    return out


def _target_name(obj: ObjectFile, mem: Memory, slot: int) -> str | None:
    rel = obj.relocation_at(slot)
    if rel is not None and rel.symbol:
        return rel.symbol
    return obj.symbol_at(mem.ptr(slot))


def init_tasks(obj: ObjectFile, mem: Memory, layout: Layout, md: ModuleData) -> list[InitTask]:
    """The packages of ``moduledata.inittasks``, in the order Go runs them."""
    data, count = mem.table(md.slices["inittasks"], mem.ptr_size)
    out = []
    for i in range(count):
        slot = data + i * mem.ptr_size
        name = _target_name(obj, mem, slot)
        if name is None or not name.endswith(INITTASK_SUFFIX):
            raise CorruptFileError(obj.path, f"init task {i} does not point at a package's ..inittask")
        task = mem.ptr(slot)
        nfns = mem.uint(task + layout.off("initTask", "nfns"), 4) if task else 0
        out.append(InitTask(unescape_path(name[: -len(INITTASK_SUFFIX)]), nfns))
    return out


def module_hashes(mem: Memory, layout: Layout, md: ModuleData) -> list[PackageHash]:
    """``moduledata.pkghashes``: each linked package with the hash the plugin was linked against."""
    size = layout.size("modulehash")
    data, count = mem.table(md.slices["pkghashes"], size)
    out = []
    for i in range(count):
        entry = data + i * size
        name = mem.string(entry + layout.off("modulehash", "modulename")).decode("utf-8", "replace")
        out.append(PackageHash(name, mem.string(entry + layout.off("modulehash", "linktimehash"))))
    return out


def exported_hashes(obj: ObjectFile, mem: Memory) -> dict[str, bytes]:
    """Package hashes a module offers other modules: its ``go:link.pkghash.<pkg>`` strings.

    These are what a plugin's runtime hashes bind to when a host or an earlier
    plugin exports them (a host that imports "plugin" has them for every package).
    """
    return {name[len(PKGHASH_PREFIX) :]: mem.string(value) for name, value in obj.defined_matching(_PKGHASH, dynamic=True)}
