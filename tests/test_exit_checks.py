"""Engines without Unicorn's exit check after every access (``engines.emulate.exit_checks``), and
the TLB fill that keeps their faults precise (``engines.emulate.tlb``): a store to unmapped
memory stops at the store itself, with nothing after it run."""

import contextlib
import platform
import struct

import pytest
import unicorn
from unicorn import UcError

from gopluginemu.arch import amd64, arm64, ppc64le, s390x
from gopluginemu.engines.emulate import exit_checks, tlb
from gopluginemu.engines.emulate.cpu import _C, cpu_for
from gopluginemu.engines.emulate.memory import PAGE, map_in_place
from gopluginemu.hostmem import anonymous_memory

CODE, DATA, AREA = 0x10000, 0x20000, 0x40000  # AREA: reserved, nothing mapped in it yet
GAP = 0x7000_0000_1238  # in no area
CHECKED_HOST = platform.machine().lower() in ("x86_64", "amd64") and unicorn.__version__ in exit_checks.CHECKED_RELEASES

# store x1/rbx at x0/rax; set x2/rcx to 42; store x1/rbx at x3/rdx; trap
PROGRAMS = {
    "arm64": (arm64.ARCH, struct.pack("<4I", 0xF9000001, 0xD2800542, 0xF9000061, 0xD4200000), ("x0", "x1", "x3"), "x2"),
    "amd64": (amd64.ARCH, bytes.fromhex("488918" "b92a000000" "48891a" "f4"), ("rax", "rbx", "rdx"), "rcx"),
}
LOAD_THEN_STORE = {  # load x2/rcx from x0/rax; store x1/rbx at x0/rax; trap
    "arm64": struct.pack("<3I", 0xF9400002, 0xF9000001, 0xD4200000),
    "amd64": bytes.fromhex("488b08" "488918" "f4"),
}


def engine(name: str):
    """A CPU of ``name`` with code and data pages, its TLB filled as the machine fills it."""
    arch, code, _, _ = PROGRAMS[name]
    cpu = cpu_for(arch)
    memory = [anonymous_memory(PAGE), anonymous_memory(PAGE)]
    map_in_place(cpu.uc, CODE, memory[0])
    map_in_place(cpu.uc, DATA, memory[1])
    faults: list[int] = []
    areas = [(CODE, PAGE), (DATA, PAGE), (AREA, 0x10000)]
    tlb.install(cpu.uc, areas, [(CODE, PAGE)], faults.append, None if cpu.exit_checks else cpu.mapped)
    return cpu, memory, faults


@pytest.mark.skipif(not CHECKED_HOST, reason="the field's offset is read from x86-64 code of a checked Unicorn release")
def test_the_checks_are_off_on_cpus_whose_calls_end_at_the_halting_stub():
    assert exit_checks.field_offset(_C) is not None
    assert not cpu_for(arm64.ARCH).exit_checks and not cpu_for(amd64.ARCH).exit_checks
    assert cpu_for(ppc64le.ARCH).exit_checks and cpu_for(s390x.ARCH).exit_checks  # calls end in a code hook


def test_an_unchecked_release_keeps_the_checks(monkeypatch):
    monkeypatch.setattr(exit_checks, "CHECKED_RELEASES", ())
    assert exit_checks.field_offset(_C) is None
    assert not exit_checks.switch_off(cpu_for(arm64.ARCH)._uch, None)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
@pytest.mark.parametrize(("target", "reported"), [(GAP, GAP & ~(PAGE - 1)), (AREA + 0x1238, AREA + 0x1000), (0x18, 0)],
                         ids=["gap", "area", "nil"])
def test_a_store_to_unmapped_memory_stops_at_the_store(name, target, reported):
    _, code, (addr_reg, value_reg, live_reg), after_reg = PROGRAMS[name]
    cpu, memory, faults = engine(name)
    memory[0][: len(code)] = code
    cpu.write(cpu.reg_id(addr_reg), target)
    cpu.write(cpu.reg_id(value_reg), 7)
    cpu.write(cpu.reg_id(live_reg), DATA)
    with pytest.raises(UcError):
        cpu.start(CODE)
    assert cpu.read(cpu.pc_id) == CODE  # the state before the store
    assert cpu.reg(after_reg) == 0 and bytes(memory[1][:8]) == bytes(8)  # nothing after it ran
    if not cpu.exit_checks:  # the fill refused the store: only the page is known
        assert faults[-1] == reported


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_a_load_from_an_unmapped_page_faults_with_its_address_and_a_later_store_there_too(name):
    """The load's fill gives the page no write permission, so the store misses and is refused."""
    cpu, memory, faults = engine(name)
    code = LOAD_THEN_STORE[name]
    memory[0][: len(code)] = code
    addr_reg, value_reg, _ = PROGRAMS[name][2]
    cpu.write(cpu.reg_id(addr_reg), GAP)
    with pytest.raises(UcError):
        cpu.start(CODE)
    assert cpu.read(cpu.pc_id) == CODE and faults[-1] == GAP  # a gap's hook knows the exact address
    cpu.write(cpu.reg_id(value_reg), 7)
    store = CODE + (4 if name == "arm64" else 3)
    with pytest.raises(UcError):
        cpu.start(store)
    assert cpu.read(cpu.pc_id) == store


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_stores_to_mapped_memory_are_untouched(name):
    _, code, (addr_reg, value_reg, live_reg), after_reg = PROGRAMS[name]
    cpu, memory, _ = engine(name)
    memory[0][: len(code)] = code
    for reg, value in ((addr_reg, DATA + 8), (value_reg, 7), (live_reg, DATA + 16)):
        cpu.write(cpu.reg_id(reg), value)
    with contextlib.suppress(UcError):  # the end: arm64's brk raises (nothing handles it), amd64's hlt halts
        cpu.start(CODE)
    assert cpu.reg(after_reg) == 42
    assert struct.unpack_from("<QQ", memory[1], 8) == (7, 7)
