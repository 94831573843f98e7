"""Small Go allocations answered in emulated code, without leaving the emulator.

The emulator answers the mallocgc family from its Python heap (``services``): a breakpoint,
several microseconds per allocation. Where the CPU has a driver (``driver``), each of those
entry points branches instead to a stub in the page next to the image (``CPU.alloc_stub``) that
takes a block from a pool of the allocation's size class and kind (scanned or not, decided as
``Services.allocation`` does) and returns it to the caller. A size of 0 or above ``MAX_POOLED``,
or an empty pool, reaches a breakpoint in the stub: Python answers as before, and refills an
empty pool (``GoHeap.alloc_many``: from the free list, fresh blocks only before the first
collection). A pooled block is already allocated in the heap's table, zeroed and untouched until
it is handed out; the pools' live entries are roots of the collector, and ``GoHeap.alloc``
takes them back before it would carve a fresh block: the heap grows as it did with an exit per
allocation.

A pool is a count word and ``CAPACITY`` block addresses; ``table`` maps ``(size + 7) // 8`` to
the pool of unscanned blocks of that size's class, whose scanned twin follows it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from gopluginemu.engines.emulate.runtime.heap import SIZE_CLASSES, size_class

MAX_POOLED = 1024  # bytes: larger allocations are rarer and go to Python
CAPACITY = 31
POOL_BYTES = 8 + 8 * CAPACITY
CLASSES = [c for c in SIZE_CLASSES if c <= MAX_POOLED]


@dataclass(frozen=True)
class PoolEnv:
    """What an allocation stub embeds: the class table, the pools' size, the largest pooled
    size, and the offset of ``PtrBytes`` in a type descriptor."""

    table: int
    pool_bytes: int
    max_pooled: int
    ptrbytes: int


class AllocPools:
    """The pools, their stub and the slow path of one emulated process."""

    def __init__(self, machine, driver) -> None:
        self.m = machine
        self.order = "<" if machine.arch.byte_order == "little" else ">"
        self.pools = machine.private.alloc(2 * len(CLASSES) * POOL_BYTES, 0x1000)
        table = machine.private.alloc(8 * (MAX_POOLED // 8 + 1), 8)
        entries = [0] + [self._pool(size_class(8 * k), False) for k in range(1, MAX_POOLED // 8 + 1)]
        machine.write(table, struct.pack(f"{self.order}{len(entries)}Q", *entries))
        env = PoolEnv(table, POOL_BYTES, MAX_POOLED, machine.services.ptrbytes_off)
        code, slow = machine.cpu.alloc_stub(env)
        stub = driver.place_near(code)
        machine.add_breakpoint(stub + slow, self._slow_path)
        branches = [machine.cpu.branch(entry, stub) for entry in machine.services.alloc_entries]
        if None not in branches:  # else every allocation keeps its breakpoint
            for entry, branch in zip(machine.services.alloc_entries, branches):
                machine.write(entry, branch)
            machine.cpu.uc.ctl_flush_tb()  # the host's set-up ran mallocgc: its translation is stale

        machine.heap.reclaim = self.reclaim
        machine.heap.cached_bytes = self.cached_bytes

    @classmethod
    def install(cls, machine, driver) -> AllocPools | None:
        """Pools where the process has a driver (and so the page next to the image), else None."""
        if driver is None or not machine.services.alloc_entries:
            return None
        return cls(machine, driver)

    def _pool(self, n: int, scan: bool) -> int:
        return self.pools + (2 * CLASSES.index(n) + scan) * POOL_BYTES

    def _slow_path(self) -> None:
        """mallocgc's answer from Python: a size the pools do not serve, or a refill."""
        m = self.m
        size, scan = m.services.allocation()
        if not 0 < size <= MAX_POOLED:
            m.cpu.return_from_hook([m.heap.alloc(size, scan)], 3)
            return
        blocks = m.heap.alloc_many(size, scan, CAPACITY + 1)
        if len(blocks) > 1:
            pool = self._pool(size_class(size), scan)
            m.write(pool, struct.pack(f"{self.order}{len(blocks)}Q", len(blocks) - 1, *blocks[1:]))
        m.cpu.return_from_hook([blocks[0]], 3)

    def reclaim(self, n: int) -> list[int]:
        """Empty the two pools of size class ``n`` (none above ``MAX_POOLED``); their blocks."""
        if n > MAX_POOLED:
            return []
        pool = self._pool(n, False)
        words = struct.unpack(f"{self.order}{2 * POOL_BYTES // 8}Q", self.m.read(pool, 2 * POOL_BYTES))
        twin = POOL_BYTES // 8
        if not words[0] and not words[twin]:
            return []
        self.m.set_word(pool, 0)
        self.m.set_word(pool + POOL_BYTES, 0)
        return [*words[1 : 1 + words[0]], *words[twin + 1 : twin + 1 + words[twin]]]

    def _words(self) -> tuple[int, ...]:
        data = self.m.read(self.pools, 2 * len(CLASSES) * POOL_BYTES)
        return struct.unpack(f"{self.order}{len(data) // 8}Q", data)

    def live_blocks(self) -> list[int]:
        """The blocks waiting in the pools (roots of the collector)."""
        words, out = self._words(), []
        for p in range(0, len(words), POOL_BYTES // 8):
            out += words[p + 1 : p + 1 + words[p]]
        return out

    def cached_bytes(self) -> int:
        """The bytes of the blocks waiting in the pools."""
        words, stride = self._words(), POOL_BYTES // 8
        return sum(words[stride * p] * CLASSES[p // 2] for p in range(2 * len(CLASSES)))
