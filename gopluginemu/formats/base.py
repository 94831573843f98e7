"""The uniform view of an object file that gometa and the loader read.

An ``ObjectFile`` is the file at its link-time addresses: ``read`` gives the
bytes a loader would map (zeros for bss), ``pointer`` a pointer-sized word with
the file's relocations applied at load base 0, so Go metadata can be decoded
the same way from ELF and Mach-O.
"""

from __future__ import annotations

import mmap
from array import array
from dataclasses import dataclass
from functools import cached_property
from itertools import compress, repeat
from operator import add, not_
from typing import Iterable, Literal, Mapping, Sequence, Union

from gopluginemu.arch import Arch
from gopluginemu.formats import bulk
from gopluginemu.formats.name_search import NamePatterns
from gopluginemu.formats.offset_index import OffsetIndex
from gopluginemu.formats.tables import decoded, rebuilt

# a file's bytes: ``bytes``, or an anonymous mapping that holds them (``formats._contents``), which
# slices, ``find``, ``len``, indexing and the buffer protocol treat alike
FileBytes = Union[bytes, mmap.mmap]
RelocKind = Literal["relative", "abs", "glob_dat", "jump_slot", "tls_tpoff"]
SymbolKind = Literal["func", "object", "tls", "other", "undefined"]


@dataclass(frozen=True)
class Section:
    """A section: ``name`` in ELF spelling (``.go.buildinfo``), ``native_name`` as the file spells it."""

    name: str
    native_name: str
    addr: int
    size: int
    offset: int | None  # file offset; None when the section occupies no file bytes (bss)


@dataclass(frozen=True)
class Symbol:
    """A symbol; Mach-O's leading underscore is removed from ``name``."""

    name: str
    value: int
    size: int
    kind: SymbolKind
    dynamic: bool  # exported to the dynamic linker (.dynsym / export trie)
    # bytes from ``value`` (the global entry) to the local entry that direct calls use; nonzero
    # only on ppc64 ELFv2, whose functions start by building their TOC pointer from R12
    local_entry: int = 0


@dataclass(frozen=True)
class Relocation:
    """A dynamic relocation: at ``offset`` store what ``kind`` says, using ``symbol`` and ``addend``."""

    offset: int
    kind: RelocKind
    symbol: str | None
    addend: int


RELOC_KINDS: tuple[RelocKind, ...] = ("relative", "abs", "glob_dat", "jump_slot", "tls_tpoff")
# kind -> what the addend A is added to: "B" the load base, "S" the symbol's address (a defined
# symbol's in the image, an import's wherever the loader binds it), "T" the symbol's thread-pointer offset
RELOCATIONS: dict[RelocKind, str] = {"relative": "B", "abs": "S", "glob_dat": "S", "jump_slot": "S", "tls_tpoff": "T"}
# index in RELOC_KINDS -> 1 if the kind is of that sort, else 0 (tables for bytes.translate)
_ADDS_SYMBOL = bulk.flag_table(lambda k: k < len(RELOC_KINDS) and RELOCATIONS[RELOC_KINDS[k]] == "S")
_ADDS_NO_SYMBOL = bulk.flag_table(lambda k: k < len(RELOC_KINDS) and RELOCATIONS[RELOC_KINDS[k]] != "S")
_THREAD_POINTER = bulk.flag_table(lambda k: k < len(RELOC_KINDS) and RELOCATIONS[RELOC_KINDS[k]] == "T")


@dataclass(frozen=True)
class RelocationTable:
    """Every dynamic relocation in bulk, in file order, as parallel sequences (decoding a plugin's
    tens of thousands of relocations into ``Relocation`` objects costs more than applying them).

    Relocation ``i`` stores what ``RELOC_KINDS[kinds[i]]`` says at ``offsets[i]``, with addend
    ``addends[i]`` and the symbol ``names[symbols[i]]`` (``names[0]`` is None: no symbol)."""

    offsets: list[int]
    kinds: bytes
    symbols: array
    addends: Sequence[int]
    names: Sequence[str | None]

    def __len__(self) -> int:
        return len(self.offsets)

    def __reduce__(self) -> tuple:
        """Kept on disk (``table_store``) with its offsets as an array, which loads faster than a list."""
        return _relocation_table, (array("Q", self.offsets), self.kinds, self.symbols, self.addends, self.names)

    def adds_to(self, i: int) -> str:
        """What relocation ``i``'s addend is added to: its kind's letter in ``RELOCATIONS``."""
        return RELOCATIONS[RELOC_KINDS[self.kinds[i]]]

    def at(self, i: int) -> Relocation:
        """Relocation ``i`` as an object."""
        return Relocation(self.offsets[i], RELOC_KINDS[self.kinds[i]], self.names[self.symbols[i]], self.addends[i])

    @staticmethod
    def of(relocations: Sequence[Relocation]) -> RelocationTable:
        """The table of a list of relocations."""
        names: list[str | None] = [None]
        index: dict[str | None, int] = {None: 0}
        symbols = []
        for r in relocations:
            i = index.get(r.symbol)
            if i is None:
                i = index[r.symbol] = len(names)
                names.append(r.symbol)
            symbols.append(i)
        kind = {k: i for i, k in enumerate(RELOC_KINDS)}
        return RelocationTable([r.offset for r in relocations], bytes(kind[r.kind] for r in relocations),
                               array("I", symbols), [r.addend for r in relocations], names)


def _relocation_table(offsets: array, kinds: bytes, symbols: array, addends: Sequence[int],
                      names: Sequence[str | None]) -> RelocationTable:
    return RelocationTable(offsets.tolist(), kinds, symbols, addends, names)


class ObjectFile:
    """Base class of the ELF and Mach-O readers; subclasses fill the fields and the abstract methods."""

    path: str
    format: Literal["elf", "macho"]
    goos: str
    arch: Arch
    data: FileBytes  # the whole file, never written

    @cached_property
    def tables(self) -> dict[str, object]:
        """Where ``@decoded`` properties keep their values: ``open_object`` gives the file's entry in
        ``formats.tables``, shared with other objects of the same unchanged file."""
        return {}

    @property
    def byte_order(self) -> Literal["little", "big"]:
        return self.arch.byte_order

    @property
    def ptr_size(self) -> int:
        return self.arch.ptr_size

    @cached_property
    def sections(self) -> list[Section]:
        raise NotImplementedError

    @cached_property
    def symbols(self) -> dict[str, Symbol]:
        """Every named symbol, static and dynamic (a stripped file has only the dynamic ones)."""
        raise NotImplementedError

    @cached_property
    def dynamic_symbols(self) -> dict[str, Symbol]:
        """Only the dynamic (exported or imported) symbols; readers may decode these without the rest."""
        return {name: sym for name, sym in self.symbols.items() if sym.dynamic}

    @cached_property
    def relocations(self) -> list[Relocation]:
        table = self.relocation_table
        return [table.at(i) for i in range(len(table))]

    @decoded
    def relocation_table(self) -> RelocationTable:
        """The dynamic relocations in bulk (``relocations`` as objects); a reader defines one of the two."""
        return RelocationTable.of(self.relocations)

    @decoded
    def dynamic_defined(self) -> Mapping[str, int]:
        """Name -> value of each defined dynamic symbol (``dynamic_symbols`` without the objects)."""
        return {name: sym.value for name, sym in self.dynamic_symbols.items() if sym.kind != "undefined"}

    @decoded
    def dynamic_functions(self) -> list[str]:
        """The names in ``dynamic_defined`` that are functions'."""
        return [name for name, sym in self.dynamic_symbols.items() if sym.kind == "func" and name in self.dynamic_defined]

    @decoded
    def defined(self) -> Mapping[str, int]:
        """Name -> link-time value of each symbol a relocation's symbol binds to within the file
        (and a loader names): the defined dynamic symbols, unless a reader says otherwise."""
        return self.dynamic_defined

    @decoded
    def defined_functions(self) -> list[str]:
        """The names in ``defined`` that are functions'."""
        return self.dynamic_functions

    def defined_matching(self, patterns: NamePatterns, functions: bool = False, dynamic: bool = False) -> list[tuple[str, int]]:
        """(name, value) of the symbols in ``defined`` (``dynamic_defined`` if ``dynamic``; only the
        functions' if ``functions``) whose names one of ``patterns`` matches. Kept in ``tables``:
        the runtime services look for the same patterns at every open of a file."""
        key = f"defined_matching {functions:d}{dynamic:d} {patterns.patterns!r}"
        found = self.tables.get(key)
        if found is None:
            found = self.tables[key] = self._defined_matching(patterns, functions, dynamic)
        return found

    def _defined_matching(self, patterns: NamePatterns, functions: bool, dynamic: bool) -> list[tuple[str, int]]:
        defined = self.dynamic_defined if dynamic else self.defined
        names = (self.dynamic_functions if dynamic else self.defined_functions) if functions else defined
        return [(name, defined[name]) for name in patterns.names_in(names)]

    @decoded
    def symbol_bindings(self) -> tuple[list[int], frozenset[int]]:
        """For each index a relocation gives as its symbol: the value it binds to within the file
        (``defined``; 0 if none), and the set of indices bound to nothing in the file (0, no symbol,
        and the imports)."""
        names = self.relocation_table.names
        defined = self.defined
        bound = [0, *map(defined.get, names[1:], repeat(0))]  # symbol 0 is no symbol
        unbound = {0, *compress(range(1, len(names)), map(not_, map(defined.__contains__, names[1:])))}
        return bound, frozenset(unbound)

    @decoded
    def relocation_values(self) -> list[int]:
        """Each relocation's value at load base 0 with its symbol bound within the file (``defined``):
        the addend, plus the symbol's value for the kinds that add one ("S" in ``RELOCATIONS``). A
        loader adds its base to all but ``late_relocations``, whose values it works out itself."""
        return list(self.relocation_values_at(0))

    def relocation_values_at(self, base: int) -> Iterable[int]:
        """``relocation_values`` moved to load base ``base`` (each plus ``base``), in file order: an
        array worked out at once (``bulk.lane_sums``), or an iterator where a value is too big for
        that (a loader storing them then builds no list of them either)."""
        table = self.relocation_table
        symbols = table.symbols
        named = bulk.where(bulk.both(table.kinds.translate(_ADDS_NO_SYMBOL), bulk.nonzero(symbols)))
        if named:  # a symbol named where the kind adds none (a TLS offset's): the addend alone
            symbols = array(symbols.typecode, symbols)
            for i in named:
                symbols[i] = 0  # no symbol: bound to 0
        bound = array("Q", map(self.symbol_bindings[0].__getitem__, symbols))
        try:
            addends = table.addends if isinstance(table.addends, array) else array("q", table.addends)
        except OverflowError:  # an addend beyond 64 bits
            addends = None
        summed = None if addends is None else bulk.lane_sums(bound, addends, base)
        if summed is not None:
            return summed
        values = map(add, bound, table.addends)
        return map(base.__add__, values) if base else values

    def relocation_value(self, i: int) -> int:
        """``relocation_values[i]``, worked out alone."""
        table = self.relocation_table
        symbol = self.symbol_bindings[0][table.symbols[i]] if table.adds_to(i) == "S" else 0
        return symbol + table.addends[i]

    @decoded
    def late_relocations(self) -> list[int]:
        """Indices of the relocations whose value depends on more than the load base: TLS ones, and
        those of an "S" kind whose symbol the file does not define (an import, or no symbol at all)."""
        table = self.relocation_table
        unbound = self.symbol_bindings[1]
        # 1 where the symbol is unbound (quick: a linker puts the imports first, so their indices share
        # a few high bytes, and translate_items makes one pass per high byte)
        unbound_symbol = bulk.translate_items(table.symbols, dict.fromkeys(unbound, 1), 0)
        imports = bulk.both(table.kinds.translate(_ADDS_SYMBOL), unbound_symbol)
        return bulk.where(bulk.either(imports, table.kinds.translate(_THREAD_POINTER)))

    @cached_property
    def local_entries(self) -> dict[int, int]:
        """Value of a defined function symbol -> bytes from it to the local entry (ppc64 ELFv2 only:
        see ``Symbol.local_entry``); empty where the CPU has no local entries."""
        return {}

    @cached_property
    def stubs(self) -> dict[int, str]:
        """Call stubs (Mach-O ``__stubs``; ELF PLT entries where a reader decodes them): address -> the
        imported symbol the stub jumps to. Empty unless a reader fills it."""
        return {}

    @cached_property
    def load_ranges(self) -> list[tuple[int, int]]:
        """(link-time address, size in memory) of each range a loader maps, by address."""
        raise NotImplementedError

    def section(self, name: str) -> Section | None:
        """The section of that ELF-spelled name (``.go.buildinfo`` finds Mach-O's ``__go_buildinfo``)."""
        for sec in self.sections:
            if sec.name == name:
                return sec
        return None

    def read(self, addr: int, size: int) -> bytes:
        """``size`` bytes at link-time address ``addr``, as mapped (zeros where nothing is in the file)."""
        raise NotImplementedError

    @property
    def file_ranges(self) -> list[tuple[int, memoryview | bytes]]:
        """(link-time address, bytes) of what the file supplies for each load range; the rest of
        the range is zeros. Readers may give views of the file instead of copies."""
        return [(addr, self.read(addr, size)) for addr, size in self.load_ranges]

    def pointer(self, addr: int) -> int:
        """The pointer-sized word at ``addr`` with the relocation there applied at load base 0."""
        raise NotImplementedError

    @rebuilt
    def relocation_index(self) -> OffsetIndex:
        """Offset -> index of the relocation that patches the word there (the last, if several do)."""
        table = self.relocation_table
        return OffsetIndex(table.offsets, table.kinds, RELOC_KINDS.index("relative"))

    def relocation_at(self, addr: int) -> Relocation | None:
        """The dynamic relocation that patches the word at ``addr``, if any (the last, if several do)."""
        i = self.relocation_index.get(addr)
        return None if i is None else self.relocation_table.at(i)

    @decoded
    def _symbol_index(self) -> dict[int, str]:
        index: dict[int, str] = {}
        for sym in sorted(self.symbols.values(), key=lambda s: not s.dynamic):
            if sym.kind != "undefined":
                index.setdefault(sym.value, sym.name)
        return index

    def symbol_at(self, addr: int) -> str | None:
        """The name of a defined symbol whose value is ``addr`` (dynamic ones first), if any."""
        return self._symbol_index.get(addr)
