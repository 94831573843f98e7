"""The public API, mirroring Go's ``plugin`` package: ``open(path)`` gives a ``Plugin`` whose
``lookup(name)`` gives typed Python views of the plugin's exported funcs and vars.

Like Go, opening a path again returns the same plugin; a second file with the same plugin
path fails with "plugin already loaded"; a plugin built against a different version of a
package an earlier plugin brought in fails with Go's package-version error; and a failed open
is remembered ("(previous failure)"). Each plugin runs in its own emulated process.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

from gopluginemu.engines.emulate import EmuMachine, Policy, load_plugin
from gopluginemu.engines.emulate.machine import DEFAULT_TIME_LIMIT
from gopluginemu.errors import GoPanic, GoPluginError, PluginOpenError, SymbolNotFoundError, UnreadableFileError
from gopluginemu.gometa import GoBinary
from gopluginemu.gometa.types import GoType
from gopluginemu.inspection import parsing

MODES = ("auto", "emulate")


class Plugin:
    """An opened Go plugin: ``lookup`` like Go's ``Plugin.Lookup``, plus ``symbols()``, the
    captured output (``stdout``/``stderr``) and what it was built with."""

    def __init__(self, path: str, machine: EmuMachine) -> None:
        self.path = path
        self.machine = machine
        binary = machine.binary
        self.pluginpath: str = binary.moduledata.pluginpath
        self.go_version: str = binary.buildinfo.go_version
        self.goos: str = binary.obj.goos
        self.goarch: str = binary.obj.arch.goarch
        self._exports = binary.exports
        self._symbols: dict[str, object] = {}
        self._stdout = bytearray()
        self._stderr = bytearray()

    def __repr__(self) -> str:
        return f"<gopluginemu.Plugin {self.pluginpath} ({self.go_version} {self.goos}/{self.goarch}) from {self.path}>"

    def symbols(self) -> dict[str, str]:
        """Every exported func and var: name -> Go type of its ``Lookup`` value (``%T``)."""
        return {name: e.type for name, e in self._exports.items()}

    def lookup(self, name: str):
        """The exported symbol ``name``: a ``Pointer`` for a var, a callable ``GoFunc`` for a func.
        Raises ``SymbolNotFoundError`` with Go's message."""
        sym = self._symbols.get(name)
        if sym is None:
            sym = self._symbols[name] = self._resolve(name)
        return sym

    def _resolve(self, name: str):
        from gopluginemu.calls import GoFunc
        from gopluginemu.values import Pointer

        export = self._exports.get(name)
        m = self.machine
        if export is None:
            raise SymbolNotFoundError(name, self.pluginpath)
        addr = m.image.addr(f"{self.pluginpath}.{name}")
        typ = self.live_type(export.go_type)
        if export.kind == "var":
            return Pointer(m, typ, addr)
        funcval = m.alloc(8)  # Go's Lookup boxes a func's entry PC in a fresh heap word
        m.set_word(funcval, addr)
        return GoFunc(m, typ, addr, funcval, name=name)

    def live_type(self, static: GoType) -> GoType:
        """The descriptor of a statically decoded type, read from the plugin's live image."""
        return self.machine.types.type_at(self.machine.image.base + static.addr)

    def close(self) -> None:
        """Free the plugin's emulated process. Go cannot unload a plugin; here the memory comes
        back, and the plugin (and every value from it) is unusable afterwards."""
        self._collect()
        self.machine.close()

    def _collect(self) -> None:
        out, err = self.machine.kernel.take_output()
        self._stdout += out
        self._stderr += err

    def take_output(self) -> tuple[str, str]:
        """What the plugin wrote to stdout and stderr since the last ``take_output``."""
        self._collect()
        out, err = self._stdout.decode("utf-8", "replace"), self._stderr.decode("utf-8", "replace")
        self._stdout.clear()
        self._stderr.clear()
        return out, err

    @property
    def stdout(self) -> str:
        """Everything the plugin has written to stdout and not yet taken."""
        self._collect()
        return self._stdout.decode("utf-8", "replace")

    @property
    def stderr(self) -> str:
        """Everything the plugin has written to stderr and not yet taken."""
        self._collect()
        return self._stderr.decode("utf-8", "replace")


@dataclass
class _Failed:
    error: str


@dataclass
class Session:
    """What Go's ``plugin`` package keeps per process: plugins by real path, and the packages
    (with their link-time hashes) and plugin paths already loaded.

    ``policy`` decides what the plugins' system calls get (default: nothing reaches the host);
    ``time_limit`` is the wall-clock seconds one call or one open may run (None: no limit);
    ``gc_trigger`` how many bytes the plugin allocates between two collections of its heap."""

    policy: Policy | None = None
    time_limit: float | None = DEFAULT_TIME_LIMIT
    gc_trigger: int | None = None  # bytes allocated between collections (None: the heap's default; 0: before every call)
    plugins: dict[str, Plugin | _Failed] = field(default_factory=dict)
    package_hashes: dict[str, bytes] = field(default_factory=dict)
    pluginpaths: set[str] = field(default_factory=set)
    # plugins loaded whose exported package hashes are not yet in ``package_hashes``: they are read
    # only when a later plugin is checked against them
    exporters: list[GoBinary] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def open(self, path: str | os.PathLike, mode: str = "auto") -> Plugin:
        """Open (load, link and initialise) the plugin at ``path``; see ``gopluginemu.open``."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        name = os.fspath(path)
        try:
            real = os.path.realpath(name, strict=True)
        except OSError as e:
            raise UnreadableFileError(name, e.strerror or str(e)) from None
        with self.lock:
            known = self.plugins.get(real)
            if isinstance(known, _Failed):
                raise PluginOpenError(f'plugin.Open("{name}"): {known.error} (previous failure)', name)
            if known is not None:
                return known
            with parsing(name):
                binary, engine = load_plugin(real)
                binary.moduledata, binary.exports  # noqa: B018
            short = name[:-3] if len(name) > 3 and name.endswith(".so") else name
            problem = self._link_problem(binary)
            if problem:
                self.plugins[real] = _Failed(problem)
                raise PluginOpenError(f'plugin.Open("{short}"): {problem}', name)
            with parsing(name):
                machine = EmuMachine(binary, self.policy, self.time_limit, engine)
            if self.gc_trigger is not None:
                machine.heap.trigger = self.gc_trigger
            plugin = Plugin(name, machine)
            self._register(binary)
            self.plugins[real] = plugin
            try:
                machine.host.run_inits()
            except GoPanic as e:
                from gopluginemu.values import convert_panic_value

                convert_panic_value(machine, e)
                raise
            finally:
                plugin._collect()
            return plugin

    def close(self) -> None:
        """Close every plugin the session opened (its emulated processes' memory comes back)."""
        with self.lock:
            for plugin in self.plugins.values():
                if isinstance(plugin, Plugin):
                    plugin.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _link_problem(self, binary: GoBinary) -> str:
        """What Go's ``plugin_lastmoduleinit`` refuses, checked against the plugins loaded so far."""
        if binary.moduledata.pluginpath in self.pluginpaths:
            return "plugin already loaded"
        while self.exporters:  # in the order they were loaded: the first to export a package wins
            exporter = self.exporters.pop(0)
            with parsing(exporter.obj.path):
                for package, value in exporter.exported_hashes.items():
                    self.package_hashes.setdefault(package, value)
        if not self.package_hashes:  # the first plugin: the emulated host itself exports no package
            return ""
        for h in binary.package_hashes:
            seen = self.package_hashes.get(h.package)
            if seen is not None and seen != h.hash:
                return f"plugin was built with a different version of package {h.package}"
        return ""

    def _register(self, binary: GoBinary) -> None:
        self.pluginpaths.add(binary.moduledata.pluginpath)
        self.exporters.append(binary)


_default = Session()


def open(path: str | os.PathLike, mode: str = "auto", *, session: Session | None = None) -> Plugin:  # noqa: A001
    """Open a Go plugin like Go's ``plugin.Open``: load it into the emulator, run its package
    inits, and return a ``Plugin``. ``mode="emulate"`` forces the emulator; ``"auto"`` uses it
    until a native fast path exists. Opening the same path again returns the same ``Plugin``.

    Raises ``InitPanic`` if an init panics, ``PluginOpenError`` where Go's ``plugin.Open``
    returns an error, and ``FileError`` subclasses for files that are not Go plugins."""
    return (session or _default).open(path, mode)


__all__ = ["GoPluginError", "Plugin", "Session", "open"]
