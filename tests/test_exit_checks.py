"""Engines without Unicorn's exit check after every access (``engines.emulate.exit_checks``), and
the TLB fill that keeps their faults precise (``engines.emulate.tlb``): a store to unmapped
memory stops at the store itself, with nothing after it run."""

import contextlib
import platform
import struct

import pytest
import unicorn
from unicorn import UcError

import gopluginemu
from gopluginemu.arch import amd64, arm64, ppc64le, s390x
from gopluginemu.engines.emulate import exit_checks, tlb
from gopluginemu.engines.emulate.cpu import _C, cpu_for
from gopluginemu.engines.emulate.memory import PAGE, map_in_place
from gopluginemu.errors import GoFatalError
from gopluginemu.hostmem import anonymous_memory
from gopluginemu.values import Pointer
from tests.conftest import DETAIL_GO, EMULATED_TARGETS, built_plugin

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
    if not cpu.exit_checks:  # the fill refused the store: it knows only the page, the instruction says where
        assert faults[-1] == reported
    assert cpu.fault_address(CODE) == target


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


# (arch, code, registers, the address the instruction stores to)
ADDRESSING = {
    "arm64 register offset, shifted": (arm64.ARCH, 0xF8227801, dict(x0=GAP - 0x40, x2=8), GAP),  # str x1, [x0, x2, lsl #3]
    "arm64 pre-index": (arm64.ARCH, 0xF8008C01, dict(x0=GAP - 8), GAP),  # str x1, [x0, #8]!
    "arm64 post-index": (arm64.ARCH, 0xF8008401, dict(x0=GAP), GAP),  # str x1, [x0], #8
    "arm64 signed 32-bit index": (arm64.ARCH, 0xB822D801, dict(x0=GAP + 8, x2=0xFFFFFFFE), GAP),  # str w1, [x0, w2, sxtw #2]
    "arm64 pair": (arm64.ARCH, 0xA9BF0BE1, dict(sp=GAP + 16), GAP),  # stp x1, x2, [sp, #-16]!
    "amd64 base, index, scale": (amd64.ARCH, bytes.fromhex("48895cc810"), dict(rax=GAP - 0x50, rcx=8), GAP),  # mov [rax+rcx*8+0x10], rbx
    "amd64 rip-relative": (amd64.ARCH, bytes.fromhex("48891d00100000"), {}, CODE + 7 + 0x1000),  # mov [rip+0x1000], rbx
    "amd64 fs": (amd64.ARCH, bytes.fromhex("6448891c2510000000"), dict(fs_base=GAP - 0x10), GAP),  # mov fs:[0x10], rbx
}


@pytest.mark.parametrize("case", sorted(ADDRESSING))
def test_a_faulting_store_s_address_is_worked_out_from_its_operands(case):
    arch, code, regs, target = ADDRESSING[case]
    cpu, memory, _ = engine(arch.goarch)
    code = struct.pack("<I", code) if isinstance(code, int) else code
    memory[0][: len(code)] = code
    for reg, value in regs.items():
        cpu.write(cpu.reg_id(reg), value)
    with pytest.raises(UcError):
        cpu.start(CODE)
    assert cpu.read(cpu.pc_id) == CODE
    assert cpu.fault_address(CODE) == target


@pytest.mark.parametrize("go", DETAIL_GO)
@pytest.mark.parametrize("target", EMULATED_TARGETS)
def test_a_wild_store_in_go_code_tells_go_its_exact_address(go, target):
    """``Rename`` stores through its pointer first (``p.Name``, 8 bytes in): through a wild one Go's
    ``sigpanic`` prints the faulting address and throws (an address under 0x1000 would be a nil
    dereference instead, so the page alone would not do)."""
    plugin = gopluginemu.Session().open(built_plugin(go, target, "funcs"))
    wild = Pointer(plugin.machine, plugin.machine.type_named("*main.Person"), GAP)
    with pytest.raises(GoFatalError, match="fatal error: fault"):
        plugin.lookup("Rename")(wild, "x")
    assert plugin.stderr.endswith(f"unexpected fault address {GAP + 8:#x}\n")
