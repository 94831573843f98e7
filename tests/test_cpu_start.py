"""A CPU whose Unicorn engine is set up on another thread (``engines.emulate.cpu.CPUStart``)
while the caller decodes the file: it must be the CPU ``cpu_for`` makes at once."""

import pytest
from unicorn import UcError

from gopluginemu.arch import ARCHES
from gopluginemu.engines.emulate import tlb
from gopluginemu.engines.emulate.cpu import CPU, CPUStart, cpu_for

CODE = 0x10000


def state(cpu: CPU) -> dict[int, int]:
    return {rid: cpu.read(rid) for rid in (*cpu.int_ids, cpu.g_id, cpu.ctx_id, cpu.pc_id, cpu.sp_id)}


def breakpoint_seen(cpu: CPU) -> list:
    """Where the CPU reports the breakpoint instruction it runs at CODE."""
    seen: list = []

    def on_breakpoint(pc: int) -> None:
        seen.append(pc)
        cpu.uc.emu_stop()

    cpu.hook_interrupts(lambda: seen.append("syscall"), on_breakpoint, lambda why, pc: seen.append(why))
    cpu.uc.mem_map(CODE, 0x1000)
    cpu.uc.mem_write(CODE, cpu.breakpoint * 4)
    tlb.install(cpu.uc, [(CODE, 0x1000)], [(CODE, 0x1000)], lambda page: None)  # as the machine runs code
    cpu.start(CODE)
    return seen


@pytest.mark.parametrize("goarch", sorted(ARCHES))
def test_a_cpu_started_ahead_is_the_cpu_made_at_once(goarch):
    arch = ARCHES[goarch]
    started, made = CPUStart(arch).cpu(), cpu_for(arch)
    assert type(started) is type(made)
    for cpu in (started, made):
        assert cpu.uc.ctl_get_page_size() == (cpu.page_size or 0x1000)
        with pytest.raises(UcError):  # Unicorn takes a page size only before it sets the engine up
            cpu.uc.ctl_set_page_size(0x1000)
    assert state(started) == state(made)  # including what the subclass set after the set-up
    assert breakpoint_seen(started) == breakpoint_seen(made) == [CODE]
