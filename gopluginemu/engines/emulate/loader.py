"""Map an object file into the emulated address space and apply its dynamic relocations.

The image binds to itself, as if it were the only object in the process: a symbol it
defines resolves to its own copy, an imported C function to an import stub the runtime
services answer, and its TLS reference to the emulator's TLS block. Each relocation kind's
meaning is defined once, in ``RELOCATIONS``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from unicorn import UC_PROT_ALL

from gopluginemu.engines.emulate.cpu import CPU
from gopluginemu.engines.emulate.memory import PAGE, page_up
from gopluginemu.errors import CorruptFileError
from gopluginemu.formats.base import ObjectFile, Relocation


@dataclass
class Image:
    """One object mapped at ``base``: ``addr(name)`` gives a symbol's live address."""

    obj: ObjectFile
    base: int
    size: int
    defined: dict[str, int]  # symbol name -> link-time value
    # link-time value of a function -> bytes to its local entry, where direct calls land
    # (ppc64 only; empty elsewhere)
    local_entries: dict[int, int] = field(default_factory=dict)
    functions: dict[str, int] = field(default_factory=dict)  # see add_functions

    def addr(self, name: str) -> int | None:
        value = self.defined.get(name)
        if value is None and self.functions:
            # the function table names ABI0 assembly without the linker's ".abi0"
            value = self.functions.get(name[:-5] if name.endswith(".abi0") else name)
        return None if value is None else self.base + value

    def names(self) -> Iterable[str]:
        """Every name ``addr`` knows."""
        return [*self.defined, *self.functions]

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


# kind -> value stored at the relocated word, from (S: symbol address, A: addend, B: base, T: TLS offset of S)
RELOCATIONS: dict[str, Callable[[int, int, int, int], int]] = {
    "relative": lambda S, A, B, T: B + A,
    "abs": lambda S, A, B, T: S + A,
    "glob_dat": lambda S, A, B, T: S + A,
    "jump_slot": lambda S, A, B, T: S + A,
    "tls_tpoff": lambda S, A, B, T: T + A,
}


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
    image = bytearray(hi)
    for addr, size in ranges:
        image[addr : addr + size] = obj.read(addr, size)
    # ELF: the dynamic symbols are all the loader and the runtime services need (a stripped
    # plugin has nothing else), and decoding them alone keeps open fast. Mach-O exports only a
    # few runtime symbols (machoShouldExport), so there it takes the whole symbol table.
    symbols = obj.dynamic_symbols if obj.format == "elf" else obj.symbols
    defined = {s.name: s.value for s in symbols.values() if s.kind != "undefined"}
    local_entries = {s.value: s.local_entry for s in symbols.values() if s.local_entry and s.kind != "undefined"}
    word, order, mask = obj.ptr_size, obj.byte_order, (1 << 8 * obj.ptr_size) - 1
    resolved: dict[str, int] = {}
    for rel in obj.relocations:
        value = RELOCATIONS[rel.kind](*_operands(rel, base, defined, resolved, resolve_import, tls_offset))
        if not 0 <= rel.offset <= hi - word:
            raise CorruptFileError(obj.path, f"relocation at {rel.offset:#x} outside the image")
        image[rel.offset : rel.offset + word] = (value & mask).to_bytes(word, order)
    cpu.uc.mem_map(base, hi, UC_PROT_ALL)
    cpu.uc.mem_write(base, bytes(image))
    return Image(obj, base, hi, defined, local_entries)


def _operands(rel: Relocation, base, defined, resolved, resolve_import, tls_offset) -> tuple[int, int, int, int]:
    S = T = 0
    name = rel.symbol
    if name:
        if name in defined:
            S = base + defined[name]
            if rel.kind == "tls_tpoff":
                T = tls_offset(defined[name])
        else:
            S = resolved.get(name)
            if S is None:
                S = resolved[name] = resolve_import(name)
    return S, rel.addend, base, T
