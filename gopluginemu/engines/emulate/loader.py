"""Map an object file into the emulated address space and apply its dynamic relocations.

The image binds to itself, as if it were the only object in the process: a symbol it
defines resolves to its own copy, an imported C function to an import stub the runtime
services answer, and its TLS reference to the emulator's TLS block. Each relocation kind's
meaning is defined once, in ``RELOCATIONS``.
"""

from __future__ import annotations

import mmap
import struct
from collections import deque
from dataclasses import dataclass, field
from itertools import repeat
from typing import Callable, Iterable, Mapping, Sequence

from gopluginemu.engines.emulate.cpu import CPU
from gopluginemu.engines.emulate.memory import PAGE, map_in_place, page_up
from gopluginemu.errors import CorruptFileError
from gopluginemu.formats.base import ObjectFile
from gopluginemu.formats.name_search import NamePatterns
from gopluginemu.hostmem import anonymous_memory, huge_page_memory


@dataclass
class Image:
    """One object mapped at ``base``: ``addr(name)`` gives a symbol's live address."""

    obj: ObjectFile
    base: int
    size: int
    defined: Mapping[str, int]  # symbol name -> link-time value
    # link-time value of a function -> bytes to its local entry, where direct calls land
    # (ppc64 only; empty elsewhere)
    local_entries: dict[int, int] = field(default_factory=dict)
    functions: dict[str, int] = field(default_factory=dict)  # see add_functions
    # the host memory Unicorn maps the image from (and reads and writes in place): it must
    # outlive the Unicorn engine; ``release`` lets it go once that engine is closed
    memory: mmap.mmap | None = None

    def addr(self, name: str) -> int | None:
        value = self.defined.get(name)
        if value is None and self.functions:
            # the function table names ABI0 assembly without the linker's ".abi0"
            value = self.functions.get(name[:-5] if name.endswith(".abi0") else name)
        return None if value is None else self.base + value

    def function_names_matching(self, patterns: NamePatterns) -> list[str]:
        """The names ``addr`` knows that are functions' (what the runtime services may hook) and that
        one of ``patterns`` matches."""
        defined = [name for name, _ in self.obj.defined_matching(patterns, functions=True)]
        return [*defined, *patterns.names_in(self.functions)]

    def add_functions(self, functions: Iterable[tuple[str, int]]) -> None:
        """Name the functions a symbol table lacks (a stripped Mach-O keeps only its exports) from
        Go's function table: (name, link-time entry) pairs. A name the table gives twice (a Go
        function and its ABI wrapper, or two closures) stays unnamed rather than guessed."""
        seen: dict[str, int | None] = {}
        for name, entry in functions:
            seen[name] = entry if name not in seen else None
        self.functions = {n: e for n, e in seen.items() if e is not None and n not in self.defined}

    def local_entry(self, addr: int) -> int:
        """Where every call of the function whose (global) entry is ``addr`` passes: ``addr`` itself,
        or on ppc64 the local entry after the TOC set-up that callers in the module skip."""
        return addr + self.local_entries.get(addr - self.base, 0)

    def contains(self, addr: int) -> bool:
        return self.base <= addr < self.base + self.size

    def release(self) -> None:
        """Free the image's host memory; only after the Unicorn engine it is mapped into is closed."""
        self.memory = None


def map_image(
    cpu: CPU,
    obj: ObjectFile,
    base: int,
    resolve_import: Callable[[str], int],
    tls_offset: Callable[[int], int],
) -> Image:
    """Map ``obj`` at ``base`` with relocations applied; ``resolve_import(name)`` gives the address an
    undefined symbol binds to and ``tls_offset(value)`` the thread-pointer offset of a TLS symbol."""
    ranges = obj.load_ranges
    if not ranges:
        raise CorruptFileError(obj.path, "no loadable segments")
    lo = ranges[0][0] & ~(PAGE - 1)
    if lo != 0:
        raise CorruptFileError(obj.path, f"first segment at {lo:#x}: a shared object's start at 0")
    hi = page_up(max(a + n for a, n in ranges))
    image = _host_memory(hi)  # Unicorn maps it in place (its first ``hi`` bytes: it may be longer)
    for addr, data in obj.file_ranges:
        image[addr : addr + len(data)] = data
    _relocate(obj, image, hi, base, resolve_import, tls_offset)
    map_in_place(cpu.uc, base, image, hi)
    return Image(obj, base, hi, obj.defined, obj.local_entries, memory=image)


def _host_memory(size: int) -> mmap.mmap:
    """At least ``size`` zeroed, page-aligned bytes of host memory: fresh pages from the OS, whole
    huge pages where the OS offers them (``hostmem``), else ``size`` bytes faulted in at once where
    Linux offers MAP_POPULATE.
    Taking them from the Python heap instead made an open cost 0.5 to 3.5 ms more or less, as
    malloc happened to reuse freed memory or not."""
    if not hasattr(mmap, "MAP_POPULATE"):  # Windows, macOS: no huge pages either
        return anonymous_memory(size)
    memory = huge_page_memory(size)
    if memory is not None:
        return memory
    return mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | mmap.MAP_POPULATE)


def _relocate(obj: ObjectFile, image: mmap.mmap, size: int, base: int, resolve_import: Callable[[str], int],
              tls_offset: Callable[[int], int]) -> None:
    """Store every relocation's value (``RELOCATIONS``) into ``image`` (link-time addresses; its first
    ``size`` bytes are the image, the rest is spare memory no relocation may patch): the
    file's values at base 0 moved to ``base``, stored in bulk in file order (or the span they
    patched copied from the file's ``tables``, see ``_relocated_span``), then the few that bind an
    import or a TLS offset worked out one by one (imports resolved in order of first use) and
    stored where no later relocation overwrites them."""
    table = obj.relocation_table
    if not len(table):
        return
    _relocated_span(obj, image, size, base)
    names, defined, last = table.names, obj.defined, obj.relocation_index
    late_offsets, late_values = [], []
    for i in obj.late_relocations:
        name = names[table.symbols[i]]
        if table.adds_to(i) == "T":
            value = None if name is None else defined.get(name)
            operand = 0 if value is None else tls_offset(value)
        else:
            operand = 0 if name is None else resolve_import(name)
        if last.get(table.offsets[i]) == i:
            late_offsets.append(table.offsets[i])
            late_values.append(operand + table.addends[i])
    _store(obj, image, late_offsets, lambda: late_values)


def _relocated_span(obj: ObjectFile, image: mmap.mmap, size: int, base: int) -> None:
    """Store each relocation's value at ``base`` (``relocation_values_at(base)``) into
    ``image``, which holds the file's bytes. The bytes from the first patched word to the last
    then depend on the file and ``base`` alone, so the file's ``tables`` keep them (a few hundred
    KiB) and the next image of the same file at the same base copies them instead."""
    key = f"relocated span at {base:#x}"
    span = obj.tables.get(key)
    if span is not None:
        start, data = span
        image[start : start + len(data)] = data
        return
    offsets = obj.relocation_table.offsets
    start, end = min(offsets), max(offsets) + obj.ptr_size
    if end > size:
        raise CorruptFileError(obj.path, f"relocation at {end - obj.ptr_size:#x} outside the image")
    _store(obj, image, offsets, lambda: obj.relocation_values_at(base))
    obj.tables[key] = (start, bytes(image[start:end]))


def _store(obj: ObjectFile, image: mmap.mmap | bytearray, offsets: Sequence[int], values: Callable[[], Iterable[int]]) -> None:
    """Store the pointer-sized words ``values()`` gives at ``offsets`` of ``image`` in the file's byte
    order, in order; a value outside the word's range wraps as the word store would (checked only on
    failure: then ``values()`` is asked again)."""
    word = obj.ptr_size
    store = struct.Struct(("<" if obj.byte_order == "little" else ">") + ("Q" if word == 8 else "I")).pack_into
    try:
        deque(map(store, repeat(image), offsets, values()), 0)
    except struct.error:
        bad = next((o for o in offsets if o > len(image) - word), None)
        if bad is not None:
            raise CorruptFileError(obj.path, f"relocation at {bad:#x} outside the image") from None
        mask = (1 << 8 * word) - 1
        deque(map(store, repeat(image), offsets, map(mask.__and__, values())), 0)
