"""Go values in emulated memory and their conversions to and from Python.

``GoValue(type, data, machine)`` is a Go value's raw bytes: ``type.size`` bytes in the
target's byte order, exactly as Go keeps it in memory (a string is its header, a slice its
three words, an interface its two words). ``to_python()`` converts by kind:

============================  =====================================================
Go                            Python
============================  =====================================================
bool, ints, uints             ``bool``, ``int``
float32, float64              ``float`` (a float32 converts exactly)
complex64, complex128         ``complex``
string                        ``str``; invalid UTF-8 bytes are kept with
                              ``surrogateescape`` (``s.encode("utf-8",
                              "surrogateescape")`` gives Go's bytes back)
[]byte                        ``bytes`` (nil: ``b""``)
other slices, arrays          ``list`` (a nil slice is ``[]``; ``GoValue.is_nil``
                              still tells nil from empty)
map                           ``dict`` (nil: ``{}``); unhashable keys become tuples
struct                        ``GoStruct``
pointer                       ``Pointer`` (nil: None)
func                          ``gopluginemu.calls.GoFunc`` (nil: None)
chan                          ``GoChan`` (nil: None)
unsafe.Pointer                ``int``
error (interface)             ``GoError`` (nil: None)
other interface with methods  ``GoObject`` (nil: None)
interface {} (any)            the dynamic value converted (nil: None)
============================  =====================================================

``from_python(machine, typ, obj)`` is the reverse, range-checked (``OverflowError``) and
type-checked (``TypeError``); strings, slices and other memory Go must see are copied into
``machine.alloc`` blocks; maps are built, and read, by calling the plugin's own runtime.
"""

from __future__ import annotations

import math
import struct
from typing import TYPE_CHECKING, Any

from gopluginemu.calls import (
    COMPLEX_KINDS,
    FLOAT_KINDS,
    INT_KINDS,
    SIGNED_KINDS,
    GoFunc,
    assign,
    bound_method,
    dynamic_method,
    find_method,
    frame_for,
    itab_method,
    itab_off,
    results_from,
    word_type,
)
from gopluginemu.errors import GoPluginError
from gopluginemu.gometa.types import GoType

if TYPE_CHECKING:  # pragma: no cover
    from gopluginemu.engines.machine import Machine

POINTER_SHAPED = frozenset(("Pointer", "Chan", "Map", "Func", "UnsafePointer"))
ITER_SIZE = 256  # bytes for a map iterator (hiter / maps.Iter fit with room to spare)
# the plugin functions the map support calls, tried in order (name pairs for iteration)
MAP_ITER_FUNCS = (("reflect.mapIterStart", "reflect.mapIterNext"), ("reflect.mapiterinit", "reflect.mapiternext"))
MAP_MAKE_FUNCS = ("runtime.makemap", "reflect.makemap", "runtime.makemap_small")
MAP_ASSIGN_FUNCS = ("reflect.mapassign0", "reflect.mapassign")
ANY_TYPES = {bool: "bool", int: "int", float: "float64", str: "string", bytes: "[]uint8"}


class MapSupportError(GoPluginError, TypeError):
    """The plugin links none of the runtime functions needed to build or read a map."""


# -- GoValue -----------------------------------------------------------------------------


def _keep_alive(machine: Machine, obj: Any) -> None:
    """Tell the machine's collector (if it has one) that ``obj`` refers to Go memory."""
    keep = getattr(machine, "keep_alive", None)
    if keep is not None:
        keep(obj)


class GoValue:
    """A Go value: its descriptor, its ``type.size`` raw bytes, and the machine it lives in."""

    __slots__ = ("type", "data", "machine", "__weakref__")

    def __init__(self, type: GoType, data: bytes, machine: Machine) -> None:  # noqa: A002
        if len(data) != type.size:
            raise ValueError(f"a {type.string} value has {type.size} bytes, got {len(data)}")
        self.type = type
        self.data = bytes(data)
        self.machine = machine
        _keep_alive(machine, self)

    @classmethod
    def at(cls, machine: Machine, typ: GoType, addr: int) -> GoValue:
        """The value of type ``typ`` stored at ``addr``."""
        return cls(typ, machine.read(addr, typ.size) if typ.size else b"", machine)

    @classmethod
    def zero(cls, machine: Machine, typ: GoType) -> GoValue:
        return cls(typ, bytes(typ.size), machine)

    # -- raw access

    @property
    def order(self) -> str:
        return self.machine.byte_order

    def uint(self, off: int, size: int) -> int:
        return int.from_bytes(self.data[off : off + size], self.order)

    def int(self, off: int, size: int) -> int:
        return int.from_bytes(self.data[off : off + size], self.order, signed=True)

    def word(self, i: int = 0) -> int:
        """The ``i``-th pointer-sized word of the value (unsigned)."""
        ps = self.machine.ptr_size
        return self.uint(i * ps, ps)

    @property
    def kind(self) -> str:
        return self.type.kind

    @property
    def is_nil(self) -> bool:
        """Whether the value is a nil pointer, map, chan, func, slice, unsafe.Pointer or interface."""
        k = self.type.kind
        if k in POINTER_SHAPED or k in ("Slice", "Interface"):
            return self.word(0) == 0
        return False

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GoValue) and self.type.string == other.type.string and self.data == other.data

    def __hash__(self) -> int:
        return hash((self.type.string, self.data))

    def __repr__(self) -> str:
        return f"GoValue({self.type.string}, {self.data.hex()})"

    # -- structure

    def string_bytes(self) -> bytes:
        """A string's bytes."""
        ptr, length = self.word(0), self.word(1)
        return self.machine.read(ptr, length) if length else b""

    @property
    def length(self) -> int:
        k = self.type.kind
        if k in ("String", "Slice"):
            return self.word(1)
        if k == "Array":
            return self.type.length
        if k == "Chan":
            return chan_info(self)[0]
        if k == "Map":
            return len(map_items(self))
        raise TypeError(f"len of {self.type.string}")

    def items(self) -> list[GoValue]:
        """The elements of a slice or array."""
        t = self.type
        if t.kind == "Array":
            es = t.elem.size
            return [GoValue(t.elem, self.data[i * es : (i + 1) * es], self.machine) for i in range(t.length)]
        if t.kind == "Slice":
            ptr, n = self.word(0), self.word(1)
            if not n:
                return []
            es = t.elem.size
            raw = self.machine.read(ptr, n * es) if es else b""
            return [GoValue(t.elem, raw[i * es : (i + 1) * es], self.machine) for i in range(n)]
        raise TypeError(f"{t.string} has no elements")

    def fields(self) -> list[tuple[str, bool, GoValue]]:
        """A struct's fields: (name, exported, value)."""
        t = self.type
        if t.kind != "Struct":
            raise TypeError(f"{t.string} is not a struct")
        return [
            (n.name, n.exported, GoValue(ft, self.data[off : off + ft.size], self.machine)) for n, ft, off in t.fields
        ]

    def field(self, name: str) -> GoValue:
        for n, _, v in self.fields():
            if n == name:
                return v
        raise AttributeError(f"{self.type.string} has no field {name}")

    def deref(self) -> GoValue | None:
        """What a pointer points at (None for nil)."""
        if self.type.kind != "Pointer":
            raise TypeError(f"{self.type.string} is not a pointer")
        ptr = self.word(0)
        return None if ptr == 0 else GoValue.at(self.machine, self.type.elem, ptr)

    def dynamic(self) -> GoValue | None:
        """An interface's dynamic value (None for a nil interface)."""
        t = self.type
        if t.kind != "Interface":
            raise TypeError(f"{t.string} is not an interface")
        first, data = self.word(0), self.word(1)
        if first == 0:
            return None
        dyn = dynamic_type(self)
        if is_direct_iface(self.machine, dyn):
            return GoValue(dyn, data.to_bytes(dyn.size, self.order), self.machine)
        return GoValue.at(self.machine, dyn, data)

    def method(self, name: str) -> GoFunc | None:
        """Method ``name`` bound to this value: through the itab for a non-empty interface, through
        the dynamic type's method table for an ``any``, else from the type's own method set."""
        t = self.type
        if t.kind == "Interface":
            if self.word(0) == 0:
                raise ValueError(f"{t.string}.{name}: nil interface")
            if t.methods:
                return itab_method(self, name)
            return dynamic_method(self.machine, dynamic_type(self), self.word(1), name)
        return bound_method(self, name)

    def to_python(self) -> Any:
        return to_python(self)


def convert_panic_value(machine: Machine, panic: Exception) -> None:
    """Turn a ``GoPanic``'s raw ``value`` (the panic's interface words: type descriptor, data)
    into the Python value of what Go code passed to ``panic``."""
    raw = getattr(panic, "value", None)
    if not (isinstance(raw, tuple) and len(raw) == 2 and all(isinstance(w, int) for w in raw)):
        return
    typ, data = raw
    if not typ:
        panic.value = None
        return
    t = machine.types.type_at(typ)
    if is_direct_iface(machine, t):
        v = GoValue(t, data.to_bytes(machine.ptr_size, machine.byte_order), machine)
    else:
        v = GoValue.at(machine, t, data)
    try:
        value = to_python(v)
        if find_method(machine, t, "Error") is not None:  # an error: its text is the panic's
            value = GoError(str(panic), t.string, value, v)
        panic.value = value
    except Exception:  # noqa: BLE001 - a value Python cannot show stays as its text
        panic.value = str(panic)


def dynamic_type(v: GoValue) -> GoType:
    """The dynamic type of a non-nil interface value (from the eface type word or ``itab.Type``)."""
    first = v.word(0)
    m = v.machine
    if v.type.methods:
        first = int.from_bytes(m.read(first + itab_off(m, "Type"), m.ptr_size), m.byte_order)
    return m.types.type_at(first)


def _release(machine: Machine) -> tuple[int, int]:
    try:
        major, minor = machine.layout.release.split(".")[:2]
        return int(major), int(minor)
    except (AttributeError, ValueError):  # pragma: no cover
        return (1, 27)


def is_direct_iface(machine: Machine, t: GoType) -> bool:
    """Whether a ``t`` stored in an interface is its data word itself (pointer-shaped types)
    rather than pointed to: ``Kind_ & 0x20`` up to Go 1.25, ``TFlag & 0x20`` from 1.26."""
    if t.addr:
        L = machine.layout
        if _release(machine) < (1, 26):
            return bool(machine.read(t.addr + L.off("Type", "Kind_"), 1)[0] & 0x20)
        return bool(machine.read(t.addr + L.off("Type", "TFlag"), 1)[0] & 0x20)
    return _structurally_direct(t)


def _structurally_direct(t: GoType) -> bool:
    if t.kind in POINTER_SHAPED:
        return True
    if t.kind == "Array":
        return t.length == 1 and _structurally_direct(t.elem)
    if t.kind == "Struct":
        return len(t.fields) == 1 and _structurally_direct(t.fields[0][1])
    return False


def has_pointers(machine: Machine, t: GoType) -> bool:
    """Whether values of ``t`` hold pointers (``abi.Type.PtrBytes`` != 0)."""
    if t.addr:
        L = machine.layout
        return int.from_bytes(machine.read(t.addr + L.off("Type", "PtrBytes"), machine.ptr_size), machine.byte_order) != 0
    return t.kind in POINTER_SHAPED or t.kind in ("String", "Slice", "Interface")


def chan_info(v: GoValue) -> tuple[int, int]:
    """(len, cap) of a non-nil channel: ``hchan.qcount`` and ``hchan.dataqsiz``, its first two words."""
    m = v.machine
    ptr = v.word(0)
    raw = m.read(ptr, 2 * m.ptr_size)
    return int.from_bytes(raw[: m.ptr_size], m.byte_order), int.from_bytes(raw[m.ptr_size :], m.byte_order)


# -- calling runtime helpers -------------------------------------------------------------

_BOOL = GoType(0, "Bool", "bool", 1, False)


def call_words(machine: Machine, pc: int, args: list[tuple[GoType, int]], n_results: int = 0) -> list[int]:
    """Call a runtime function whose parameters are words/bools given as integers; the results
    (pointer-sized words) as integers."""
    ps, order = machine.ptr_size, machine.byte_order
    ptypes = [t for t, _ in args]
    rtypes = [word_type(ps)] * n_results
    abi = machine.arch.abi
    regs = machine.regabi and abi is not None
    a = assign(ptypes, rtypes, len(abi.int_regs) if regs else 0, len(abi.float_regs) if regs else 0, ps)
    data = [val.to_bytes(t.size, order) for t, val in args]
    f32 = abi.float32 if abi is not None else "low32"
    ints, floats, stack = frame_for(a, data, order, ps, f32)
    raw = machine.call(pc, ints=ints, floats=floats, stack=stack, n_ints=a.n_int_results, n_floats=a.n_float_results)
    return [int.from_bytes(d, order) for d in results_from(a, raw, order, ps, f32)]


def _first_pc(machine: Machine, names: tuple[str, ...]) -> tuple[str, int] | None:
    for name in names:
        pc = machine.func_pc(name)
        if pc is not None:
            return name, pc
    return None


def _ptr_block_type(machine: Machine) -> GoType | None:
    return machine.type_named("unsafe.Pointer")


def map_items(v: GoValue) -> list[tuple[GoValue, GoValue]]:
    """The (key, elem) pairs of a map, in the order the plugin's own iterator gives them
    (``reflect.mapIterStart/Next`` from Go 1.24, ``reflect.mapiterinit/next`` before)."""
    m = v.machine
    ptr = v.word(0)
    if ptr == 0:
        return []
    funcs = None
    for start, nxt in MAP_ITER_FUNCS:
        a, b = m.func_pc(start), m.func_pc(nxt)
        if a is not None and b is not None:
            funcs = (a, b)
            break
    if funcs is None:
        raise MapSupportError(
            f"cannot read a {v.type.string}: the plugin links none of "
            + ", ".join(f"{a}/{b}" for a, b in MAP_ITER_FUNCS)
        )
    ps = m.ptr_size
    w = word_type(ps)
    it = m.alloc(ITER_SIZE, _ptr_block_type(m))
    m.write(it, bytes(ITER_SIZE))
    call_words(m, funcs[0], [(w, v.type.addr), (w, ptr), (w, it)])
    out = []
    kt, et = v.type.key, v.type.elem
    for _ in range(1 << 40):
        raw = m.read(it, 2 * ps)
        kp = int.from_bytes(raw[:ps], m.byte_order)
        if kp == 0:
            break
        ep = int.from_bytes(raw[ps:], m.byte_order)
        out.append((GoValue.at(m, kt, kp), GoValue.at(m, et, ep)))
        call_words(m, funcs[1], [(w, it)])
    return out


def make_map(machine: Machine, typ: GoType, pairs: list[tuple[GoValue, GoValue]]) -> GoValue:
    """A new map of type ``typ`` holding ``pairs``, made by the plugin's ``runtime.makemap(t, hint,
    nil)`` (else ``reflect.makemap(t, hint)``, else the typeless ``runtime.makemap_small()``, which
    is all some plugins link) and filled by ``reflect.mapassign0(t, m, &key, &elem)`` (else its
    wrapper ``reflect.mapassign``, same arguments)."""
    make = _first_pc(machine, MAP_MAKE_FUNCS)
    put = _first_pc(machine, MAP_ASSIGN_FUNCS)
    if make is None or put is None:
        raise MapSupportError(
            f"cannot build a {typ.string}: the plugin links none of {'/'.join(MAP_MAKE_FUNCS)}"
            if make is None
            else f"cannot build a {typ.string}: the plugin links none of {'/'.join(MAP_ASSIGN_FUNCS)}"
        )
    ps = machine.ptr_size
    w = word_type(ps)
    make_args = {
        "runtime.makemap": [(w, typ.addr), (w, len(pairs)), (w, 0)],
        "reflect.makemap": [(w, typ.addr), (w, len(pairs))],
        "runtime.makemap_small": [],
    }[make[0]]
    (mp,) = call_words(machine, make[1], make_args, 1)
    for k, e in pairs:
        kp = _copy_out(machine, k)
        ep = _copy_out(machine, e)
        call_words(machine, put[1], [(w, typ.addr), (w, mp), (w, kp), (w, ep)])
    return GoValue(typ, mp.to_bytes(ps, machine.byte_order), machine)


def _copy_out(machine: Machine, v: GoValue) -> int:
    """Put a value into fresh memory (at least one byte: Go never sees a nil address)."""
    addr = machine.alloc(max(v.type.size, 1), v.type if has_pointers(machine, v.type) else None)
    if v.type.size:
        machine.write(addr, v.data)
    return addr


def getitab(machine: Machine, iface: GoType, dyn: GoType) -> int:
    """The itab for ``dyn`` as ``iface`` from the plugin's ``runtime.getitab`` (0 if ``dyn`` does
    not implement ``iface``)."""
    pc = machine.func_pc("runtime.getitab")
    if pc is None:
        raise TypeError(f"cannot make a {iface.string} from a {dyn.string}: the plugin links no runtime.getitab")
    w = word_type(machine.ptr_size)
    (itab,) = call_words(machine, pc, [(w, iface.addr), (w, dyn.addr), (_BOOL, 1)], 1)
    return itab


# -- Python objects for Go values ---------------------------------------------------------


class GoStruct:
    """A Go struct value: fields as attributes (``p.Name``), exported methods callable
    (``p.String()``, through the value's own method set), ``_fields`` the field names in order,
    ``_type`` its ``%T``, ``_gotype`` its descriptor, ``to_dict()`` the fields as a dict."""

    def __init__(self, gotype: GoType, fields: dict[str, Any], value: GoValue | None = None) -> None:
        object.__setattr__(self, "_gotype", gotype)
        object.__setattr__(self, "_values", dict(fields))
        object.__setattr__(self, "_value", value)

    @property
    def _type(self) -> str:
        return self._gotype.string

    @property
    def _fields(self) -> list[str]:
        return [n.name for n, _, _ in self._gotype.fields]

    def __getattr__(self, name: str) -> Any:
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        value = object.__getattribute__(self, "_value")
        if value is not None and not name.startswith("_"):
            fn = bound_method(value, name)
            if fn is not None:
                return fn
        raise AttributeError(f"{self._gotype.string} has no field or method {name}")

    def __setattr__(self, name: str, obj: Any) -> None:
        if name not in self._values:
            raise AttributeError(f"{self._gotype.string} has no field {name}")
        self._values[name] = obj
        object.__setattr__(self, "_value", None)  # the Go bytes no longer match

    def to_dict(self) -> dict[str, Any]:
        return dict(self._values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GoStruct) and self._type == other._type and self._values == other._values

    def __hash__(self) -> int:
        return hash((self._type, tuple(_hashable(v) for v in self._values.values())))

    def __repr__(self) -> str:
        return f"{self._type}(" + ", ".join(f"{k}={v!r}" for k, v in self._values.items()) + ")"


class Pointer:
    """A non-nil Go pointer: ``type`` its ``%T`` (``*main.Person``), ``address``, ``load()`` the
    pointee converted, ``store(v)`` writes a Python value there; methods of the pointer type (and
    the pointee's fields, read on access) as attributes."""

    def __init__(self, machine: Machine, gotype: GoType, address: int) -> None:
        self.machine = machine
        self.gotype = gotype
        self.address = address
        _keep_alive(machine, self)

    @property
    def type(self) -> str:
        return self.gotype.string

    @property
    def elem_type(self) -> GoType:
        return self.gotype.elem

    def value(self) -> GoValue:
        """The pointer itself as a ``GoValue``."""
        return GoValue(self.gotype, self.address.to_bytes(self.machine.ptr_size, self.machine.byte_order), self.machine)

    def load_value(self) -> GoValue:
        return GoValue.at(self.machine, self.gotype.elem, self.address)

    def load(self) -> Any:
        return to_python(self.load_value())

    def store(self, obj: Any) -> None:
        """Write ``obj`` (converted to the element type) at the address (no GC write barrier)."""
        v = from_python(self.machine, self.gotype.elem, obj)
        if v.data:
            self.machine.write(self.address, v.data)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name in ("machine", "gotype", "address"):
            raise AttributeError(name)
        fn = bound_method(self.value(), name)
        if fn is not None:
            return fn
        elem = self.gotype.elem
        if elem.kind == "Struct":
            for n, ft, off in elem.fields:
                if n.name == name:
                    return to_python(GoValue.at(self.machine, ft, self.address + off))
        raise AttributeError(f"{self.type} has no method or field {name}")

    def __int__(self) -> int:
        return self.address

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pointer) and (self.type, self.address) == (other.type, other.address)

    def __hash__(self) -> int:
        return hash((self.type, self.address))

    def __repr__(self) -> str:
        return f"<Pointer {self.type} {self.address:#x}>"


class GoChan:
    """A non-nil channel: ``type`` its ``%T``, ``address`` of its ``hchan``, ``cap`` and ``len``."""

    def __init__(self, machine: Machine, gotype: GoType, address: int) -> None:
        self.machine = machine
        self.gotype = gotype
        self.address = address
        _keep_alive(machine, self)

    @property
    def type(self) -> str:
        return self.gotype.string

    def _info(self) -> tuple[int, int]:
        return chan_info(GoValue(self.gotype, self.address.to_bytes(self.machine.ptr_size, self.machine.byte_order), self.machine))

    @property
    def cap(self) -> int:
        return self._info()[1]

    def __len__(self) -> int:
        return self._info()[0]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GoChan) and (self.type, self.address) == (other.type, other.address)

    def __hash__(self) -> int:
        return hash((self.type, self.address))

    def __repr__(self) -> str:
        return f"<GoChan {self.type} cap={self.cap} {self.address:#x}>"


class GoError(Exception):
    """A non-nil Go ``error``: ``str(e)`` is its ``Error()`` (called in Go), ``type`` the dynamic
    ``%T``, ``value`` the dynamic value converted, ``go_value`` the interface ``GoValue``."""

    def __init__(self, message: str, type: str, value: Any, go_value: GoValue | None = None) -> None:  # noqa: A002
        super().__init__(message)
        self.message = message
        self.type = type
        self.value = value
        self.go_value = go_value

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, GoError)
            and (self.message, self.type) == (other.message, other.type)
            and (self.go_value is None or other.go_value is None or self.go_value == other.go_value)
        )

    def __hash__(self) -> int:
        return hash((self.message, self.type))

    def __repr__(self) -> str:
        return f"GoError({self.message!r}, type={self.type!r})"


class GoObject:
    """A non-nil value of an interface type with methods: ``type`` the dynamic ``%T``,
    ``value`` the dynamic value converted, the interface's methods as attributes
    (``shape.Area()``), ``go_value`` the interface ``GoValue``."""

    def __init__(self, go_value: GoValue) -> None:
        self.go_value = go_value
        self.interface = go_value.type.string
        dyn = go_value.dynamic()
        self.type = dynamic_type(go_value).string
        self.value = to_python(dyn) if dyn is not None else None

    def __getattr__(self, name: str) -> GoFunc:
        if name.startswith("_") or name in ("go_value", "interface", "type", "value"):
            raise AttributeError(name)
        fn = itab_method(self.go_value, name)
        if fn is None:
            raise AttributeError(f"{self.interface} has no method {name}")
        return fn

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | {n for n, _ in self.go_value.type.methods})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GoObject) and self.go_value == other.go_value

    def __hash__(self) -> int:
        return hash(self.go_value)

    def __repr__(self) -> str:
        return f"<GoObject {self.interface} holding {self.type}: {self.value!r}>"


def _hashable(x: Any) -> Any:
    if isinstance(x, list):
        return tuple(_hashable(i) for i in x)
    if isinstance(x, dict):
        return tuple(sorted(((_hashable(k), _hashable(v)) for k, v in x.items()), key=repr))
    return x


def is_error_type(t: GoType) -> bool:
    """An interface whose only method is ``Error() string`` (``error`` and its look-alikes)."""
    return (
        t.kind == "Interface"
        and len(t.methods) == 1
        and t.methods[0][0] == "Error"
        and not t.methods[0][1].params
        and [r.kind for r in t.methods[0][1].results] == ["String"]
    )


def error_message(v: GoValue) -> str | None:
    """``Error()`` of an interface value whose dynamic value is an error, called in Go; None if
    the value is nil or its dynamic type has no ``Error() string`` method."""
    if v.word(0) == 0:
        return None
    t = v.type
    if t.methods and "Error" in [n for n, _ in t.methods]:
        fn = itab_method(v, "Error")
    else:
        dyn = dynamic_type(v)
        entry = find_method(v.machine, dyn, "Error")
        if (
            entry is None
            or not entry.exported
            or entry.mtyp is None
            or entry.mtyp.params
            or [r.kind for r in entry.mtyp.results] != ["String"]
        ):
            return None
        fn = dynamic_method(v.machine, dyn, v.word(1), "Error")
    return fn()


# -- Go -> Python ------------------------------------------------------------------------


def to_python(v: GoValue) -> Any:
    """Convert a Go value to Python (see the module docstring for the mapping)."""
    t, m = v.type, v.machine
    k = t.kind
    if k == "Bool":
        return v.data[0] != 0
    if k in INT_KINDS:
        return v.int(0, t.size) if k in SIGNED_KINDS else v.uint(0, t.size)
    if k in FLOAT_KINDS:
        return _unpack_float(v.data, v.order)
    if k in COMPLEX_KINDS:
        h = t.size // 2
        return complex(_unpack_float(v.data[:h], v.order), _unpack_float(v.data[h:], v.order))
    if k == "String":
        return v.string_bytes().decode("utf-8", "surrogateescape")
    if k == "Slice":
        if t.elem.kind == "Uint8":
            ptr, n = v.word(0), v.word(1)
            return m.read(ptr, n) if n else b""
        return [to_python(e) for e in v.items()]
    if k == "Array":
        return [to_python(e) for e in v.items()]
    if k == "Map":
        return {_hashable(to_python(a)): to_python(b) for a, b in map_items(v)}
    if k == "Struct":
        return GoStruct(t, {n: to_python(fv) for n, _, fv in v.fields()}, v)
    if k == "Pointer":
        ptr = v.word(0)
        return None if ptr == 0 else Pointer(m, t, ptr)
    if k == "Func":
        ptr = v.word(0)
        return None if ptr == 0 else GoFunc.from_funcval(m, t, ptr)
    if k == "Chan":
        ptr = v.word(0)
        return None if ptr == 0 else GoChan(m, t, ptr)
    if k == "UnsafePointer":
        return v.word(0)
    if k == "Interface":
        if v.word(0) == 0:
            return None
        if not t.methods:
            dyn = v.dynamic()
            return to_python(dyn)
        if is_error_type(t):
            dyn = v.dynamic()
            msg = error_message(v)
            return GoError(msg if msg is not None else "", dynamic_type(v).string, to_python(dyn), v)
        return GoObject(v)
    raise TypeError(f"cannot convert a {t.string} (kind {k})")


def _unpack_float(raw: bytes, order: str) -> float:
    fmt = ("<" if order == "little" else ">") + ("f" if len(raw) == 4 else "d")
    return struct.unpack(fmt, raw)[0]


def _pack_float(x: float, size: int, order: str) -> bytes:
    fmt = ("<" if order == "little" else ">") + ("f" if size == 4 else "d")
    return struct.pack(fmt, x)


# -- Python -> Go ------------------------------------------------------------------------


def _int_range(t: GoType) -> tuple[int, int]:
    bits = 8 * t.size
    if t.kind in SIGNED_KINDS:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


def _word(machine: Machine, t: GoType, n: int) -> GoValue:
    return GoValue(t, n.to_bytes(machine.ptr_size, machine.byte_order), machine)


def _words(machine: Machine, t: GoType, *ns: int) -> GoValue:
    return GoValue(t, b"".join(n.to_bytes(machine.ptr_size, machine.byte_order) for n in ns), machine)


def copy_string(machine: Machine, data: bytes) -> tuple[int, int]:
    """A Go string's (pointer, length) for ``data`` copied into fresh memory (nil when empty)."""
    if not data:
        return 0, 0
    addr = machine.alloc(len(data))
    machine.write(addr, data)
    return addr, len(data)


def go_string(machine: Machine, t: GoType, data: bytes) -> GoValue:
    """A string header for ``data`` copied into fresh memory."""
    return _words(machine, t, *copy_string(machine, data))


def go_slice(machine: Machine, t: GoType, elems: list[GoValue] | bytes) -> GoValue:
    """A non-nil slice header (len = cap) over a fresh copy of the elements."""
    es = t.elem.size
    raw = elems if isinstance(elems, (bytes, bytearray)) else b"".join(e.data for e in elems)
    n = len(raw) // es if es else len(elems)
    addr = machine.alloc(max(len(raw), 1), t.elem if has_pointers(machine, t.elem) else None)
    if raw:
        machine.write(addr, bytes(raw))
    return _words(machine, t, addr, n, n)


def box(machine: Machine, iface: GoType, dyn: GoValue) -> GoValue:
    """Store ``dyn`` in an interface of type ``iface`` (an eface, or an iface through the itab
    ``runtime.getitab`` gives)."""
    if dyn.type.kind == "Interface":  # an interface into another: keep its dynamic value
        inner = dyn.dynamic()
        if inner is None:
            return GoValue.zero(machine, iface)
        dyn = inner
    dt = dyn.type
    if not dt.addr:
        raise TypeError(f"no descriptor for {dt.string}")
    if is_direct_iface(machine, dt):
        data = dyn.word(0) if dt.size else 0
    else:
        data = _copy_out(machine, dyn)
    if iface.methods:
        first = getitab(machine, iface, dt)
        if first == 0:
            raise TypeError(f"{dt.string} does not implement {iface.string}")
    else:
        first = dt.addr
    return _words(machine, iface, first, data)


def _named(machine: Machine, name: str) -> GoType:
    t = machine.type_named(name)
    if t is None:
        raise TypeError(f"the plugin has no descriptor for {name}")
    return t


def any_dynamic(machine: Machine, obj: Any) -> GoValue | None:
    """The Go value a Python object becomes inside an ``any``: bool, int (Go ``int``), float
    (``float64``), str, bytes (``[]uint8``), a list of ints or of strs (``[]int``/``[]string``;
    an empty list is ``[]int``), a dict of str to int (``map[string]int``), None (nil), or a
    value converted from Go (its own type)."""
    if obj is None:
        return None
    if isinstance(obj, GoValue):
        return obj
    if isinstance(obj, (GoError, GoObject)):
        return obj.go_value if obj.go_value is not None else None
    if isinstance(obj, GoStruct):
        return from_python(machine, obj._gotype, obj)
    if isinstance(obj, (Pointer, GoChan)):
        return _word(machine, obj.gotype, obj.address)
    if isinstance(obj, GoFunc):
        return from_python(machine, obj.type, obj)
    for py, name in ANY_TYPES.items():
        if type(obj) is py:  # noqa: E721 - bool must not pass as int
            return from_python(machine, _named(machine, name), obj)
    if isinstance(obj, (list, tuple)):
        if all(isinstance(x, str) for x in obj) and obj:
            return from_python(machine, _named(machine, "[]string"), obj)
        if all(isinstance(x, int) and not isinstance(x, bool) for x in obj):
            return from_python(machine, _named(machine, "[]int"), obj)
    if isinstance(obj, dict) and all(isinstance(k, str) for k in obj) and all(
        isinstance(x, int) and not isinstance(x, bool) for x in obj.values()
    ):
        return from_python(machine, _named(machine, "map[string]int"), obj)
    raise TypeError(f"no Go type for a Python {type(obj).__name__} in an interface")


def from_python(machine: Machine, typ: GoType, obj: Any) -> GoValue:
    """Convert a Python object to a Go value of type ``typ`` (``TypeError`` if it cannot be one,
    ``OverflowError`` if a number does not fit)."""
    t, m = typ, machine
    k = t.kind
    order = m.byte_order
    if isinstance(obj, GoValue):
        if obj.type.string == t.string and obj.type.kind == k:
            return obj
        if k == "Interface":
            return box(m, t, obj)
        raise TypeError(f"a {obj.type.string} value is not a {t.string}")
    if k == "Bool":
        if not isinstance(obj, bool):
            raise TypeError(f"wants bool, got {type(obj).__name__}")
        return GoValue(t, bytes([obj]), m)
    if k in INT_KINDS:
        if isinstance(obj, bool) or not isinstance(obj, int):
            raise TypeError(f"wants an int, got {type(obj).__name__}")
        lo, hi = _int_range(t)
        if not lo <= obj <= hi:
            raise OverflowError(f"{obj} does not fit in {t.string} [{lo}, {hi}]")
        return GoValue(t, obj.to_bytes(t.size, order, signed=k in SIGNED_KINDS), m)
    if k in FLOAT_KINDS:
        if isinstance(obj, bool) or not isinstance(obj, (int, float)):
            raise TypeError(f"wants a float, got {type(obj).__name__}")
        return GoValue(t, _float_bytes(float(obj), t.size, order, t.string), m)
    if k in COMPLEX_KINDS:
        if isinstance(obj, bool) or not isinstance(obj, (int, float, complex)):
            raise TypeError(f"wants a complex, got {type(obj).__name__}")
        c = complex(obj)
        h = t.size // 2
        return GoValue(t, _float_bytes(c.real, h, order, t.string) + _float_bytes(c.imag, h, order, t.string), m)
    if k == "String":
        if isinstance(obj, str):
            return go_string(m, t, obj.encode("utf-8", "surrogateescape"))
        if isinstance(obj, (bytes, bytearray)):
            return go_string(m, t, bytes(obj))
        raise TypeError(f"wants str, got {type(obj).__name__}")
    if k == "Slice":
        if obj is None:
            return GoValue.zero(m, t)
        if isinstance(obj, (bytes, bytearray)) and t.elem.kind == "Uint8":
            return go_slice(m, t, bytes(obj))
        if isinstance(obj, (list, tuple)):
            return go_slice(m, t, [from_python(m, t.elem, x) for x in obj])
        raise TypeError(f"wants a list, got {type(obj).__name__}")
    if k == "Array":
        if isinstance(obj, (bytes, bytearray)) and t.elem.kind == "Uint8":
            obj = list(obj)
        if not isinstance(obj, (list, tuple)):
            raise TypeError(f"wants a list of {t.length}, got {type(obj).__name__}")
        if len(obj) != t.length:
            raise TypeError(f"wants {t.length} elements, got {len(obj)}")
        return GoValue(t, b"".join(from_python(m, t.elem, x).data for x in obj), m)
    if k == "Map":
        if obj is None:
            return GoValue.zero(m, t)
        if isinstance(obj, dict):
            pairs = list(obj.items())
        elif isinstance(obj, (list, tuple)) and all(isinstance(p, (list, tuple)) and len(p) == 2 for p in obj):
            pairs = [tuple(p) for p in obj]
        else:
            raise TypeError(f"wants a dict, got {type(obj).__name__}")
        return make_map(m, t, [(from_python(m, t.key, a), from_python(m, t.elem, b)) for a, b in pairs])
    if k == "Struct":
        if isinstance(obj, GoStruct):
            if obj._type != t.string:
                raise TypeError(f"wants {t.string}, got {obj._type}")
            if obj._value is not None:
                return obj._value
            obj = obj.to_dict()
        if not isinstance(obj, dict):
            raise TypeError(f"wants a dict of fields, got {type(obj).__name__}")
        names = {n.name for n, _, _ in t.fields}
        unknown = [name for name in obj if name not in names]
        if unknown:
            raise TypeError(f"{t.string} has no field {unknown[0]}")
        data = bytearray(t.size)
        for n, ft, off in t.fields:
            if n.name in obj:
                data[off : off + ft.size] = from_python(m, ft, obj[n.name]).data
        return GoValue(t, bytes(data), m)
    if k == "Pointer":
        if obj is None:
            return GoValue.zero(m, t)
        if isinstance(obj, Pointer):
            if obj.type != t.string:
                raise TypeError(f"wants {t.string}, got {obj.type}")
            return _word(m, t, obj.address)
        elem = from_python(m, t.elem, obj)  # a Python value: a new T to point at
        return _word(m, t, _copy_out(m, elem))
    if k == "Func":
        if obj is None:
            return GoValue.zero(m, t)
        if isinstance(obj, GoFunc):
            if obj.type != t.string:
                raise TypeError(f"wants {t.string}, got {obj.type}")
            if obj.receiver is not None:
                raise TypeError("cannot pass a bound method value to Go")
            if obj.ctx:
                return _word(m, t, obj.ctx)
            fv = m.alloc(m.ptr_size)  # a funcval with no captured state: just the code pointer
            m.write(fv, obj.pc.to_bytes(m.ptr_size, order))
            return _word(m, t, fv)
        raise TypeError(f"wants a Go func, got {type(obj).__name__} (Python callables cannot be passed)")
    if k == "Chan":
        if obj is None:
            return GoValue.zero(m, t)
        if isinstance(obj, GoChan) and obj.type == t.string:
            return _word(m, t, obj.address)
        raise TypeError(f"wants {t.string}, got {type(obj).__name__}")
    if k == "UnsafePointer":
        if obj is None:
            return GoValue.zero(m, t)
        if isinstance(obj, Pointer):
            return _word(m, t, obj.address)
        if isinstance(obj, int) and not isinstance(obj, bool):
            if not 0 <= obj < (1 << (8 * m.ptr_size)):
                raise OverflowError(f"{obj:#x} is not an address")
            return _word(m, t, obj)
        raise TypeError(f"wants an address, got {type(obj).__name__}")
    if k == "Interface":
        if obj is None:
            return GoValue.zero(m, t)
        if isinstance(obj, (GoError, GoObject)) and obj.go_value is not None:
            if obj.go_value.type.string == t.string:
                return obj.go_value
            return box(m, t, obj.go_value)
        dyn = any_dynamic(m, obj)
        if dyn is None:
            return GoValue.zero(m, t)
        return box(m, t, dyn)
    raise TypeError(f"cannot build a {t.string} (kind {k})")


def _float_bytes(x: float, size: int, order: str, name: str) -> bytes:
    if size == 4 and math.isfinite(x):
        try:
            return _pack_float(x, 4, order)
        except OverflowError:
            raise OverflowError(f"{x!r} does not fit in {name}") from None
    return _pack_float(x, size, order)


__all__ = [
    "GoChan",
    "GoError",
    "GoObject",
    "GoStruct",
    "GoValue",
    "MapSupportError",
    "Pointer",
    "box",
    "call_words",
    "chan_info",
    "dynamic_type",
    "error_message",
    "from_python",
    "go_slice",
    "go_string",
    "has_pointers",
    "is_direct_iface",
    "is_error_type",
    "make_map",
    "map_items",
    "to_python",
]
