"""What an unrecovered Go panic says: its text as ``fmt.Sprint(recover())`` gives it, the
dynamic type of the value, and the goroutine's frames."""

from __future__ import annotations

from gopluginemu.errors import GoPanic

PANIC_NIL_TYPE = "*runtime.PanicNilError"


def describe_panic(host, panic: int) -> GoPanic:
    """Read the ``_panic`` record at fatalpanic's entry (``preprintpanics`` has already turned an
    error or Stringer value into its text) and the value gopanic was called with."""
    m = host.m
    arg = panic + host.rt.off("_panic", "arg")
    typ, data = m.word(arg), m.word(arg + 8)
    orig_type, _ = m.services.panic_value
    go_type = m.types.type_at(orig_type).string if orig_type else PANIC_NIL_TYPE
    text = _text(m, typ, data)
    return GoPanic(text, text, go_type, [])


def _text(m, typ: int, data: int) -> str:
    if not typ:
        return "nil"
    t = m.types.type_at(typ)
    order = m.arch.byte_order
    if t.kind == "String":
        ptr, n = m.word(data), m.word(data + 8)
        return m.read(ptr, n).decode("utf-8", "replace") if n else ""
    if t.kind in ("Int", "Int8", "Int16", "Int32", "Int64"):
        return str(int.from_bytes(m.read(data, t.size), order, signed=True))
    if t.kind in ("Uint", "Uint8", "Uint16", "Uint32", "Uint64", "Uintptr"):
        return str(int.from_bytes(m.read(data, t.size), order))
    if t.kind == "Bool":
        return "true" if m.read(data, 1) != b"\0" else "false"
    return f"({t.string}) {data:#x}"
