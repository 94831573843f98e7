"""``LC_DYLD_CHAINED_FIXUPS``: the per-page pointer chains newer Apple linkers write instead of opcodes.

Each fixup location holds an encoded 64-bit word (``<mach-o/fixup-chains.h>``): a rebase target or an
import ordinal plus the distance to the next fixup on the page. Only the 64-bit formats that non-arm64e
user code uses are decoded (``DYLD_CHAINED_PTR_64`` and ``DYLD_CHAINED_PTR_64_OFFSET``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any, Sequence

from gopluginemu.errors import CorruptFileError, UnsupportedArchError
from gopluginemu.formats import macho_layout as L
from gopluginemu.formats.base import FileBytes
from gopluginemu.formats.macho_dyld import Bind, Segment

_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_I32 = struct.Struct("<i")


@dataclass
class ChainedFixups:
    """What the chains say: rebased locations with their targets, and binds."""

    rebases: dict[int, int] = field(default_factory=dict)  # address -> target vmaddr
    binds: list[Bind] = field(default_factory=list)


@dataclass(frozen=True)
class _Import:
    name: str
    ordinal: int
    weak: bool
    addend: int


def _corrupt(path: str, why: str) -> CorruptFileError:
    return CorruptFileError(path, f"Mach-O chained fixups: {why}")


def _cstring(path: str, blob: bytes, offset: int) -> str:
    end = blob.find(b"\0", offset)
    if offset >= len(blob) or end < 0:
        raise _corrupt(path, f"symbol name offset {offset} out of range")
    return blob[offset:end].decode("utf-8", "replace")


def _imports(path: str, blob: bytes, hdr: Any) -> list[_Import]:
    if hdr.symbols_format != 0:
        raise _corrupt(path, f"unsupported symbols format {hdr.symbols_format}")
    entry = {L.DYLD_CHAINED_IMPORT: 4, L.DYLD_CHAINED_IMPORT_ADDEND: 8, L.DYLD_CHAINED_IMPORT_ADDEND64: 16}
    size = entry.get(hdr.imports_format)
    if size is None:
        raise _corrupt(path, f"unknown imports format {hdr.imports_format}")
    if hdr.imports_offset + hdr.imports_count * size > len(blob):
        raise _corrupt(path, "import table runs past the end")
    names = blob[hdr.symbols_offset:]
    out: list[_Import] = []
    for i in range(hdr.imports_count):
        at = hdr.imports_offset + i * size
        if hdr.imports_format == L.DYLD_CHAINED_IMPORT_ADDEND64:
            raw, addend = _U64.unpack_from(blob, at)[0], _U64.unpack_from(blob, at + 8)[0]
            ordinal, weak, name_off = raw & 0xFFFF, bool(raw >> 16 & 1), raw >> 32
            ordinal = ordinal - 0x10000 if ordinal > 0xFFF0 else ordinal
        else:
            raw = _U32.unpack_from(blob, at)[0]
            addend = _I32.unpack_from(blob, at + 4)[0] if size == 8 else 0
            ordinal, weak, name_off = raw & 0xFF, bool(raw >> 8 & 1), raw >> 9
            ordinal = ordinal - 0x100 if ordinal > 0xF0 else ordinal
        out.append(_Import(_cstring(path, names, name_off), ordinal, weak, addend))
    return out


def decode(path: str, data: FileBytes, blob_offset: int, blob_size: int, segments: Sequence[Segment]) -> ChainedFixups:
    """Walk every chain of the fixups blob at ``blob_offset`` in the file ``data``."""
    blob = data[blob_offset:blob_offset + blob_size]
    try:
        hdr = L.DYLD_CHAINED_FIXUPS_HEADER.unpack(blob, 0)
        imports = _imports(path, blob, hdr)
        (seg_count,) = _U32.unpack_from(blob, hdr.starts_offset)
        if seg_count > len(segments):
            raise _corrupt(path, f"{seg_count} segments listed, the file has {len(segments)}")
        starts = [_U32.unpack_from(blob, hdr.starts_offset + 4 + 4 * i)[0] for i in range(seg_count)]
    except struct.error as exc:
        raise _corrupt(path, f"truncated header ({exc})") from None
    image_base = segments[0].vmaddr if segments else 0
    out = ChainedFixups()
    for seg, info_off in zip(segments, starts):
        if info_off:
            _walk_segment(path, data, blob, hdr.starts_offset + info_off, seg, image_base, imports, out)
    return out


def _walk_segment(path: str, data: FileBytes, blob: bytes, at: int, seg: Segment, image_base: int,
                  imports: list[_Import], out: ChainedFixups) -> None:
    try:
        info = L.DYLD_CHAINED_STARTS_IN_SEGMENT.unpack(blob, at)
        pages = [_U16.unpack_from(blob, at + L.DYLD_CHAINED_STARTS_IN_SEGMENT.size + 2 * i)[0]
                 for i in range(info.page_count)]
    except struct.error as exc:
        raise _corrupt(path, f"truncated segment starts for {seg.name} ({exc})") from None
    if info.pointer_format not in (L.DYLD_CHAINED_PTR_64, L.DYLD_CHAINED_PTR_64_OFFSET):
        raise UnsupportedArchError(path, f"Mach-O chained pointer format {info.pointer_format} is not supported")
    if not info.page_size or (info.page_count - 1) * info.page_size >= max(seg.vmsize, 1):
        raise _corrupt(path, f"{info.page_count} pages of {info.page_size} bytes do not fit segment {seg.name}")
    end = seg.fileoff + seg.filesize
    for index, start in enumerate(pages):
        if start == L.DYLD_CHAINED_PTR_START_NONE:
            continue
        if start & L.DYLD_CHAINED_PTR_START_MULTI:
            raise _corrupt(path, f"multi-start page in {seg.name} (a 32-bit format)")
        if start >= info.page_size:
            raise _corrupt(path, f"chain start {start} outside page {index} of segment {seg.name}")
        delta = index * info.page_size + start
        while True:
            off = seg.fileoff + delta
            if off + 8 > end or off + 8 > len(data):
                raise _corrupt(path, f"chain runs outside segment {seg.name}")
            raw = _U64.unpack_from(data, off)[0]
            addr = seg.vmaddr + delta
            if raw >> 63:
                ordinal = raw & 0xFFFFFF
                if ordinal >= len(imports):
                    raise _corrupt(path, f"import ordinal {ordinal} out of range")
                imp = imports[ordinal]
                out.binds.append(Bind(addr, imp.name, imp.addend + (raw >> 24 & 0xFF), imp.ordinal, imp.weak))
            else:
                target = raw & 0xF_FFFF_FFFF
                if info.pointer_format == L.DYLD_CHAINED_PTR_64_OFFSET:
                    target += image_base
                out.rebases[addr] = target | (raw >> 36 & 0xFF) << 56
            step = raw >> 51 & 0xFFF
            if not step:
                break
            delta += 4 * step
            if delta // info.page_size != index:  # a chain stays on its page, so each word is walked once
                raise _corrupt(path, f"chain leaves page {index} of segment {seg.name}")
