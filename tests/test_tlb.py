"""The emulator's TLB fill (``engines.emulate.tlb``): identity mapping, fault addresses, gaps."""

import struct

import pytest
from unicorn import UC_ARCH_ARM64, UC_MODE_ARM, Uc, UcError
from unicorn.arm64_const import UC_ARM64_REG_X0, UC_ARM64_REG_X1, UC_ARM64_REG_X2

from gopluginemu.engines.emulate import tlb

CODE, DATA, RESERVED = 0x10000, 0x20000, 0x40000  # RESERVED: an area with nothing mapped yet
STR_X1_X0, LDR_X2_X0, WFI = 0xF9000001, 0xF9400002, 0xD503207F
STR_W1_X0, BR_X0 = 0xB9000001, 0xD61F0000


def movz_x2(value: int) -> int:
    return 0xD2800002 | value << 5


def test_gaps_are_the_complement_of_the_areas():
    assert tlb.gaps([(0x2000, 0x1000), (0x1000, 0x800)]) == [(0, 0xFFF), (0x1800, 0x1FFF), (0x3000, tlb.TOP)]
    assert tlb.gaps([(0, 0x1000), (0x800, 0x1000)]) == [(0x1800, tlb.TOP)]
    assert tlb.gaps([]) == [(0, tlb.TOP)]


def machine_with(code: list[int]) -> tuple[Uc, list[int]]:
    uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
    uc.mem_map(CODE, 0x1000)
    uc.mem_map(DATA, 0x1000)
    uc.mem_write(CODE, struct.pack(f"<{len(code)}I", *code))
    faults: list[int] = []
    tlb.install(uc, [(CODE, 0x1000), (DATA, 0x1000), (RESERVED, 0x10000)], [(CODE, 0x1000)], faults.append)
    return uc, faults


def test_stores_and_loads_see_the_mapped_memory():
    uc, _ = machine_with([STR_X1_X0, LDR_X2_X0, WFI])
    uc.reg_write(UC_ARM64_REG_X0, DATA + 8)
    uc.reg_write(UC_ARM64_REG_X1, 0x1122334455667788)
    uc.emu_start(CODE, 0)
    assert uc.reg_read(UC_ARM64_REG_X2) == 0x1122334455667788
    assert uc.mem_read(DATA + 8, 8) == (0x1122334455667788).to_bytes(8, "little")


@pytest.mark.parametrize(("address", "reported"), [(0x18, 0x18), (RESERVED + 0x1238, RESERVED + 0x1000)])
def test_an_access_to_unmapped_memory_faults_and_says_where(address, reported):
    """In a gap the hook knows the exact address; inside an area only the page is known."""
    uc, faults = machine_with([LDR_X2_X0, WFI])
    uc.reg_write(UC_ARM64_REG_X0, address)
    with pytest.raises(UcError):
        uc.emu_start(CODE, 0)
    assert faults[-1] == reported


def test_code_the_guest_rewrites_after_it_ran_runs_as_rewritten():
    """The code range's hook spares Unicorn a TLB scan per translated block; a store to the
    range still finds and drops the blocks translated from the bytes it overwrites."""
    target = CODE + 0x100
    uc, _ = machine_with([STR_W1_X0, BR_X0])
    uc.mem_write(target, struct.pack("<2I", movz_x2(1), WFI))
    uc.emu_start(target, 0)
    assert uc.reg_read(UC_ARM64_REG_X2) == 1
    uc.reg_write(UC_ARM64_REG_X0, target)
    uc.reg_write(UC_ARM64_REG_X1, movz_x2(2))
    uc.emu_start(CODE, 0)  # stores the new instruction over the one that ran, then jumps to it
    assert uc.reg_read(UC_ARM64_REG_X2) == 2
