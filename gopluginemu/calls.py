"""Calling Go functions: the ABIInternal register assignment and ``GoFunc``.

``assign(types_in, types_out, abi, ptr_size)`` is the algorithm of
``cmd/compile/abi-internal.md`` ("Function call argument and result passing"),
step by step: each argument is register-assigned recursively (structs field by
field, arrays of length 0 or 1 only, strings and interfaces as 2 integer
registers, slices as 3, complex numbers as 2 float registers) or, if it does not
fit in the registers left, put whole on the stack at its alignment; results
likewise from register 0; then the spill area for the register arguments. With
no registers (``Machine.regabi`` False) it is Go's ABI0 stack convention.

``GoFunc`` is a Python callable for one Go func value: arguments are converted
by the declared parameter types (``values.from_python``), placed per the
assignment, the function runs through ``Machine.call``, and the results are
read back from the registers and the stack area.
"""

from __future__ import annotations

import struct
import sys
from array import array
from itertools import chain
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from gopluginemu.errors import GoPanic
from gopluginemu.gometa.types import GoType

if TYPE_CHECKING:  # pragma: no cover
    from gopluginemu.engines.machine import Machine, RawResult
    from gopluginemu.values import GoValue

INT_KINDS = frozenset("Int Int8 Int16 Int32 Int64 Uint Uint8 Uint16 Uint32 Uint64 Uintptr".split())
SIGNED_KINDS = frozenset("Int Int8 Int16 Int32 Int64".split())
WORD_KINDS = frozenset("Pointer Map Chan Func UnsafePointer".split())  # one pointer-sized integer register
FLOAT_KINDS = frozenset(("Float32", "Float64"))
COMPLEX_KINDS = frozenset(("Complex64", "Complex128"))


# -- the assignment ----------------------------------------------------------------------


@dataclass(frozen=True)
class RegPart:
    """One base value of a register-assigned argument: ``cls`` "int" or "float", register
    index ``reg`` in that class, at byte ``offset`` of the value's memory layout, ``size`` bytes."""

    cls: str
    reg: int
    offset: int
    size: int
    signed: bool = False


@dataclass
class Slot:
    """Where one receiver, argument or result goes: registers (``parts``) or the stack area at
    ``stack_offset``; register-assigned arguments also get a spill slot at ``spill_offset``."""

    type: GoType
    parts: list[RegPart] | None = None
    stack_offset: int | None = None
    spill_offset: int | None = None

    @property
    def in_registers(self) -> bool:
        return self.parts is not None


@dataclass
class Assignment:
    """The whole call frame of one signature: ``frame_size`` is the argument area's size
    (stack arguments, stack results and the spill area, each part pointer-aligned)."""

    params: list[Slot]
    results: list[Slot]
    frame_size: int
    n_int_args: int = 0
    n_float_args: int = 0
    stack_args_size: int = 0
    results_offset: int = 0
    spill_offset: int = 0
    n_int_results: int = 0  # result registers used (what the caller must read back)
    n_float_results: int = 0
    notes: list[str] = field(default_factory=list)


def type_align(t: GoType, ptr_size: int) -> int:
    """The alignment of a type in memory (``abi.Type.Align_``), from its structure (64-bit and
    32-bit Go use the natural alignment of each base type, capped at the word size)."""
    k = t.kind
    if k in INT_KINDS or k in FLOAT_KINDS or k == "Bool":
        return min(t.size, ptr_size) or 1
    if k == "Complex64":
        return 4
    if k == "Complex128":
        return min(8, ptr_size)
    if k in WORD_KINDS or k in ("String", "Slice", "Interface"):
        return ptr_size
    if k == "Array":
        return type_align(t.elem, ptr_size)
    if k == "Struct":
        return max((type_align(ft, ptr_size) for _, ft, _ in t.fields), default=1)
    return ptr_size


def _align(n: int, a: int) -> int:
    return (n + a - 1) // a * a


def _reg_parts(t: GoType, offset: int, ptr_size: int, out: list[tuple[str, int, int, bool]]) -> bool:
    """Decompose ``t`` into base values (class, offset, size, signed); False if it cannot be
    register-assigned at all (an array longer than 1, or an integer wider than two registers)."""
    k = t.kind
    if k == "Bool" or k in INT_KINDS:
        if t.size <= ptr_size:
            out.append(("int", offset, t.size, k in SIGNED_KINDS))
            return True
        if t.size == 2 * ptr_size:  # 32-bit targets: low half first, then high half
            out.append(("int", offset, ptr_size, False))
            out.append(("int", offset + ptr_size, ptr_size, k in SIGNED_KINDS))
            return True
        return False
    if k in FLOAT_KINDS:
        out.append(("float", offset, t.size, False))
        return True
    if k in COMPLEX_KINDS:
        half = t.size // 2
        out.append(("float", offset, half, False))
        out.append(("float", offset + half, half, False))
        return True
    if k in WORD_KINDS:
        out.append(("int", offset, ptr_size, False))
        return True
    if k in ("String", "Interface", "Slice"):
        for i in range(3 if k == "Slice" else 2):
            out.append(("int", offset + i * ptr_size, ptr_size, k == "Slice" and i > 0))
        return True
    if k == "Struct":
        return all(_reg_parts(ft, offset + off, ptr_size, out) for _, ft, off in t.fields)
    if k == "Array":
        if t.length == 0:
            return True
        if t.length == 1:
            return _reg_parts(t.elem, offset, ptr_size, out)
        return False
    return False


class _Assigner:
    def __init__(self, n_int: int, n_float: int, ptr_size: int) -> None:
        self.NI, self.NFP, self.ptr = n_int, n_float, ptr_size
        self.I = self.FP = 0
        self.S = 0  # current size of the stack sequence

    def stack(self, t: GoType) -> int:
        self.S = _align(self.S, type_align(t, self.ptr))
        off = self.S
        self.S += t.size
        return off

    def pointer_align(self) -> None:
        self.S = _align(self.S, self.ptr)

    def assign(self, t: GoType) -> Slot:
        if t.size == 0:
            return Slot(t, stack_offset=self.stack(t))
        raw: list[tuple[str, int, int, bool]] = []
        if _reg_parts(t, 0, self.ptr, raw):
            ints = sum(1 for c, *_ in raw if c == "int")
            floats = len(raw) - ints
            if self.I + ints <= self.NI and self.FP + floats <= self.NFP:
                parts = []
                for cls, off, size, signed in raw:
                    if cls == "int":
                        parts.append(RegPart("int", self.I, off, size, signed))
                        self.I += 1
                    else:
                        parts.append(RegPart("float", self.FP, off, size))
                        self.FP += 1
                return Slot(t, parts=parts)
        return Slot(t, stack_offset=self.stack(t))


def assign(
    params: Sequence[GoType], results: Sequence[GoType], n_int: int, n_float: int, ptr_size: int = 8
) -> Assignment:
    """Lay out a call of a function with these parameter (receiver first) and result types,
    with ``n_int``/``n_float`` argument registers (0 and 0 for ABI0)."""
    a = _Assigner(n_int, n_float, ptr_size)
    in_slots = [a.assign(t) for t in params]
    n_i, n_f = a.I, a.FP
    a.pointer_align()
    stack_args = a.S
    a.I = a.FP = 0
    out_slots = [a.assign(t) for t in results]
    r_i, r_f = a.I, a.FP
    a.pointer_align()
    spill_start = a.S
    for s in in_slots:
        if s.in_registers:
            s.spill_offset = a.stack(s.type)
    a.pointer_align()
    return Assignment(in_slots, out_slots, a.S, n_i, n_f, stack_args, stack_args, spill_start, r_i, r_f)


# -- register contents -------------------------------------------------------------------


def _float_to_reg(raw: bytes, order: str, placement: str) -> int:
    """A float32/float64 in memory bytes -> the 64-bit float register contents."""
    if len(raw) == 8:
        return int.from_bytes(raw, order)
    bits = int.from_bytes(raw, order)
    if placement == "low32":
        return bits
    if placement == "high32":
        return bits << 32
    if placement == "double":
        (f,) = struct.unpack("<f", bits.to_bytes(4, "little"))
        return int.from_bytes(struct.pack("<d", f), "little")
    raise ValueError(f"unknown float32 placement {placement!r}")


def _reg_to_float(reg: int, size: int, order: str, placement: str) -> bytes:
    reg &= (1 << 64) - 1
    if size == 8:
        return reg.to_bytes(8, order)
    if placement == "low32":
        bits = reg & 0xFFFFFFFF
    elif placement == "high32":
        bits = reg >> 32
    elif placement == "double":
        (d,) = struct.unpack("<d", reg.to_bytes(8, "little"))
        bits = int.from_bytes(struct.pack("<f", d), "little")
    else:
        raise ValueError(f"unknown float32 placement {placement!r}")
    return bits.to_bytes(4, order)


def frame_for(
    assignment: Assignment, args: Sequence[bytes], order: str, ptr_size: int, float32: str
) -> tuple[list[int], list[int], bytes]:
    """The int registers, float registers and stack area for arguments given as their memory
    bytes (one per parameter slot, receiver first)."""
    ints = [0] * assignment.n_int_args
    floats = [0] * assignment.n_float_args
    stack = bytearray(assignment.frame_size)
    for slot, data in zip(assignment.params, args):
        if slot.parts is None:
            stack[slot.stack_offset : slot.stack_offset + len(data)] = data
            continue
        for p in slot.parts:
            raw = data[p.offset : p.offset + p.size]
            if p.cls == "int":
                ints[p.reg] = int.from_bytes(raw, order, signed=p.signed) & ((1 << (8 * ptr_size)) - 1)
            else:
                floats[p.reg] = _float_to_reg(raw, order, float32)
    return ints, floats, bytes(stack)


def results_from(
    assignment: Assignment, raw: RawResult, order: str, ptr_size: int, float32: str
) -> list[bytes]:
    """Each result's memory bytes from the registers and stack area after the call."""
    out = []
    for slot in assignment.results:
        t = slot.type
        if slot.parts is None:
            out.append(bytes(raw.stack[slot.stack_offset : slot.stack_offset + t.size]))
            continue
        data = bytearray(t.size)
        for p in slot.parts:
            if p.cls == "int":
                val = raw.ints[p.reg] & ((1 << (8 * p.size)) - 1)
                data[p.offset : p.offset + p.size] = val.to_bytes(p.size, order)
            else:
                data[p.offset : p.offset + p.size] = _reg_to_float(raw.floats[p.reg], p.size, order, float32)
        out.append(bytes(data))
    return out


# -- GoFunc ------------------------------------------------------------------------------


def word_type(ptr_size: int = 8) -> GoType:
    """A stand-in descriptor for a receiver passed as one machine word (an interface's data word)."""
    return GoType(0, "UnsafePointer", "unsafe.Pointer", ptr_size, False)


class GoFunc:
    """A Go func value as a Python callable.

    ``GoFunc(machine, fn_type, pc, ctx)``: ``fn_type`` the func descriptor (its ``params`` and
    ``results``), ``pc`` the ABIInternal entry, ``ctx`` the closure context (the funcval pointer
    of a func value held in Go memory; 0 for a plain top-level function). ``receiver`` (a
    ``GoValue``) is passed before the arguments for a method: a method value.

    ``f(*args)`` converts each argument by its parameter type and returns None, the one
    result's Python value, or a tuple of them; ``f.call_raw(*args)`` returns the results as
    ``GoValue``s. Variadic funcs take the extra arguments one by one (or one list/None for the
    final slice, when its elements cannot themselves be lists).
    """

    def __init__(
        self,
        machine: Machine,
        fn_type: GoType,
        pc: int,
        ctx: int = 0,
        *,
        name: str | None = None,
        receiver: GoValue | None = None,
    ) -> None:
        if fn_type.kind != "Func":
            raise TypeError(f"{fn_type.string} is not a func type")
        self.machine = machine
        self.gotype = fn_type
        self.pc = pc
        self.ctx = ctx
        self.name = name or fn_type.string
        self.receiver = receiver
        self._assignment: Assignment | None = None
        self._plan: Any = _UNSET
        self._str_spec: list[tuple[int, int, type, Callable[[str], tuple[int, int]] | None]] | None = None
        self._signed: list[bool] = []
        self._one_string = False  # the str fast path's signature has a single result, a string
        keep = getattr(machine, "keep_alive", None)
        if keep is not None:
            keep(self)

    @property
    def type(self) -> str:
        """The func's Go type as ``%T`` prints it (``func(string) string``)."""
        return self.gotype.string

    @classmethod
    def from_funcval(cls, machine: Machine, fn_type: GoType, funcval: int, name: str | None = None) -> GoFunc:
        """The func value whose funcval is at ``funcval`` (its first word is the code pointer)."""
        pc = int.from_bytes(machine.read(funcval, machine.ptr_size), machine.byte_order)
        return cls(machine, fn_type, pc, funcval, name=name)

    # -- layout

    @property
    def assignment(self) -> Assignment:
        if self._assignment is None:
            m = self.machine
            params = list(self.gotype.params)
            if self.receiver is not None:
                params.insert(0, self.receiver.type)
            abi = m.arch.abi
            regs = m.regabi and abi is not None
            self._assignment = assign(
                params,
                self.gotype.results,
                len(abi.int_regs) if regs else 0,
                len(abi.float_regs) if regs else 0,
                m.ptr_size,
            )
        return self._assignment

    # -- calling

    def _convert_args(self, args: tuple) -> list[GoValue]:
        from gopluginemu.values import GoValue, from_python

        params = self.gotype.params
        n = len(params)
        if self.gotype.variadic:
            fixed = n - 1
            if len(args) < fixed:
                raise TypeError(f"{self.name}: wants at least {fixed} argument(s), got {len(args)}")
            last = params[-1]
            tail = args[fixed:]
            elem_kind = last.elem.kind
            if len(tail) == 1 and (
                (isinstance(tail[0], GoValue) and tail[0].type.kind == "Slice")
                or (
                    elem_kind not in ("Slice", "Array", "Interface")
                    and (tail[0] is None or isinstance(tail[0], (list, tuple)))
                )
                or (elem_kind == "Uint8" and isinstance(tail[0], (bytes, bytearray)))
            ):
                slice_arg = tail[0]
            else:
                slice_arg = list(tail)
            args = tuple(args[:fixed]) + (slice_arg,)
        elif len(args) != n:
            raise TypeError(f"{self.name}: wants {n} argument(s), got {len(args)}")
        out = []
        for i, (t, a) in enumerate(zip(params, args), 1):
            try:
                out.append(from_python(self.machine, t, a))
            except OverflowError as exc:
                raise OverflowError(f"{self.name}: argument {i}: {exc}") from None
            except TypeError as exc:
                raise TypeError(f"{self.name}: argument {i} wants {t.string}, got {_describe(a)}: {exc}") from None
        return out

    @property
    def _int_plan(self) -> list[tuple[int, int, int]] | None:
        """For a func whose parameters and results are all integers or bools held in integer
        registers: (low, high, size) per parameter, for converting straight to registers
        (no ``GoValue`` on the way). None for every other signature (a signature with strings
        among its integers and bools gets ``_str_spec`` instead)."""
        if self._plan is _UNSET:
            from gopluginemu.values import INT_KINDS, SIGNED_KINDS, _int_range, copy_string

            t, a = self.gotype, self.assignment
            scalars = [*t.params, *t.results]
            simple = (
                not t.variadic
                and self.receiver is None
                and all(x.kind in INT_KINDS or x.kind in ("Bool", "String") for x in scalars)
                and all(slot.in_registers for slot in (*a.params, *a.results))
                and not self.machine.arch.byte_order == "big"
            )
            self._plan = self._str_spec = None
            if simple:
                m, n = self.machine, a.n_int_results
                caller = getattr(m, "int_caller", None)
                self._int_call = (
                    caller(self.pc, ctx=self.ctx, n_args=a.n_int_args, n_results=n) if caller is not None
                    else lambda *words: m.call(self.pc, ctx=self.ctx, ints=words, n_ints=n, n_floats=0).ints
                )
                ranges = [_int_range(x) if x.kind in INT_KINDS else (0, 1) for x in t.params]
                self._kinds = [{"Bool": bool, "String": str}.get(x.kind, int) for x in t.params]
                self._signed = [x.kind in SIGNED_KINDS for x in t.results]
                if any(x.kind == "String" for x in scalars):
                    def copy(a: str) -> tuple[int, int]:
                        return copy_string(m, a.encode("utf-8", "surrogateescape"))

                    self._str_spec = [(lo, hi, kind, copy if kind is str else None)
                                      for (lo, hi), kind in zip(ranges, self._kinds)]
                    self._one_string = [x.kind for x in t.results] == ["String"]
                else:
                    self._plan = [(lo, hi, x.size) for (lo, hi), x in zip(ranges, t.params)]
                    self._one_word = len(t.results) == 1 and t.results[0].size == 8 and t.results[0].kind != "Bool"
                    self._signed_args = any(x.kind in SIGNED_KINDS for x in t.params)
                    self._int64_only = all(x.kind in ("Int", "Int64") and x.size == 8 for x in t.params)
        return self._plan

    def _call_words(self, words: Sequence[int]) -> Sequence[int]:
        """The result registers of a call with these argument registers (a panic's value in
        Python, as ``_run`` gives it)."""
        try:
            return self._int_call(*words)
        except GoPanic as e:
            from gopluginemu.values import convert_panic_value

            convert_panic_value(self.machine, e)
            raise

    def _str_args(self, args: tuple) -> list[int] | None:
        """The argument registers of a signature of integers, bools and strings (each string
        copied into Go memory); None for arguments the general path must convert or refuse."""
        if len(args) != len(self._str_spec):
            return None
        words = []
        for (lo, hi, kind, copy), a in zip(self._str_spec, args):
            if type(a) is not kind:
                return None
            if copy is not None:
                words += copy(a)
            elif lo <= a <= hi:
                words.append(a & _MASK64)
            else:
                return None
        return words

    def _str_results(self, words: Sequence[int]) -> Any:
        """The Python results of a signature of integers, bools and strings."""
        m = self.machine
        if self._one_string:
            return m.read(words[0], words[1]).decode("utf-8", "surrogateescape") if words[1] else ""
        out, i = [], 0
        for t, signed in zip(self.gotype.results, self._signed):
            if t.kind == "String":
                ptr, n = words[i], words[i + 1]
                out.append(m.read(ptr, n).decode("utf-8", "surrogateescape") if n else "")
                i += 2
                continue
            out.append(_int_value(t, signed, words[i]))
            i += 1
        return None if not out else out[0] if len(out) == 1 else tuple(out)

    def _int_args(self, plan, args: tuple) -> list[int]:
        """The integer registers for ``args`` (checked like ``from_python``) on the fast path."""
        if len(args) == len(plan):
            for (lo, hi, _), kind, a in zip(plan, self._kinds, args):
                if type(a) is not kind or not lo <= a <= hi:
                    break
            else:
                return [a & _MASK64 for a in args] if self._signed_args else args
        if len(args) != len(plan):
            raise TypeError(f"{self.name}: wants {len(plan)} argument(s), got {len(args)}")
        for i, ((lo, hi, _), a, want) in enumerate(zip(plan, args, self.gotype.params), 1):
            if (want.kind == "Bool") != isinstance(a, bool) or not isinstance(a, int):
                raise TypeError(f"{self.name}: argument {i} wants {want.string}, got {_describe(a)}")
            if not lo <= a <= hi:
                raise OverflowError(f"{self.name}: argument {i}: {a} does not fit in {want.string} [{lo}, {hi}]")
        return [int(a) & _MASK64 for a in args]

    def _int_words(self, plan, items: list[tuple]) -> bytes:
        """The argument registers of every call of ``map`` on the fast path, call after call
        (little-endian 64-bit words), checked in bulk; if the bulk check fails, each item is
        checked alone, which raises the error ``f(*args)`` would."""
        flat = list(chain.from_iterable(items))
        if self._bulk_ok(plan, items, flat):
            try:
                return array("q", flat).tobytes()  # for int64 parameters, array checks the range
            except OverflowError:
                if not self._int64_only:  # checked: uint64 values past 2**63
                    return array("Q", [a & _MASK64 for a in flat]).tobytes()
        return array("Q", [a & _MASK64 for args in items for a in self._int_args(plan, args)]).tobytes()

    def _bulk_ok(self, plan, items: list[tuple], flat: list) -> bool:
        """Whether every item has one argument per parameter of the parameter's Python type (int,
        or bool for a bool) and, but for int64 parameters, in its range."""
        n = len(plan)
        if len(flat) != n * len(items) or set(map(len, items)) - {n}:
            return False
        if self._int64_only or not items:
            return set(map(type, flat)) <= {int}
        for j, ((lo, hi, _), kind) in enumerate(zip(plan, self._kinds)):
            column = flat[j::n]
            if set(map(type, column)) != {kind} or not (lo <= min(column) and max(column) <= hi):
                return False
        return True

    def _int_results_bulk(self, raw, n: int) -> list[Any]:
        """The Python results of ``n`` fast-path calls from their result words (little-endian,
        call after call): each result read as an integer of its own size and signedness."""
        per_call = len(self._signed)
        columns = []
        for k, (t, signed) in enumerate(zip(self.gotype.results, self._signed)):
            code = _ARRAY_CODES[t.size]
            words = array(code.lower() if signed and t.kind != "Bool" else code)
            words.frombytes(raw)
            step = 8 // t.size
            column = words[k * step :: per_call * step].tolist()
            columns.append([bool(v & 1) for v in column] if t.kind == "Bool" else column)
        if not columns:
            return [None] * n
        return columns[0] if per_call == 1 else list(zip(*columns))

    def _int_results(self, words: Sequence[int]) -> Any:
        """The Python results of the fast path, from the integer result registers."""
        if self._one_word:  # the common case: one int64/uint64 result
            v = words[0]
            return v - (1 << 64) if self._signed[0] and v >> 63 else v
        out = []
        for reg, t, signed in zip(words, self.gotype.results, self._signed):
            out.append(_int_value(t, signed, reg))
        return None if not out else out[0] if len(out) == 1 else tuple(out)

    def _run(self, fn, *args, **kwargs):
        """``machine.call``/``call_many`` with a panic's value converted to Python."""
        try:
            return fn(*args, **kwargs)
        except GoPanic as e:
            from gopluginemu.values import convert_panic_value

            convert_panic_value(self.machine, e)
            raise

    def _frame(self, values: Sequence[GoValue]) -> tuple[list[int], list[int], bytes]:
        a = self.assignment
        data = [v.data for v in values]
        if self.receiver is not None:
            data.insert(0, self.receiver.data)
        if len(data) != len(a.params):
            raise TypeError(f"{self.name}: wants {len(a.params)} value(s), got {len(data)}")
        for slot, d in zip(a.params, data):
            if len(d) != slot.type.size:
                raise TypeError(f"{self.name}: a {slot.type.string} value has {slot.type.size} bytes, got {len(d)}")
        m = self.machine
        return frame_for(a, data, m.byte_order, m.ptr_size, self._float32())

    def _float32(self) -> str:
        abi = self.machine.arch.abi
        return abi.float32 if abi is not None else "low32"

    def _results(self, raw) -> list[GoValue]:
        from gopluginemu.values import GoValue

        m = self.machine
        outs = results_from(self.assignment, raw, m.byte_order, m.ptr_size, self._float32())
        return [GoValue(t, d, m) for t, d in zip(self.gotype.results, outs)]

    def call_values(self, values: Sequence[GoValue]) -> list[GoValue]:
        """Call with already converted arguments (one ``GoValue`` per parameter, variadic part
        as one slice); returns the results as ``GoValue``s."""
        ints, floats, stack = self._frame(values)
        a = self.assignment
        raw = self._run(
            self.machine.call, self.pc, ctx=self.ctx, ints=ints, floats=floats, stack=stack,
            n_ints=a.n_int_results, n_floats=a.n_float_results,
        )
        return self._results(raw)

    def map(self, items: Iterable[Any]) -> list[Any]:
        """Call once per item — a tuple of arguments, or a single argument — in one run of the
        emulator where the engine can (``call_many``); the results as ``f(*args)`` gives them.
        A panic raises ``GoPanic`` with ``index``, the item that panicked."""
        a, m = self.assignment, self.machine
        items = [item if isinstance(item, tuple) else (item,) for item in items]
        plan = self._int_plan
        call_words = getattr(m, "call_words", None)
        if plan is not None and call_words is not None and sys.byteorder == "little":
            words = self._int_words(plan, items)
            raw = self._run(call_words, self.pc, words, len(items), ctx=self.ctx, n_args=len(plan), n_results=len(self._signed))
            return self._int_results_bulk(raw, len(items))
        if self._str_spec is not None and call_words is not None:
            rows = [self._str_args(args) for args in items]
            if None not in rows:
                n_args, n_results = a.n_int_args, a.n_int_results
                words = struct.pack(f"<{n_args * len(rows)}Q", *(w for row in rows for w in row))
                raw = self._run(call_words, self.pc, words, len(rows), ctx=self.ctx, n_args=n_args, n_results=n_results)
                return [self._str_results(r) for r in struct.iter_unpack(f"<{n_results}Q", raw)] if n_results else [None] * len(rows)
        if plan is not None:
            frames = [(self._int_args(plan, args), [], b"") for args in items]
            call_many = getattr(m, "call_many", None)
            if call_many is not None:
                raws = self._run(call_many, self.pc, frames, ctx=self.ctx, n_ints=len(self._signed), n_floats=0)
                return [self._int_results(raw.ints) for raw in raws]
        converted = [self._convert_args(args) for args in items]
        frames = [self._frame(values) for values in converted]
        call_many = getattr(m, "call_many", None)
        if call_many is None:
            raws = [self._run(m.call, self.pc, ctx=self.ctx, ints=i, floats=f, stack=s,
                              n_ints=a.n_int_results, n_floats=a.n_float_results) for i, f, s in frames]
        else:
            raws = self._run(call_many, self.pc, frames, ctx=self.ctx, n_ints=a.n_int_results,
                             n_floats=a.n_float_results)
        return [_python_results(self._results(raw)) for raw in raws]

    def call_raw(self, *args: Any) -> list[GoValue]:
        """Call with Python (or ``GoValue``) arguments; the results as ``GoValue``s."""
        return self.call_values(self._convert_args(args))

    def __call__(self, *args: Any) -> Any:
        plan = self._int_plan
        if plan is not None:
            return self._int_results(self._call_words(self._int_args(plan, args)))
        if self._str_spec is not None:
            words = self._str_args(args)
            if words is not None:
                return self._str_results(self._call_words(words))
        return _python_results(self.call_raw(*args))

    def __repr__(self) -> str:
        return f"<GoFunc {self.name} {self.gotype.string} pc={self.pc:#x}>"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, GoFunc)
            and (self.pc, self.ctx, self.gotype.string) == (other.pc, other.ctx, other.gotype.string)
            and (self.receiver is None) == (other.receiver is None)
            and (self.receiver is None or self.receiver == other.receiver)
        )

    def __hash__(self) -> int:
        return hash((self.pc, self.ctx))


_UNSET = object()
_MASK64 = (1 << 64) - 1
_ARRAY_CODES = {1: "B", 2: "H", 4: "I", 8: "Q"}  # unsigned array typecodes by size (lower case: signed)


def _int_value(t: GoType, signed: bool, word: int) -> int | bool:
    """An integer or bool result of type ``t`` from the register it came back in."""
    bits = 8 * t.size
    v = word & ((1 << bits) - 1)
    return bool(v & 1) if t.kind == "Bool" else v - (1 << bits) if signed and v >> (bits - 1) else v


def _python_results(results: list[GoValue]) -> Any:
    """None, the one result's Python value, or a tuple of them."""
    if not results:
        return None
    if len(results) == 1:
        return results[0].to_python()
    return tuple(r.to_python() for r in results)


def _describe(a: Any) -> str:
    """How an argument looks in a TypeError: its Go type if it has one, else its Python type."""
    go_type = getattr(a, "type", None)
    if isinstance(go_type, GoType):
        return go_type.string
    if isinstance(go_type, str) and not isinstance(a, type):
        return go_type
    if a is None:
        return "None"
    return type(a).__name__


# -- methods -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MethodEntry:
    """One ``abi.Method`` of a type's uncommon method table (``ifn``/``tfn`` resolved; None
    when the linker dropped that entry point, textOff -1)."""

    name: str
    exported: bool
    mtyp: GoType | None
    ifn: int | None
    tfn: int | None


def uncommon_addr(machine: Machine, t: GoType) -> int | None:
    """Address of ``t``'s UncommonType, or None if it has none."""
    from gopluginemu.gometa.types import COMPOSITE_STRUCT

    L = machine.layout
    tflag = machine.read(t.addr + L.off("Type", "TFlag"), 1)[0]
    if not tflag & L.consts["TFlagUncommon"]:
        return None
    return t.addr + L.size(COMPOSITE_STRUCT.get(t.kind, "Type"))


def types_base(machine: Machine, addr: int) -> int:
    """The types base of the module holding the descriptor at ``addr`` (nameOff/typeOff are
    relative to it). Uses ``machine.types_base_of`` when the engine offers one (several
    modules), else the live TypeReader's base."""
    finder = getattr(machine, "types_base_of", None)
    if finder is not None:
        base = finder(addr)
        if base is not None:
            return base
    return machine.types.types


def method_table(machine: Machine, t: GoType) -> list[MethodEntry]:
    """The method set of ``t`` from its uncommon type, in Go's order (sorted by name)."""
    cached = getattr(t, "_gpe_methods", None)
    if cached is not None:
        return cached
    u = uncommon_addr(machine, t)
    out: list[MethodEntry] = []
    if u is not None:
        L, order = machine.layout, machine.byte_order
        mcount = int.from_bytes(machine.read(u + L.off("UncommonType", "Mcount"), 2), order)
        moff = int.from_bytes(machine.read(u + L.off("UncommonType", "Moff"), 4), order)
        size = L.size("Method")
        base = types_base(machine, t.addr)
        table = machine.read(u + moff, mcount * size)
        for i in range(mcount):
            e = table[i * size : (i + 1) * size]

            def field_(name: str, e: bytes = e) -> int:
                o = L.off("Method", name)
                return int.from_bytes(e[o : o + 4], order, signed=True)

            name = machine.types.name_at(base + field_("Name"))
            mt = field_("Mtyp")
            mtyp = machine.types.type_at(base + mt) if mt not in (0, -1) else None
            ifn, tfn = field_("Ifn"), field_("Tfn")
            out.append(
                MethodEntry(
                    name.name,
                    name.exported,
                    mtyp,
                    machine.text_addr(ifn, t.addr) if ifn != -1 else None,
                    machine.text_addr(tfn, t.addr) if tfn != -1 else None,
                )
            )
    try:
        object.__setattr__(t, "_gpe_methods", out)
    except AttributeError:  # pragma: no cover
        pass
    return out


def find_method(machine: Machine, t: GoType, name: str) -> MethodEntry | None:
    for m in method_table(machine, t):
        if m.name == name:
            return m
    return None


def bound_method(value: GoValue, name: str, exported_only: bool = True) -> GoFunc | None:
    """The method ``name`` of a concrete value (its type's method set) bound to the value, called
    through the method's ``Tfn`` with the value as receiver; None if the type has no such method
    (unexported methods count only with ``exported_only=False``, as ``MethodByName`` skips them)."""
    machine = value.machine
    entry = find_method(machine, value.type, name)
    if entry is None or (exported_only and not entry.exported):
        return None
    if entry.tfn is None or entry.mtyp is None:
        raise AttributeError(f"{value.type.string}.{name}: the linker dropped this method (unreachable)")
    return GoFunc(machine, entry.mtyp, entry.tfn, name=f"{value.type.string}.{name}", receiver=value)


def itab_off(machine: Machine, field: str) -> int:
    """Offset of ``Type`` or ``Fun`` in an itab (``abi.ITab`` from Go 1.23; ``runtime.itab``'s
    ``_type``/``fun`` before)."""
    L = machine.layout
    if L.has("ITab", field):
        return L.off("ITab", field)
    return L.off("ITab", {"Type": "_type", "Fun": "fun", "Inter": "inter"}[field])


def interface_methods(iface_type: GoType) -> list[str]:
    """Method names of an interface type in itab order (Go sorts them by name)."""
    return [n for n, _ in iface_type.methods]


def itab_method(value: GoValue, name: str) -> GoFunc | None:
    """Method ``name`` of a non-empty interface value, called through ``itab.Fun[i]`` with the
    data word as receiver. None if the interface has no such method; a nil interface raises."""
    from gopluginemu.values import GoValue

    machine = value.machine
    t = value.type
    names = interface_methods(t)
    if name not in names:
        return None
    i = names.index(name)
    itab, data = value.word(0), value.word(1)
    if itab == 0:
        raise ValueError(f"{t.string}.{name}: nil interface (Go: invalid memory address or nil pointer dereference)")
    ps = machine.ptr_size
    fn = int.from_bytes(machine.read(itab + itab_off(machine, "Fun") + i * ps, ps), machine.byte_order)
    recv = GoValue(word_type(ps), data.to_bytes(ps, machine.byte_order), machine)
    return GoFunc(machine, t.methods[i][1], fn, name=f"{t.string}.{name}", receiver=recv)


def dynamic_method(
    machine: Machine, dyn_type: GoType, data_word: int, name: str, exported_only: bool = True
) -> GoFunc | None:
    """Method ``name`` of a value stored in an interface (``data_word`` its data word), called
    through the method's ``Ifn`` (which takes the data word as receiver)."""
    from gopluginemu.values import GoValue

    entry = find_method(machine, dyn_type, name)
    if entry is None or entry.mtyp is None or (exported_only and not entry.exported):
        return None
    if entry.ifn is None:
        raise AttributeError(f"{dyn_type.string}.{name}: the linker dropped this method (unreachable)")
    ps = machine.ptr_size
    recv = GoValue(word_type(ps), data_word.to_bytes(ps, machine.byte_order), machine)
    return GoFunc(machine, entry.mtyp, entry.ifn, name=f"{dyn_type.string}.{name}", receiver=recv)


__all__ = [
    "Assignment",
    "GoFunc",
    "MethodEntry",
    "RegPart",
    "Slot",
    "assign",
    "bound_method",
    "dynamic_method",
    "find_method",
    "frame_for",
    "itab_method",
    "itab_off",
    "method_table",
    "results_from",
    "type_align",
    "uncommon_addr",
]
