"""Object file readers behind one interface; ``open_object`` picks the reader by magic number."""

from __future__ import annotations

import os
import struct

from gopluginemu.errors import BadMagicError, CorruptFileError, GoPluginError, UnreadableFileError
from gopluginemu.formats import tables
from gopluginemu.formats.base import ObjectFile, Relocation, Section, Symbol
from gopluginemu.formats.elf import ELFFile
from gopluginemu.formats.macho import MachOFile

ELF_MAGIC = b"\x7fELF"
MACHO_MAGICS = (
    b"\xcf\xfa\xed\xfe",  # MH_MAGIC_64, little-endian
    b"\xfe\xed\xfa\xcf",  # MH_MAGIC_64, big-endian
    b"\xce\xfa\xed\xfe",  # MH_MAGIC, little-endian
    b"\xfe\xed\xfa\xce",  # MH_MAGIC, big-endian
    b"\xca\xfe\xba\xbe",  # FAT_MAGIC
)


def read_file(path: str | os.PathLike[str]) -> bytes:
    """The whole file; a missing or unreadable file raises ``UnreadableFileError``."""
    return _read(path)[0]


def _read(path: str | os.PathLike[str]) -> tuple[bytes, tables.Identity | None]:
    """The whole file, and its identity if it did not change while it was read."""
    try:
        with open(path, "rb") as f:
            before = os.fstat(f.fileno())
            data = f.read()
            after = os.fstat(f.fileno())
    except OSError as exc:
        raise UnreadableFileError(str(path), exc.strerror or type(exc).__name__) from None
    key = tables.identity(os.fspath(path), before)
    unchanged = key == tables.identity(os.fspath(path), after) and len(data) == after.st_size
    return data, key if unchanged else None


def open_object(path: str | os.PathLike[str]) -> ObjectFile:
    """Open an ELF or Mach-O file, choosing the reader by its magic number; tables decoded from the
    same unchanged file before are taken from ``tables`` instead of being decoded again."""
    path = os.fspath(path)
    data, key = _read(path)
    obj = _reader(path, data)
    obj.tables = tables.entry(key)
    return obj


def _reader(path: str, data: bytes) -> ObjectFile:
    magic = data[:4]
    try:
        if magic == ELF_MAGIC:
            return ELFFile(path, data)
        if magic in MACHO_MAGICS:
            return MachOFile(path, data)
    except GoPluginError:
        raise
    except (struct.error, IndexError, ValueError, KeyError, OverflowError) as exc:
        raise CorruptFileError(path, f"corrupt headers ({exc})") from None
    raise BadMagicError(path, magic)


__all__ = ["ObjectFile", "Relocation", "Section", "Symbol", "open_object", "read_file"]
