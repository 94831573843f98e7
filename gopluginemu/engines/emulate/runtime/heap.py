"""The Go heap of an emulated process: allocation by size class from a region of the address
space, and a conservative mark-sweep collector that keeps memory bounded.

The plugin's ``mallocgc`` family is answered from here (the host's ``mallocinit`` is not in a
plugin). Collection runs only between calls, when no goroutine is mid-instruction: every word
of the roots (the module's data and bss, each goroutine's live stack, the emulator's own
g/m structures, anonymous mappings, and the Go values Python still holds) that points into a
block keeps that block, and pointer-carrying blocks are scanned in turn. Unreached blocks
return to per-size free lists, zeroed when reused. Persistent blocks (``persistentalloc``, C
``malloc``) are never freed and are scanned as roots.
"""

from __future__ import annotations

import bisect
import weakref
from array import array
from dataclasses import dataclass
from typing import Callable

from gopluginemu.engines.emulate.memory import Region

# Go's size classes (runtime/sizeclasses.go, unchanged 1.21-1.27); larger blocks round to 8 KiB.
SIZE_CLASSES = (
    8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320, 352, 384,
    416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688,
    3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288,
    13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768,
)
LARGE_ROUND = 8192
FREE, SCAN, NOSCAN, PERSISTENT = 0, 1, 2, 3
MIN_TRIGGER = 4 << 20  # bytes allocated since the last collection before the next (GOGC=100 style)


def size_class(n: int) -> int:
    if n <= SIZE_CLASSES[-1]:
        return SIZE_CLASSES[bisect.bisect_left(SIZE_CLASSES, n)]
    return (n + LARGE_ROUND - 1) // LARGE_ROUND * LARGE_ROUND


@dataclass
class GCStats:
    """What one collection did."""

    live_bytes: int
    freed_bytes: int
    blocks: int
    live_blocks: int


class GoHeap:
    """Block table, free lists and collector over one bump region."""

    def __init__(self, region: Region, byte_order: str) -> None:
        self.region = region
        self.big_endian = byte_order == "big"
        self.starts = array("Q")
        self.sizes = array("Q")
        self.state = bytearray()
        self.free: dict[int, list[int]] = {}
        self.allocated_since_gc = 0
        self.live_after_gc = 0
        self.collections = 0
        self.trigger = MIN_TRIGGER  # the least allocation between two collections (0: every call)
        self.python_roots: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
        # a cache of allocated but unused blocks (``pools``): reclaim(size) gives back its
        # blocks of that size, which ``alloc`` asks for before it would carve a fresh block
        # once the heap has been collected
        self.reclaim: Callable[[int], list[int]] | None = None
        self.cached_bytes: Callable[[], int] | None = None  # the bytes of the cache's blocks now
        self.cached_at_gc = 0  # cached_bytes() at the last collection

    # -- allocation --------------------------------------------------------------------------

    def alloc(self, size: int, scan: bool = True) -> int:
        """A zeroed block of at least ``size`` bytes; ``scan``: it may hold pointers."""
        n = size_class(max(size, 1))
        if not self.free.get(n) and self.reclaim is not None and self.collections:  # before, alloc_many carves anyway
            self._take_back(self.reclaim(n))
        kind = SCAN if scan else NOSCAN
        reused = self._reuse(n, kind, 1)
        if reused:
            return reused[0]
        self.allocated_since_gc += n
        return self._new_block(n, 16 if n >= 16 else 8, kind)

    def alloc_many(self, size: int, scan: bool, count: int) -> list[int]:
        """Up to ``count`` blocks (at least one) as ``alloc(size, scan)`` gives them, for a cache
        of blocks: reused ones from the free list, fresh ones (carved in one piece) only before
        the first collection, so that the cache never makes the heap grow once the collector
        has run: afterwards a block is carved only when the free list and the cache are empty,
        as ``alloc`` does without a cache."""
        n = size_class(max(size, 1))
        kind = SCAN if scan else NOSCAN
        out = self._reuse(n, kind, count)
        rest = count - len(out) if not self.collections else 0 if out else 1
        if rest:
            out += self._new_blocks(n, 16 if n >= 16 else 8, kind, rest)
            self.allocated_since_gc += n * rest
        return out

    def _reuse(self, n: int, kind: int, count: int) -> list[int]:
        """Up to ``count`` blocks of ``n`` bytes from the free list, last freed first, cleared and
        handed out as ``kind``."""
        free = self.free.get(n, [])
        taken = free[len(free) - min(count, len(free)) :]
        del free[len(free) - len(taken) :]
        taken.reverse()
        for i in taken:
            self.state[i] = kind
        out = [self.starts[i] for i in taken]
        self.region.zero_blocks(out, n)
        self.allocated_since_gc += n * len(out)
        return out

    def _take_back(self, blocks: list[int]) -> None:
        """Unused blocks (zeroed, never handed out) back to the free lists."""
        for addr in blocks:
            i = bisect.bisect_left(self.starts, addr)
            self.state[i] = FREE
            self.free.setdefault(self.sizes[i], []).append(i)
            self.allocated_since_gc -= self.sizes[i]

    def persistent(self, size: int, align: int = 8) -> int:
        """A block that is never freed and whose words are always roots."""
        return self._new_block(size_class(max(size, 1)), max(align, 8), PERSISTENT)

    def _new_block(self, n: int, align: int, kind: int) -> int:
        return self._new_blocks(n, align, kind)[0]

    def _new_blocks(self, n: int, align: int, kind: int, count: int = 1) -> range:
        """``count`` fresh blocks of ``n`` bytes, carved from the region in one piece."""
        base = self.region.alloc(n * count, align)
        blocks = range(base, base + n * count, n)
        if count == 1:  # most allocations: appending is several times cheaper than extending
            self.starts.append(base)
            self.sizes.append(n)
            self.state.append(kind)
        else:
            self.starts.extend(blocks)
            self.sizes.extend([n] * count)
            self.state.extend(bytes([kind]) * count)
        return blocks

    @property
    def in_use(self) -> int:
        """Bytes of the region handed out (live or free-listed)."""
        return self.region.top

    def register(self, obj) -> None:
        """Keep the Go memory a Python-side value refers to alive while the object lives."""
        self.python_roots[id(obj)] = obj

    # -- collection --------------------------------------------------------------------------

    def should_collect(self) -> bool:
        """Whether the blocks handed out since the last collection reached the trigger (blocks
        waiting in the cache do not count: collections come when they would without it)."""
        limit = max(self.trigger, self.live_after_gc if self.trigger else 0)
        if self.allocated_since_gc < limit:
            return False
        if not limit or self.cached_bytes is None:
            return True
        return self.allocated_since_gc + self.cached_at_gc - self.cached_bytes() >= limit

    def _words(self, data: bytes | memoryview) -> array:
        words = array("Q")
        words.frombytes(data[: len(data) - len(data) % 8])
        if self.big_endian:
            words.byteswap()
        return words

    def collect(self, read, root_ranges: list[tuple[int, int]], root_words: list[int]) -> GCStats:
        """Mark from ``root_ranges`` (address, size) and ``root_words``, then sweep."""
        starts, sizes, state = self.starts, self.sizes, self.state
        lo = self.region.base
        hi = lo + self.region.top
        marks = bytearray(len(starts))
        work: list[int] = []
        find = bisect.bisect_right

        def consider(words) -> None:
            for w in words:
                if lo <= w < hi:
                    i = find(starts, w) - 1
                    if i >= 0 and not marks[i] and w < starts[i] + sizes[i] and state[i] != FREE:
                        marks[i] = 1
                        if state[i] != NOSCAN:
                            work.append(i)

        for i, s in enumerate(state):
            if s == PERSISTENT and not marks[i]:
                marks[i] = 1
                work.append(i)
        for addr, size in root_ranges:
            if size > 0:
                consider(self._words(read(addr, size)))
        consider(root_words)
        for obj in list(self.python_roots.values()):
            consider(_object_words(obj, self))
        while work:
            i = work.pop()
            consider(self._words(self.region.read(starts[i], sizes[i])))
        freed = live = live_blocks = 0
        for i, s in enumerate(state):
            if s == FREE:
                continue
            if marks[i]:
                live += sizes[i]
                live_blocks += 1
            else:
                state[i] = FREE
                self.free.setdefault(sizes[i], []).append(i)
                freed += sizes[i]
        self.allocated_since_gc = 0
        self.cached_at_gc = self.cached_bytes() if self.cached_bytes is not None else 0
        self.live_after_gc = live
        self.collections += 1
        return GCStats(live, freed, len(starts), live_blocks)


def _object_words(obj, heap: GoHeap) -> list[int]:
    """The words a Python-side Go value holds: its raw bytes, addresses and closure context."""
    out: list[int] = []
    data = getattr(obj, "data", None)
    if isinstance(data, (bytes, bytearray)) and len(data) >= 8:
        out.extend(heap._words(bytes(data)))
    for attr in ("address", "ctx", "pc"):
        v = getattr(obj, attr, None)
        if isinstance(v, int):
            out.append(v)
    receiver = getattr(obj, "receiver", None)
    if receiver is not None:
        out.extend(_object_words(receiver, heap))
    return out
