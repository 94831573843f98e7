"""Mach-O reader: 64-bit little-endian thin files for x86_64 and arm64 (what ``GOOS=darwin`` builds).

The header and load commands are read when the file is opened; sections, symbols and fixups (rebase and
bind opcodes, or chained fixups) only when first asked for, each in one pass.

A universal (fat) file is refused with ``UniversalBinaryError`` naming its slices: a plugin is opened for
one architecture, and gopluginemu has no host architecture to choose one by (``lipo -thin`` extracts it).
"""

from __future__ import annotations

import bisect
import struct
from array import array
from functools import cached_property
from itertools import compress, repeat
from operator import and_, itemgetter, ne, not_, or_
from typing import Any, NamedTuple, Sequence

from gopluginemu.arch import by_macho_cputype
from gopluginemu.errors import BadMagicError, CorruptFileError, UniversalBinaryError, UnsupportedArchError
from gopluginemu.formats import bulk, macho_chained, macho_dyld
from gopluginemu.formats import macho_layout as L
from gopluginemu.formats.base import RELOC_KINDS, FileBytes, ObjectFile, Relocation, RelocationTable, Section, Symbol, SymbolKind
from gopluginemu.formats.macho_dyld import Bind, Segment

# Mach-O section -> ELF spelling where Go's rule ("__" + name[1:], '.' -> '_') cannot be reversed blindly.
SPECIAL_NAMES = {
    ("__DATA_CONST", "__rodata"): ".data.rel.ro",  # the relro half of rodata (types), ELF's .data.rel.ro
    ("__DATA_CONST", "__mod_init_func"): ".init_array",
    ("__DATA", "__mod_init_func"): ".init_array",
}
MAX_SEGMENT = 1 << 40  # no real segment comes near; bounds the zero-fill a corrupt header could ask for
WORD = struct.Struct("<Q")  # a pointer: the reader takes 64-bit little-endian files only
RELATIVE = RELOC_KINDS.index("relative")
CPU_NAMES = {7: "i386", 0x01000007: "x86_64", 12: "arm", 0x0100000C: "arm64", 18: "ppc", 0x01000012: "ppc64"}


def elf_name(segname: str, sectname: str) -> str:
    """The ELF spelling of a Mach-O section: ``__go_buildinfo`` -> ``.go.buildinfo``, ``__text`` -> ``.text``."""
    special = SPECIAL_NAMES.get((segname, sectname))
    if special:
        return special
    if sectname.startswith("__go_"):
        return ".go." + sectname[5:]
    if sectname.startswith("__"):
        return "." + sectname[2:]
    return sectname


def _cname(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")


def _section_kind(flags: int) -> SymbolKind:
    """The kind of a symbol defined in a section with these flags."""
    if flags & L.SECTION_TYPE in L.TLS_TYPES:
        return "tls"
    return "func" if flags & (L.S_ATTR_PURE_INSTRUCTIONS | L.S_ATTR_SOME_INSTRUCTIONS) else "object"


def _first_at(names: Sequence[str], values: Sequence[int]) -> dict[int, str]:
    """Value -> the first of ``names`` with that value."""
    return dict(zip(reversed(values), reversed(names)))


# n_type -> 1 or 0, tables for bytes.translate
NOT_STAB = bulk.flag_table(lambda t: not t & L.N_STAB)
IN_SECTION = bulk.flag_table(lambda t: t & L.N_TYPE == L.N_SECT)
DEFINED = bulk.flag_table(lambda t: t & L.N_TYPE != L.N_UNDF)
UNDEFINED = bulk.flag_table(lambda t: t & L.N_TYPE == L.N_UNDF)
EXTERNAL = bulk.flag_table(lambda t: bool(t & L.N_EXT) and not t & L.N_PEXT)
# the kinds a section gives its symbols, by index (``MachOFile._section_kinds``), and tables over that index
SECTION_KINDS: tuple[SymbolKind, ...] = ("object", "func", "tls")
NO_SECTION = len(SECTION_KINDS)
IS_FUNC = bulk.flag_table(lambda kind: kind == SECTION_KINDS.index("func"))
IS_NO_SECTION = bulk.flag_table(lambda kind: kind == NO_SECTION)


class _Nlist(NamedTuple):
    """``LC_SYMTAB`` entries in bulk, one sequence per field in table order; names without the leading ``_``."""

    names: list[str]
    types: bytes
    sects: bytes
    values: Sequence[int]


class _Symtab(NamedTuple):
    """The symbols in bulk: ``_Nlist``'s columns for one entry per name, and 1 or 0 for whether dyld sees each."""

    names: list[str]
    types: bytes
    sects: bytes
    values: Sequence[int]
    dynamic: bytes


class _Defined(NamedTuple):
    """The defined symbols in bulk, one per name in ``symbols`` order: flags are 1 or 0."""

    names: list[str]
    values: Sequence[int]
    functions: bytes
    dynamic: bytes


class MachOFile(ObjectFile):
    """A thin 64-bit little-endian Mach-O file (a Go plugin is an ``MH_DYLIB``) at its link-time addresses."""

    format = "macho"
    goos = "darwin"

    def __init__(self, path: str, data: FileBytes) -> None:
        self.path = str(path)
        self.data = data
        magic = int.from_bytes(data[:4], "little")
        if magic in (L.FAT_CIGAM, L.FAT_CIGAM_64):
            raise UniversalBinaryError(self.path, self._fat_slices())
        if magic in (L.MH_MAGIC, L.MH_CIGAM):
            raise UnsupportedArchError(self.path, "32-bit Mach-O is not supported (only 64-bit x86_64 and arm64)")
        if magic == L.MH_CIGAM_64:
            raise UnsupportedArchError(self.path, "big-endian Mach-O is not supported (only x86_64 and arm64)")
        if magic != L.MH_MAGIC_64:
            raise BadMagicError(self.path, data[:4])
        self.header = self._unpack(L.MACH_HEADER_64, 0)
        arch = by_macho_cputype(self.header.cputype)
        if arch is None:
            cpu = CPU_NAMES.get(self.header.cputype, f"{self.header.cputype:#x}")
            raise UnsupportedArchError(self.path, f"Mach-O CPU type {cpu} is not supported (only x86_64 and arm64)")
        self.arch = arch
        self.filetype = L.FILETYPES.get(self.header.filetype, f"type {self.header.filetype}")
        self.segments: list[Segment] = []
        self._section_headers: list[Any] = []  # section_64 tuples, in file order (n_sect - 1 indexes them)
        self._commands: dict[int, Any] = {}  # the load commands used, by LC_ number
        self._load_commands()

    # -- header and load commands ------------------------------------------------------------

    def _corrupt(self, why: str) -> CorruptFileError:
        return CorruptFileError(self.path, f"Mach-O {why}")

    def _unpack(self, layout: L.Layout, offset: int) -> Any:
        try:
            return layout.unpack(self.data, offset)
        except struct.error:
            raise self._corrupt(f"truncated {layout.name} at offset {offset:#x}") from None

    def _fat_slices(self) -> str:
        hdr = self._unpack(L.FAT_HEADER, 0)
        if hdr.nfat_arch > 64:
            raise self._corrupt(f"universal header lists {hdr.nfat_arch} slices")
        entry = L.FAT_ARCH.size if hdr.magic == 0xCAFEBABE else L.FAT_ARCH.size + 4  # fat_arch_64 is wider
        cpus = [self._unpack(L.FAT_ARCH, L.FAT_HEADER.size + i * entry).cputype for i in range(hdr.nfat_arch)]
        return ", ".join(CPU_NAMES.get(c, f"{c:#x}") for c in cpus)

    def _load_commands(self) -> None:
        hdr = self.header
        offset, end = L.MACH_HEADER_64.size, L.MACH_HEADER_64.size + hdr.sizeofcmds
        if end > len(self.data):
            raise self._corrupt("load commands run past the end of the file (truncated?)")
        for _ in range(hdr.ncmds):
            lc = self._unpack(L.LOAD_COMMAND, offset)
            if lc.cmdsize < L.LOAD_COMMAND.size or offset + lc.cmdsize > end:
                raise self._corrupt(f"load command at {offset:#x} has bad size {lc.cmdsize}")
            if lc.cmd == L.LC_SEGMENT_64:
                self._segment(offset, lc.cmdsize)
            elif lc.cmd == L.LC_SYMTAB:
                self._commands[lc.cmd] = self._unpack(L.SYMTAB_COMMAND, offset)
            elif lc.cmd == L.LC_DYSYMTAB:
                self._commands[lc.cmd] = self._unpack(L.DYSYMTAB_COMMAND, offset)
            elif lc.cmd in (L.LC_DYLD_INFO, L.LC_DYLD_INFO_ONLY):
                self._commands[L.LC_DYLD_INFO] = self._unpack(L.DYLD_INFO_COMMAND, offset)
            elif lc.cmd in (L.LC_DYLD_CHAINED_FIXUPS, L.LC_DYLD_EXPORTS_TRIE):
                self._commands[lc.cmd] = self._unpack(L.LINKEDIT_DATA_COMMAND, offset)
            offset += lc.cmdsize

    def _segment(self, offset: int, cmdsize: int) -> None:
        seg = self._unpack(L.SEGMENT_COMMAND_64, offset)
        if L.SEGMENT_COMMAND_64.size + seg.nsects * L.SECTION_64.size > cmdsize:
            raise self._corrupt(f"segment {_cname(seg.segname)} lists more sections than its command holds")
        if seg.fileoff + seg.filesize > len(self.data) or seg.filesize > seg.vmsize:
            raise self._corrupt(f"segment {_cname(seg.segname)} lies outside the file (truncated?)")
        if seg.vmsize > MAX_SEGMENT and seg.initprot:
            raise self._corrupt(f"segment {_cname(seg.segname)} claims {seg.vmsize:#x} bytes of memory")
        self.segments.append(Segment(_cname(seg.segname), seg.vmaddr, seg.vmsize, seg.fileoff, seg.filesize,
                                     seg.initprot))
        first = offset + L.SEGMENT_COMMAND_64.size
        self._section_headers += [self._unpack(L.SECTION_64, first + i * L.SECTION_64.size)
                                  for i in range(seg.nsects)]

    # -- sections and memory -------------------------------------------------------------------

    @cached_property
    def sections(self) -> list[Section]:
        out = []
        for sh in self._section_headers:
            segname, sectname = _cname(sh.segname), _cname(sh.sectname)
            zerofill = (sh.flags & L.SECTION_TYPE) in L.ZEROFILL_TYPES
            if not zerofill and sh.offset + sh.size > len(self.data):
                raise self._corrupt(f"section {segname},{sectname} lies outside the file (truncated?)")
            out.append(Section(elf_name(segname, sectname), sectname, sh.addr, sh.size, None if zerofill else sh.offset))
        return out

    @cached_property
    def _mapped(self) -> list[Segment]:
        return sorted((s for s in self.segments if s.initprot and s.vmsize), key=lambda s: s.vmaddr)

    @cached_property
    def load_ranges(self) -> list[tuple[int, int]]:
        return [(s.vmaddr, s.vmsize) for s in self._mapped]

    @cached_property
    def _mapped_starts(self) -> list[int]:
        return [s.vmaddr for s in self._mapped]

    def read(self, addr: int, size: int) -> bytes:
        i = bisect.bisect_right(self._mapped_starts, addr) - 1
        seg = self._mapped[i] if i >= 0 else None
        if seg is None or size < 0 or addr + size > seg.vmaddr + seg.vmsize:
            raise CorruptFileError(self.path, f"address range {addr:#x}+{size:#x} is not mapped")
        rel = addr - seg.vmaddr
        chunk = self.data[seg.fileoff + rel:seg.fileoff + min(rel + size, seg.filesize)] if rel < seg.filesize else b""
        return chunk + bytes(size - len(chunk))

    # -- symbols -------------------------------------------------------------------------------

    @cached_property
    def _nlist(self) -> _Nlist:
        """Every ``LC_SYMTAB`` entry, in table order (indirect symbols index it)."""
        cmd = self._commands.get(L.LC_SYMTAB)
        if cmd is None:
            return _Nlist([], b"", b"", [])
        table_end = cmd.symoff + cmd.nsyms * L.NLIST_64.size
        if table_end > len(self.data) or cmd.stroff + cmd.strsize > len(self.data):
            raise self._corrupt("symbol table lies outside the file (truncated?)")
        table = self.data[cmd.symoff:table_end]
        strtab = self.data[cmd.stroff:cmd.stroff + cmd.strsize]
        names = bulk.cstrings(strtab, L.NLIST_64.column(table, "n_strx"),
                              lambda strx: self._corrupt(f"symbol name offset {strx} outside the string table"))
        return _Nlist(list(map(str.removeprefix, names, repeat("_"))),
                      L.NLIST_64.column(table, "n_type"), L.NLIST_64.column(table, "n_sect"),
                      L.NLIST_64.column(table, "n_value"))

    @cached_property
    def _section_kinds(self) -> bytes:
        """n_sect -> the kind of a symbol in that section, as an index of ``SECTION_KINDS`` (``NO_SECTION``
        where the file has no such section): a table for ``bytes.translate``."""
        kinds = [NO_SECTION] * 256
        for n_sect, sh in enumerate(self._section_headers[:255], start=1):
            kinds[n_sect] = SECTION_KINDS.index(_section_kind(sh.flags))
        return bytes(kinds)

    @cached_property
    def _entries(self) -> _Nlist:
        """The entries that are symbols (named, not debug stabs), each section they name checked to exist."""
        nlist = self._nlist
        keep = bytes(map(and_, map(bool, nlist.names), nlist.types.translate(NOT_STAB)))
        types, sects = bytes(compress(nlist.types, keep)), bytes(compress(nlist.sects, keep))
        entries = _Nlist(list(compress(nlist.names, keep)), types, sects, list(compress(nlist.values, keep)))
        missing = sects.translate(self._section_kinds).translate(IS_NO_SECTION)
        for i in compress(range(len(sects)), map(and_, types.translate(IN_SECTION), missing)):
            raise self._corrupt(f"symbol {entries.names[i]} names section {sects[i]} of {len(self._section_headers)}")
        return entries

    @cached_property
    def _exports(self) -> set[str] | None:
        """The names in the export trie (what dyld resolves against; without the leading ``_``), or None when
        the file has no trie."""
        trie = self._commands.get(L.LC_DYLD_EXPORTS_TRIE)
        info = self._commands.get(L.LC_DYLD_INFO)
        if trie is not None:
            blob = self._linkedit(trie.dataoff, trie.datasize, "export trie")
        elif info is not None and info.export_size:
            blob = self._linkedit(info.export_off, info.export_size, "export trie")
        else:
            return None
        return set(map(str.removeprefix, macho_dyld.export_names(self.path, blob), repeat("_")))

    @cached_property
    def _dynamic(self) -> bytes:
        """1 for each of ``_entries`` dyld sees, else 0: a defined one when the export trie has it (zig marks
        some exported ones private external; without a trie, when it is external), an undefined one when it
        is external."""
        exports = self._exports
        entries = self._entries
        external = entries.types.translate(EXTERNAL)
        if exports is None:
            return external
        exported = map(and_, entries.types.translate(DEFINED), map(exports.__contains__, entries.names))
        return bytes(map(or_, exported, map(and_, entries.types.translate(UNDEFINED), external)))

    @cached_property
    def _symtab(self) -> _Symtab:
        """The symbols, one per name (``_chosen``) in the order names first appear, with ``_dynamic``."""
        entries, dynamic = self._entries, self._dynamic
        if len(set(entries.names)) == len(entries.names):
            return _Symtab(*entries, dynamic)
        chosen = self._chosen()
        return _Symtab(list(map(entries.names.__getitem__, chosen)), bytes(map(entries.types.__getitem__, chosen)),
                       bytes(map(entries.sects.__getitem__, chosen)), list(map(entries.values.__getitem__, chosen)),
                       bytes(map(dynamic.__getitem__, chosen)))

    def _chosen(self) -> list[int]:
        """For each name, in the order names first appear, the one of ``_entries`` its symbol is: the first
        entry of that name, replaced by a later one that is defined where the kept one is not, or dynamic
        where the kept one is not (names given twice: C statics of runtime/cgo, say)."""
        names, defined, dynamic = self._entries.names, self._entries.types.translate(DEFINED), self._dynamic
        first = dict(zip(reversed(names), reversed(range(len(names)))))
        chosen = dict(zip(dict.fromkeys(names), map(first.__getitem__, dict.fromkeys(names))))
        for i in compress(range(len(names)), map(ne, map(first.__getitem__, names), range(len(names)))):
            kept = chosen[names[i]]
            if (defined[i] and not defined[kept]) or (dynamic[i] and not dynamic[kept]):
                chosen[names[i]] = i
        return list(chosen.values())

    @cached_property
    def symbols(self) -> dict[str, Symbol]:
        """The ``LC_SYMTAB`` symbols (debug stabs skipped), one per name (``_symtab``); sizes run to the next
        symbol in the same section."""
        symtab = self._symtab
        ends = self._symbol_ends(self._entries)
        kinds = symtab.sects.translate(self._section_kinds)
        out: dict[str, Symbol] = {}
        for name, n_type, n_sect, value, dynamic, section_kind in zip(*symtab, kinds):
            typ = n_type & L.N_TYPE
            if typ == L.N_SECT:
                kind, size = SECTION_KINDS[section_kind], ends[(n_sect, value)] - value
            else:
                kind, size = ("undefined" if typ == L.N_UNDF else "other"), 0
            out[name] = Symbol(name, value, size, kind, bool(dynamic))
        return out

    def _symbol_ends(self, entries: _Nlist) -> dict[tuple[int, int], int]:
        """(section, address) -> where a symbol there ends: the next symbol's address, or its section's end."""
        in_section = entries.types.translate(IN_SECTION)
        starts = sorted(set(zip(compress(entries.sects, in_section), compress(entries.values, in_section))))
        ends = dict(zip(starts, map(itemgetter(1), starts[1:])))
        for n_sect, (_, last) in dict(zip(map(itemgetter(0), starts), starts)).items():  # each section's last
            sh = self._section_headers[n_sect - 1]
            ends[(n_sect, last)] = max(sh.addr + sh.size, last)
        return ends

    @cached_property
    def _defined(self) -> _Defined:
        """The defined symbols of ``_symtab``, in bulk."""
        symtab = self._symtab
        defined = symtab.types.translate(DEFINED)
        in_code = symtab.sects.translate(self._section_kinds).translate(IS_FUNC)
        functions = map(and_, symtab.types.translate(IN_SECTION), in_code)
        return _Defined(list(compress(symtab.names, defined)), list(compress(symtab.values, defined)),
                        bytes(compress(functions, defined)), bytes(compress(symtab.dynamic, defined)))

    @cached_property
    def defined(self) -> dict[str, int]:
        """Every defined symbol of the table: Mach-O exports only a few runtime symbols
        (machoShouldExport), so a loader binds to and names the whole table's."""
        d = self._defined
        return dict(zip(d.names, d.values))

    @cached_property
    def defined_functions(self) -> list[str]:
        d = self._defined
        return list(compress(d.names, d.functions))

    @cached_property
    def dynamic_defined(self) -> dict[str, int]:
        d = self._defined
        return dict(zip(compress(d.names, d.dynamic), compress(d.values, d.dynamic)))

    @cached_property
    def dynamic_functions(self) -> list[str]:
        d = self._defined
        return list(compress(d.names, map(and_, d.functions, d.dynamic)))

    @cached_property
    def _symbol_index(self) -> dict[int, str]:
        d = self._defined
        static = bytes(map(not_, d.dynamic))
        index = _first_at(list(compress(d.names, static)), list(compress(d.values, static)))
        index.update(_first_at(list(compress(d.names, d.dynamic)), list(compress(d.values, d.dynamic))))
        return index

    @cached_property
    def stubs(self) -> dict[int, str]:
        """``__stubs`` entries by address -> the imported symbol each jumps to (``LC_DYSYMTAB``'s indirect table)."""
        cmd = self._commands.get(L.LC_DYSYMTAB)
        if cmd is None:
            return {}
        table = self._linkedit(cmd.indirectsymoff, cmd.nindirectsyms * 4, "indirect symbol table")
        indirect = [i for (i,) in struct.iter_unpack("<I", table)]
        names = self._nlist.names
        out = {}
        for sh in self._section_headers:
            if sh.flags & L.SECTION_TYPE != L.S_SYMBOL_STUBS or not sh.reserved2:
                continue
            for i in range(sh.size // sh.reserved2):
                if sh.reserved1 + i >= len(indirect):
                    raise self._corrupt("symbol stubs run past the indirect symbol table")
                index = indirect[sh.reserved1 + i]
                if index < len(names) and not index & (L.INDIRECT_SYMBOL_LOCAL | L.INDIRECT_SYMBOL_ABS):
                    out[sh.addr + i * sh.reserved2] = names[index]
        return out

    # -- fixups --------------------------------------------------------------------------------

    def _linkedit(self, offset: int, size: int, what: str) -> bytes:
        if offset + size > len(self.data):
            raise self._corrupt(f"{what} lies outside the file (truncated?)")
        return self.data[offset:offset + size]

    @cached_property
    def _fixups(self) -> tuple[dict[int, int], list[Bind]]:
        """Rebased addresses with their targets at load base 0, and binds (dyld opcodes or chained fixups)."""
        chained = self._commands.get(L.LC_DYLD_CHAINED_FIXUPS)
        if chained is not None:
            self._linkedit(chained.dataoff, chained.datasize, "chained fixups")
            fix = macho_chained.decode(self.path, self.data, chained.dataoff, chained.datasize, self.segments)
            return fix.rebases, fix.binds
        info = self._commands.get(L.LC_DYLD_INFO)
        if info is None:
            return {}, []
        limit = len(self.data) // self.ptr_size
        stream = self._linkedit(info.rebase_off, info.rebase_size, "rebase info")
        addrs = macho_dyld.rebases(self.path, stream, self.segments, self.ptr_size, limit)
        words = self._words(addrs)
        binds = []
        for what, off, size in (("bind", info.bind_off, info.bind_size),
                                ("lazy bind", info.lazy_bind_off, info.lazy_bind_size)):
            stream = self._linkedit(off, size, f"{what} info")
            binds += macho_dyld.binds(self.path, what, stream, self.segments, self.ptr_size, limit)
        return dict(zip(addrs, words)), binds

    def _words(self, addrs: list[int]) -> list[int]:
        """The pointer-sized words stored at ``addrs``, read a mapped segment at a time (the first that
        holds an address, where corrupt ones overlap)."""
        ordered = sorted(set(addrs))
        found: dict[int, int] = {}
        for seg in reversed(self._mapped):
            lo = bisect.bisect_left(ordered, seg.vmaddr)
            in_file = bisect.bisect_right(ordered, seg.vmaddr + seg.filesize - 8, lo)  # whole words in the file
            hi = bisect.bisect_left(ordered, seg.vmaddr + seg.vmsize, lo)
            offsets = map((seg.fileoff - seg.vmaddr).__add__, ordered[lo:in_file])
            stored = map(itemgetter(0), map(WORD.unpack_from, repeat(self.data), offsets))
            found.update(zip(ordered[lo:in_file], stored))
            found.update((a, int.from_bytes(self.read(a, 8), "little")) for a in ordered[in_file:hi])
        if len(found) < len(ordered):
            unmapped = next(a for a in ordered if a not in found)
            raise self._corrupt(f"fixup at {unmapped:#x} is not in a mapped segment")
        return list(map(found.__getitem__, addrs))

    @cached_property
    def _section_types(self) -> tuple[list[int], list[tuple[int, int]]]:
        spans = sorted((sh.addr, sh.addr + sh.size, sh.flags & L.SECTION_TYPE) for sh in self._section_headers)
        return [s[0] for s in spans], [(s[1], s[2]) for s in spans]

    def _bind_kind(self, addr: int) -> str:
        starts, rest = self._section_types
        i = bisect.bisect_right(starts, addr) - 1
        if i >= 0 and addr < rest[i][0]:
            if rest[i][1] == L.S_LAZY_SYMBOL_POINTERS:
                return "jump_slot"
            if rest[i][1] == L.S_NON_LAZY_SYMBOL_POINTERS:
                return "glob_dat"
        return "abs"

    @cached_property
    def _bind_relocations(self) -> list[Relocation]:
        """The binds as relocations: ``glob_dat`` in non-lazy pointer sections, ``jump_slot`` in lazy ones,
        ``abs`` elsewhere; symbol names without the leading ``_``."""
        return [Relocation(b.addr, self._bind_kind(b.addr), b.symbol.removeprefix("_"), b.addend)
                for b in self._fixups[1]]

    @cached_property
    def relocation_table(self) -> RelocationTable:
        """Rebases as ``relative`` (addend = target at base 0), then the binds (``_bind_relocations``)."""
        rebases = self._fixups[0]
        binds = RelocationTable.of(self._bind_relocations)
        return RelocationTable([*rebases, *binds.offsets], bytes([RELATIVE]) * len(rebases) + binds.kinds,
                               array("I", bytes(4 * len(rebases))) + binds.symbols, [*rebases.values(), *binds.addends],
                               binds.names)

    @cached_property
    def _binds_at(self) -> dict[int, Relocation]:
        return {r.offset: r for r in self._bind_relocations}

    def pointer(self, addr: int) -> int:
        """The word at ``addr`` at load base 0: a rebase's target, a bind to a symbol defined here resolved
        (an import counts as address 0 plus its addend), otherwise the bytes as stored."""
        bind = self._binds_at.get(addr)
        if bind is not None:
            return (self.defined.get(bind.symbol or "", 0) + bind.addend) & macho_dyld.MASK64
        target = self._fixups[0].get(addr)
        if target is not None:
            return target
        return int.from_bytes(self.read(addr, self.ptr_size), "little")
