"""A CPU whose Unicorn engine is set up on another thread (``engines.emulate.cpu.CPUStart``)
while the caller decodes the file: it must be the CPU ``cpu_for`` makes at once."""

import subprocess
import sys

import pytest
from unicorn import Uc, UcError

from gopluginemu.arch import ARCHES
from gopluginemu.engines.emulate import tlb
from gopluginemu.engines.emulate.cpu import CPU, CPUStart, cpu_class, cpu_for

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


@pytest.mark.parametrize("goarch", sorted(ARCHES))
def test_an_engine_is_of_the_binding_subclass_only_where_the_cpu_needs_one(goarch):
    """Unicorn's binding imports a module per architecture for its subclass of ``Uc``; a CPU that
    needs nothing of it runs on ``Uc`` itself, and its process never imports that module."""
    cls = cpu_class(ARCHES[goarch])
    probe = ("import sys; from gopluginemu.arch import ARCHES; from gopluginemu.engines.emulate.cpu import cpu_for; "
             f"cpu = cpu_for(ARCHES[{goarch!r}]); "
             "print(type(cpu.uc).__name__, any(m.startswith('unicorn.unicorn_py3.arch.') and m != 'unicorn.unicorn_py3.arch.types' for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert out == ([Uc(cls.uc_arch, cls.uc_mode).__class__.__name__, "True"] if cls.binding_subclass else ["Uc", "False"])
