"""Whole tables decoded per call: fixed-size words and NUL-terminated strings, without a Python loop
over the entries where the work can be left to C (``array``, ``str.find``, ``map``)."""

from __future__ import annotations

import sys
from array import array
from itertools import accumulate, compress, count, repeat
from operator import add, is_, not_
from typing import Callable, Literal, Mapping, Sequence


def words(raw: bytes, code: str, byte_order: Literal["little", "big"]) -> array:
    """``raw`` as an array of ``code`` items (``array`` type codes) in ``byte_order``; a trailing
    partial item is left out."""
    out = array(code, raw[: len(raw) - len(raw) % array(code).itemsize])
    if byte_order != sys.byteorder:
        out.byteswap()
    return out


def column(raw: bytes | memoryview, code: str, index: int, stride: int, byte_order: Literal["little", "big"]) -> array:
    """Item ``index`` of each record of ``stride`` ``code`` items (``array`` type codes) in ``raw``, in
    ``byte_order`` (a trailing partial item is left out, as ``words`` does): the column alone is
    copied out of ``raw``, straight into the array."""
    view = memoryview(raw).cast("B")
    items = view[: len(view) - len(view) % array(code).itemsize].cast(code)[index::stride]
    out = array(code, bytes(items.itemsize)) * len(items)
    memoryview(out)[:] = items
    if byte_order != sys.byteorder:
        out.byteswap()
    return out


def translate_items(items: array, table: Mapping[int, int], missing: int) -> bytes:
    """``table[item]`` for each of ``items`` (unsigned), ``missing`` where the table has none; the
    values are bytes. Items below 2**16 are looked up a byte at a time with ``bytes.translate``
    (one pass per distinct high byte of the table's keys), the rest one by one."""
    raw, size, n = items.tobytes(), items.itemsize, len(items)
    byte = [raw[k if sys.byteorder == "little" else size - 1 - k :: size] for k in range(size)]
    if size < 2 or max(table, default=0) >> 16 or any(b.count(0) != n for b in byte[2:]):
        return bytes(map(table.get, items, repeat(missing)))
    low, high = byte[0], byte[1]
    out = int.from_bytes(bytes([missing]) * n, "little")
    for h in {key >> 8 for key in table}:
        chosen = int.from_bytes(high.translate(bytes(255 if b == h else 0 for b in range(256))), "little")
        found = int.from_bytes(low.translate(bytes(table.get(h << 8 | b, missing) for b in range(256))), "little")
        out = (out & ~chosen) | (found & chosen)
    return out.to_bytes(n, "little")


def lane_sums(a: array, b: array, c: int) -> array | None:
    """``a[i] + b[i] + c`` for each ``i`` (arrays of 64-bit items of equal length), as unsigned 64-bit
    items, worked out as one addition of three big integers whose 64-bit lanes they are. None unless
    every item and ``c`` are below 2**48, so that no lane can carry into the next (nor hold a
    negative number, which lanes would take for a carry)."""
    n, raw_a, raw_b = len(a), a.tobytes(), b.tobytes()
    high = (6, 7) if sys.byteorder == "little" else (0, 1)  # the top two bytes of each item
    if c < 0 or c >> 48 or any(raw[k::8].count(0) != n for raw in (raw_a, raw_b) for k in high):
        return None
    lanes = int.from_bytes(c.to_bytes(8, sys.byteorder) * n, sys.byteorder)
    total = int.from_bytes(raw_a, sys.byteorder) + int.from_bytes(raw_b, sys.byteorder) + lanes
    out = array("Q")
    out.frombytes(total.to_bytes(8 * n, sys.byteorder))
    return out


def cstrings(table: bytes, offsets: Sequence[int], bad: Callable[[int], Exception]) -> list[str]:
    """The NUL-terminated strings at ``offsets`` of ``table``, decoded as UTF-8 ("replace"). The table
    is read as Latin-1 (one character per byte, so byte offsets hold) and split at its NULs once; an
    offset where no piece starts (a string sharing another's tail) is looked up on its own, and the
    strings with bytes beyond ASCII are decoded again as UTF-8. ``bad(offset)`` is raised for an
    offset that is negative or has no NUL at or after it."""
    text = table.decode("latin-1")
    pieces = text.split("\0")
    pieces.pop()  # what follows the last NUL is no string: it has no NUL
    starts = map(add, accumulate(map(len, pieces), initial=0), count())  # piece i starts after i NULs
    strings = list(map(dict(zip(starts, pieces)).get, offsets))
    for i in compress(range(len(strings)), map(is_, strings, repeat(None))):
        offset = offsets[i]
        end = text.find("\0", offset) if offset >= 0 else -1
        if end < 0:
            raise bad(offset)
        strings[i] = text[offset:end]
    if not table.isascii():
        for i in compress(range(len(strings)), map(not_, map(str.isascii, strings))):
            strings[i] = strings[i].encode("latin-1").decode("utf-8", "replace")
    return strings


def flag_table(test: Callable[[int], bool]) -> bytes:
    """A ``bytes.translate`` table: each byte value -> 1 where ``test`` holds, else 0."""
    return bytes(int(bool(test(b))) for b in range(256))


NONZERO = flag_table(bool)
ZERO = flag_table(not_)


def nonzero(items: array) -> bytes:
    """A mask of an integer array: one byte per item, 1 where the item is not zero, else 0."""
    raw = items.tobytes().translate(NONZERO)
    size = items.itemsize
    mask = 0
    for k in range(size):  # an item is nonzero if any of its bytes is
        mask |= int.from_bytes(raw[k::size], "little")
    return mask.to_bytes(len(items), "little")


def both(a: bytes, b: bytes) -> bytes:
    """The masks ``a`` and ``b`` (of equal length; bytes 0 or 1) combined by "and"."""
    return (int.from_bytes(a, "little") & int.from_bytes(b, "little")).to_bytes(len(a), "little")


def either(a: bytes, b: bytes) -> bytes:
    """The masks ``a`` and ``b`` (of equal length; bytes 0 or 1) combined by "or"."""
    return (int.from_bytes(a, "little") | int.from_bytes(b, "little")).to_bytes(len(a), "little")


def where(mask: bytes) -> list[int]:
    """The indices of a mask's 1 bytes (found with ``bytes.find``: quick when they are few)."""
    out, i = [], mask.find(1)
    while i >= 0:
        out.append(i)
        i = mask.find(1, i + 1)
    return out
