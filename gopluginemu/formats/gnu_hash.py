"""ELF ``.gnu.hash``: find a defined dynamic symbol by name as the dynamic linker does, without
decoding the symbol table's other names (the GNU hash layout of binutils and glibc's ld.so)."""

from __future__ import annotations

import struct
from array import array
from functools import lru_cache
from typing import Literal

from gopluginemu.formats import bulk
from gopluginemu.formats.strtab import StringTable

SHT_GNU_HASH = 0x6FFFFFF6
HEADER = "IIII"  # nbuckets symoffset bloom_size bloom_shift; then bloom words, buckets, chain (u32 hash values)


@lru_cache(maxsize=4096)  # the runtime's names are looked up again in every plugin a process opens
def gnu_hash(name: bytes) -> int:
    """The GNU hash of a symbol name (h = h * 33 + c from 5381, 32-bit)."""
    h = 5381
    for c in name:
        h = (h * 33 + c) & 0xFFFFFFFF
    return h


class GnuHash:
    """A ``.gnu.hash`` table over a symbol table whose names are at ``name_offsets`` of ``strings``."""

    def __init__(self, buckets: array, chain: array, symoffset: int, name_offsets: array, strings: StringTable) -> None:
        self.buckets = buckets
        self.chain = chain
        self.symoffset = symoffset
        self.name_offsets = name_offsets
        self.strings = strings

    @staticmethod
    def parse(raw: bytes, word: int, byte_order: Literal["little", "big"], name_offsets: array,
              strings: StringTable) -> GnuHash | None:
        """The table in a section's bytes, or None when they do not hold one consistent with a table
        of ``len(name_offsets)`` symbols (a reader then decodes every name instead)."""
        header = struct.calcsize(HEADER)
        if len(raw) < header:
            return None
        nbuckets, symoffset, bloom_size, _ = struct.unpack_from(("<" if byte_order == "little" else ">") + HEADER, raw)
        start = header + bloom_size * word
        hashed = len(name_offsets) - symoffset
        if nbuckets == 0 or hashed < 0 or len(raw) < start + 4 * (nbuckets + hashed):
            return None
        buckets = bulk.words(raw[start : start + 4 * nbuckets], "I", byte_order)
        chain = bulk.words(raw[start + 4 * nbuckets : start + 4 * (nbuckets + hashed)], "I", byte_order)
        return GnuHash(buckets, chain, symoffset, name_offsets, strings)

    def find(self, name: bytes) -> int | None:
        """The index of the symbol named ``name`` (only defined symbols are hashed), or None."""
        h = gnu_hash(name)
        i = self.buckets[h % len(self.buckets)]
        if i < self.symoffset:  # 0: an empty bucket (a start below symoffset: a corrupt one)
            return None
        chain, offsets, strings = self.chain, self.name_offsets, self.strings
        for k in range(i - self.symoffset, len(chain)):
            other = chain[k]
            if other | 1 == h | 1 and strings.holds(offsets[k + self.symoffset], name):
                return k + self.symoffset
            if other & 1:  # the last symbol of this bucket's chain
                return None
        return None
