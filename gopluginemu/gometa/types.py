"""Go type descriptors (``internal/abi.Type`` and its kind-specific extensions) and ``abi.Name``.

``GoType.string`` is what ``reflect.Type.String()`` and ``fmt``'s ``%T`` print
(the descriptor's own ``Str`` name); ``GoType.render()`` rebuilds the same text
from the structure (elements, keys, parameters, fields, methods), which is what
the values layer walks and what the tests check against ``string``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gopluginemu.errors import CorruptFileError
from gopluginemu.gometa import gostrconv
from gopluginemu.gometa.layouts import Layout
from gopluginemu.gometa.memory import Memory

BASIC_KINDS = (
    "Bool Int Int8 Int16 Int32 Int64 Uint Uint8 Uint16 Uint32 Uint64 Uintptr "
    "Float32 Float64 Complex64 Complex128 String UnsafePointer"
).split()
MAX_DEPTH = 64  # descriptors nest far less than this; deeper means a cycle in a corrupt file


@dataclass(frozen=True)
class Name:
    """A decoded ``abi.Name``."""

    name: str
    tag: str = ""
    exported: bool = False
    embedded: bool = False
    pkg_path_off: int | None = None


@dataclass
class GoType:
    """One type descriptor: ``kind`` is the kind's Go name ("Int", "Func", "Map", ...)."""

    addr: int
    kind: str
    string: str
    size: int
    named: bool
    pkg_path: str = ""
    elem: GoType | None = None
    key: GoType | None = None
    length: int = 0  # arrays
    dir: str = ""  # chans: "recv", "send" or "both"
    params: list[GoType] = field(default_factory=list)
    results: list[GoType] = field(default_factory=list)
    variadic: bool = False
    fields: list[tuple[Name, GoType, int]] = field(default_factory=list)  # structs: name, type, offset
    methods: list[tuple[str, GoType]] = field(default_factory=list)  # interfaces: name, func type

    def render(self) -> str:
        """The type's text rebuilt from its structure, in reflect's spelling."""
        if self.named or self.kind in BASIC_KINDS:
            return self.string
        k = self.kind
        if k == "Pointer":
            return "*" + self.elem.render()
        if k == "Slice":
            return "[]" + self.elem.render()
        if k == "Array":
            return f"[{self.length}]" + self.elem.render()
        if k == "Map":
            return f"map[{self.key.render()}]{self.elem.render()}"
        if k == "Chan":
            elem = self.elem.render()
            if self.dir == "recv":
                return "<-chan " + elem
            if self.dir == "send":
                return "chan<- " + elem
            if self.elem.kind == "Chan" and self.elem.dir == "recv" and not self.elem.named:
                return f"chan ({elem})"
            return "chan " + elem
        if k == "Func":
            return "func" + self.signature()
        if k == "Interface":
            if not self.methods:
                return "interface {}"
            return "interface { " + "; ".join(n + m.signature() for n, m in self.methods) + " }"
        if k == "Struct":
            if not self.fields:
                return "struct {}"
            parts = []
            for name, typ, _ in self.fields:
                text = typ.render() if name.embedded else f"{name.name} {typ.render()}"
                if name.tag:
                    text += " " + gostrconv.quote(name.tag)
                parts.append(text)
            return "struct { " + "; ".join(parts) + " }"
        return self.string

    def signature(self) -> str:
        """``(params) results`` of a func type, as Go writes it after ``func``."""
        params = [p.render() for p in self.params]
        if self.variadic and params:
            params[-1] = "..." + params[-1][2:]
        out = "(" + ", ".join(params) + ")"
        if len(self.results) == 1:
            out += " " + self.results[0].render()
        elif self.results:
            out += " (" + ", ".join(r.render() for r in self.results) + ")"
        return out


class TypeReader:
    """Decodes type descriptors of one module (``types`` is its ``moduledata.types`` base)."""

    def __init__(self, mem: Memory, layout: Layout, types: int) -> None:
        self.mem = mem
        self.layout = layout
        self.types = types
        self.kinds = {layout.consts[k]: k for k in layout.consts if k in BASIC_KINDS or k in COMPOSITE}
        self._cache: dict[int, GoType] = {}

    # -- names ---------------------------------------------------------------------------

    def name_at(self, addr: int) -> Name:
        """Decode the ``abi.Name`` whose bytes start at ``addr``."""
        flags = self.layout.name_flags
        bits = self.mem.uint(addr, 1)
        length, pos = self.mem.uvarint(addr + 1)
        text = self.mem.bytes(pos, length).decode("utf-8", "surrogateescape")
        pos += length
        tag = ""
        if bits & flags["tag"]:
            tag_len, pos = self.mem.uvarint(pos)
            tag = self.mem.bytes(pos, tag_len).decode("utf-8", "surrogateescape")
            pos += tag_len
        pkg_off = self.mem.int(pos, 4) if bits & flags["pkgpath"] else None
        return Name(text, tag, bool(bits & flags["exported"]), bool(bits & flags["embedded"]), pkg_off)

    def name_off(self, off: int) -> Name:
        """Resolve a ``NameOff`` against the module's types base."""
        return self.name_at(self.types + off)

    # -- types ---------------------------------------------------------------------------

    def has_string(self, addr: int, text: str) -> bool:
        """Whether the descriptor at ``addr`` prints as ``text``, from its ``Str`` name alone: a
        cheap test for words that may not be descriptors at all (decoding garbage can ask for
        reads of gigabytes)."""
        L, m = self.layout, self.mem
        extra = 1 if m.uint(addr + L.off("Type", "TFlag"), 1) & L.consts["TFlagExtraStar"] else 0
        want = text.encode()
        length, pos = m.uvarint(self.types + m.int(addr + L.off("Type", "Str"), 4) + 1)
        return length == len(want) + extra and m.bytes(pos + extra, len(want)) == want

    def type_off(self, off: int) -> GoType:
        """Resolve a ``TypeOff`` against the module's types base."""
        return self.type_at(self.types + off)

    def type_at(self, addr: int, depth: int = 0) -> GoType:
        """Decode the descriptor at ``addr`` (and the descriptors it refers to)."""
        cached = self._cache.get(addr)
        if cached is not None:
            return cached
        if depth > MAX_DEPTH:
            raise CorruptFileError(self.mem.obj.path, f"type descriptors nest too deep at {addr:#x}")
        L, m = self.layout, self.mem
        tflag = m.uint(addr + L.off("Type", "TFlag"), 1)
        kind_no = m.uint(addr + L.off("Type", "Kind_"), 1) & L.kind_mask
        kind = self.kinds.get(kind_no)
        if kind is None:
            raise CorruptFileError(m.obj.path, f"bad type kind {kind_no} at {addr:#x}")
        text = self.name_off(m.int(addr + L.off("Type", "Str"), 4)).name
        if tflag & L.consts["TFlagExtraStar"]:
            text = text[1:]
        t = GoType(addr, kind, text, m.uint(addr + L.off("Type", "Size_"), m.ptr_size), bool(tflag & L.consts["TFlagNamed"]))
        self._cache[addr] = t  # before the children: recursive named types refer back to themselves
        decoder = COMPOSITE.get(kind)
        if decoder is not None:
            getattr(self, decoder)(t, addr, tflag, depth + 1)
        if tflag & L.consts["TFlagUncommon"]:
            kind_struct = COMPOSITE_STRUCT.get(kind, "Type")
            uncommon = addr + L.size(kind_struct)
            t.pkg_path = self.name_off(m.int(uncommon + L.off("UncommonType", "PkgPath"), 4)).name
        return t

    def _elem(self, addr: int, struct: str, depth: int) -> GoType:
        return self.type_at(self.mem.ptr(addr + self.layout.off(struct, "Elem")), depth)

    def _ptr(self, t: GoType, addr: int, tflag: int, depth: int) -> None:
        t.elem = self._elem(addr, "PtrType", depth)

    def _slice(self, t: GoType, addr: int, tflag: int, depth: int) -> None:
        t.elem = self._elem(addr, "SliceType", depth)

    def _array(self, t: GoType, addr: int, tflag: int, depth: int) -> None:
        t.elem = self._elem(addr, "ArrayType", depth)
        t.length = self.mem.uint(addr + self.layout.off("ArrayType", "Len"), self.mem.ptr_size)

    def _chan(self, t: GoType, addr: int, tflag: int, depth: int) -> None:
        L = self.layout
        t.elem = self._elem(addr, "ChanType", depth)
        d = self.mem.uint(addr + L.off("ChanType", "Dir"), self.mem.ptr_size)
        t.dir = {L.consts["RecvDir"]: "recv", L.consts["SendDir"]: "send", L.consts["BothDir"]: "both"}.get(d, "")
        if not t.dir:
            raise CorruptFileError(self.mem.obj.path, f"bad channel direction {d} at {addr:#x}")

    def _map(self, t: GoType, addr: int, tflag: int, depth: int) -> None:
        L, m = self.layout, self.mem
        t.key = self.type_at(m.ptr(addr + L.off("MapType", "Key")), depth)
        t.elem = self.type_at(m.ptr(addr + L.off("MapType", "Elem")), depth)

    def _func(self, t: GoType, addr: int, tflag: int, depth: int) -> None:
        L, m = self.layout, self.mem
        n_in = m.uint(addr + L.off("FuncType", "InCount"), 2)
        out = m.uint(addr + L.off("FuncType", "OutCount"), 2)
        t.variadic = bool(out & 0x8000)
        n_out = out & 0x7FFF
        base = addr + L.size("FuncType")
        if tflag & L.consts["TFlagUncommon"]:
            base += L.size("UncommonType")
        types = [self.type_at(m.ptr(base + i * m.ptr_size), depth) for i in range(n_in + n_out)]
        t.params, t.results = types[:n_in], types[n_in:]

    def _interface(self, t: GoType, addr: int, tflag: int, depth: int) -> None:
        L, m = self.layout, self.mem
        size = L.size("Imethod")
        data, count = m.table(m.slice(addr + L.off("InterfaceType", "Methods")), size)
        for i in range(count):
            entry = data + i * size
            name = self.name_off(m.int(entry + L.off("Imethod", "Name"), 4)).name
            typ = self.type_at(self.types + m.int(entry + L.off("Imethod", "Typ"), 4), depth)
            t.methods.append((name, typ))

    def _struct(self, t: GoType, addr: int, tflag: int, depth: int) -> None:
        L, m = self.layout, self.mem
        size = L.size("StructField")
        data, count = m.table(m.slice(addr + L.off("StructType", "Fields")), size)
        for i in range(count):
            entry = data + i * size
            name = self.name_at(m.ptr(entry + L.off("StructField", "Name")))
            typ = self.type_at(m.ptr(entry + L.off("StructField", "Typ")), depth)
            offset = m.uint(entry + L.off("StructField", "Offset"), m.ptr_size)
            t.fields.append((name, typ, offset))


# kind -> TypeReader method decoding its extension, and the layout struct of that extension
COMPOSITE = {
    "Pointer": "_ptr",
    "Slice": "_slice",
    "Array": "_array",
    "Chan": "_chan",
    "Map": "_map",
    "Func": "_func",
    "Interface": "_interface",
    "Struct": "_struct",
}
COMPOSITE_STRUCT = {
    "Pointer": "PtrType",
    "Slice": "SliceType",
    "Array": "ArrayType",
    "Chan": "ChanType",
    "Map": "MapType",
    "Func": "FuncType",
    "Interface": "InterfaceType",
    "Struct": "StructType",
}
