"""What an unrecovered Go panic says: its text as ``fmt.Sprint(recover())`` gives it, the
dynamic type of the value, and the goroutine's frames as Go's own traceback prints them."""

from __future__ import annotations

import re

from gopluginemu.errors import GoPanic

PANIC_NIL_TYPE = "*runtime.PanicNilError"
_FRAME = re.compile(r"^(\S.*)\((.*)\)$")
_WHERE = re.compile(r"^\t(.+):(\d+)(?: \+0x[0-9a-f]+)?$")


def describe_panic(host, panic: int, g: int) -> GoPanic:
    """The ``GoPanic`` for the ``_panic`` record at fatalpanic's entry, on goroutine ``g``."""
    m = host.m
    frames = go_traceback(host, g)
    arg = panic + host.rt.off("_panic", "arg")
    typ, data = m.word(arg), m.word(arg + 8)  # preprintpanics left an error's/Stringer's text here
    orig_type, orig_data = m.services.panic_value
    go_type = m.types.type_at(orig_type).string if orig_type else PANIC_NIL_TYPE
    text = _runtime_text(m, typ, data)
    return GoPanic(text, (orig_type, orig_data), go_type, frames)


def sprint_value(host, typ: int, data: int) -> str | None:
    """``fmt.Sprint`` of an interface value, run by the plugin's own fmt if it links it."""
    m = host.m
    box = m.alloc(16)
    m.set_word(box, typ)
    m.set_word(box + 8, data)
    sprint = host.sym("fmt.Sprint")
    if sprint is not None:
        r = m.call(sprint, **host.go_args((box, 8), (1, 8), (1, 8), results=2), n_ints=2, n_floats=0)
    else:
        sprintf = host.sym("fmt.Sprintf")
        if sprintf is None:
            return None
        fmt = m.alloc(2)
        m.write(fmt, b"%v")
        r = m.call(sprintf, **host.go_args((fmt, 8), (2, 8), (box, 8), (1, 8), (1, 8), results=2), n_ints=2, n_floats=0)
    ptr, n = host.go_results(r, 2)
    return m.read(ptr, n).decode("utf-8", "replace") if n else ""


def go_traceback(host, g: int) -> list[tuple[str, str]]:
    """Run the plugin's own ``runtime.traceback`` from the current PC/SP on the system stack and
    parse what it prints: ``[(function, "file:line"), ...]``, innermost first."""
    m = host.m
    tb = host.sym("runtime.traceback1") or host.sym("runtime.traceback")  # (pc, sp, lr, gp[, flags uint8])
    if tb is None:
        return []
    pc, sp = m.cpu.caller_at_entry()  # stopped at fatalpanic's entry: start from gopanic's frame
    err = m.kernel.outputs[2]
    kept = bytes(err)
    err.clear()
    try:
        host.call_on(host.g0, tb, **host.go_args((pc, 8), (sp, 8), (0, 8), (g, 8), (0, 1)), n_ints=0, n_floats=0)
        text = bytes(err).decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - a traceback is best effort; the panic itself is what matters
        text = ""
    finally:
        err[:] = kept
    frames = []
    lines = text.splitlines()
    for i, line in enumerate(lines[:-1]):
        fm, wm = _FRAME.match(line), _WHERE.match(lines[i + 1])
        if fm and wm:
            frames.append((fm.group(1), f"{wm.group(1)}:{wm.group(2)}"))
    return frames


def _runtime_text(m, typ: int, data: int) -> str:
    """The runtime's own rendering of a panic value (used when fmt is not linked)."""
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
