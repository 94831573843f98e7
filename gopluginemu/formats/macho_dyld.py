"""The rebase and bind opcode streams of ``LC_DYLD_INFO(_ONLY)``, decoded into fixup locations.

dyld runs these byte-code programs at load time (``ImageLoaderMachOCompressed.cpp``); here they are run
once over the whole stream, producing every location they touch. Addresses are link-time vmaddrs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Sequence

from gopluginemu.errors import CorruptFileError, UnsupportedArchError
from gopluginemu.formats import macho_layout as L

MASK64 = (1 << 64) - 1


@dataclass(frozen=True)
class Segment:
    """An ``LC_SEGMENT_64``: where it lives in memory and in the file."""

    name: str
    vmaddr: int
    vmsize: int
    fileoff: int
    filesize: int
    initprot: int


@dataclass(frozen=True)
class Bind:
    """One bind: store ``symbol`` (as the file spells it, with its ``_``) + ``addend`` at ``addr``."""

    addr: int
    symbol: str
    addend: int
    ordinal: int
    weak_import: bool


class _Stream:
    """A cursor over one opcode stream that raises CorruptFileError when it runs off the end."""

    def __init__(self, path: str, what: str, data: bytes) -> None:
        self.path, self.what, self.data, self.pos = path, what, data, 0

    def corrupt(self, why: str) -> CorruptFileError:
        return CorruptFileError(self.path, f"Mach-O {self.what} info: {why} at byte {self.pos}")

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise self.corrupt("truncated opcode stream")
        self.pos += 1
        return self.data[self.pos - 1]

    def leb(self, signed: bool) -> int:
        """An unsigned or signed LEB128 number."""
        data, pos = self.data, self.pos
        value = shift = 0
        while True:
            if pos >= len(data):
                self.pos = pos
                raise self.corrupt("truncated opcode stream")
            b = data[pos]
            pos += 1
            value |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                self.pos = pos
                return value - (1 << shift) if signed and b & 0x40 else value
            if shift > 70:
                self.pos = pos
                raise self.corrupt("LEB128 number too long")

    def uleb(self) -> int:
        data, pos = self.data, self.pos
        if pos + 1 < len(data):  # most are one or two bytes
            if data[pos] < 0x80:
                self.pos = pos + 1
                return data[pos]
            if data[pos + 1] < 0x80:
                self.pos = pos + 2
                return data[pos] & 0x7F | data[pos + 1] << 7
        return self.leb(signed=False)

    def sleb(self) -> int:
        return self.leb(signed=True)

    def cstring(self) -> str:
        end = self.data.find(b"\0", self.pos)
        if end < 0:
            raise self.corrupt("unterminated symbol name")
        name = self.data[self.pos:end].decode("utf-8", "replace")
        self.pos = end + 1
        return name


class _Cursor:
    """The current address of a stream, kept inside the segment it was set in."""

    def __init__(self, stream: _Stream, segments: Sequence[Segment], ptr_size: int, limit: int) -> None:
        self.stream, self.segments, self.ptr_size = stream, segments, ptr_size
        self.segment: Segment | None = None
        self.addr = 0
        self.left = limit  # no stream can name more locations than the file has words

    def set(self, index: int, offset: int) -> None:
        if index >= len(self.segments):
            raise self.stream.corrupt(f"segment index {index} out of range")
        self.segment = self.segments[index]
        self.addr = (self.segment.vmaddr + offset) & MASK64

    def advance(self, delta: int) -> None:
        self.addr = (self.addr + delta) & MASK64

    def take(self) -> int:
        """The current address, checked to be a whole pointer inside its segment."""
        seg = self.segment
        if seg is None:
            raise self.stream.corrupt("fixup before any segment was set")
        if not seg.vmaddr <= self.addr <= seg.vmaddr + seg.vmsize - self.ptr_size:
            raise self.stream.corrupt(f"address {self.addr:#x} outside segment {seg.name}")
        self.left -= 1
        if self.left < 0:
            raise self.stream.corrupt("more fixups than the file has pointer slots")
        return self.addr

    def run(self, count: int, step: int) -> Sequence[int]:
        """The addresses of ``count`` fixups ``step`` bytes apart from the current one, each checked as
        ``take`` checks it, leaving the cursor after the last: a range when the run lies in its segment,
        else taken one at a time (to fail where ``take`` does)."""
        step &= MASK64
        seg, first = self.segment, self.addr
        last = first + (count - 1) * step
        if (seg is None or not 0 < count <= self.left or not step or first < seg.vmaddr
                or last > min(MASK64, seg.vmaddr + seg.vmsize - self.ptr_size)):
            return [self._take_and_advance(step) for _ in range(count)]
        self.left -= count
        self.addr = (last + step) & MASK64
        return range(first, last + 1, step)

    def _take_and_advance(self, step: int) -> int:
        addr = self.take()
        self.advance(step)
        return addr


def rebases(path: str, data: bytes, segments: Sequence[Segment], ptr_size: int, limit: int) -> list[int]:
    """Every address the rebase stream ``data`` slides (all of type pointer). The opcodes are tested most
    frequent first: Go plugins' streams are mostly ADD_ADDR_IMM_SCALED and DO_REBASE_IMM_TIMES."""
    s = _Stream(path, "rebase", data)
    cur = _Cursor(s, segments, ptr_size, limit)
    out: list[int] = []
    while s.pos < len(data):
        b = data[s.pos]
        s.pos += 1
        op, imm = b & L.REBASE_OPCODE_MASK, b & L.REBASE_IMMEDIATE_MASK
        if op == L.REBASE_OPCODE_ADD_ADDR_IMM_SCALED:
            cur.addr = (cur.addr + imm * ptr_size) & MASK64
        elif op == L.REBASE_OPCODE_DO_REBASE_IMM_TIMES:
            out += cur.run(imm, ptr_size)
        elif op == L.REBASE_OPCODE_DO_REBASE_ADD_ADDR_ULEB:
            out.append(cur.take())
            cur.advance(s.uleb() + ptr_size)
        elif op == L.REBASE_OPCODE_DO_REBASE_ULEB_TIMES_SKIPPING_ULEB:
            count, skip = s.uleb(), s.uleb()
            out += cur.run(count, skip + ptr_size)
        elif op == L.REBASE_OPCODE_DO_REBASE_ULEB_TIMES:
            out += cur.run(s.uleb(), ptr_size)
        elif op == L.REBASE_OPCODE_ADD_ADDR_ULEB:
            cur.advance(s.uleb())
        elif op == L.REBASE_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB:
            cur.set(imm, s.uleb())
        elif op == L.REBASE_OPCODE_SET_TYPE_IMM:
            if imm != L.REBASE_TYPE_POINTER:
                raise s.corrupt(f"unsupported rebase type {imm}")
        elif op == L.REBASE_OPCODE_DONE:
            break
        else:
            raise s.corrupt(f"unknown rebase opcode {b:#x}")
    return out


def binds(path: str, what: str, data: bytes, segments: Sequence[Segment], ptr_size: int,
          limit: int) -> Iterator[Bind]:
    """Every location the bind stream ``data`` binds (``what``: "bind" or "lazy bind", for messages).

    The lazy stream is a run of independent records each ended by DONE; the others end at the first DONE.
    """
    s = _Stream(path, what, data)
    cur = _Cursor(s, segments, ptr_size, limit)
    lazy = what == "lazy bind"
    symbol, addend, ordinal, weak = "", 0, 0, False
    while s.pos < len(data):
        b = s.byte()
        op, imm = b & L.BIND_OPCODE_MASK, b & L.BIND_IMMEDIATE_MASK
        if op == L.BIND_OPCODE_DONE:
            if not lazy:
                return
        elif op == L.BIND_OPCODE_SET_DYLIB_ORDINAL_IMM:
            ordinal = imm
        elif op == L.BIND_OPCODE_SET_DYLIB_ORDINAL_ULEB:
            ordinal = s.uleb()
        elif op == L.BIND_OPCODE_SET_DYLIB_SPECIAL_IMM:
            ordinal = (imm | ~L.BIND_IMMEDIATE_MASK) if imm else 0  # 0, -1 main, -2 flat, -3 weak
        elif op == L.BIND_OPCODE_SET_SYMBOL_TRAILING_FLAGS_IMM:
            symbol, weak = s.cstring(), bool(imm & 0x1)
        elif op == L.BIND_OPCODE_SET_TYPE_IMM:
            if imm != L.BIND_TYPE_POINTER:
                raise s.corrupt(f"unsupported bind type {imm}")
        elif op == L.BIND_OPCODE_SET_ADDEND_SLEB:
            addend = s.sleb()
        elif op == L.BIND_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB:
            cur.set(imm, s.uleb())
        elif op == L.BIND_OPCODE_ADD_ADDR_ULEB:
            cur.advance(s.uleb())
        elif op == L.BIND_OPCODE_DO_BIND:
            yield Bind(cur.take(), symbol, addend, ordinal, weak)
            cur.advance(ptr_size)
        elif op == L.BIND_OPCODE_DO_BIND_ADD_ADDR_ULEB:
            yield Bind(cur.take(), symbol, addend, ordinal, weak)
            cur.advance(s.uleb() + ptr_size)
        elif op == L.BIND_OPCODE_DO_BIND_ADD_ADDR_IMM_SCALED:
            yield Bind(cur.take(), symbol, addend, ordinal, weak)
            cur.advance(imm * ptr_size + ptr_size)
        elif op == L.BIND_OPCODE_DO_BIND_ULEB_TIMES_SKIPPING_ULEB:
            count, skip = s.uleb(), s.uleb()
            for _ in range(count):
                yield Bind(cur.take(), symbol, addend, ordinal, weak)
                cur.advance(skip + ptr_size)
        elif op == L.BIND_OPCODE_THREADED:
            raise UnsupportedArchError(path, "Mach-O threaded binds (arm64e) are not supported")
        else:
            raise s.corrupt(f"unknown bind opcode {b:#x}")


def export_names(path: str, data: bytes) -> set[str]:
    """Every name in the export trie ``data`` (as the file spells it, with its ``_``)."""
    s = _Stream(path, "export", data)
    names: list[bytes] = []
    seen: set[int] = set()
    todo = [(0, b"")] if data else []
    while todo:
        node, prefix = todo.pop()
        if node in seen or node >= len(data):
            raise s.corrupt(f"export trie node {node} repeated or out of range")
        seen.add(node)
        s.pos = node
        info_size = s.uleb()
        if info_size:
            names.append(prefix)
        s.pos += info_size
        for _ in range(s.byte()):
            end = data.find(b"\0", s.pos)
            if end < 0:
                raise s.corrupt("unterminated export edge")
            label = data[s.pos:end]
            s.pos = end + 1
            todo.append((s.uleb(), prefix + label))
    return {name.decode("utf-8", "replace") for name in names}
