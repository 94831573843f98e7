"""A ``Machine`` with no engine behind it, for the values, calls and transcript tests.

``FakeMachine`` is a plugin's file image (relocated at base 0) plus a heap for ``alloc``, and
"Go functions" are Python handlers registered by entry address that read their arguments from
the registers and stack area exactly as the ABI places them. The plugin's map runtime is stood
in for by handlers at the entries of ``runtime.makemap``, ``reflect.mapassign0`` and
``reflect.mapIterStart/Next`` with Go's argument order.
"""

from __future__ import annotations

from typing import Callable

import pytest

from gopluginemu.engines.machine import RawResult
from gopluginemu.formats import open_object
from gopluginemu.gometa import GoBinary
from gopluginemu.gometa.types import GoType
from tests.conftest import built_plugin

HEAP = 0x7F0000000000
ITAB_ERRSTR = "go:itab.*errors.errorString,error"

Handler = Callable[["FakeMachine", int, list, list, bytes], tuple]


class FakeMachine:
    """A ``Machine`` over a plugin file: reads with relocations applied, a bump heap, Python
    handlers for calls."""

    regabi = True

    def __init__(self, path) -> None:
        self.path = str(path)
        self.obj = open_object(path)
        self.gb = GoBinary(self.obj)
        self.arch = self.obj.arch
        self.layout = self.gb.layout
        self.types = self.gb.types
        self.heap = bytearray()
        self.overlay: dict[int, int] = {}
        self.handlers: dict[int, Handler] = {}
        self.fake_funcs: dict[str, int] = {}
        self.calls: list[tuple[int, int, list, list, bytes]] = []
        self._next_fake = 0x100
        self._named: dict[str, GoType] | None = None
        self.maps: dict[int, dict] = {}

    @property
    def byte_order(self):
        return self.arch.byte_order

    @property
    def ptr_size(self):
        return self.arch.ptr_size

    # memory
    def read(self, addr: int, size: int) -> bytes:
        if addr >= HEAP:
            off = addr - HEAP
            if off + size > len(self.heap):
                raise AssertionError(f"read past the heap at {addr:#x}")
            return bytes(self.heap[off : off + size])
        data = bytearray(self.obj.read(addr, size))
        ps = self.ptr_size
        for w in range(addr - addr % ps, addr + size, ps):
            if self.obj.relocation_at(w) is not None:
                word = self.obj.pointer(w).to_bytes(ps, self.byte_order)
                for i in range(ps):
                    if addr <= w + i < addr + size:
                        data[w + i - addr] = word[i]
        for i in range(size):
            if addr + i in self.overlay:
                data[i] = self.overlay[addr + i]
        return bytes(data)

    def write(self, addr: int, data: bytes) -> None:
        if addr >= HEAP:
            off = addr - HEAP
            assert off + len(data) <= len(self.heap)
            self.heap[off : off + len(data)] = data
        else:
            for i, b in enumerate(data):
                self.overlay[addr + i] = b

    def alloc(self, size: int, typ: GoType | None = None) -> int:
        pad = (-len(self.heap)) % 16
        self.heap.extend(bytes(pad))
        addr = HEAP + len(self.heap)
        self.heap.extend(bytes(max(size, 1)))
        return addr

    # code
    def func_pc(self, name: str) -> int | None:
        if name in self.fake_funcs:
            return self.fake_funcs[name]
        sym = self.obj.symbols.get(name)
        return sym.value if sym is not None and sym.kind == "func" else None

    def text_addr(self, off: int, base: int) -> int:
        return self.gb.moduledata.words["text"] + off

    def type_named(self, name: str) -> GoType | None:
        sym = self.obj.symbols.get("type:" + name)
        if sym is not None:
            return self.types.type_at(sym.value)
        if self._named is None:
            self._named = {}
            seen: set[int] = set()

            def walk(t: GoType) -> None:
                if t is None or t.addr in seen:
                    return
                seen.add(t.addr)
                self._named.setdefault(t.string, t)
                for sub in [t.elem, t.key, *t.params, *t.results, *(ft for _, ft, _ in t.fields), *(mt for _, mt in t.methods)]:
                    walk(sub)

            for e in self.gb.exports.values():
                walk(e.go_type)
        return self._named.get(name)

    def define(self, name: str, handler: Handler) -> int:
        """Give a fake function an entry address (replacing the plugin's, if it has one)."""
        pc = self.func_pc(name) if name in self.obj.symbols else None
        if pc is None:
            self._next_fake += 0x10
            pc = self._next_fake
        self.fake_funcs[name] = pc
        self.handlers[pc] = handler
        return pc

    def call(self, pc: int, *, ctx: int = 0, ints=(), floats=(), stack: bytes = b"", n_ints=None, n_floats=None) -> RawResult:
        abi = self.arch.abi
        self.calls.append((pc, ctx, list(ints), list(floats), stack))
        if pc not in self.handlers:
            raise AssertionError(f"no fake Go function at {pc:#x}")
        r_ints, r_floats, r_stack = self.handlers[pc](self, ctx, list(ints), list(floats), stack)
        ri = list(r_ints) + [0xDEAD] * (len(abi.int_regs) - len(r_ints))
        rf = list(r_floats) + [0xBEEF] * (len(abi.float_regs) - len(r_floats))
        self.asked = (n_ints, n_floats)
        ri = ri if n_ints is None else ri[:n_ints]  # only what the caller asked for, as the engine does
        rf = rf if n_floats is None else rf[:n_floats]
        return RawResult(ri, rf, stack if r_stack is None else r_stack)

    # helpers for handlers
    def word(self, addr: int) -> int:
        return int.from_bytes(self.read(addr, self.ptr_size), self.byte_order)

    def string_at(self, ptr: int, n: int) -> bytes:
        return self.read(ptr, n) if n else b""

    def put_string(self, data: bytes) -> tuple[int, int]:
        if not data:
            return 0, 0
        a = self.alloc(len(data))
        self.write(a, data)
        return a, len(data)

    def install_map_runtime(self) -> None:
        """Python stand-ins for the plugin's map functions, with Go's argument order."""
        from gopluginemu.values import GoValue, to_python

        def makemap(m, ctx, ints, floats, stack):
            t, hint, h = ints[:3]
            addr = m.alloc(48)
            m.maps[addr] = {"type": t, "entries": {}}
            return [addr], [], None

        def mapassign0(m, ctx, ints, floats, stack):
            t, mp, kp, ep = ints[:4]
            mt = m.types.type_at(t)
            key = to_python(GoValue.at(m, mt.key, kp))
            key = tuple(key) if isinstance(key, list) else key
            k2 = m.alloc(mt.key.size)
            m.write(k2, m.read(kp, mt.key.size))
            e2 = m.alloc(mt.elem.size)
            m.write(e2, m.read(ep, mt.elem.size))
            m.maps[mp]["entries"][key] = (k2, e2)
            return [], [], None

        def iter_start(m, ctx, ints, floats, stack):
            t, mp, it = ints[:3]
            m.iters = getattr(m, "iters", {})
            m.iters[it] = list(m.maps[mp]["entries"].values())
            advance(m, it)
            return [], [], None

        def advance(m, it):
            rest = m.iters[it]
            k, e = rest.pop(0) if rest else (0, 0)
            m.write(it, k.to_bytes(8, "little") + e.to_bytes(8, "little"))

        def iter_next(m, ctx, ints, floats, stack):
            advance(m, ints[0])
            return [], [], None

        self.define("runtime.makemap", makemap)
        self.define("reflect.mapassign0", mapassign0)
        self.define("reflect.mapIterStart", iter_start)
        self.define("reflect.mapIterNext", iter_next)




def _install_error_string(machine) -> int:
    """A fake errors.(*errorString).Error at the entry the itab points to."""
    itab = machine.obj.symbols[ITAB_ERRSTR].value
    fn = machine.word(itab + 24)

    def error_string(m, ctx, ints, floats, stack):
        recv = ints[0]  # *errorString: struct { s string }
        ptr, n = m.word(recv), m.word(recv + 8)
        s = m.string_at(ptr, n)
        return list(m.put_string(s)), [], None

    machine.handlers[fn] = error_string
    return itab


@pytest.fixture(scope="module")
def machine() -> FakeMachine:
    m = FakeMachine(built_plugin("1.27.3", "linux/amd64", "funcs"))
    m.install_map_runtime()
    return m


@pytest.fixture(scope="module")
def sig(machine):
    return {name: e.go_type for name, e in machine.gb.exports.items()}
