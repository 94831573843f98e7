"""Python <-> Go value conversions (gopluginemu.values) over real descriptors of the funcs plugin,
on ``tests.fake_machine.FakeMachine`` (no engine)."""

from __future__ import annotations

import math
import struct

import pytest

from gopluginemu.arch import ARCHES
from tests.conftest import built_plugin
from tests.fake_machine import FakeMachine, _install_error_string, machine, sig  # noqa: F401
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
