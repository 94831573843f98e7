"""The reference Go host (``corpus/go/host``) ported onto the emulator: it runs the operations of
a scenario file against plugins opened with ``gopluginemu`` and writes the same JSON transcript
Go's own ``plugin`` package gives, so the two can be compared entry by entry.

    events = run_scenario(json.load(open("hello.json"))["ops"], {"hello": "hello.so"})
"""

from __future__ import annotations

import json
from typing import Any

from gopluginemu.api import Plugin, Session
from gopluginemu.calls import GoFunc
from gopluginemu.errors import GoPanic, PluginOpenError, SymbolNotFoundError
from gopluginemu.transcript import decode, encode_top
from gopluginemu.values import GoValue, Pointer


class HostPanic(Exception):
    """A panic of the reference host's own code (reflect misuse, a bad scenario), which the Go
    host recovers and records like a plugin panic."""

    def __init__(self, message: str, go_type: str) -> None:
        self.go_type = go_type
        super().__init__(message)


class EmulatedHost:
    """Runs scenario operations like ``corpus/go/host``'s ``runner``."""

    def __init__(self, paths: dict[str, str], session: Session | None = None) -> None:
        self.paths = paths
        self.session = session or Session()
        self.plugins: dict[str, Plugin] = {}
        self.saved: dict[str, GoValue] = {}

    def run(self, ops: list[dict]) -> list[dict]:
        return [self.run_op(op) for op in ops]

    def run_op(self, op: dict) -> dict:
        ev: dict[str, Any] = {"op": op["op"]}
        for key in ("plugin", "symbol", "value", "method"):
            if op.get(key):
                ev[key] = op[key]
        if op.get("args"):
            ev["args"] = op["args"]
        try:
            getattr(self, "op_" + op["op"])(op, ev)
        except GoPanic as e:
            ev["panic"] = str(e)
            ev["panic_type"] = e.go_type
        except HostPanic as e:
            ev["panic"] = str(e)
            ev["panic_type"] = e.go_type
        finally:
            stdout, stderr = self._take_output()
            if stdout:
                ev["stdout"] = stdout
            if stderr:
                ev["stderr"] = stderr
        return ev

    def _take_output(self) -> tuple[str, str]:
        out, err = [], []
        for plugin in self.session.plugins.values():
            if isinstance(plugin, Plugin):
                o, e = plugin.take_output()
                out.append(o)
                err.append(e)
        return "".join(out), "".join(err)

    # -- operations --------------------------------------------------------------------------

    def op_open(self, op: dict, ev: dict) -> None:
        name = op["plugin"]
        path = self.paths[name]
        try:
            p = self.session.open(path)
        except PluginOpenError as e:
            ev["error"] = str(e).replace(path.removesuffix(".so"), f"<{name}>")
            return
        if name in self.plugins:
            ev["same"] = self.plugins[name] is p
        self.plugins[name] = p

    def _lookup(self, op: dict, ev: dict):
        p = self.plugins.get(op["plugin"])
        if p is None:
            ev["skipped"] = "plugin not open"
            return None
        try:
            return p.lookup(op["symbol"])
        except SymbolNotFoundError as e:
            ev["error"] = str(e)
            return None

    def op_lookup(self, op: dict, ev: dict) -> None:
        sym = self._lookup(op, ev)
        if sym is not None:
            ev["type"] = sym.type

    def op_load(self, op: dict, ev: dict) -> None:
        if op.get("value"):
            ev["result"] = encode_top(self.saved[op["value"]])
            return
        sym = self._lookup(op, ev)
        if sym is None:
            return
        v = self._elem(sym)
        ev["result"] = encode_top(v)
        self._save(op, v)

    def op_store(self, op: dict, ev: dict) -> None:
        sym = self._lookup(op, ev)
        if sym is None:
            return
        target = self._elem(sym)
        value = decode(json.dumps(op["store"]), target.type, target.machine)
        sym.machine.write(sym.address, value.data)
        ev["store"] = op["store"]
        ev["result"] = encode_top(GoValue.at(sym.machine, target.type, sym.address))

    def op_call(self, op: dict, ev: dict) -> None:
        if op.get("value"):
            fn = self._func(self.saved[op["value"]])
        else:
            fn = self._lookup(op, ev)
            if fn is None:
                return
            if not isinstance(fn, GoFunc):
                raise HostPanic(f"host: {fn.type} is not a func", "string")
        self._record(self._call(fn, op.get("args") or []), op, ev)

    def op_method(self, op: dict, ev: dict) -> None:
        recv = self.saved[op["value"]]
        fn = recv.method(op["method"])
        if fn is None:
            raise HostPanic(f"host: {recv.type.string} has no method {op['method']}", "string")
        self._record(self._call(fn, op.get("args") or []), op, ev)

    def op_assert(self, op: dict, ev: dict) -> None:
        """Convert a saved value to the host's ``pluginapi.Plugin`` and call ``Handle`` through it."""
        v = self.saved[op["value"]]
        if op.get("iface") != "pluginapi.Plugin":
            raise HostPanic(f"host: unknown interface {op.get('iface')!r}", "string")
        dyn = v.dynamic() if v.type.kind == "Interface" else v
        iface = v.machine.type_named("pluginapi.Plugin")
        ok = dyn is not None and iface is not None and all(dyn.method(n) is not None for n, _ in iface.methods)
        ev["ok"] = ok
        if not ok:
            return
        name = dyn.method("Name")()
        request_type = next(t for n, t in iface.methods if n == "Handle").params[0]
        request = decode(json.dumps({"Op": "describe", "Args": [name]}), request_type, v.machine)
        resp, err = dyn.method("Handle").call_values([request])
        ev["results"] = [encode_top(resp), encode_top(err)]
        self._save(op, dyn)

    # -- helpers -----------------------------------------------------------------------------

    def _elem(self, sym) -> GoValue:
        if isinstance(sym, Pointer):
            return sym.load_value()
        raise HostPanic("reflect: call of reflect.Value.Elem on func Value", "*reflect.ValueError")

    def _func(self, v: GoValue) -> GoFunc:
        if v.type.kind != "Func":
            raise HostPanic(f"host: {v.type.string} is not a func", "string")
        return GoFunc.from_funcval(v.machine, v.type, v.word(0))

    def _call(self, fn: GoFunc, args: list) -> list[GoValue]:
        params = fn.gotype.params
        values = []
        for i, raw in enumerate(args):
            if fn.gotype.variadic and i >= len(params) - 1:
                t = params[-1].elem
            elif i < len(params):
                t = params[i]
            else:
                raise HostPanic(f"host: too many arguments for {fn.type}", "string")
            values.append(decode(json.dumps(raw), t, fn.machine))
        return fn.call_raw(*values)

    def _record(self, results: list[GoValue], op: dict, ev: dict) -> None:
        ev["results"] = [encode_top(r) for r in results]
        if results:
            self._save(op, results[0])

    def _save(self, op: dict, v: GoValue) -> None:
        if op.get("save"):
            self.saved[op["save"]] = v


def run_scenario(ops: list[dict], paths: dict[str, str], session: Session | None = None) -> list[dict]:
    """The transcript events of running ``ops`` against plugins at ``paths`` (name -> file)."""
    return EmulatedHost(paths, session).run(ops)
