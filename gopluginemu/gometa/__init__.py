"""Go metadata read from an object file's bytes: build info, moduledata, types, functions, plugin tables.

``GoBinary(obj)`` is the entry point; every part is decoded on first access.
"""

from __future__ import annotations

from functools import cached_property

from gopluginemu.errors import NotAPluginError, UnsupportedGoVersionError
from gopluginemu.formats.base import ObjectFile
from gopluginemu.formats.tables import decoded
from gopluginemu.gometa.buildinfo import BuildInfo, Module, read_buildinfo
from gopluginemu.gometa.layouts import SUPPORTED_RELEASES, Layout, layout_for
from gopluginemu.gometa.memory import Memory
from gopluginemu.gometa.moduledata import ModuleData, find_moduledata
from gopluginemu.gometa.pclntab import FuncTable, Function
from gopluginemu.gometa.plugin import (
    Export,
    InitTask,
    PackageHash,
    exported_hashes,
    exports,
    init_tasks,
    module_hashes,
)
from gopluginemu.gometa.types import GoType, TypeReader


class GoBinary:
    """The Go view of one object file (a plugin, or a host executable)."""

    def __init__(self, obj: ObjectFile) -> None:
        self.obj = obj
        self.mem = Memory(obj)
        self.tables = obj.tables  # the file's shared entry, where ``@decoded`` parts are kept

    @cached_property
    def buildinfo(self) -> BuildInfo:
        return read_buildinfo(self.obj)

    @cached_property
    def layout(self) -> Layout:
        layout = layout_for(self.buildinfo.go_version)
        if layout is None:
            raise UnsupportedGoVersionError(
                self.obj.path,
                f"built by {self.buildinfo.go_version}; supported releases: go{', go'.join(SUPPORTED_RELEASES)}",
            )
        return layout

    @decoded
    def moduledata(self) -> ModuleData:
        md = find_moduledata(self.obj, self.layout)
        if md is None:
            raise NotAPluginError(self.obj.path, "no Go module data found: not built with -buildmode=plugin")
        return md

    @property
    def is_plugin(self) -> bool:
        """What Go's loader requires of a plugin's module: a plugin path and no main."""
        md = self.moduledata
        return bool(md.pluginpath) and not md.hasmain

    def require_plugin(self) -> None:
        """Raise ``NotAPluginError`` unless the file is a Go plugin."""
        mode = self.buildinfo.settings_dict.get("-buildmode", "")
        if mode not in ("", "plugin") or not self.is_plugin:
            what = f"-buildmode={mode}" if mode else "no plugin path"
            raise NotAPluginError(self.obj.path, f"not built with -buildmode=plugin ({what})")

    @cached_property
    def types(self) -> TypeReader:
        return TypeReader(self.mem, self.layout, self.moduledata.words["types"])

    @cached_property
    def functions(self) -> FuncTable:
        return FuncTable(self.mem, self.layout, self.moduledata)

    @cached_property
    def exports(self) -> dict[str, Export]:
        return exports(self.mem, self.layout, self.moduledata, self.types)

    @cached_property
    def init_tasks(self) -> list[InitTask]:
        return init_tasks(self.obj, self.mem, self.layout, self.moduledata)

    @decoded
    def package_hashes(self) -> list[PackageHash]:
        """``moduledata.pkghashes`` (plugins): the hash each package was linked with, in Go's check order."""
        return module_hashes(self.mem, self.layout, self.moduledata)

    @decoded
    def exported_hashes(self) -> dict[str, bytes]:
        """The ``go:link.pkghash.*`` hashes this file offers to plugins loaded after it."""
        return exported_hashes(self.obj, self.mem)


__all__ = [
    "BuildInfo",
    "Export",
    "FuncTable",
    "Function",
    "GoBinary",
    "GoType",
    "InitTask",
    "Layout",
    "Module",
    "ModuleData",
    "PackageHash",
]
