"""Mach-O reader: 64-bit little-endian thin files for x86_64 and arm64 (what ``GOOS=darwin`` builds).

The header and load commands are read when the file is opened; sections, symbols and fixups (rebase and
bind opcodes, or chained fixups) only when first asked for, each in one pass.

A universal (fat) file is refused with ``UniversalBinaryError`` naming its slices: a plugin is opened for
one architecture, and gopluginemu has no host architecture to choose one by (``lipo -thin`` extracts it).
"""

from __future__ import annotations

import bisect
import struct
from functools import cached_property
from typing import Any

from gopluginemu.arch import by_macho_cputype
from gopluginemu.errors import BadMagicError, CorruptFileError, UniversalBinaryError, UnsupportedArchError
from gopluginemu.formats import macho_chained, macho_dyld
from gopluginemu.formats import macho_layout as L
from gopluginemu.formats.base import ObjectFile, Relocation, Section, Symbol
from gopluginemu.formats.macho_dyld import Bind, Segment

# Mach-O section -> ELF spelling where Go's rule ("__" + name[1:], '.' -> '_') cannot be reversed blindly.
SPECIAL_NAMES = {
    ("__DATA_CONST", "__rodata"): ".data.rel.ro",  # the relro half of rodata (types), ELF's .data.rel.ro
    ("__DATA_CONST", "__mod_init_func"): ".init_array",
    ("__DATA", "__mod_init_func"): ".init_array",
}
MAX_SEGMENT = 1 << 40  # no real segment comes near; bounds the zero-fill a corrupt header could ask for
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


class MachOFile(ObjectFile):
    """A thin 64-bit little-endian Mach-O file (a Go plugin is an ``MH_DYLIB``) at its link-time addresses."""

    format = "macho"
    goos = "darwin"

    def __init__(self, path: str, data: bytes) -> None:
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
    def _nlist(self) -> list[tuple[str, int, int, int]]:
        """Every ``LC_SYMTAB`` entry in table order (indirect symbols index it): (name without the leading
        ``_``, n_type, n_sect, n_value)."""
        cmd = self._commands.get(L.LC_SYMTAB)
        if cmd is None:
            return []
        table_end = cmd.symoff + cmd.nsyms * L.NLIST_64.size
        if table_end > len(self.data) or cmd.stroff + cmd.strsize > len(self.data):
            raise self._corrupt("symbol table lies outside the file (truncated?)")
        strtab = self.data[cmd.stroff:cmd.stroff + cmd.strsize]
        out = []
        for strx, n_type, n_sect, _, value in L.NLIST_64.struct.iter_unpack(self.data[cmd.symoff:table_end]):
            end = strtab.find(b"\0", strx)
            if strx >= len(strtab) or end < 0:
                raise self._corrupt(f"symbol name offset {strx} outside the string table")
            name = strtab[strx:end].decode("utf-8", "replace")
            out.append((name[1:] if name.startswith("_") else name, n_type, n_sect, value))
        return out

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
        return {n[1:] if n.startswith("_") else n for n in macho_dyld.export_names(self.path, blob)}

    @cached_property
    def defined(self) -> dict[str, int]:
        """Every defined symbol of the table: Mach-O exports only a few runtime symbols
        (machoShouldExport), so a loader binds to and names the whole table's."""
        return {s.name: s.value for s in self.symbols.values() if s.kind != "undefined"}

    @cached_property
    def defined_functions(self) -> list[str]:
        return [s.name for s in self.symbols.values() if s.kind == "func"]

    @cached_property
    def symbols(self) -> dict[str, Symbol]:
        """The ``LC_SYMTAB`` symbols (debug stabs skipped); sizes run to the next symbol in the same section.
        A defined symbol is ``dynamic`` when the export trie has it (zig marks some exported ones private
        external), an undefined one when it is external."""
        sections = self._section_headers
        exports = self._exports
        raw = [entry for entry in self._nlist if entry[0] and not entry[1] & L.N_STAB]
        ends = self._symbol_ends(raw)
        out: dict[str, Symbol] = {}
        for name, n_type, n_sect, value in raw:
            typ = n_type & L.N_TYPE
            dynamic = bool(n_type & L.N_EXT) and not n_type & L.N_PEXT
            if exports is not None and typ != L.N_UNDF:
                dynamic = name in exports
            if typ == L.N_SECT:
                if not 1 <= n_sect <= len(sections):
                    raise self._corrupt(f"symbol {name} names section {n_sect} of {len(sections)}")
                flags = sections[n_sect - 1].flags
                kind = ("tls" if flags & L.SECTION_TYPE in L.TLS_TYPES
                        else "func" if flags & (L.S_ATTR_PURE_INSTRUCTIONS | L.S_ATTR_SOME_INSTRUCTIONS)
                        else "object")
                size = ends.get((n_sect, value), value) - value
            else:
                kind, size = ("undefined" if typ == L.N_UNDF else "other"), 0
            old = out.get(name)
            if old is None or (old.kind == "undefined" and kind != "undefined") or (dynamic and not old.dynamic):
                out[name] = Symbol(name, value, size, kind, dynamic)
        return out

    def _symbol_ends(self, raw: list[tuple[str, int, int, int]]) -> dict[tuple[int, int], int]:
        """(section, address) -> where that symbol ends: the next symbol's address, or its section's end."""
        by_section: dict[int, set[int]] = {}
        for _, n_type, n_sect, value in raw:
            if n_type & L.N_TYPE == L.N_SECT:
                by_section.setdefault(n_sect, set()).add(value)
        ends = {}
        for n_sect, values in by_section.items():
            if not 1 <= n_sect <= len(self._section_headers):
                continue
            sh = self._section_headers[n_sect - 1]
            starts = sorted(values)
            for here, after in zip(starts, starts[1:] + [max(sh.addr + sh.size, starts[-1])]):
                ends[(n_sect, here)] = after
        return ends

    @cached_property
    def stubs(self) -> dict[int, str]:
        """``__stubs`` entries by address -> the imported symbol each jumps to (``LC_DYSYMTAB``'s indirect table)."""
        cmd = self._commands.get(L.LC_DYSYMTAB)
        if cmd is None:
            return {}
        table = self._linkedit(cmd.indirectsymoff, cmd.nindirectsyms * 4, "indirect symbol table")
        indirect = [i for (i,) in struct.iter_unpack("<I", table)]
        names = self._nlist
        out = {}
        for sh in self._section_headers:
            if sh.flags & L.SECTION_TYPE != L.S_SYMBOL_STUBS or not sh.reserved2:
                continue
            for i in range(sh.size // sh.reserved2):
                if sh.reserved1 + i >= len(indirect):
                    raise self._corrupt("symbol stubs run past the indirect symbol table")
                index = indirect[sh.reserved1 + i]
                if index < len(names) and not index & (L.INDIRECT_SYMBOL_LOCAL | L.INDIRECT_SYMBOL_ABS):
                    out[sh.addr + i * sh.reserved2] = names[index][0]
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
        """The pointer-sized words stored at ``addrs``, read in one pass over sorted addresses."""
        out = {}
        seg_i = 0
        mapped = self._mapped
        for addr in sorted(addrs):
            while seg_i < len(mapped) and addr >= mapped[seg_i].vmaddr + mapped[seg_i].vmsize:
                seg_i += 1
            seg = mapped[seg_i] if seg_i < len(mapped) else None
            if seg is None or addr < seg.vmaddr:
                raise self._corrupt(f"fixup at {addr:#x} is not in a mapped segment")
            rel = addr - seg.vmaddr
            if rel + 8 <= seg.filesize:
                off = seg.fileoff + rel
                out[addr] = int.from_bytes(self.data[off:off + 8], "little")
            else:
                out[addr] = int.from_bytes(self.read(addr, 8), "little")
        return [out[a] for a in addrs]

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
    def relocations(self) -> list[Relocation]:
        """Rebases as ``relative`` (addend = target at base 0), then binds: ``glob_dat`` in non-lazy pointer
        sections, ``jump_slot`` in lazy ones, ``abs`` elsewhere; symbol names without the leading ``_``."""
        rebases, binds = self._fixups
        out = [Relocation(addr, "relative", None, target) for addr, target in rebases.items()]
        out += [Relocation(b.addr, self._bind_kind(b.addr), b.symbol[1:] if b.symbol.startswith("_") else b.symbol,
                           b.addend) for b in binds]
        return out

    @cached_property
    def _binds_at(self) -> dict[int, Relocation]:
        return {r.offset: r for r in self.relocations if r.kind != "relative"}

    def pointer(self, addr: int) -> int:
        """The word at ``addr`` at load base 0: a rebase's target, a bind to a symbol defined here resolved
        (an import counts as address 0 plus its addend), otherwise the bytes as stored."""
        bind = self._binds_at.get(addr)
        if bind is not None:
            sym = self.symbols.get(bind.symbol or "")
            base = sym.value if sym is not None and sym.kind != "undefined" else 0
            return (base + bind.addend) & macho_dyld.MASK64
        target = self._fixups[0].get(addr)
        if target is not None:
            return target
        return int.from_bytes(self.read(addr, self.ptr_size), "little")
