"""A string table of NUL-terminated names (ELF ``.dynstr``/``.strtab``) read where asked.

A plugin's dynamic symbol table names some 9,000 symbols, while opening it looks up a few dozen
by name. ``Names`` decodes one name when indexed and all of them (``bulk.cstrings``) only when
iterated; ``StringTable.lines`` lets ``NamePatterns`` find names without decoding any.
"""

from __future__ import annotations

from array import array
from functools import cached_property
from typing import Callable, Iterator, Sequence

from gopluginemu.errors import CorruptFileError
from gopluginemu.formats import bulk


class BadOffset:
    """``bad`` for a ``StringTable`` kept in a file's tables: a ``CorruptFileError`` naming the file's
    path and ``problem``, and nothing else of the file (so that the tables can be pickled)."""

    def __init__(self, path: str, problem: str) -> None:
        self.path, self.problem = path, problem

    def __call__(self, offset: int) -> CorruptFileError:
        return CorruptFileError(self.path, self.problem)


class StringTable:
    """The bytes of a string table; ``bad(offset)`` is the error for an offset that names no string."""

    def __init__(self, data: bytes, bad: Callable[[int], Exception]) -> None:
        self.data = data
        self.bad = bad

    def at(self, offset: int) -> str:
        """The string at ``offset``, decoded as UTF-8 ("replace")."""
        end = self.data.find(b"\0", offset) if 0 <= offset < len(self.data) else -1
        if end < 0:
            raise self.bad(offset)
        return self.data[offset:end].decode("utf-8", "replace")

    def holds(self, offset: int, raw: bytes) -> bool:
        """Whether the string at ``offset`` is ``raw``."""
        return self.data.startswith(raw + b"\0", offset)

    @cached_property
    def lines(self) -> str:
        """The table as text, one character per byte (Latin-1) and each NUL a newline, between two
        newlines: a string that starts at offset ``o`` is the line after the newline at ``o``."""
        return "\n" + self.data.decode("latin-1").replace("\0", "\n") + "\n"

    def decode_all(self, offsets: Sequence[int]) -> list[str]:
        """The strings at ``offsets``, decoded in bulk."""
        if self.data[:1] != b"\0":  # no leading NUL: a table bulk decoding cannot split
            return [self.at(n) if n else "" for n in offsets]
        return bulk.cstrings(self.data, offsets, self.bad)


class Names(Sequence[str]):
    """The names at ``offsets`` of a string table (offset 0: the empty name), each decoded when first
    asked for, or all at once when iterated; ``first`` stands for entry 0 (a relocation table's "no
    symbol"). Kept in a file's shared tables: the only thing it ever changes is its own cache."""

    def __init__(self, table: StringTable, offsets: array, first: str | None = "") -> None:
        self.table = table
        self.offsets = offsets
        self.first = first
        self._all: list | None = None

    def __len__(self) -> int:
        return len(self.offsets)

    def __getitem__(self, i):
        if self._all is not None or isinstance(i, slice):
            return self.all[i]
        if i == 0 or i == -len(self.offsets):
            return self.first
        offset = self.offsets[i]
        return self.table.at(offset) if offset else ""

    def __iter__(self) -> Iterator[str | None]:
        return iter(self.all)

    @property
    def all(self) -> list:
        """Every name, decoded once."""
        if self._all is None:
            names = self.table.decode_all(self.offsets)
            if names:
                names[0] = self.first
            self._all = names
        return self._all
