"""Python <-> Go value conversions (gopluginemu.values) over real descriptors of the funcs plugin.

No engine runs here: ``FakeMachine`` is the plugin's file image (relocated at base 0) plus a
heap for ``alloc``, and "Go functions" are Python handlers registered by entry address that
read their arguments from the registers and stack area exactly as the ABI places them. The
plugin's map runtime is stood in for by handlers at the entries of ``runtime.makemap``,
``reflect.mapassign0`` and ``reflect.mapIterStart/Next`` with Go's argument order.
"""

from __future__ import annotations

import math
import struct
from typing import Callable

import pytest

from gopluginemu.arch import ARCHES
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


@pytest.fixture(scope="module")
def machine() -> FakeMachine:
    m = FakeMachine(built_plugin("1.27.3", "linux/amd64", "funcs"))
    m.install_map_runtime()
    return m


@pytest.fixture(scope="module")
def sig(machine):
    return {name: e.go_type for name, e in machine.gb.exports.items()}


def roundtrip(m, t, obj):
    from gopluginemu.values import from_python

    v = from_python(m, t, obj)
    assert len(v.data) == t.size
    return v, v.to_python()


# -- basic kinds ---------------------------------------------------------------------------


def test_fake_machine_reads_relocated_descriptors(machine):
    assert machine.arch is ARCHES["amd64"]
    t = machine.type_named("[]string")
    assert t.kind == "Slice" and t.elem.string == "string"
    assert machine.type_named("int").size == 8


def test_ints_round_trip_and_overflow(machine, sig):
    widen = sig["Widen"].params  # int8, int16, int32, uint8, uint16, uint32
    for t, lo, hi in zip(widen, (-128, -32768, -(2**31), 0, 0, 0), (127, 32767, 2**31 - 1, 255, 65535, 2**32 - 1)):
        for x in (lo, hi, 0):
            v, back = roundtrip(machine, t, x)
            assert back == x and type(back) is int
        with pytest.raises(OverflowError):
            roundtrip(machine, t, hi + 1)
        with pytest.raises(OverflowError):
            roundtrip(machine, t, lo - 1)
    u64 = sig["AddU64"].params[0]
    assert roundtrip(machine, u64, 2**64 - 1)[1] == 2**64 - 1
    v, _ = roundtrip(machine, widen[0], -1)
    assert v.data == b"\xff"
    with pytest.raises(TypeError):
        roundtrip(machine, u64, True)  # a bool is not an int to Go
    with pytest.raises(TypeError):
        roundtrip(machine, u64, 1.0)


def test_floats_complex_bool(machine, sig):
    f32, f64 = sig["Halve"].results
    assert roundtrip(machine, f32, 0.1)[1] == struct.unpack("<f", struct.pack("<f", 0.1))[0]
    assert roundtrip(machine, f64, 0.1)[1] == 0.1
    assert math.isnan(roundtrip(machine, f32, math.nan)[1])
    assert roundtrip(machine, f32, -math.inf)[1] == -math.inf
    assert math.copysign(1, roundtrip(machine, f64, -0.0)[1]) == -1
    with pytest.raises(OverflowError):
        roundtrip(machine, f32, 1e300)
    assert roundtrip(machine, f64, 3)[1] == 3.0  # an int is accepted for a float
    c128 = sig["MulComplex"].params[0]
    c64 = sig["Conj64"].params[0]
    assert roundtrip(machine, c128, 1.5 - 2j)[1] == 1.5 - 2j
    v, back = roundtrip(machine, c64, 0.1 + 0.25j)
    assert back == complex(struct.unpack("<f", struct.pack("<f", 0.1))[0], 0.25) and len(v.data) == 8
    b = sig["Not"].params[0]
    assert roundtrip(machine, b, True) == (roundtrip(machine, b, True)[0], True)
    assert roundtrip(machine, b, False)[0].data == b"\x00"
    with pytest.raises(TypeError):
        roundtrip(machine, b, 1)


def test_strings_and_bytes(machine, sig):
    s = sig["Reverse"].params[0]
    v, back = roundtrip(machine, s, "héllo ✓")
    assert back == "héllo ✓" and v.word(1) == len("héllo ✓".encode())
    assert roundtrip(machine, s, "")[0].data == bytes(16)
    # invalid UTF-8 survives through surrogateescape, and bytes are accepted as raw string bytes
    raw = b"ok\xff\xfe"
    v, back = roundtrip(machine, s, raw)
    assert back.encode("utf-8", "surrogateescape") == raw and v.string_bytes() == raw
    assert roundtrip(machine, s, back)[0].string_bytes() == raw
    bs = sig["UpperBytes"].params[0]
    v, back = roundtrip(machine, bs, b"hello\x00\xff")
    assert back == b"hello\x00\xff" and v.word(2) == 7 and not v.is_nil
    nil, back = roundtrip(machine, bs, None)
    assert nil.is_nil and back == b""
    empty, back = roundtrip(machine, bs, b"")
    assert not empty.is_nil and back == b""
    with pytest.raises(TypeError):
        roundtrip(machine, s, 5)


def test_slices_and_arrays(machine, sig):
    ss = sig["Split"].results[0]
    v, back = roundtrip(machine, ss, ["a", "", "ç"])
    assert back == ["a", "", "ç"] and v.word(1) == 3 == v.word(2)
    nil, back = roundtrip(machine, ss, None)
    assert nil.is_nil and back == []
    empty, back = roundtrip(machine, ss, [])
    assert not empty.is_nil and back == []
    a3 = sig["Reverse3"].params[0]
    assert roundtrip(machine, a3, [1, -2, 3])[1] == [1, -2, 3]
    with pytest.raises(TypeError):
        roundtrip(machine, a3, [1, 2])
    m22 = sig["Transpose"].params[0]
    assert roundtrip(machine, m22, [[1.0, 2.5], [-3, 0.125]])[1] == [[1.0, 2.5], [-3.0, 0.125]]
    with pytest.raises(TypeError):
        roundtrip(machine, ss, ["a", 1])


def test_structs_and_pointers(machine, sig):
    from gopluginemu.values import GoStruct, Pointer

    person = sig["Birthday"].params[0]
    v, p = roundtrip(
        machine,
        person,
        {"Name": "Ann", "Age": 30, "Tags": ["x"], "Home": {"City": "Oslo", "Zip": "0150"}, "Boss": {"Name": "Bo", "Age": 50}},
    )
    assert isinstance(p, GoStruct) and p._type == "main.Person"
    assert p._fields == ["Name", "Age", "Tags", "Home", "Boss"]
    assert (p.Name, p.Age, p.Tags, p.Home.City, p.Home.Zip) == ("Ann", 30, ["x"], "Oslo", "0150")
    assert isinstance(p.Boss, Pointer) and p.Boss.type == "*main.Person"
    boss = p.Boss.load()
    assert boss.Name == "Bo" and boss.Age == 50 and boss.Boss is None and boss.Tags == []
    assert p.Boss.Name == "Bo"  # fields read through the pointer
    assert p.to_dict()["Age"] == 30 and "Ann" in repr(p)
    # a GoStruct goes back in as itself, and equal structs compare equal
    again, q = roundtrip(machine, person, p)
    assert again.data == v.data and q == p
    with pytest.raises(TypeError):
        roundtrip(machine, person, {"Nope": 1})
    # a pointer: store and load through it
    ptr = sig["NewPerson"].results[0]
    pv, pp = roundtrip(machine, ptr, {"Name": "Cy"})
    assert pp.load().Name == "Cy"
    pp.store({"Name": "Di", "Age": 7})
    assert pp.load().Age == 7 and pp.load().Name == "Di"
    assert roundtrip(machine, ptr, pp)[0].data == pv.data  # a Pointer goes in as its address
    nil, none = roundtrip(machine, ptr, None)
    assert nil.is_nil and none is None


def test_maps_through_the_plugin_runtime(machine, sig):
    msi = sig["Merge"].params[0]
    v, d = roundtrip(machine, msi, {"a": 1, "b": -2})
    assert d == {"a": 1, "b": -2}
    names = {machine.handlers[c[0]].__name__ for c in machine.calls}
    assert {"makemap", "mapassign0", "iter_start", "iter_next"} <= names
    # makemap got the map descriptor and the hint; mapassign0 got (type, map, &key, &elem)
    mk = [c for c in machine.calls if machine.handlers[c[0]].__name__ == "makemap"][-1]
    assert mk[2][:3] == [msi.addr, 2, 0]
    nil, empty = roundtrip(machine, msi, None)
    assert nil.is_nil and empty == {}
    group = sig["Group"].results[0]  # map[string][]string
    assert roundtrip(machine, group, {"a": ["ab", "ac"], "b": []})[1] == {"a": ["ab", "ac"], "b": []}
    inv = sig["Invert"].results[0]  # map[int]string
    assert roundtrip(machine, inv, [(1, "x"), (2, "y")])[1] == {1: "x", 2: "y"}


def test_maps_without_runtime_functions_fail_clearly(sig):
    from gopluginemu.values import MapSupportError, from_python

    m = FakeMachine(built_plugin("1.27.3", "linux/amd64", "funcs"))
    m.fake_funcs = {"runtime.makemap": None}
    m.func_pc = lambda name: None  # a plugin linking none of them
    with pytest.raises(MapSupportError, match="runtime.makemap"):
        from_python(m, sig["Merge"].params[0], {"a": 1})


def test_any_accepts_python_basics(machine, sig):
    from gopluginemu.values import GoValue, dynamic_type, from_python

    anyt = sig["Echo"].params[0]
    cases = [
        (True, "bool", True),
        (42, "int", 42),
        (2.5, "float64", 2.5),
        ("hi", "string", "hi"),
        (b"\x00\x01", "[]uint8", b"\x00\x01"),
        ([1, 2], "[]int", [1, 2]),
        (["a", "b"], "[]string", ["a", "b"]),
        ({"k": 1}, "map[string]int", {"k": 1}),
    ]
    for obj, tname, back in cases:
        v = from_python(machine, anyt, obj)
        assert dynamic_type(v).string == tname, obj
        assert v.to_python() == back and type(v.to_python()) is type(back)
    nil = from_python(machine, anyt, None)
    assert nil.is_nil and nil.to_python() is None
    # int is stored indirectly (a pointer to the value); a map directly (pointer-shaped)
    iv = from_python(machine, anyt, 7)
    assert iv.word(0) == machine.type_named("int").addr
    assert int.from_bytes(machine.read(iv.word(1), 8), "little") == 7
    mv = from_python(machine, anyt, {"z": 3})
    assert mv.dynamic().type.kind == "Map" and mv.dynamic().word(0) == mv.word(1)
    # a Go value keeps its own type inside an any
    i8 = sig["IncInt8"].params[0]
    v = from_python(machine, anyt, GoValue(i8, b"\x05", machine))
    assert dynamic_type(v).string == "int8" and v.to_python() == 5
    with pytest.raises(TypeError):
        from_python(machine, anyt, object())


def test_funcs_chans_unsafe(machine, sig):
    from gopluginemu.calls import GoFunc
    from gopluginemu.values import GoChan, GoValue, from_python, to_python

    ft = sig["Apply"].params[0]  # func(int) int
    f = GoFunc(machine, ft, 0x1234)
    v = from_python(machine, ft, f)  # a top-level func becomes a fresh funcval holding its pc
    assert machine.word(v.word(0)) == 0x1234
    back = to_python(v)
    assert isinstance(back, GoFunc) and back.pc == 0x1234 and back.ctx == v.word(0)
    assert from_python(machine, ft, back).data == v.data  # a closure keeps its funcval
    assert to_python(from_python(machine, ft, None)) is None
    with pytest.raises(TypeError):
        from_python(machine, ft, lambda x: x)
    ct = sig["Chan"].results[0]
    hchan = machine.alloc(96)
    machine.write(hchan, (2).to_bytes(8, "little") + (5).to_bytes(8, "little"))
    c = to_python(GoValue(ct, hchan.to_bytes(8, "little"), machine))
    assert isinstance(c, GoChan) and c.cap == 5 and len(c) == 2 and c.type == "chan int"
    assert from_python(machine, ct, c).word(0) == hchan
    up = machine.type_named("unsafe.Pointer")
    if up is not None:
        assert to_python(from_python(machine, up, 0xABC)) == 0xABC


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


def test_errors_and_interfaces(machine, sig):
    from gopluginemu.values import GoError, GoValue, error_message, to_python

    itab = _install_error_string(machine)
    errt = sig["Sqrt"].results[1]
    assert errt.string == "error"
    # an *errors.errorString{"negative input"} in an error
    s = machine.alloc(16)
    machine.write(s, b"".join(x.to_bytes(8, "little") for x in machine.put_string(b"negative input")))
    v = GoValue(errt, itab.to_bytes(8, "little") + s.to_bytes(8, "little"), machine)
    e = to_python(v)
    assert isinstance(e, GoError) and isinstance(e, Exception)
    assert str(e) == "negative input" and e.type == "*errors.errorString"
    assert e.value.load().s == "negative input"
    assert to_python(GoValue.zero(machine, errt)) is None
    # the same value in an any: converted to the dynamic value; Error() found by method table
    anyt = sig["Echo"].params[0]
    etype = machine.types.type_at(machine.word(itab + 8))
    a = GoValue(anyt, etype.addr.to_bytes(8, "little") + s.to_bytes(8, "little"), machine)
    assert to_python(a).type == "*errors.errorString"
    assert error_message(a) == "negative input"
    # and a GoError goes back into an error parameter as the same interface value
    from gopluginemu.values import from_python

    assert from_python(machine, errt, e).data == v.data


def test_method_table_of_concrete_type(machine):
    from gopluginemu.calls import method_table

    itab = machine.obj.symbols["go:itab.example.com/corpus/plugins/funcs.CodeError,error"].value
    code_error = machine.types.type_at(machine.word(itab + 8))
    assert code_error.string == "main.CodeError"
    (entry,) = method_table(machine, code_error)
    syms = machine.obj.symbols
    assert entry.name == "Error" and entry.exported
    assert entry.mtyp.string == "func() string"
    assert entry.tfn == syms["example.com/corpus/plugins/funcs.CodeError.Error"].value
    assert entry.ifn == syms["example.com/corpus/plugins/funcs.(*CodeError).Error"].value
    # the itab's Fun[0] is the same code as Ifn
    assert machine.word(itab + 24) == entry.ifn


def test_map_made_by_makemap_small_when_the_plugin_has_no_makemap(sig):
    from gopluginemu.values import from_python

    m = FakeMachine(built_plugin("1.27.3", "linux/amd64", "funcs"))
    m.install_map_runtime()
    handler = m.handlers.pop(m.fake_funcs.pop("runtime.makemap"))
    seen = []

    def makemap_small(mm, ctx, ints, floats, stack):
        seen.append((list(ints), len(stack)))
        return handler(mm, ctx, [0, 0, 0], floats, stack)

    m.define("runtime.makemap_small", makemap_small)
    real = m.func_pc
    m.func_pc = lambda name: None if name in ("runtime.makemap", "reflect.makemap") else real(name)
    v = from_python(m, sig["Merge"].params[0], {"x": 9})
    assert seen == [([], 0)] and v.to_python() == {"x": 9}  # no arguments, no frame


def test_unexported_methods_are_not_attributes(machine):
    from gopluginemu.calls import bound_method, method_table
    from gopluginemu.values import GoValue

    itab = machine.obj.symbols["go:itab.example.com/corpus/plugins/funcs.CodeError,error"].value
    code_error = machine.types.type_at(machine.word(itab + 8))
    v = GoValue.zero(machine, code_error)
    assert bound_method(v, "Error").pc == method_table(machine, code_error)[0].tfn
    assert bound_method(v, "Nope") is None
