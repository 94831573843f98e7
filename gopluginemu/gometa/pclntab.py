"""The function table (pclntab): names, entry addresses, sizes and the file:line of each entry.

Decoded lazily from the moduledata's ``ftab``/``pclntable``/``funcnametab``/
``cutab``/``filetab``/``pctab`` slices, which are read once as byte blobs.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from gopluginemu.errors import CorruptFileError
from gopluginemu.formats import bulk
from gopluginemu.gometa.layouts import Layout
from gopluginemu.gometa.memory import Memory
from gopluginemu.gometa.moduledata import ModuleData


@dataclass(frozen=True)
class Function:
    """A function of the pclntab: Go name, entry address, size in bytes, and where it is declared."""

    name: str
    entry: int
    size: int
    file: str
    line: int

    def to_json(self) -> dict:
        return {"name": self.name, "entry": self.entry, "size": self.size, "file": self.file, "line": self.line}


class FuncTable:
    """The module's functions, decoded on first use; iterate it, index it by name or by PC."""

    def __init__(self, mem: Memory, layout: Layout, md: ModuleData) -> None:
        self.mem = mem
        self.layout = layout
        self.md = md

    def _blob(self, name: str) -> bytes:
        addr, length = self.md.slices[name]
        return self.mem.bytes(addr, length) if length else b""

    @cached_property
    def _tables(self) -> dict[str, bytes]:
        tables = {name: self._blob(name) for name in ("funcnametab", "filetab", "pctab", "pclntable")}
        # cutab's length counts bytes in some releases and uint32s in others; read to the filetab
        cu_addr = self.md.slices["cutab"][0]
        tables["cutab"] = self.mem.bytes(cu_addr, max(0, self.md.slices["filetab"][0] - cu_addr)) if cu_addr else b""
        return tables

    def _u32(self, blob: bytes, off: int, signed: bool = False) -> int:
        if off < 0 or off + 4 > len(blob):
            raise CorruptFileError(self.mem.obj.path, "pclntab offset out of range")
        return int.from_bytes(blob[off : off + 4], self.mem.order, signed=signed)

    @cached_property
    def _entries(self) -> list[tuple[int, int]]:
        """(entry address, _func offset) for each function, plus the end address with offset -1."""
        L = self.layout
        size = L.size("functab")
        addr, count = self.md.slices["ftab"]
        table = bulk.words(self.mem.bytes(addr, count * size) if count else b"", "I", self.mem.order)
        step = size // 4  # functab is two uint32s: read as a column of uint32s each
        text = self.md.words["text"]
        entries = map(text.__add__, table[L.off("functab", "entryoff") // 4 :: step])
        out = list(zip(entries, table[L.off("functab", "funcoff") // 4 :: step]))
        if out:
            out[-1] = (out[-1][0], -1)
        return out

    def __len__(self) -> int:
        return max(0, len(self._entries) - 1)

    def __iter__(self) -> Iterator[Function]:
        for i in range(len(self)):
            yield self._function(i)

    @cached_property
    def _names(self) -> list[str]:
        """Every function's name, in table order, decoded in bulk."""
        nameoff = self.layout.off("_func", "nameOff")
        read = struct.Struct(("<" if self.mem.order == "little" else ">") + "i").unpack_from
        pclntable = self._tables["pclntable"]
        try:
            offsets = [read(pclntable, func_off + nameoff)[0] for _, func_off in self._entries[:-1]]
        except struct.error:
            raise CorruptFileError(self.mem.obj.path, "pclntab offset out of range") from None
        path = self.mem.obj.path
        return bulk.cstrings(self._tables["funcnametab"], offsets,
                             lambda _: CorruptFileError(path, "function name offset out of range"))

    @cached_property
    def _by_name(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self._names)}

    def names_and_entries(self) -> list[tuple[str, int]]:
        """(name, entry address) of each function, in table order: what naming code needs, without
        decoding each function's file and line."""
        return list(zip(self._names, (entry for entry, _ in self._entries)))

    def by_name(self, name: str) -> Function | None:
        """The function called ``name`` (Go's spelling, e.g. ``main.Greet``), if any."""
        i = self._by_name.get(name)
        return None if i is None else self._function(i)

    def at(self, pc: int) -> Function | None:
        """The function whose code contains ``pc``, if any."""
        entries = self._entries
        lo, hi = 0, len(self)
        while lo < hi:
            mid = (lo + hi) // 2
            if entries[mid][0] <= pc:
                lo = mid + 1
            else:
                hi = mid
        i = lo - 1
        if 0 <= i < len(self) and pc < entries[i + 1][0]:
            return self._function(i)
        return None

    def _field(self, func_off: int, field: str, signed: bool = False) -> int:
        return self._u32(self._tables["pclntable"], func_off + self.layout.off("_func", field), signed)

    def _name(self, i: int) -> str:
        nametab = self._tables["funcnametab"]
        off = self._field(self._entries[i][1], "nameOff", signed=True)
        end = nametab.find(b"\0", off)
        if off < 0 or end < 0:
            raise CorruptFileError(self.mem.obj.path, "function name offset out of range")
        return nametab[off:end].decode("utf-8", "replace")

    def _first_value(self, table_off: int) -> int | None:
        """The value a pcvalue table gives at the function's entry (its first delta from -1)."""
        if table_off == 0:
            return None
        pctab = self._tables["pctab"]
        value, shift, pos = 0, 0, table_off
        while pos < len(pctab):
            b = pctab[pos]
            pos += 1
            value |= (b & 0x7F) << shift
            if not b & 0x80:
                return -1 + ((-(value >> 1)) if value & 1 else (value >> 1))
            shift += 7
        raise CorruptFileError(self.mem.obj.path, "pcvalue table out of range")

    def _file(self, func_off: int) -> str:
        fileno = self._first_value(self._field(func_off, "pcfile"))
        if fileno is None or fileno < 0:
            return ""
        cu = self._field(func_off, "cuOffset")
        file_off = self._u32(self._tables["cutab"], (cu + fileno) * 4)
        filetab = self._tables["filetab"]
        end = filetab.find(b"\0", file_off)
        return filetab[file_off:end].decode("utf-8", "replace") if end >= 0 else ""

    def _function(self, i: int) -> Function:
        entry, func_off = self._entries[i]
        line = self._first_value(self._field(func_off, "pcln"))
        return Function(self._name(i), entry, self._entries[i + 1][0] - entry, self._file(func_off), line or 0)
