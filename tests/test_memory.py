"""Regions of the emulated address space (``engines.emulate.memory``): host memory mapped in
place, grown in steps, cleared and read by Python directly, also across the steps' seams; and
the heap's reused blocks (``runtime.heap``) handed out cleared."""

import ctypes
import sys

import pytest
from unicorn import UC_ARCH_ARM64, UC_MODE_ARM, Uc

from gopluginemu.engines.emulate.memory import PAGE, Region
from gopluginemu.engines.emulate.runtime.heap import NOSCAN, SCAN, GoHeap

BASE = 0x10_0000_0000


def region(chunk: int = PAGE) -> Region:
    return Region(Uc(UC_ARCH_ARM64, UC_MODE_ARM), BASE, 1 << 20, chunk)


def test_the_guest_and_python_see_the_same_bytes():
    r = region()
    a = r.alloc(64)
    r.uc.mem_write(a + 8, b"written by the guest")
    assert bytes(r.read(a + 8, 20)) == b"written by the guest"
    r.zero(a + 8, 7)
    assert r.uc.mem_read(a, 32) == bytes(15) + b" by the guest" + bytes(4)


def test_a_block_across_two_steps_is_read_and_cleared_whole():
    r = region()
    first = r.alloc(PAGE - 16)
    across = r.alloc(48)  # 16 bytes in the first step, 32 in the second, mapped later
    assert r.mapped == 2 * PAGE and across == first + PAGE - 16
    r.uc.mem_write(across, bytes(range(1, 49)))
    assert bytes(r.read(across, 48)) == bytes(range(1, 49))
    r.zero_blocks([first, across + 8], 32)
    assert r.uc.mem_read(across, 48) == bytes(range(1, 9)) + bytes(32) + bytes(range(41, 49))
    assert r.uc.mem_read(first, 32) == bytes(32)


def test_a_freed_block_comes_back_cleared():
    r = region()
    a = r.alloc(32)
    r.uc.mem_write(a, b"\xff" * 32)
    r.free(a, 32)
    assert r.alloc(32) == a and r.uc.mem_read(a, 32) == bytes(32)


def test_reused_heap_blocks_come_back_cleared_and_in_alloc_order():
    heap = GoHeap(region(1 << 16), "little")
    blocks = heap.alloc_many(48, True, 6)  # before any collection: carved in one piece
    assert blocks == [blocks[0] + 48 * i for i in range(6)]
    for b in blocks:
        heap.region.uc.mem_write(b, b"\xaa" * 48)
    heap.collect(heap.region.uc.mem_read, [], [blocks[1]])  # only blocks[1] is reached
    assert heap.collections == 1 and heap.live_after_gc == 48
    one_by_one = [heap.starts[i] for i in heap.free[48][::-1][:3]]  # three ``alloc`` calls' order
    again = heap.alloc_many(48, False, 3)
    assert again == one_by_one
    assert all(heap.state[heap.starts.index(b)] == NOSCAN for b in again)
    assert all(heap.region.uc.mem_read(b, 48) == bytes(48) for b in again)
    assert heap.region.uc.mem_read(blocks[1], 48) == b"\xaa" * 48  # the live block is untouched
    assert heap.state[heap.starts.index(blocks[1])] == SCAN


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
def test_a_regions_memory_is_this_process_own():
    r = region()
    host = ctypes.addressof(ctypes.c_char.from_buffer(r.read(r.alloc(16), 16)))
    for line in open("/proc/self/maps"):
        lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
        if lo <= host < hi:
            assert line.split()[1].endswith("p"), line  # private, not shared memory
            return
    raise AssertionError(f"no mapping holds {host:#x}")
