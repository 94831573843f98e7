"""``LC_DYLD_CHAINED_FIXUPS``: a darwin plugin's rebase/bind opcodes re-encoded as chained fixups (what
Apple's ld writes by default since macOS 12), read back and checked against LIEF and against the original."""

from __future__ import annotations

import struct

import lief
import pytest

from corpus import matrix
from gopluginemu.formats import macho_layout as L
from gopluginemu.formats.macho import MachOFile
from gopluginemu.gometa import GoBinary
from tests.conftest import DARWIN_TARGETS, built_plugin

PAGE = 0x4000


def _commands(data: bytes):
    hdr = L.MACH_HEADER_64.unpack(data, 0)
    off = L.MACH_HEADER_64.size
    for _ in range(hdr.ncmds):
        lc = L.LOAD_COMMAND.unpack(data, off)
        yield off, lc
        off += lc.cmdsize


def _chain_word(fixup: tuple, next_delta: int, image_base: int) -> int:
    word = (next_delta // 4) << 51
    if fixup[0] == "bind":
        return word | 1 << 63 | fixup[1]
    target = fixup[1]
    return word | (target >> 56) << 36 | ((target & ((1 << 56) - 1)) - image_base)


def to_chained(data: bytes, obj: MachOFile) -> bytes:
    """The file with LC_DYLD_INFO_ONLY replaced by an equivalent LC_DYLD_CHAINED_FIXUPS (DYLD_CHAINED_PTR_64_OFFSET,
    DYLD_CHAINED_IMPORT), its blob appended to __LINKEDIT."""
    out = bytearray(data)
    imports: dict[str, int] = {}
    fixups: dict[int, tuple] = {r.offset: ("rebase", r.addend) for r in obj.relocations if r.kind == "relative"}
    for r in obj.relocations:
        if r.kind != "relative":  # a lazy pointer is rebased and bound; a chain entry is one or the other
            fixups[r.offset] = ("bind", imports.setdefault(r.symbol, len(imports)))
    image_base = obj.segments[0].vmaddr
    seg_infos = []
    for seg in obj.segments:
        mine = sorted(a for a in fixups if seg.vmaddr <= a < seg.vmaddr + seg.vmsize)
        if not mine:
            seg_infos.append(None)
            continue
        pages = [0xFFFF] * ((seg.vmsize + PAGE - 1) // PAGE)
        for i, addr in enumerate(mine):
            page = (addr - seg.vmaddr) // PAGE
            if pages[page] == 0xFFFF:
                pages[page] = (addr - seg.vmaddr) % PAGE
            nxt = mine[i + 1] if i + 1 < len(mine) and (mine[i + 1] - seg.vmaddr) // PAGE == page else addr
            struct.pack_into("<Q", out, seg.fileoff + addr - seg.vmaddr, _chain_word(fixups[addr], nxt - addr, image_base))
        info = struct.pack("<IHHQIH", 0, PAGE, L.DYLD_CHAINED_PTR_64_OFFSET, seg.vmaddr - image_base, 0, len(pages))
        info += struct.pack(f"<{len(pages)}H", *pages)
        seg_infos.append(struct.pack("<I", len(info)) + info[4:])
    starts = struct.pack("<I", len(seg_infos))
    body, offsets = b"", []
    base = 4 + 4 * len(seg_infos)
    for info in seg_infos:
        offsets.append(0 if info is None else base + len(body))
        body += (info or b"") + b"\0" * (-len(info or b"") % 8)
    starts += struct.pack(f"<{len(offsets)}I", *offsets) + body
    names = b"\0" + b"".join(b"_" + n.encode() + b"\0" for n in imports)
    name_offs, pos = [], 1
    for n in imports:
        name_offs.append(pos)
        pos += len(n) + 2
    import_table = b"".join(struct.pack("<I", 1 | off << 9) for off in name_offs)  # every import from dylib #1
    starts_off = 32
    imports_off = starts_off + len(starts)
    symbols_off = imports_off + len(import_table)
    blob = struct.pack("<7I", 0, starts_off, imports_off, symbols_off, len(imports), L.DYLD_CHAINED_IMPORT, 0)
    blob += b"\0" * 4 + starts + import_table + names
    blob += b"\0" * (-len(blob) % 8)
    out += b"\0" * (-len(out) % 8)
    dataoff = len(out)
    out += blob
    for off, lc in _commands(data):
        if lc.cmd == L.LC_DYLD_INFO_ONLY:
            out[off:off + lc.cmdsize] = struct.pack("<4I", L.LC_DYLD_CHAINED_FIXUPS, lc.cmdsize, dataoff, len(blob)).ljust(lc.cmdsize, b"\0")
        elif lc.cmd == L.LC_SEGMENT_64 and L.SEGMENT_COMMAND_64.unpack(data, off).segname.rstrip(b"\0") == b"__LINKEDIT":
            seg = L.SEGMENT_COMMAND_64.unpack(data, off)
            size = len(out) - seg.fileoff
            struct.pack_into("<QQQQ", out, off + 24, seg.vmaddr, (size + PAGE - 1) // PAGE * PAGE, seg.fileoff, size)
    return bytes(out)


@pytest.fixture(scope="module", params=DARWIN_TARGETS)
def files(request, tmp_path_factory):
    path = built_plugin(matrix.GO_VERSIONS[-1], request.param, "hello")
    original = MachOFile(str(path), path.read_bytes())
    chained_path = tmp_path_factory.mktemp("chained") / "hello.so"
    chained_path.write_bytes(to_chained(original.data, original))
    return original, MachOFile(str(chained_path), chained_path.read_bytes()), lief.parse(str(chained_path))


def test_lief_sees_chained_fixups(files):
    _, chained, ref = files
    assert ref.has_dyld_chained_fixups and not ref.has_dyld_info
    ours = {r.offset: r.addend for r in chained.relocations if r.kind == "relative"}
    theirs = {r.address: r.target for r in ref.relocations if r.origin == lief.MachO.Relocation.ORIGIN.CHAINED_FIXUPS}
    assert ours == theirs
    binds = sorted((r.offset, r.symbol) for r in chained.relocations if r.kind != "relative")
    ref_binds = sorted((b.address, b.symbol.name[1:]) for b in ref.dyld_chained_fixups.bindings)
    assert binds == ref_binds


def test_pointers_equal_the_opcode_version(files):
    original, chained, _ = files
    addrs = {r.offset for r in original.relocations}
    assert {r.offset for r in chained.relocations} == addrs
    for addr in addrs:
        assert chained.pointer(addr) == original.pointer(addr)


def test_go_metadata_reads_the_same(files):
    original, chained, _ = files
    a, b = GoBinary(original), GoBinary(chained)
    assert b.moduledata == a.moduledata
    assert {n: str(e) for n, e in b.exports.items()} == {n: str(e) for n, e in a.exports.items()}


def test_emulator_runs_the_chained_file(files):
    """Loading binds every chain entry: the re-encoded plugin runs its inits and answers as the original."""
    from gopluginemu.api import Session

    original, chained, _ = files
    answers = []
    for obj in (original, chained):
        p = Session().open(obj.path)
        answers.append((p.lookup("Counter").load(), p.lookup("Greet")("chains"), p.lookup("Add")(40, 2)))
        p.close()
    assert answers[1] == answers[0] == (42, "hello, chains", 42)
