"""``check(first, plugin)``: would Go load ``plugin`` after ``first`` (a host executable or a plugin)?

Static: both files are only read. Errors are the reasons Go's runtime would
refuse, the first being what Go reports: a module list the host cannot walk
(toolchains whose ``moduledata.next`` offsets differ: the runtime throws "no
plugin module data"), then ``runtime.plugin_lastmoduleinit``'s checks in its
order, the plugin path ("plugin already loaded") before the package hashes,
in the order of the plugin's ``pkghashes`` table. Warnings are visible
differences Go does not refuse but that matter (microarchitecture level, tags,
trimpath, experiments, race/sanitizers).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from gopluginemu.gometa import GoBinary
from gopluginemu.inspection import load, parsing

# build settings whose difference is worth a warning (values differ, or present in only one file)
WARN_SETTINGS = ("-tags", "-trimpath", "GOEXPERIMENT", "-race", "-msan", "-asan", "-gcflags")


@dataclass(frozen=True)
class Reason:
    """One incompatibility or warning: a stable ``code`` and Go's wording where Go has one."""

    code: str
    message: str
    package: str | None = None
    plugin_hash: str | None = None
    first_hash: str | None = None
    fatal: bool = False  # Go throws (the process dies) instead of returning an error

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
        """What Go would say: ``plugin.Open``'s error text, or the ``fatal error:`` line of a throw."""
        if not self.errors:
            return None
        if self.errors[0].fatal:
            return f"fatal error: {self.errors[0].message}"
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


def _module_layout_reasons(first: GoBinary, plugin: GoBinary) -> list[Reason]:
    """The plugin's ``addmoduledata`` links its module at its release's ``next`` offset; the host
    walks the list at its own. If they differ, ``lastmoduleinit`` finds no new module and throws."""
    if first.layout.off("moduledata", "next") == plugin.layout.off("moduledata", "next"):
        return []
    return [Reason("module-layout", "runtime: no plugin module data", fatal=True)]


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


def _hash_reasons(first: GoBinary, plugin: GoBinary) -> list[Reason]:
    offered = first.exported_hashes
    out = []
    for entry in plugin.package_hashes:
        theirs = offered.get(entry.package)
        if theirs is not None and theirs != entry.hash:
            out.append(
                Reason(
                    "package-hash",
                    f"plugin was built with a different version of package {entry.package}",
                    package=entry.package,
                    plugin_hash=entry.hash.hex(),
                    first_hash=theirs.hex(),
                )
            )
    return out


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
            result.errors += _module_layout_reasons(a, b)
        if kind == "plugin" and a.moduledata.pluginpath == b.moduledata.pluginpath:
            result.errors.append(Reason("already-loaded", "plugin already loaded"))
        result.errors += _hash_reasons(a, b)
        result.warnings += _level_warnings(a, b) + _warnings(a, b)
    # Go reports the first failing check of lastmoduleinit; platform/toolchain reasons explain it
    order = {"no-plugin-support": 0, "platform": 1, "module-layout": 2, "already-loaded": 3, "package-hash": 4}
    result.errors.sort(key=lambda r: order.get(r.code, len(order)))
    return result
