"""``check(first, plugin)``: would Go load ``plugin`` after ``first`` (a host executable or a plugin)?

Static: both files are only read. Errors are the reasons Go's runtime would
refuse, the first being what Go reports: ``runtime.plugin_lastmoduleinit`` of
the first file's release, simulated step by step on the plugin's moduledata
read with that release's layout (another toolchain's runtime misreads it: it
finds no module, or follows a garbage pointer and panics or throws), its
checks in its order, the plugin path ("plugin already loaded") before the
package hashes, in the order of the plugin's ``pkghashes`` table. Warnings are
visible differences Go does not refuse but that matter (microarchitecture
level, tags, trimpath, experiments, race/sanitizers).
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field

from gopluginemu.errors import CorruptFileError
from gopluginemu.gometa import GoBinary
from gopluginemu.inspection import load, parsing

# build settings whose difference is worth a warning (values differ, or present in only one file)
WARN_SETTINGS = ("-tags", "-trimpath", "GOEXPERIMENT", "-race", "-msan", "-asan", "-gcflags")
# Go's sigpanic turns a fault below this address into a nil-dereference panic, any other into a throw
NIL_PAGE = 0x1000
NIL_DEREFERENCE = "runtime error: invalid memory address or nil pointer dereference"


@dataclass(frozen=True)
class Reason:
    """One incompatibility or warning: a stable ``code`` and Go's wording where Go has one."""

    code: str
    message: str
    package: str | None = None
    plugin_hash: str | None = None
    first_hash: str | None = None
    fatal: bool = False  # Go throws (the process dies) instead of returning an error
    panics: bool = False  # plugin.Open panics with this runtime error (the host may recover it)
    detail: str | None = None  # why, where Go's own words do not say

    def to_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None and v is not False}


@dataclass
class CheckResult:
    """The verdict on loading ``plugin`` after ``first``."""

    first: str
    plugin: str
    first_kind: str  # "host" or "plugin"
    errors: list[Reason] = field(default_factory=list)
    warnings: list[Reason] = field(default_factory=list)

    @property
    def compatible(self) -> bool:
        return not self.errors

    @property
    def go_error(self) -> str | None:
        """What Go would say: ``plugin.Open``'s error text, the ``fatal error:`` line of a throw, or
        ``panic: `` and the runtime error ``plugin.Open`` panics with."""
        if not self.errors:
            return None
        if self.errors[0].fatal:
            return f"fatal error: {self.errors[0].message}"
        if self.errors[0].panics:
            return f"panic: {self.errors[0].message}"
        name = self.plugin[:-3] if self.plugin.endswith(".so") else self.plugin
        return f'plugin.Open("{name}"): {self.errors[0].message}'

    def to_json(self) -> dict:
        return {
            "first": self.first,
            "first_kind": self.first_kind,
            "plugin": self.plugin,
            "compatible": self.compatible,
            "go_error": self.go_error,
            "errors": [r.to_json() for r in self.errors],
            "warnings": [r.to_json() for r in self.warnings],
        }


def _platform(go: GoBinary) -> tuple[str, str, str | None]:
    settings = go.buildinfo.settings_dict
    level_key = go.obj.arch.level_setting
    return (
        settings.get("GOOS", go.obj.goos),
        settings.get("GOARCH", go.obj.arch.goarch),
        settings.get(level_key) if level_key else None,
    )


def _platform_reasons(first: GoBinary, plugin: GoBinary) -> list[Reason]:
    out = []
    (os_a, arch_a, _), (os_b, arch_b, _) = _platform(first), _platform(plugin)
    if (os_a, arch_a) != (os_b, arch_b):
        out.append(Reason("platform", f"plugin is for {os_b}/{arch_b}, the {_kind(first)} for {os_a}/{arch_a}"))
    if first.buildinfo.go_version != plugin.buildinfo.go_version:
        out.append(
            Reason(
                "toolchain",
                f"plugin was built with {plugin.buildinfo.go_version}, the {_kind(first)} with {first.buildinfo.go_version}",
            )
        )
    return out


def _level_warnings(first: GoBinary, plugin: GoBinary) -> list[Reason]:
    """Go loads a plugin of another microarchitecture level (GOAMD64=v3 into a v1 host); it only
    needs a CPU of that level, so this is a warning."""
    (os_a, arch_a, level_a), (os_b, arch_b, level_b) = _platform(first), _platform(plugin)
    if (os_a, arch_a) != (os_b, arch_b) or level_a == level_b:
        return []
    key = plugin.obj.arch.level_setting
    message = f"plugin was built with {key}={level_b}, the {_kind(first)} with {key}={level_a}: it needs a CPU of that level"
    return [Reason("microarch", message)]


def _kind(go: GoBinary) -> str:
    return "plugin" if go.is_plugin else "host"


def _host_reasons(first: GoBinary) -> list[Reason]:
    if first.is_plugin:
        return []
    settings = first.buildinfo.settings_dict
    if settings.get("CGO_ENABLED") == "0":
        return [Reason("no-plugin-support", "plugin: not implemented (the host was built with CGO_ENABLED=0)")]
    if not first.exported_hashes:
        return [Reason("no-plugin-support", 'the host does not import "plugin" (no go:link.pkghash symbols)')]
    return []


class _Fault(Exception):
    """The runtime dereferenced unmapped memory at ``address``, or, when None, at an address that depends
    on the plugin's load base (inside or past its mapping, never in the first page)."""

    def __init__(self, address: int | None) -> None:
        super().__init__(address)
        self.address = address


@dataclass(frozen=True)
class _Word:
    """A pointer-sized value as the runtime sees it: an address ``value`` bytes past the load base of
    ``image``, or, with no image, a plain number (a word no relocation patches)."""

    value: int
    image: GoBinary | None = None

    def at(self, offset: int) -> _Word:
        return _Word(self.value + offset, self.image)

    @property
    def number(self) -> int | None:
        """The word used as a length: None for an address (larger than anything mapped)."""
        return self.value if self.image is None else None

    @property
    def is_nil(self) -> bool:
        return self.image is None and self.value == 0


@dataclass(frozen=True)
class _String:
    """A Go string header read by the runtime."""

    data: _Word
    length: int | None  # None: an address read as a length


class _HostView:
    """Memory as the first file's runtime reads it once the dynamic linker has bound the plugin.

    A word of the plugin is an address where a relocation patches it (bound to the first file where
    that defines the symbol: it comes first in the lookup scope) and a plain number elsewhere, which
    faults when followed (the plugin is mapped at an unknown base); the first file's own strings are
    read with its own reader.
    """

    def __init__(self, first: GoBinary, plugin: GoBinary) -> None:
        self.first = first
        self.ptr_size = plugin.obj.ptr_size

    def read(self, ptr: _Word, size: int | None) -> bytes:
        """``size`` bytes at ``ptr`` (None: more than any mapping holds), or ``_Fault``."""
        if ptr.image is None:
            raise _Fault(ptr.value)
        if size is None:
            raise _Fault(None)
        try:
            return ptr.image.obj.read(ptr.value, size)
        except CorruptFileError:
            raise _Fault(None) from None

    def word(self, ptr: _Word) -> _Word:
        """The pointer-sized word at ``ptr``."""
        raw = self.read(ptr, self.ptr_size)
        obj = ptr.image.obj
        rel = obj.relocation_at(ptr.value)
        if rel is None:
            return _Word(int.from_bytes(raw, obj.byte_order))
        sym = self.first.obj.dynamic_symbols.get(rel.symbol or "")
        if sym is not None and sym.kind != "undefined":
            return _Word(sym.value + rel.addend, self.first)
        return _Word(obj.pointer(ptr.value), ptr.image)

    def string(self, ptr: _Word) -> _String:
        """The string header at ``ptr``."""
        if ptr.image is self.first:
            data, length = self.first.mem.slice(ptr.value)
            return _String(_Word(data, self.first), length)
        return _String(self.word(ptr), self.word(ptr.at(self.ptr_size)).number)

    def text(self, s: _String) -> bytes:
        """The bytes of ``s`` (an empty string is not dereferenced)."""
        return self.read(s.data, s.length) if s.length != 0 else b""

    def peek(self, s: _String) -> bytes | None:
        """The bytes of ``s`` for a report, None where reading them would fault (Go does not read them)."""
        try:
            return self.text(s)
        except _Fault:
            return None

    def equal(self, a: _String, b: _String) -> bool:
        """Go's string ``==``: the lengths, then the bytes."""
        return a.length is not None and a.length == b.length and self.text(a) == self.text(b)


def _lastmoduleinit_reasons(first: GoBinary, plugin: GoBinary) -> list[Reason]:
    """``runtime.plugin_lastmoduleinit`` of the first file's release on the plugin's moduledata, which
    it reads with its own layout (another release's runtime misreads it).

    The plugin's ``addmoduledata`` links its module at its release's ``next`` offset and the runtime
    walks the list at its own: if they differ the walk finds no new module and throws. Otherwise the
    runtime reads ``bad``, ``pluginpath``, ``typemap`` and the ``pkghashes`` table at its offsets;
    following a word that points at no mapped memory faults. (The text/data overlap check is not
    simulated: it compares run-time addresses.)
    """
    no_module = Reason("module-layout", "runtime: no plugin module data", fatal=True)
    layout = first.layout
    if layout.off("moduledata", "next") != plugin.layout.off("moduledata", "next"):
        return [no_module]
    view = _HostView(first, plugin)
    md = _Word(plugin.moduledata.addr, plugin)

    def field_of(name: str) -> _Word:
        return md.at(layout.off("moduledata", name))

    try:
        if any(view.read(field_of("bad"), 1)):
            return [no_module]
        path = view.string(field_of("pluginpath"))
        if path.length == 0:
            return [Reason("empty-pluginpath", "runtime: plugin has empty pluginpath", fatal=True)]
        loaded = view.string(_Word(first.moduledata.addr + layout.off("moduledata", "pluginpath"), first))
        if not view.word(field_of("typemap")).is_nil or view.equal(loaded, path):
            return [Reason("already-loaded", "plugin already loaded")]
        return _pkghash_reasons(view, field_of("pkghashes"))
    except _Fault as fault:
        return [_fault_reason(first, plugin, fault)]


def _pkghash_reasons(view: _HostView, pkghashes: _Word) -> list[Reason]:
    """The ``pkghashes`` slice at ``pkghashes``, entry by entry with the runtime's ``modulehash`` layout:
    every package whose link-time hash differs from the one bound at run time (Go reports the first,
    and reads no further: a fault after it is not reported)."""
    layout = view.first.layout
    size = layout.size("modulehash")
    data, count = view.word(pkghashes), view.word(pkghashes.at(view.ptr_size)).number
    out = []
    for i in itertools.count() if count is None else range(count):
        entry = data.at(i * size)
        try:
            view.read(entry, size)  # range copies the entry
            linked = view.string(entry.at(layout.off("modulehash", "linktimehash")))
            bound = view.string(view.word(entry.at(layout.off("modulehash", "runtimehash"))))
            if not view.equal(linked, bound):
                name = view.text(view.string(entry.at(layout.off("modulehash", "modulename"))))
                package = name.decode("utf-8", "replace")
                plugin_hash, first_hash = view.peek(linked), view.peek(bound)
                out.append(
                    Reason(
                        "package-hash",
                        f"plugin was built with a different version of package {package}",
                        package=package,
                        plugin_hash=plugin_hash.hex() if plugin_hash is not None else None,
                        first_hash=first_hash.hex() if first_hash is not None else None,
                    )
                )
        except _Fault:
            if out:
                break
            raise
    return out


def _fault_reason(first: GoBinary, plugin: GoBinary, fault: _Fault) -> Reason:
    """What Go's ``sigpanic`` makes of the fault: a nil-dereference panic in the first page, else a throw."""
    where = "an address the plugin does not map" if fault.address is None else f"address {fault.address:#x}"
    detail = (
        f"the {first.buildinfo.go_version} runtime reads the {plugin.buildinfo.go_version} plugin's "
        f"moduledata with its own layout and dereferences {where}"
    )
    if fault.address is not None and fault.address < NIL_PAGE:
        return Reason("host-misreads-module", NIL_DEREFERENCE, panics=True, detail=detail)
    return Reason("host-misreads-module", "fault", fatal=True, detail=detail)


def _warnings(first: GoBinary, plugin: GoBinary) -> list[Reason]:
    a, b = first.buildinfo.settings_dict, plugin.buildinfo.settings_dict
    out = []
    for key in WARN_SETTINGS:
        if a.get(key, "") != b.get(key, ""):
            out.append(Reason("setting", f"build setting {key}: plugin {b.get(key, '')!r}, {_kind(first)} {a.get(key, '')!r}"))
    return out


def check(first: str | os.PathLike[str], plugin: str | os.PathLike[str]) -> CheckResult:
    """Compare ``plugin`` with the host executable or earlier plugin ``first`` it would be loaded after."""
    a, b = load(first), load(plugin)
    with parsing(b.obj.path):
        b.require_plugin()
    with parsing(a.obj.path):
        kind = _kind(a)
        result = CheckResult(a.obj.path, b.obj.path, kind)
        result.errors += _host_reasons(a)
        result.errors += _platform_reasons(a, b)
        if not any(r.code == "platform" for r in result.errors):
            result.errors += _lastmoduleinit_reasons(a, b)
        result.warnings += _level_warnings(a, b) + _warnings(a, b)
    # Go reports the first failing check of lastmoduleinit (kept in its order); the toolchain reason explains it
    order = {"no-plugin-support": 0, "platform": 1, "toolchain": 3}
    result.errors.sort(key=lambda r: order.get(r.code, 2))
    return result
