"""Fast guest stores: Unicorn's virtual TLB, filled by the emulator.

In Unicorn 2.1.4 a guest store takes the slow path (``notdirty_write``) for good when the
page's TLB entry also allows execution, or when any memory hook (an invalid-memory hook
included) covers the page: the entry is then never marked dirty. With the CPU's own MMU off,
every entry allows execution, so every store cost ~30-50 ns instead of ~2 (measured: four
stores a loop iteration, 260 vs 24 ns; Go code stores a lot).

``install`` switches the engine to the virtual TLB with a fill hook that maps every page to
itself, readable and writable, and executable only once code has been fetched from it (a
page goes from RW to RWX once, so entries never ping-pong between the two); and it hooks
invalid memory only over the gaps between the areas the emulator maps, so that no hook covers
a data page. A fault in a gap is reported with its exact address; one inside an area (past
what is mapped of it) with the address of its page, the last one filled.

Unicorn 2.1.4 also scans its whole TLB after translating each block (``tb_gen_code``:
``tlb_reset_dirty_by_vaddr``, 12 MMU modes x 264 entries on arm64, 10 on ppc64), unless a
memory hook covers the block's address. So ``install`` hooks protection faults on fetches over
the plugin's code, which this fill never raises (a fetch always makes its page executable): a
block then costs 40 to 55% less to translate (arm64, measured: 6.6 to 3.3 µs), and an open, which
translates a few hundred blocks, ~1.5 ms less. A store to a hooked page always takes the slow
path that checks for translated code there; the guest never stores to its code.

On an engine without Unicorn's exit check after every access (``exit_checks``), a store to
unmapped memory would run on to the end of its block: Unicorn's ``store_helper`` only flags it.
There ``install`` is given ``mapped``, and the fill refuses a store to a page that is not
mapped, which Unicorn raises at the store itself (``UC_ERR_EXCEPTION``, the state before the
store); it gives such a page no write permission for other accesses either, so that a later
store misses and is refused too. A load from it still faults in Unicorn, with its exact
address; of a refused store the fill knows only the page, and the machine works the address
out from the instruction (``CPU.fault_address``).
"""

from __future__ import annotations

from typing import Callable, Sequence

from unicorn import (UC_HOOK_MEM_FETCH_PROT, UC_HOOK_MEM_INVALID, UC_HOOK_TLB_FILL, UC_MEM_FETCH, UC_MEM_WRITE, UC_PROT_ALL,
                     UC_PROT_EXEC, UC_PROT_READ, UC_PROT_WRITE, UC_TLB_VIRTUAL, Uc)

DATA = UC_PROT_READ | UC_PROT_WRITE
UNMAPPED = UC_PROT_READ | UC_PROT_EXEC  # a load or fetch there faults in Unicorn; a store misses
TOP = (1 << 64) - 1


def gaps(areas: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The address ranges (first, last) that none of ``areas`` (start, size) covers."""
    out, at = [], 0
    for start, size in sorted(areas):
        if start > at:
            out.append((at, start - 1))
        at = max(at, start + size)
    if at <= TOP:
        out.append((at, TOP))
    return out


def install(uc: Uc, areas: Sequence[tuple[int, int]], code: Sequence[tuple[int, int]],
            on_fault: Callable[[int], None], mapped: Callable[[int], bool] | None = None) -> None:
    """Fill ``uc``'s TLB as described above; ``code``: the (start, size) ranges of code that the
    guest never writes; ``on_fault(address)`` is told where an access to unmapped memory went (the
    page, then the exact address where a gap's hook knows it); ``mapped(page)``: whether a page is
    mapped, for an engine whose stores to unmapped memory the fill must refuse (else None)."""
    code_pages: set[int] = set()

    def fill(uc, vaddr, access, entry, data) -> bool:
        on_fault(vaddr)
        entry.paddr = vaddr
        if mapped is not None and not mapped(vaddr):
            if access == UC_MEM_WRITE:
                return False
            entry.perms = UNMAPPED
        elif access == UC_MEM_FETCH or vaddr in code_pages:
            code_pages.add(vaddr)
            entry.perms = UC_PROT_ALL
        else:
            entry.perms = DATA
        return True

    def invalid(uc, access, address, size, value, data) -> bool:
        on_fault(address)
        return False

    uc.ctl_set_tlb_mode(UC_TLB_VIRTUAL)
    uc.hook_add(UC_HOOK_TLB_FILL, fill)
    for first, last in gaps(areas):
        uc.hook_add(UC_HOOK_MEM_INVALID, invalid, None, first, last)
    for start, size in code:
        uc.hook_add(UC_HOOK_MEM_FETCH_PROT, invalid, None, start, start + size - 1)
