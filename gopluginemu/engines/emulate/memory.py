"""The emulated address space: where images, stacks, the heap and the emulator's own data live.

Unicorn commits host memory only for pages that are touched, so regions are reserved
generously and grown by mapping more of them on demand.
"""

from __future__ import annotations

import ctypes
import mmap
from dataclasses import dataclass, field

from unicorn import UC_PROT_ALL, Uc

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
    """A bump-allocated region of the address space, mapped in ``chunk``-sized steps."""

    uc: Uc
    base: int
    limit: int  # bytes it may grow to
    chunk: int
    top: int = 0  # bytes handed out
    mapped: int = 0  # bytes mapped
    free_lists: dict[int, list[int]] = field(default_factory=dict)

    def alloc(self, size: int, align: int = 16) -> int:
        """``size`` zeroed bytes (never reused unless ``free`` gave them back)."""
        reuse = self.free_lists.get(size)
        if reuse:
            addr = reuse.pop()
            self.uc.mem_write(addr, bytes(size))
            return addr
        start = (self.top + align - 1) & ~(align - 1)
        end = start + size
        if end > self.mapped:
            grow = page_up(max(end - self.mapped, self.chunk))
            if self.mapped + grow > self.limit:
                raise MemoryError(f"emulated region at {self.base:#x} exhausted ({self.limit >> 20} MiB)")
            self.uc.mem_map(self.base + self.mapped, grow, UC_PROT_ALL)
            self.mapped += grow
        self.top = end
        return self.base + start

    def free(self, addr: int, size: int) -> None:
        """Give a block back for a later ``alloc`` of exactly the same size."""
        self.free_lists.setdefault(size, []).append(addr)

    def contains(self, addr: int) -> bool:
        return self.base <= addr < self.base + self.mapped
