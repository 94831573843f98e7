"""Host memory for the big buffers an open fills at once (the file's bytes, the image): a private
anonymous mapping that asks Linux for transparent huge pages, so that filling 4.5 MiB faults in a
few 2 MiB pages (0.6 ms) instead of ~1,100 small ones (2.3 ms faulted at once by MAP_POPULATE,
2.9 ms one by one)."""

from __future__ import annotations

import mmap


def huge_page_memory(size: int) -> mmap.mmap | None:
    """``size`` zeroed bytes backed by transparent huge pages, or None where the OS offers none
    (Windows, macOS, a kernel without them) or ``size`` is 0."""
    if not size or not hasattr(mmap, "MADV_HUGEPAGE"):
        return None
    memory = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    try:
        memory.madvise(mmap.MADV_HUGEPAGE)
    except OSError:  # a kernel without transparent huge pages
        memory.close()
        return None
    return memory
