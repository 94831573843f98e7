"""Whole tables decoded per call: fixed-size words and NUL-terminated strings, without a Python loop
over the entries where the work can be left to C (``array``, ``str.find``, ``map``)."""

from __future__ import annotations

import sys
from array import array
from itertools import compress, repeat
from operator import not_
from typing import Callable, Literal, Sequence


def words(raw: bytes, code: str, byte_order: Literal["little", "big"]) -> array:
    """``raw`` as an array of ``code`` items (``array`` type codes) in ``byte_order``; a trailing
    partial item is left out."""
    out = array(code, raw[: len(raw) - len(raw) % array(code).itemsize])
    if byte_order != sys.byteorder:
        out.byteswap()
    return out


def cstrings(table: bytes, offsets: Sequence[int], bad: Callable[[int], Exception]) -> list[str]:
    """The NUL-terminated strings at ``offsets`` of ``table``, decoded as UTF-8 ("replace"). The table
    is read as Latin-1 (one character per byte, so byte offsets hold), and the few strings with other
    bytes are decoded again as UTF-8. ``bad(offset)`` is raised for an offset that is negative or has
    no NUL at or after it."""
    if offsets and min(offsets) < 0:
        raise bad(min(offsets))
    text = table.decode("latin-1")
    ends = list(map(text.find, repeat("\0"), offsets))
    if -1 in ends:
        raise bad(offsets[ends.index(-1)])
    strings = list(map(text.__getitem__, map(slice, offsets, ends)))
    for i in compress(range(len(strings)), map(not_, map(str.isascii, strings))):
        strings[i] = strings[i].encode("latin-1").decode("utf-8", "replace")
    return strings
