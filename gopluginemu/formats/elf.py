"""ELF64 reader: sections, segments, symbols and dynamic relocations, decoded in bulk.

Only what gometa and the loader need is decoded, and the big tables (symbols,
relocations) only when first asked for, with ``struct.iter_unpack`` over the
section bytes. Every inconsistency is reported as a typed error naming the file.
"""

from __future__ import annotations

import bisect
import struct
from array import array
from dataclasses import dataclass
from itertools import compress, repeat
from operator import mul
from typing import Iterator, Mapping, NamedTuple

from gopluginemu.arch import by_elf_machine
from gopluginemu.errors import CorruptFileError, UnsupportedArchError
from gopluginemu.formats import bulk
from gopluginemu.formats.base import RELOC_KINDS, FileBytes, ObjectFile, RelocationTable, Section, Symbol
from gopluginemu.formats.gnu_hash import SHT_GNU_HASH, GnuHash
from gopluginemu.formats.name_search import NamePatterns
from gopluginemu.formats.strtab import BadOffset, Names, StringTable
from gopluginemu.formats.tables import decoded

# ELF64 records (byte order prefix added per file), from the System V gABI.
EHDR = "16sHHIQQQIHHHHHH"  # ident type machine version entry phoff shoff flags ehsize phentsize phnum shentsize shnum shstrndx
PHDR = "IIQQQQQQ"  # type flags offset vaddr paddr filesz memsz align
SHDR = "IIQQQQIIQQ"  # name type flags addr offset size link info addralign entsize
SYM = "IBBHQQ"  # name info other shndx value size
RELA = "QQq"  # offset info addend
UNKNOWN_KIND = 255  # a relocation kind the arch does not know (no index in RELOC_KINDS)

ELFCLASS64 = 2
ELFDATA = {1: "little", 2: "big"}
PT_LOAD = 1
SHT_SYMTAB, SHT_RELA, SHT_NOBITS, SHT_DYNSYM = 2, 4, 8, 11
SHN_UNDEF = 0
EM_PPC64 = 21
STT_KINDS = {1: "object", 2: "func", 6: "tls"}
# st_info -> 1 for a function symbol, else 0 (a table for bytes.translate)
IS_FUNC = bulk.flag_table(lambda info: STT_KINDS.get(info & 0xF) == "func")
OSABI_GOOS = {0: "linux", 3: "linux", 9: "freebsd", 2: "netbsd", 12: "openbsd"}


@dataclass(frozen=True)
class Segment:
    """A PT_LOAD segment: ``memsz`` bytes at ``vaddr``, the first ``filesz`` from ``offset``."""

    vaddr: int
    memsz: int
    offset: int
    filesz: int


class RawSymbol(NamedTuple):
    """One entry of an ELF symbol table, in table order."""

    name: str
    value: int
    size: int
    info: int
    shndx: int
    other: int


class SymbolColumns(NamedTuple):
    """An ELF symbol table decoded in bulk: one sequence per field, in table order."""

    names: Names
    values: array
    sizes: array
    info: bytes
    shndx: array
    other: bytes


def _ppc64_local_entry(st_other: int) -> int:
    """ELFv2 (ppc64) local-entry offset, from the 3-bit code in ``st_other``'s top bits: codes 0
    and 1 mean none, code n >= 2 means ``4 << (n - 2)`` bytes (7 is reserved)."""
    code = (st_other >> 5) & 7
    return 4 << (code - 2) if 2 <= code <= 6 else 0


class ELFFile(ObjectFile):
    """An ELF64 file (a Go plugin, executable or shared library) at its link-time addresses."""

    format = "elf"

    def __init__(self, path: str, data: FileBytes) -> None:
        self.path = str(path)
        self.data = data
        if len(data) < 64:
            raise CorruptFileError(self.path, "truncated ELF header")
        ident = data[:16]
        if ident[4] != ELFCLASS64:
            raise UnsupportedArchError(self.path, f"unsupported ELF class {ident[4]} (only 64-bit targets are handled)")
        order = ELFDATA.get(ident[5])
        if order is None:
            raise CorruptFileError(self.path, f"bad ELF data encoding {ident[5]}")
        self._e = "<" if order == "little" else ">"
        hdr = struct.unpack_from(self._e + EHDR, data)
        (_, _, machine, _, _, phoff, shoff, _, _, phentsize, phnum, shentsize, shnum, shstrndx) = hdr
        arch = by_elf_machine(machine, order)
        if arch is None:
            raise UnsupportedArchError(self.path, f"unsupported ELF machine {machine} ({order}-endian)")
        self.arch = arch
        self.goos = OSABI_GOOS.get(ident[7], "linux")
        self._phoff, self._phnum, self._phentsize = phoff, phnum, phentsize
        self._shoff, self._shnum, self._shentsize, self._shstrndx = shoff, shnum, shentsize, shstrndx
        self._check_table("program header", phoff, phnum, phentsize, PHDR)
        self._check_table("section header", shoff, shnum, shentsize, SHDR)

    # -- helpers -------------------------------------------------------------------------

    def _check_table(self, what: str, off: int, num: int, entsize: int, fmt: str) -> None:
        if num == 0:
            return
        if entsize != struct.calcsize(fmt) or off + num * entsize > len(self.data):
            raise CorruptFileError(self.path, f"truncated or corrupt {what} table")

    def _bytes(self, off: int, size: int, what: str) -> bytes:
        self._check_range(off, size, what)
        return self.data[off : off + size]

    def _check_range(self, off: int, size: int, what: str) -> None:
        if off < 0 or size < 0 or off + size > len(self.data):
            raise CorruptFileError(self.path, f"{what} lies outside the file (truncated?)")

    @decoded
    def _shdrs(self) -> list[tuple]:
        table = self._bytes(self._shoff, self._shnum * self._shentsize, "section header table")
        return list(struct.iter_unpack(self._e + SHDR, table))

    def _section_span(self, idx: int) -> tuple[int, int]:
        """Section ``idx``'s (file offset, size) in the file: (0, 0) for one that has no bytes there."""
        if not 0 <= idx < len(self._shdrs):
            raise CorruptFileError(self.path, f"section index {idx} out of range")
        sh = self._shdrs[idx]
        return (0, 0) if sh[1] == SHT_NOBITS else (sh[4], sh[5])

    def _section_bytes(self, idx: int) -> bytes:
        return self._bytes(*self._section_span(idx), f"section {idx}")

    def _section_entries(self, idx: int, entsize: int) -> memoryview:
        """Section ``idx``'s whole ``entsize``-byte entries as a view of the file's bytes, for a table
        read column by column (``bulk.column``): each column is then its one copy, where copying the
        section out of the file first took another 200 to 300 KiB of fresh memory."""
        off, size = self._section_span(idx)
        self._check_range(off, size, f"section {idx}")
        return memoryview(self.data)[off : off + size - size % entsize]

    # -- ObjectFile ------------------------------------------------------------------------

    @decoded
    def segments(self) -> list[Segment]:
        """The PT_LOAD segments, by address."""
        table = self._bytes(self._phoff, self._phnum * self._phentsize, "program header table")
        segs = []
        for p_type, _, offset, vaddr, _, filesz, memsz, _ in struct.iter_unpack(self._e + PHDR, table):
            if p_type == PT_LOAD:
                if filesz > memsz or offset + filesz > len(self.data):
                    raise CorruptFileError(self.path, "truncated or corrupt loadable segment")
                segs.append(Segment(vaddr, memsz, offset, filesz))
        return sorted(segs, key=lambda s: s.vaddr)

    @decoded
    def load_ranges(self) -> list[tuple[int, int]]:
        return [(s.vaddr, s.memsz) for s in self.segments]

    @property
    def file_ranges(self) -> list[tuple[int, memoryview]]:
        data = memoryview(self.data)
        return [(s.vaddr, data[s.offset : s.offset + s.filesz]) for s in self.segments]

    @decoded
    def sections(self) -> list[Section]:
        if not self._shdrs:
            return []
        names = self._strings(self._shstrndx)
        out = []
        for sh in self._shdrs:
            name = names.at(sh[0]) if sh[0] or names.data else ""
            offset = None if sh[1] == SHT_NOBITS else sh[4]
            out.append(Section(name, name, sh[3], sh[5], offset))
        return out

    def _column(self, raw: bytes | memoryview, code: str, index: int, stride: int) -> array:
        """Item ``index`` of each ``stride``-item record in ``raw``, in the file's byte order."""
        return bulk.column(raw, code, index, stride, self.byte_order)

    def _strings(self, idx: int | None) -> StringTable:
        """The string table in section ``idx`` (None: an empty one)."""
        data = b"" if idx is None else self._section_bytes(idx)
        return StringTable(data, BadOffset(self.path, "string table index out of range"))  # kept in the tables: not self

    def _symtab_index(self, sh_type: int) -> int | None:
        return next((idx for idx, sh in enumerate(self._shdrs) if sh[1] == sh_type), None)

    def _symbol_columns(self, sh_type: int) -> SymbolColumns:
        idx = self._symtab_index(sh_type)
        if idx is None:
            return SymbolColumns(Names(self._strings(None), array("I")), array("Q"), array("Q"), b"", array("H"), b"")
        entsize = struct.calcsize(SYM)
        raw = self._section_entries(idx, entsize)
        names = Names(self._strings(self._shdrs[idx][6]), self._column(raw, "I", 0, 6))
        return SymbolColumns(names, self._column(raw, "Q", 1, 3), self._column(raw, "Q", 2, 3), raw[4::entsize].tobytes(),
                             self._column(raw, "H", 3, 12), raw[5::entsize].tobytes())

    def _symbol_table(self, sh_type: int) -> list[RawSymbol]:
        return list(map(RawSymbol, *self._symbol_columns(sh_type)))

    @decoded
    def _dynsym_columns(self) -> SymbolColumns:
        return self._symbol_columns(SHT_DYNSYM)

    @decoded
    def dynsym(self) -> list[RawSymbol]:
        """``.dynsym`` in table order (relocations refer to it by index)."""
        return list(map(RawSymbol, *self._dynsym_columns))

    def _add(self, out: dict[str, Symbol], table: list[RawSymbol], dynamic: bool) -> None:
        ppc64 = self.arch.elf_machine == EM_PPC64
        for s in table:
            if not s.name:
                continue
            kind = "undefined" if s.shndx == SHN_UNDEF else STT_KINDS.get(s.info & 0xF, "other")
            old = out.get(s.name)
            if old is not None and kind == "undefined" and old.kind != "undefined":
                continue
            local = _ppc64_local_entry(s.other) if ppc64 else 0
            out[s.name] = Symbol(s.name, s.value, s.size, kind, dynamic or (old is not None and old.dynamic), local)

    @decoded
    def dynamic_symbols(self) -> dict[str, Symbol]:
        out: dict[str, Symbol] = {}
        self._add(out, self.dynsym, True)
        return out

    @decoded
    def symbols(self) -> dict[str, Symbol]:
        out: dict[str, Symbol] = {}
        self._add(out, self._symbol_table(SHT_SYMTAB), False)
        self._add(out, self.dynsym, True)
        return out

    @decoded
    def relocation_table(self) -> RelocationTable:
        """Every RELA section's entries of a kind the arch knows, decoded in bulk."""
        codes = {t: RELOC_KINDS.index(k) for t, k in self.arch.elf_relocs.items()}
        dynsym = self._dynsym_columns.names
        names = Names(dynsym.table, dynsym.offsets, first=None)
        lo, hi = (2, 3) if self.byte_order == "little" else (3, 2)  # r_info's type and symbol halves
        offsets: list[int] = []
        kinds, symbols, addends = bytearray(), array("I"), array("q")
        entsize = struct.calcsize(RELA)
        for idx, sh in enumerate(self._shdrs):
            if sh[1] != SHT_RELA:
                continue
            raw = self._section_entries(idx, entsize)
            section_kinds = bulk.translate_items(self._column(raw, "I", lo, 6), codes, UNKNOWN_KIND)
            offs, syms, adds = self._column(raw, "Q", 0, 3).tolist(), self._column(raw, "I", hi, 6), self._column(raw, "q", 2, 3)
            if UNKNOWN_KIND in section_kinds:  # some entries of kinds the arch does not know: left out
                keep = list(map(UNKNOWN_KIND.__ne__, section_kinds))
                section_kinds = bytes(compress(section_kinds, keep))
                offs, syms, adds = list(compress(offs, keep)), array("I", compress(syms, keep)), array("q", compress(adds, keep))
            offsets += offs
            kinds += section_kinds
            symbols += syms
            addends += adds
        if symbols and max(symbols) >= len(names):
            bad = next(i for i, n in enumerate(symbols) if n >= len(names))
            raise CorruptFileError(self.path, f"relocation at {offsets[bad]:#x} names symbol {symbols[bad]} beyond .dynsym")
        # the offsets as a list: each pass over them (values, index, span, stores) then takes ready ints
        return RelocationTable(offsets, bytes(kinds), symbols, addends, names)

    @decoded
    def dynamic_defined(self) -> Mapping[str, int]:
        """The defined dynamic symbols, each name looked up in ``.gnu.hash`` when the file has one: a
        loader then decodes only the few names it asks for."""
        table = self._dynsym_hash
        return _defined_by_name(self._dynsym_columns) if table is None else _HashedDefined(table, self._dynsym_columns)

    @decoded
    def _dynsym_hash(self) -> GnuHash | None:
        """The ``.gnu.hash`` of ``.dynsym`` (None if the file has none, or one that does not fit)."""
        dynsym = self._symtab_index(SHT_DYNSYM)
        idx = next((i for i, sh in enumerate(self._shdrs) if sh[1] == SHT_GNU_HASH and sh[6] == dynsym), None)
        if idx is None:
            return None
        names = self._dynsym_columns.names
        return GnuHash.parse(self._section_bytes(idx), self.ptr_size, self.byte_order, names.offsets, names.table)

    def _defined_matching(self, patterns: NamePatterns, functions: bool, dynamic: bool) -> list[tuple[str, int]]:
        if self._dynsym_hash is None:
            return super()._defined_matching(patterns, functions, dynamic)
        defined = self.defined  # the dynamic symbols, found in .gnu.hash: ``dynamic`` changes nothing
        cols = self._dynsym_columns
        text = cols.names.table.lines  # every string of the table (and their tails), as Latin-1 lines
        found = patterns.matched(text)
        indices = set(map(defined.index, map(str.encode, found, repeat("latin-1"))))  # which of them name symbols
        indices.discard(None)
        return [(cols.names[i], cols.values[i]) for i in sorted(indices) if not functions or IS_FUNC[cols.info[i]]]

    @decoded
    def symbol_bindings(self) -> tuple[list[int], frozenset[int]]:
        """By symbol index: a defined, named entry binds to its own value, any other is unbound (the
        linker gives .dynsym one entry per name, so an undefined one is an import the file lacks)."""
        if self._dynsym_hash is None:
            return super().symbol_bindings
        cols = self._dynsym_columns
        named_defined = bulk.both(bulk.nonzero(cols.shndx), bulk.nonzero(cols.names.offsets))  # SHN_UNDEF is 0
        return list(map(mul, cols.values, named_defined)), frozenset(bulk.where(named_defined.translate(bulk.ZERO)))

    @decoded
    def dynamic_functions(self) -> list[str]:
        cols = self._dynsym_columns
        return list(filter(self.dynamic_defined.keys().__contains__, compress(cols.names, cols.info.translate(IS_FUNC))))

    @decoded
    def local_entries(self) -> dict[int, int]:
        if self.arch.elf_machine != EM_PPC64:
            return {}
        return {s.value: s.local_entry for s in self.dynamic_symbols.values() if s.local_entry and s.kind != "undefined"}

    @decoded
    def _seg_starts(self) -> list[int]:
        return [s.vaddr for s in self.segments]

    def read(self, addr: int, size: int) -> bytes:
        i = bisect.bisect_right(self._seg_starts, addr) - 1
        seg = self.segments[i] if i >= 0 else None
        if seg is None or size < 0 or addr + size > seg.vaddr + seg.memsz:
            raise CorruptFileError(self.path, f"address range {addr:#x}+{size:#x} is not mapped")
        start, end = seg.offset + addr - seg.vaddr, seg.offset + seg.filesz
        if start + size <= end:  # the common case: all of it in the file
            return self.data[start : start + size]
        chunk = self.data[start:end] if start < end else b""
        return chunk + bytes(size - len(chunk))

    def pointer(self, addr: int) -> int:
        i = self.relocation_index.get(addr)
        if i is None or self.relocation_table.adds_to(i) == "T":
            return int.from_bytes(self.read(addr, self.ptr_size), self.byte_order)
        return self.relocation_value(i)


class _HashedDefined(Mapping[str, int]):
    """The defined dynamic symbols by name, each found in ``.gnu.hash`` when asked for; iterating
    decodes every name into a dict, once (kept in the file's shared tables, the only change it makes)."""

    def __init__(self, table: GnuHash, cols: SymbolColumns) -> None:
        self.table = table
        self.cols = cols
        self._all: dict[str, int] | None = None

    def index(self, raw: bytes) -> int | None:
        """The index in ``.dynsym`` of the defined symbol whose name's bytes are ``raw``, or None."""
        i = self.table.find(raw) if raw else None
        return i if i is not None and self.cols.shndx[i] else None

    def __getitem__(self, name: str) -> int:
        if self._all is not None:
            return self._all[name]
        i = self.index(name.encode("utf-8", "replace"))
        if i is None:
            raise KeyError(name)
        return self.cols.values[i]

    @property
    def all(self) -> dict[str, int]:
        """Every defined symbol's name and value, decoded once."""
        if self._all is None:
            self._all = _defined_by_name(self.cols)
        return self._all

    def __iter__(self) -> Iterator[str]:
        return iter(self.all)

    def __contains__(self, name: object) -> bool:
        if self._all is not None:
            return name in self._all
        return isinstance(name, str) and self.index(name.encode("utf-8", "replace")) is not None

    def __len__(self) -> int:
        return len(self.all)

    def keys(self):
        return self.all.keys()

    def items(self):
        return self.all.items()

    def values(self):
        return self.all.values()


def _defined_by_name(cols: SymbolColumns) -> dict[str, int]:
    """Name -> value of each defined, named symbol of a table (the last, should a name recur)."""
    defined = list(map(bool, cols.shndx))  # SHN_UNDEF is 0
    out = dict(zip(compress(cols.names, defined), compress(cols.values, defined)))
    out.pop("", None)
    return out
