"""The ABIInternal assignment (gopluginemu.calls.assign) and GoFunc's argument/result plumbing.

The assignment is checked against abi-internal.md's own example and against frames worked out
by hand for the funcs plugin's signatures on amd64 (9 integer, 15 float registers). GoFunc
calls go to Python stand-ins (tests.fake_machine.FakeMachine) that read their arguments from
where the hand-worked frame says they are and put results where Go would.
"""

from __future__ import annotations

import struct

import pytest

from gopluginemu.calls import GoFunc, assign, itab_method, type_align
from gopluginemu.gometa.types import GoType, Name
from tests.fake_machine import ITAB_ERRSTR, _install_error_string, machine, sig  # noqa: F401

NI, NFP = 9, 15  # amd64


def T(kind, size, string=None, **kw):
    return GoType(0, kind, string or kind.lower(), size, False, **kw)


def struct_of(*fields):
    off, out = 0, []
    for name, t in fields:
        a = type_align(t, 8)
        off = (off + a - 1) // a * a
        out.append((Name(name, exported=True), t, off))
        off += t.size
    align = max((type_align(t, 8) for _, t in fields), default=1)
    return GoType(0, "Struct", "struct", (off + align - 1) // align * align, False, fields=out)


UINT8, UINTPTR = T("Uint8", 1), T("Uintptr", 8)
STRING = T("String", 16)


def regs(slot):
    return [(p.cls, p.reg, p.offset, p.size) for p in slot.parts] if slot.parts is not None else None


def test_abi_internal_md_example():
    # func f(a1 uint8, a2 [2]uintptr, a3 uint8) (r1 struct { x uintptr; y [2]uintptr }, r2 string)
    a2 = T("Array", 16, "[2]uintptr", elem=UINTPTR, length=2)
    r1 = struct_of(("x", UINTPTR), ("y", a2))
    a = assign([UINT8, a2, UINT8], [r1, STRING], 10, 0)
    a1s, a2s, a3s = a.params
    assert regs(a1s) == [("int", 0, 0, 1)] and regs(a3s) == [("int", 1, 0, 1)]
    assert a2s.stack_offset == 0 and a2s.parts is None
    r1s, r2s = a.results
    assert r1s.stack_offset == 16 and regs(r2s) == [("int", 0, 0, 8), ("int", 1, 8, 8)]
    assert (a1s.spill_offset, a3s.spill_offset) == (40, 41)
    assert a.frame_size == 48  # a2, r1.x, r1.y, a1Spill, a3Spill, [6]uint8 padding


def test_zero_sized_and_abi0():
    empty = struct_of()
    a = assign([UINT8, empty, STRING], [STRING], NI, NFP)
    assert a.params[1].stack_offset == 0 and a.params[1].parts is None  # zero size: on the stack
    assert regs(a.params[2]) == [("int", 1, 0, 8), ("int", 2, 8, 8)]
    # ABI0: no registers, so Go's stack convention: args, aligned results, no spill area
    a0 = assign([STRING, STRING], [STRING, STRING], 0, 0)
    assert [s.stack_offset for s in a0.params] == [0, 16]
    assert [s.stack_offset for s in a0.results] == [32, 48]
    assert a0.frame_size == 64 and all(s.spill_offset is None for s in a0.params)


def frame(sig, name):
    t = sig[name]
    return assign(t.params, t.results, NI, NFP)


def test_frames_of_funcs_signatures(sig):
    a = frame(sig, "Swap")
    assert [regs(s) for s in a.params] == [[("int", 0, 0, 8), ("int", 1, 8, 8)], [("int", 2, 0, 8), ("int", 3, 8, 8)]]
    assert [s.spill_offset for s in a.params] == [0, 16] and a.frame_size == 32

    a = frame(sig, "ManyInts")  # 12 ints: 9 in registers, 3 on the stack
    assert [s.stack_offset for s in a.params[9:]] == [0, 8, 16]
    assert [s.spill_offset for s in a.params[:9]] == list(range(24, 96, 8))
    assert regs(a.results[0]) == [("int", 0, 0, 8)] and a.frame_size == 96

    a = frame(sig, "Mixed")  # j uint64 is the 10th integer: the only stack argument
    on_stack = [(i, s.stack_offset) for i, s in enumerate(a.params) if s.parts is None]
    assert on_stack == [(14, 0)]
    spills = [s.spill_offset for s in a.params if s.parts is not None]
    # a x b y c z d w e v f g h i u, each at its own alignment after the 8 bytes of j
    assert spills == [8, 16, 24, 28, 32, 40, 48, 52, 56, 64, 72, 80, 82, 84, 88]
    assert [regs(a.params[i])[0][:2] for i in (1, 3, 5, 7, 9, 15)] == [("float", k) for k in range(6)]
    assert a.frame_size == 96

    a = frame(sig, "ManyFloats")  # 17 float64: 15 in X0-X14, 2 on the stack
    assert [s.stack_offset for s in a.params[15:]] == [0, 8]
    assert a.params[0].spill_offset == 16 and a.frame_size == 16 + 15 * 8
    assert regs(a.results[0]) == [("float", 0, 0, 8)]

    a = frame(sig, "ManyResults")  # the error no longer fits after 9 integer registers
    assert (a.n_int_results, a.n_float_results) == (9, 2)
    kinds = [regs(s) and regs(s)[0][:2] for s in a.results]
    assert kinds[:7] == [("int", 0), ("int", 1), ("int", 2), ("int", 3), ("int", 4), ("float", 0), ("float", 1)]
    assert kinds[7:10] == [("int", 5), ("int", 7), ("int", 8)]
    assert a.results[10].parts is None and a.results[10].stack_offset == 0
    assert a.params[0].spill_offset == 16 and a.frame_size == 24

    a = frame(sig, "SumBig")  # Big holds arrays: on the stack both ways
    big = sig["SumBig"].params[0]
    assert big.size == 176
    assert a.params[0].stack_offset == 0 and a.results[0].stack_offset == 176
    assert regs(a.results[1]) == [("int", 0, 0, 8)] and a.frame_size == 352

    a = frame(sig, "Birthday")  # Person needs 11 integer registers: stack
    assert a.params[0].stack_offset == 0 and a.results[0].stack_offset == 88 and a.frame_size == 176

    a = frame(sig, "Chain")
    assert a.results[0].stack_offset == 0 and [s.spill_offset for s in a.params] == [88, 104]

    a = frame(sig, "Conj64")  # complex64: two float registers of 4 bytes
    assert regs(a.params[0]) == [("float", 0, 0, 4), ("float", 1, 4, 4)] and a.frame_size == 8

    a = frame(sig, "Reverse3")
    assert (a.params[0].stack_offset, a.results[0].stack_offset, a.frame_size) == (0, 24, 48)

    a = frame(sig, "Stats")
    assert regs(a.params[0]) == [("int", 0, 0, 8), ("int", 1, 8, 8), ("int", 2, 16, 8)]
    assert [regs(s)[0][1] for s in a.results] == [0, 1, 2, 3]


def i64(x):
    return x & (2**64 - 1)


def s64(x):
    return x - 2**64 if x >= 2**63 else x


def f32bits(x):
    return int.from_bytes(struct.pack("<f", x), "little")


def f64bits(x):
    return int.from_bytes(struct.pack("<d", x), "little")


def fromf64(r):
    return struct.unpack("<d", r.to_bytes(8, "little"))[0]


def fromf32(r):
    return struct.unpack("<f", (r & 0xFFFFFFFF).to_bytes(4, "little"))[0]


def gofunc(machine, sig, name, handler):
    pc = machine.define("fake." + name, handler)
    return GoFunc(machine, sig[name], pc, name=name)


def test_int_args_sign_extended_and_results_truncated(machine, sig):
    neg = gofunc(machine, sig, "Negate", lambda m, c, ints, f, s: ([i64(-s64(ints[0]))], [], None))
    assert neg(5) == -5 and neg(-(2**63)) == -(2**63)

    def widen(m, c, ints, f, s):
        a, b, cc, d, e, ff = ints[:6]
        return [i64(s64(a) + s64(b) + s64(cc) + d + e + ff)], [], None

    w = gofunc(machine, sig, "Widen", widen)
    assert w(-128, -32768, 2147483647, 255, 65535, 4294967295) == 6442483836
    assert machine.calls[-1][2][0] == 2**64 - 128  # int8 -128 sign-extended in RAX

    inc = gofunc(machine, sig, "IncInt8", lambda m, c, ints, f, s: ([ints[0] + 1], [], None))
    assert inc(127) == -128  # the handler leaves 0x80 in the low byte: an int8 -128
    with pytest.raises(OverflowError, match="IncInt8: argument 1"):
        inc(128)
    with pytest.raises(TypeError, match=r"IncInt8: argument 1 wants int8, got str"):
        inc("x")
    with pytest.raises(TypeError, match="wants 1 argument"):
        inc(1, 2)
    add = gofunc(machine, sig, "AddU64", lambda m, c, ints, f, s: ([i64(ints[0] + ints[1]), 0x1234500], [], None))
    assert add(2**64 - 1, 2) == (1, False)  # a bool result is its low byte only


def test_floats_in_xmm_registers(machine, sig):
    def halve(m, c, ints, floats, s):
        x = fromf64(floats[0])
        return [], [0xFFFFFFFF00000000 | f32bits(x / 2), f64bits(x / 2)], None

    h = gofunc(machine, sig, "Halve", halve)
    assert h(3) == (1.5, 1.5)
    assert h(0.1) == (struct.unpack("<f", struct.pack("<f", 0.05))[0], 0.05)

    def mul(m, c, ints, fl, s):
        a = complex(fromf64(fl[0]), fromf64(fl[1]))
        b = complex(fromf64(fl[2]), fromf64(fl[3]))
        r = a * b
        return [], [f64bits(r.real), f64bits(r.imag)], None

    assert gofunc(machine, sig, "MulComplex", mul)(1 + 2j, 3 + 4j) == -5 + 10j

    def conj(m, c, ints, fl, s):
        return [], [fl[0], f32bits(-fromf32(fl[1]))], None

    assert gofunc(machine, sig, "Conj64", conj)(1.5 - 0.25j) == 1.5 + 0.25j


def test_stack_arguments_and_results(machine, sig):
    def many_ints(m, c, ints, f, stack):
        args = ints[:9] + [int.from_bytes(stack[i : i + 8], "little") for i in (0, 8, 16)]
        assert len(stack) == 96
        return [sum((i + 1) * s64(a) for i, a in enumerate(args)) & (2**64 - 1)], [], None

    mi = gofunc(machine, sig, "ManyInts", many_ints)
    assert mi(*range(1, 13)) == sum(i * i for i in range(1, 13))

    def many_floats(m, c, ints, fl, stack):
        xs = [fromf64(r) for r in fl[:15]] + [struct.unpack("<d", stack[i : i + 8])[0] for i in (0, 8)]
        return [], [f64bits(sum(xs))], None

    assert gofunc(machine, sig, "ManyFloats", many_floats)(*[0.5] * 17) == 8.5

    def sum_big(m, c, ints, fl, stack):
        b = bytearray(stack[:176])
        total = 0
        for i in range(16):
            v = int.from_bytes(b[8 * i : 8 * i + 8], "little", signed=True)
            total += v
            b[8 * i : 8 * i + 8] = (2 * v).to_bytes(8, "little", signed=True)
        out = bytearray(stack)
        out[176:352] = b
        return [i64(total)], [], bytes(out)

    sb = gofunc(machine, sig, "SumBig", sum_big)
    big = {"A": list(range(16)), "Name": "n", "Ratio": 0.5, "Inner": {"X": 1, "Y": -1}, "Flags": [True] * 5}
    b2, total = sb(big)
    assert total == 120 and b2.A == [2 * i for i in range(16)] and b2.Name == "n" and b2.Inner.Y == -1
    assert b2.Flags == [True] * 5 and b2.Ratio == 0.5

    def many_results(m, c, ints, fl, stack):
        n = ints[0]
        out = bytearray(stack)
        out[0:16] = bytes(16)  # a nil error on the stack
        sp, sl = m.put_string(str(n).encode())
        return [n, n, 2 * n, 3 * n, 4 * n, sp, sl, 1, n * n], [f32bits(n / 4), f64bits(n / 8)], bytes(out)

    mr = gofunc(machine, sig, "ManyResults", many_results)
    assert mr(6) == (6, 6, 12, 18, 24, 1.5, 0.75, "6", True, 36, None)
    assert machine.asked == (9, 2)  # the result registers GoFunc reads back


def test_strings_slices_variadics(machine, sig):
    swap = gofunc(machine, sig, "Swap", lambda m, c, i, f, s: ([i[2], i[3], i[0], i[1]], [], None))
    assert swap("left", "right") == ("right", "left")

    def stats(m, c, ints, f, s):
        ptr, n = ints[0], ints[1]
        xs = [int.from_bytes(m.read(ptr + 8 * k, 8), "little", signed=True) for k in range(n)]
        if not xs:
            return [0, 0, 0, 0], [], None
        return [i64(min(xs)), i64(max(xs)), len(xs), 1], [], None

    st = gofunc(machine, sig, "Stats", stats)
    assert st([4, -2, 9, 0]) == (-2, 9, 4, True)
    assert st(None) == (0, 0, 0, False)

    def total(m, c, ints, f, s):
        ptr, n = ints[0], ints[1]
        return [i64(sum(int.from_bytes(m.read(ptr + 8 * k, 8), "little", signed=True) for k in range(n)))], [], None

    sm = gofunc(machine, sig, "Sum", total)
    assert sm() == 0 and sm(5) == 5 and sm(*range(1, 13)) == 78 and sm([1, 2, 3]) == 6
    assert machine.calls[-1][2][1:3] == [3, 3]  # len and cap of the ...int slice

    def join(m, c, ints, f, s):
        sep = m.string_at(ints[0], ints[1])
        ptr, n = ints[2], ints[3]
        parts = [m.string_at(m.word(ptr + 16 * k), m.word(ptr + 16 * k + 8)) for k in range(n)]
        return [*m.put_string(sep.join(parts)), n], [], None

    j = gofunc(machine, sig, "Join", join)
    assert j(", ", "x", "y", "zé") == ("x, y, zé", 3)
    assert j("-") == ("", 0)
    with pytest.raises(TypeError, match=r"Join: argument 2 wants \[\]string"):
        j("-", "a", 3)


def test_closures_and_func_arguments(machine, sig):
    state = {}

    def counter_body(m, ctx, ints, f, s):
        state[ctx] = state.get(ctx, 0) + 1
        return [state[ctx]], [], None

    body_pc = machine.define("fake.counter.func1", counter_body)

    def make_counter(m, ctx, ints, f, s):
        fv = m.alloc(16)
        m.write(fv, body_pc.to_bytes(8, "little"))
        return [fv], [], None

    mk = gofunc(machine, sig, "MakeCounter", make_counter)
    c1, c2 = mk(), mk()
    assert isinstance(c1, GoFunc) and c1.type == "func() int"
    assert [c1(), c1(), c1(), c2(), c1()] == [1, 2, 3, 1, 4]
    assert machine.calls[-1][1] == c1.ctx != 0  # the funcval went in the context register

    def apply(m, ctx, ints, f, s):
        fv, x = ints[0], ints[1]
        if fv == 0:
            return [i64(-1)], [], None
        r = m.call(m.word(fv), ctx=fv, ints=[x])
        return [r.ints[0]], [], None

    def add100(m, ctx, ints, f, s):
        return [ints[0] + 100], [], None

    ap = gofunc(machine, sig, "Apply", apply)
    adder = GoFunc(machine, sig["Apply"].params[0], machine.define("fake.add100", add100))
    assert ap(None, 5) == -1 and ap(adder, 23) == 123


def test_interface_methods_through_the_itab(machine, sig):
    from gopluginemu.values import GoError, GoValue

    itab = _install_error_string(machine)
    s = machine.alloc(16)
    machine.write(s, b"".join(x.to_bytes(8, "little") for x in machine.put_string(b"boom")))

    def sqrt(m, ctx, ints, f, st):
        if s64(ints[0]) < 0:
            return [0, itab, s], [], None
        return [int(s64(ints[0]) ** 0.5), 0, 0], [], None

    sq = gofunc(machine, sig, "Sqrt", sqrt)
    assert sq(50) == (7, None)
    n, err = sq(-1)
    assert n == 0 and isinstance(err, GoError) and str(err) == "boom" and err.type == "*errors.errorString"
    # the method call itself: itab.Fun[0] with the data word in RAX
    v = GoValue(sig["Sqrt"].results[1], itab.to_bytes(8, "little") + s.to_bytes(8, "little"), machine)
    fn = itab_method(v, "Error")
    assert fn.pc == machine.word(itab + 24) and fn() == "boom"
    assert machine.calls[-1][2] == [s]
    assert ITAB_ERRSTR in machine.obj.symbols


