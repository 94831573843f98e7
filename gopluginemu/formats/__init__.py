"""Object file readers behind one interface; ``open_object`` picks the reader by magic number."""

from __future__ import annotations

import os
import struct

from gopluginemu.errors import BadMagicError, CorruptFileError, GoPluginError, UnreadableFileError
from gopluginemu.formats.base import ObjectFile, Relocation, Section, Symbol

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
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise UnreadableFileError(str(path), exc.strerror or type(exc).__name__) from None


def open_object(path: str | os.PathLike[str]) -> ObjectFile:
    """Open an ELF or Mach-O file, choosing the reader by its magic number."""
    path = os.fspath(path)
    data = read_file(path)
    magic = data[:4]
    try:
        if magic == ELF_MAGIC:
            from gopluginemu.formats.elf import ELFFile

            return ELFFile(path, data)
        if magic in MACHO_MAGICS:
            from gopluginemu.formats.macho import MachOFile

            return MachOFile(path, data)
    except GoPluginError:
        raise
    except (struct.error, IndexError, ValueError, KeyError, OverflowError) as exc:
        raise CorruptFileError(path, f"corrupt headers ({exc})") from None
    raise BadMagicError(path, magic)


__all__ = ["ObjectFile", "Relocation", "Section", "Symbol", "open_object", "read_file"]
