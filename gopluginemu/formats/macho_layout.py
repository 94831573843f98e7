"""Mach-O on-disk structures and constants, declared once as data (``<mach-o/loader.h>``, ``<mach-o/nlist.h>``,
``<mach-o/fixup-chains.h>``).

Only what the 64-bit little-endian reader needs. Each ``Layout`` is a named C struct: its field names and
``struct`` codes; ``unpack`` returns a named tuple.
"""

from __future__ import annotations

import struct
from collections import namedtuple
from typing import Any, Literal, Sequence

from gopluginemu.formats import bulk


class Layout:
    """A little-endian C struct: ``name`` and ``(field, struct code)`` pairs in order."""

    def __init__(self, name: str, fields: tuple[tuple[str, str], ...], order: str = "<") -> None:
        self.name = name
        self.struct = struct.Struct(order + "".join(code for _, code in fields))
        self.size = self.struct.size
        self.tuple = namedtuple(name, [field for field, _ in fields])  # type: ignore[misc]
        self.byte_order: Literal["little", "big"] = "little" if order == "<" else "big"
        codes = [code for _, code in fields]
        # field -> (byte offset, struct code)
        self.fields = {field: (struct.calcsize(order + "".join(codes[:i])), code)
                       for i, (field, code) in enumerate(fields)}

    def unpack(self, data: bytes, offset: int) -> Any:
        """The struct at ``offset`` as a named tuple; ``struct.error`` when ``data`` is too short."""
        return self.tuple._make(self.struct.unpack_from(data, offset))

    def column(self, data: bytes, field: str) -> Sequence[int]:
        """``field`` of each struct in ``data`` (an array of them), read in bulk; the field is an integer
        aligned to its size within the struct, as C lays them out."""
        offset, code = self.fields[field]
        if code == "B":
            return data[offset :: self.size]
        item = struct.calcsize(code)
        return bulk.column(data, code, offset // item, self.size // item, self.byte_order)


MACH_HEADER_64 = Layout("mach_header_64", (
    ("magic", "I"), ("cputype", "I"), ("cpusubtype", "I"), ("filetype", "I"),
    ("ncmds", "I"), ("sizeofcmds", "I"), ("flags", "I"), ("reserved", "I"),
))
FAT_HEADER = Layout("fat_header", (("magic", "I"), ("nfat_arch", "I")), order=">")
FAT_ARCH = Layout("fat_arch", (
    ("cputype", "I"), ("cpusubtype", "I"), ("offset", "I"), ("size", "I"), ("align", "I"),
), order=">")
LOAD_COMMAND = Layout("load_command", (("cmd", "I"), ("cmdsize", "I")))
SEGMENT_COMMAND_64 = Layout("segment_command_64", (
    ("cmd", "I"), ("cmdsize", "I"), ("segname", "16s"), ("vmaddr", "Q"), ("vmsize", "Q"),
    ("fileoff", "Q"), ("filesize", "Q"), ("maxprot", "I"), ("initprot", "I"), ("nsects", "I"), ("flags", "I"),
))
SECTION_64 = Layout("section_64", (
    ("sectname", "16s"), ("segname", "16s"), ("addr", "Q"), ("size", "Q"), ("offset", "I"), ("align", "I"),
    ("reloff", "I"), ("nreloc", "I"), ("flags", "I"), ("reserved1", "I"), ("reserved2", "I"), ("reserved3", "I"),
))
SYMTAB_COMMAND = Layout("symtab_command", (
    ("cmd", "I"), ("cmdsize", "I"), ("symoff", "I"), ("nsyms", "I"), ("stroff", "I"), ("strsize", "I"),
))
NLIST_64 = Layout("nlist_64", (("n_strx", "I"), ("n_type", "B"), ("n_sect", "B"), ("n_desc", "H"), ("n_value", "Q")))
DYSYMTAB_COMMAND = Layout("dysymtab_command", (
    ("cmd", "I"), ("cmdsize", "I"), ("ilocalsym", "I"), ("nlocalsym", "I"), ("iextdefsym", "I"), ("nextdefsym", "I"),
    ("iundefsym", "I"), ("nundefsym", "I"), ("tocoff", "I"), ("ntoc", "I"), ("modtaboff", "I"), ("nmodtab", "I"),
    ("extrefsymoff", "I"), ("nextrefsyms", "I"), ("indirectsymoff", "I"), ("nindirectsyms", "I"),
    ("extreloff", "I"), ("nextrel", "I"), ("locreloff", "I"), ("nlocrel", "I"),
))
DYLD_INFO_COMMAND = Layout("dyld_info_command", (
    ("cmd", "I"), ("cmdsize", "I"), ("rebase_off", "I"), ("rebase_size", "I"), ("bind_off", "I"),
    ("bind_size", "I"), ("weak_bind_off", "I"), ("weak_bind_size", "I"), ("lazy_bind_off", "I"),
    ("lazy_bind_size", "I"), ("export_off", "I"), ("export_size", "I"),
))
LINKEDIT_DATA_COMMAND = Layout("linkedit_data_command", (
    ("cmd", "I"), ("cmdsize", "I"), ("dataoff", "I"), ("datasize", "I"),
))
DYLD_CHAINED_FIXUPS_HEADER = Layout("dyld_chained_fixups_header", (
    ("fixups_version", "I"), ("starts_offset", "I"), ("imports_offset", "I"), ("symbols_offset", "I"),
    ("imports_count", "I"), ("imports_format", "I"), ("symbols_format", "I"),
))
DYLD_CHAINED_STARTS_IN_SEGMENT = Layout("dyld_chained_starts_in_segment", (
    ("size", "I"), ("page_size", "H"), ("pointer_format", "H"), ("segment_offset", "Q"),
    ("max_valid_pointer", "I"), ("page_count", "H"),
))

# magic numbers, as read little-endian from the first four bytes
MH_MAGIC_64 = 0xFEEDFACF
MH_MAGIC = 0xFEEDFACE
MH_CIGAM_64 = 0xCFFAEDFE  # big-endian 64-bit
MH_CIGAM = 0xCEFAEDFE
FAT_CIGAM = 0xBEBAFECA  # universal file (its headers are big-endian)
FAT_CIGAM_64 = 0xBFBAFECA

FILETYPES = {1: "object", 2: "execute", 6: "dylib", 8: "bundle"}

# load commands
LC_REQ_DYLD = 0x80000000
LC_SYMTAB = 0x2
LC_DYSYMTAB = 0xB
LC_SEGMENT_64 = 0x19
LC_DYLD_INFO = 0x22
LC_DYLD_INFO_ONLY = 0x22 | LC_REQ_DYLD
LC_DYLD_EXPORTS_TRIE = 0x33 | LC_REQ_DYLD
LC_DYLD_CHAINED_FIXUPS = 0x34 | LC_REQ_DYLD

# section flags
SECTION_TYPE = 0x000000FF
S_ZEROFILL = 0x1
S_NON_LAZY_SYMBOL_POINTERS = 0x6
S_LAZY_SYMBOL_POINTERS = 0x7
S_SYMBOL_STUBS = 0x8
S_GB_ZEROFILL = 0xC
S_THREAD_LOCAL_REGULAR = 0x11
S_THREAD_LOCAL_ZEROFILL = 0x12
S_THREAD_LOCAL_VARIABLES = 0x13
ZEROFILL_TYPES = frozenset({S_ZEROFILL, S_GB_ZEROFILL, S_THREAD_LOCAL_ZEROFILL})
TLS_TYPES = frozenset({S_THREAD_LOCAL_REGULAR, S_THREAD_LOCAL_ZEROFILL, S_THREAD_LOCAL_VARIABLES})
S_ATTR_PURE_INSTRUCTIONS = 0x80000000
S_ATTR_SOME_INSTRUCTIONS = 0x00000400

# nlist n_type
N_STAB = 0xE0
N_PEXT = 0x10
N_TYPE = 0x0E
N_EXT = 0x01
N_UNDF = 0x0
N_ABS = 0x2
N_SECT = 0xE
INDIRECT_SYMBOL_LOCAL = 0x80000000
INDIRECT_SYMBOL_ABS = 0x40000000

# rebase opcodes (high nibble) and immediates (low nibble)
REBASE_OPCODE_MASK = 0xF0
REBASE_IMMEDIATE_MASK = 0x0F
REBASE_OPCODE_DONE = 0x00
REBASE_OPCODE_SET_TYPE_IMM = 0x10
REBASE_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB = 0x20
REBASE_OPCODE_ADD_ADDR_ULEB = 0x30
REBASE_OPCODE_ADD_ADDR_IMM_SCALED = 0x40
REBASE_OPCODE_DO_REBASE_IMM_TIMES = 0x50
REBASE_OPCODE_DO_REBASE_ULEB_TIMES = 0x60
REBASE_OPCODE_DO_REBASE_ADD_ADDR_ULEB = 0x70
REBASE_OPCODE_DO_REBASE_ULEB_TIMES_SKIPPING_ULEB = 0x80
REBASE_TYPE_POINTER = 1

# bind opcodes
BIND_OPCODE_MASK = 0xF0
BIND_IMMEDIATE_MASK = 0x0F
BIND_OPCODE_DONE = 0x00
BIND_OPCODE_SET_DYLIB_ORDINAL_IMM = 0x10
BIND_OPCODE_SET_DYLIB_ORDINAL_ULEB = 0x20
BIND_OPCODE_SET_DYLIB_SPECIAL_IMM = 0x30
BIND_OPCODE_SET_SYMBOL_TRAILING_FLAGS_IMM = 0x40
BIND_OPCODE_SET_TYPE_IMM = 0x50
BIND_OPCODE_SET_ADDEND_SLEB = 0x60
BIND_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB = 0x70
BIND_OPCODE_ADD_ADDR_ULEB = 0x80
BIND_OPCODE_DO_BIND = 0x90
BIND_OPCODE_DO_BIND_ADD_ADDR_ULEB = 0xA0
BIND_OPCODE_DO_BIND_ADD_ADDR_IMM_SCALED = 0xB0
BIND_OPCODE_DO_BIND_ULEB_TIMES_SKIPPING_ULEB = 0xC0
BIND_OPCODE_THREADED = 0xD0
BIND_TYPE_POINTER = 1

# chained fixups (<mach-o/fixup-chains.h>)
DYLD_CHAINED_PTR_START_NONE = 0xFFFF
DYLD_CHAINED_PTR_START_MULTI = 0x8000
DYLD_CHAINED_PTR_64 = 2  # rebase target is a vmaddr
DYLD_CHAINED_PTR_64_OFFSET = 6  # rebase target is an offset from the image's first segment
DYLD_CHAINED_IMPORT = 1
DYLD_CHAINED_IMPORT_ADDEND = 2
DYLD_CHAINED_IMPORT_ADDEND64 = 3
