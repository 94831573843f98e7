"""Memory: anonymous mappings come from the emulator's mmap region; nothing maps host files."""

from __future__ import annotations

ENOMEM = 12
MAP_FIXED = 0x10
MAP_ANONYMOUS = 0x20


def handlers(k) -> dict:
    def mmap(args):
        addr, length, prot, flags, fd = args[:5]
        if not flags & MAP_ANONYMOUS:
            return -k.policy.refuse("memory", "mmap", args)
        length = (length + 0xFFF) & ~0xFFF
        if flags & MAP_FIXED:
            if not k.machine.ensure_mapped(addr, length):
                return -ENOMEM
            k.write(addr, bytes(length))
            return addr
        try:
            return k.machine.mmap_region.alloc(length, 0x1000)
        except MemoryError:
            return -ENOMEM

    def ok(args):
        return 0

    return {"mmap": mmap, "munmap": ok, "madvise": ok, "mprotect": ok, "mincore": ok, "brk": ok}
