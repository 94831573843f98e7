"""Find and decode the runtime's ``moduledata`` for the file (plugin or executable).

Search order, each candidate checked against the pclntab header magic:
the ``.go.module`` section (Go 1.26+), the initial value of the exported
``runtime.lastmoduledatap`` (works stripped), the ``local.moduledata`` /
``runtime.firstmoduledata`` symbols, and finally any relocated or absolute
word that points at a pclntab header.
"""

from __future__ import annotations

from dataclasses import dataclass

from gopluginemu.errors import CorruptFileError
from gopluginemu.formats.base import ObjectFile
from gopluginemu.gometa.layouts import Layout
from gopluginemu.gometa.memory import Memory

SLICES = ("funcnametab", "cutab", "filetab", "pctab", "pclntable", "ftab", "textsectmap", "ptab", "pkghashes", "inittasks")
WORDS = ("pcHeader", "text", "etext", "types", "etypes", "minpc", "maxpc")
STRINGS = ("pluginpath", "modulename")


@dataclass(frozen=True)
class ModuleData:
    """The fields of one ``runtime.moduledata`` that static inspection uses; slices are (address, length)."""

    addr: int
    words: dict[str, int]
    slices: dict[str, tuple[int, int]]
    pluginpath: str
    modulename: str
    hasmain: bool


def _valid(mem: Memory, layout: Layout, addr: int) -> bool:
    try:
        header = mem.ptr(addr + layout.off("moduledata", "pcHeader"))
        return _is_pcheader(mem, layout, header)
    except CorruptFileError:
        return False


def _is_pcheader(mem: Memory, layout: Layout, addr: int) -> bool:
    try:
        return (
            mem.uint(addr + layout.off("pcHeader", "magic"), 4) == layout.consts["pclntab_magic"]
            and mem.uint(addr + layout.off("pcHeader", "pad1"), 1) == 0
            and mem.uint(addr + layout.off("pcHeader", "pad2"), 1) == 0
            and mem.uint(addr + layout.off("pcHeader", "ptrSize"), 1) == mem.ptr_size
        )
    except CorruptFileError:
        return False


def _candidates(obj: ObjectFile, mem: Memory, layout: Layout):
    sec = obj.section(".go.module")
    if sec is not None:
        yield sec.addr
    last = obj.dynamic_defined.get("runtime.lastmoduledatap")
    if last is not None:
        try:
            yield mem.ptr(last)
        except CorruptFileError:
            pass
    for name in ("local.moduledata", "runtime.firstmoduledata"):
        sym = obj.symbols.get(name)
        if sym is not None and sym.kind != "undefined":
            yield sym.value
    yield from _scan(obj, mem, layout)


def _scan(obj: ObjectFile, mem: Memory, layout: Layout):
    """Words that point at a pclntab header: the moduledata starts with one."""
    magic = layout.consts["pclntab_magic"].to_bytes(4, obj.byte_order)
    headers = []
    pos = obj.data.find(magic)
    while pos >= 0:
        headers.extend(_file_offset_to_addrs(obj, pos))
        pos = obj.data.find(magic, pos + 1)
    headers = [h for h in headers if _is_pcheader(mem, layout, h)]
    offset = layout.off("moduledata", "pcHeader")
    for header in headers:
        for rel in obj.relocations:
            if rel.kind == "relative" and rel.addend == header:
                yield rel.offset - offset
        word = header.to_bytes(obj.ptr_size, obj.byte_order)
        pos = obj.data.find(word)
        while pos >= 0:
            if pos % obj.ptr_size == 0:
                for addr in _file_offset_to_addrs(obj, pos):
                    yield addr - offset
            pos = obj.data.find(word, pos + 1)


def _file_offset_to_addrs(obj: ObjectFile, pos: int) -> list[int]:
    return [
        s.addr + pos - s.offset
        for s in obj.sections
        if s.offset is not None and s.addr and s.offset <= pos < s.offset + s.size
    ]


def find_moduledata(obj: ObjectFile, layout: Layout) -> ModuleData | None:
    """The file's moduledata, or None if there is none to be found."""
    mem = Memory(obj)
    for addr in _candidates(obj, mem, layout):
        if _valid(mem, layout, addr):
            return decode(mem, layout, addr)
    return None


def decode(mem: Memory, layout: Layout, addr: int) -> ModuleData:
    """Decode the moduledata at ``addr``."""

    def at(field: str) -> int:
        return addr + layout.off("moduledata", field)

    words = {f: mem.ptr(at(f)) for f in WORDS}
    slices = {f: mem.slice(at(f)) for f in SLICES}
    if layout.has("moduledata", "typelinks"):
        slices["typelinks"] = mem.slice(at("typelinks"))
    strings = {f: mem.string(at(f)).decode("utf-8", "replace") for f in STRINGS}
    hasmain = bool(mem.uint(at("hasmain"), 1))
    return ModuleData(addr, words, slices, strings["pluginpath"], strings["modulename"], hasmain)
