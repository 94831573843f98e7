"""Typed reads from an object file's memory image: integers, pointers, Go strings and slices."""

from __future__ import annotations

from gopluginemu.errors import CorruptFileError
from gopluginemu.formats.base import ObjectFile

MAX_GO_STRING = 1 << 24  # sanity bound: no metadata string comes near this


class Memory:
    """Reads little- or big-endian values at link-time addresses, pointers with relocations applied."""

    def __init__(self, obj: ObjectFile) -> None:
        self.obj = obj
        self.order = obj.byte_order
        self.ptr_size = obj.ptr_size

    def bytes(self, addr: int, size: int) -> bytes:
        return self.obj.read(addr, size)

    def uint(self, addr: int, size: int) -> int:
        return int.from_bytes(self.obj.read(addr, size), self.order)

    def int(self, addr: int, size: int) -> int:
        return int.from_bytes(self.obj.read(addr, size), self.order, signed=True)

    def ptr(self, addr: int) -> int:
        return self.obj.pointer(addr)

    def slice(self, addr: int) -> tuple[int, int]:
        """(data pointer, length) of the slice header at ``addr``."""
        return self.ptr(addr), self.uint(addr + self.ptr_size, self.ptr_size)

    def table(self, slice_: tuple[int, int], entry_size: int) -> tuple[int, int]:
        """(address, count) of a slice's table, after checking it lies in mapped memory
        (so a corrupt length fails at once instead of looping)."""
        data, count = slice_
        if count:
            self.bytes(data, count * entry_size)
        return data, count

    def string(self, addr: int) -> bytes:
        """The bytes of the Go string header at ``addr``."""
        data, length = self.slice(addr)
        if length > MAX_GO_STRING:
            raise CorruptFileError(self.obj.path, f"implausible string length {length} at {addr:#x}")
        return self.bytes(data, length) if length else b""

    def uvarint(self, addr: int) -> tuple[int, int]:
        """(value, address after it) of the unsigned LEB128 varint at ``addr``."""
        value, shift = 0, 0
        while True:
            b = self.uint(addr, 1)
            addr += 1
            value |= (b & 0x7F) << shift
            if not b & 0x80:
                return value, addr
            shift += 7
            if shift > 63:
                raise CorruptFileError(self.obj.path, f"varint too long at {addr:#x}")
