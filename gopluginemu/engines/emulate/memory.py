"""The emulated address space: where images, stacks, the heap and the emulator's own data live.

Regions are reserved generously and grown by mapping more of them on demand. Each step is host
memory (an anonymous mapping, committed by the OS only where it is touched) mapped in place, so
Python reads and clears a region's bytes directly instead of through Unicorn's API.
"""

from __future__ import annotations

import bisect
import ctypes
import mmap
from collections.abc import Iterable
from dataclasses import dataclass, field

from unicorn import UC_PROT_ALL, Uc

from gopluginemu.hostmem import anonymous_memory

PAGE = 0x1000

IMAGE_BASE = 0x0000_0010_0000_0000  # first plugin image; later ones follow IMAGE_STRIDE apart
IMAGE_STRIDE = 0x0000_0001_0000_0000
HEAP_BASE = 0x0000_00C0_0000_0000  # where Go's own heap would start
STACK_BASE = 0x0000_7D00_0000_0000
MMAP_BASE = 0x0000_7C00_0000_0000
PRIVATE_BASE = 0x0000_7E00_0000_0000  # g0/g/m structs, import stubs, TLS, call arguments
CALL_BLOCK_BASE = 0x0000_7E80_0000_0000  # the call driver's block and frames (host memory in place)
CALL_BLOCK_SIZE = 256 << 10


def page_up(n: int) -> int:
    return (n + PAGE - 1) & ~(PAGE - 1)


def map_in_place(uc: Uc, addr: int, memory: bytearray | mmap.mmap, size: int | None = None) -> None:
    """Map the first ``size`` bytes of ``memory`` (all of it by default; a whole number of pages)
    at ``addr`` in place: the guest and Python's reads and writes of it see the same bytes, with no
    copy through Unicorn's API. It must not move or be resized, and must outlive the engine (or be
    released only after it is closed)."""
    size = len(memory) if size is None else size
    uc.mem_map_ptr(addr, size, UC_PROT_ALL, ctypes.addressof(ctypes.c_char.from_buffer(memory)))


@dataclass
class Region:
    """A bump-allocated region of the address space, mapped in ``chunk``-sized steps of host
    memory mapped in place."""

    uc: Uc
    base: int
    limit: int  # bytes it may grow to
    chunk: int
    top: int = 0  # bytes handed out
    mapped: int = 0  # bytes mapped
    free_lists: dict[int, list[int]] = field(default_factory=dict)
    _starts: list[int] = field(default_factory=list)  # each step's offset in the region
    _views: list[memoryview] = field(default_factory=list)  # each step's bytes

    def alloc(self, size: int, align: int = 16) -> int:
        """``size`` zeroed bytes (never reused unless ``free`` gave them back)."""
        reuse = self.free_lists.get(size)
        if reuse:
            addr = reuse.pop()
            self.zero(addr, size)
            return addr
        start = (self.top + align - 1) & ~(align - 1)
        end = start + size
        if end > self.mapped:
            grow = page_up(max(end - self.mapped, self.chunk))
            if self.mapped + grow > self.limit:
                raise MemoryError(f"emulated region at {self.base:#x} exhausted ({self.limit >> 20} MiB)")
            memory = anonymous_memory(grow)
            map_in_place(self.uc, self.base + self.mapped, memory)
            self._starts.append(self.mapped)
            self._views.append(memoryview(memory))
            self.mapped += grow
        self.top = end
        return self.base + start

    def _spans(self, addr: int, size: int) -> list[tuple[memoryview, int, int]]:
        """The host bytes of ``size`` bytes at ``addr`` (mapped): (step, start, end) pieces."""
        off = addr - self.base
        i = bisect.bisect_right(self._starts, off) - 1
        out = []
        while size > 0:
            view = self._views[i]
            lo = off - self._starts[i]
            hi = min(len(view), lo + size)
            out.append((view, lo, hi))
            size -= hi - lo
            off += hi - lo
            i += 1
        return out

    def zero(self, addr: int, size: int) -> None:
        """Clear ``size`` mapped bytes at ``addr``."""
        self.zero_blocks((addr,), size)

    def zero_blocks(self, addrs: Iterable[int], size: int) -> None:
        """Clear ``size`` mapped bytes at each of ``addrs``."""
        zeros = bytes(size)
        starts, views, base = self._starts, self._views, self.base
        for addr in addrs:
            off = addr - base
            i = bisect.bisect_right(starts, off) - 1
            lo = off - starts[i]
            if lo + size <= len(views[i]):
                views[i][lo : lo + size] = zeros
            else:
                for view, lo, hi in self._spans(addr, size):
                    view[lo:hi] = zeros[: hi - lo]

    def read(self, addr: int, size: int) -> bytes | memoryview:
        """``size`` mapped bytes at ``addr``: a view of the region's memory where they lie in one
        step (valid while the region lives; it sees later writes), else a copy."""
        spans = self._spans(addr, size)
        if len(spans) == 1:
            view, lo, hi = spans[0]
            return view[lo:hi]
        return b"".join(view[lo:hi] for view, lo, hi in spans)

    def free(self, addr: int, size: int) -> None:
        """Give a block back for a later ``alloc`` of exactly the same size."""
        self.free_lists.setdefault(size, []).append(addr)

    def contains(self, addr: int) -> bool:
        return self.base <= addr < self.base + self.mapped
