"""The emulated CPU: one Unicorn instance plus what differs by architecture.

``CPU`` holds what every architecture shares (registers by name, memory, starting and
stopping); a subclass per architecture (``cpu_amd64``, ``cpu_arm64``) says how a call is
entered and left, where TLS lives, how a system call is caught and how a fault becomes
Go's ``sigpanic``. ``cpu_for(arch)`` picks the subclass.
"""

from __future__ import annotations

import importlib
from typing import Callable, Sequence

from unicorn import Uc

from gopluginemu.arch import Arch


class CPU:
    """Registers by Go/ABI name, memory, and the per-arch conventions of calls and traps."""

    arch: Arch
    uc_arch: int
    uc_mode: int
    reg_module: object  # unicorn.<arch>_const
    reg_prefix: str  # "UC_X86_REG_"
    pc_reg: str
    sp_reg: str
    sigpanic_symbol: str  # where a fault resumes, as the kernel's signal path arranges
    breakpoint: bytes  # the trapping instruction patched over hooked entry points and import stubs
    breakpoint_intno: int  # the interrupt number it raises
    breakpoint_pc_after: int  # how far past the breakpoint the PC is when the interrupt hook runs
    syscall_nr_reg: str
    syscall_arg_regs: tuple[str, ...]
    syscall_ret_reg: str
    c_arg_regs: tuple[str, ...]
    c_ret_reg: str

    def __init__(self, arch: Arch) -> None:
        self.arch = arch
        self.uc = Uc(self.uc_arch, self.uc_mode)
        self._ids: dict[str, int] = {}
        abi = arch.abi
        self.int_ids = [self.reg_id(r) for r in abi.int_regs]
        self.float_ids = [self.reg_id(r) for r in abi.float_regs]
        self.g_id = self.reg_id(abi.g_reg)
        self.ctx_id = self.reg_id(abi.ctx_reg)
        self.pc_id = self.reg_id(self.pc_reg)
        self.sp_id = self.reg_id(self.sp_reg)
        self.order = arch.byte_order

    # -- registers ---------------------------------------------------------------------------

    def reg_id(self, name: str) -> int:
        rid = self._ids.get(name)
        if rid is None:
            rid = self._ids[name] = getattr(self.reg_module, self.reg_prefix + name.upper())
        return rid

    def reg(self, name: str) -> int:
        return self.uc.reg_read(self.reg_id(name))

    def set_reg(self, name: str, value: int) -> None:
        self.uc.reg_write(self.reg_id(name), value)

    @property
    def pc(self) -> int:
        return self.uc.reg_read(self.pc_id)

    @pc.setter
    def pc(self, value: int) -> None:
        self.uc.reg_write(self.pc_id, value)

    @property
    def sp(self) -> int:
        return self.uc.reg_read(self.sp_id)

    @sp.setter
    def sp(self, value: int) -> None:
        self.uc.reg_write(self.sp_id, value)

    @property
    def g(self) -> int:
        return self.uc.reg_read(self.g_id)

    def read_word(self, addr: int) -> int:
        return int.from_bytes(self.uc.mem_read(addr, 8), self.order)

    def write_word(self, addr: int, value: int) -> None:
        self.uc.mem_write(addr, (value & (1 << 64) - 1).to_bytes(8, self.order))

    # -- Go calls ----------------------------------------------------------------------------

    def set_args(self, ints: Sequence[int], floats: Sequence[int]) -> None:
        for rid, v in zip(self.int_ids, ints):
            self.uc.reg_write(rid, v & (1 << 64) - 1)
        for rid, v in zip(self.float_ids, floats):
            self.uc.reg_write(rid, v)

    def results(self, n_ints: int | None = None, n_floats: int | None = None) -> tuple[list[int], list[int]]:
        """The first ``n_ints``/``n_floats`` result registers (all when None)."""
        read = self.uc.reg_read
        ints = self.int_ids if n_ints is None else self.int_ids[:n_ints]
        floats = self.float_ids if n_floats is None else self.float_ids[:n_floats]
        return [read(r) for r in ints], [read(r) & (1 << 64) - 1 for r in floats]

    def enter(self, pc: int, sp: int, ret: int, g: int, ctx: int) -> None:
        """Registers for a Go call of ``pc`` whose entry SP is ``sp`` (8-byte slot there is the
        return address or the saved-LR slot), returning to ``ret``."""
        raise NotImplementedError

    def return_from_hook(self, ints: Sequence[int] = ()) -> None:
        """Finish a hooked Go function at its entry: results in the ABI registers, back to the caller."""
        raise NotImplementedError

    def return_from_c(self, value: int) -> None:
        """Finish a hooked C function at its entry: result in the C return register, back to the caller."""
        raise NotImplementedError

    def c_args(self, n: int) -> list[int]:
        return [self.reg(r) for r in self.c_arg_regs[:n]]

    def caller_at_entry(self) -> tuple[int, int]:
        """(return PC, caller's SP) while stopped at the first instruction of a function."""
        raise NotImplementedError

    def inject_sigpanic(self, target: int, fault_pc: int) -> None:
        """Make the faulting instruction look like it called ``target`` (the signal path's preparePanic)."""
        raise NotImplementedError

    def set_tls(self, tp: int) -> None:
        raise NotImplementedError

    # -- traps -------------------------------------------------------------------------------

    def hook_interrupts(
        self, on_syscall: Callable[[], None], on_breakpoint: Callable[[int], None], on_trap: Callable[[str, int], None]
    ) -> None:
        """Route the CPU's traps: a system call (PC already past it), a patched breakpoint (its
        address), and exceptions Go turns into signals (``on_trap("divide", pc)``)."""
        raise NotImplementedError

    def syscall_args(self) -> tuple[int, list[int]]:
        return self.reg(self.syscall_nr_reg), [self.reg(r) for r in self.syscall_arg_regs]

    def set_syscall_result(self, value: int) -> None:
        self.set_reg(self.syscall_ret_reg, value & (1 << 64) - 1)



def cpu_for(arch: Arch) -> CPU:
    """A fresh CPU of that architecture (ImportError-free: arches without a module raise KeyError)."""
    module = importlib.import_module(f"gopluginemu.engines.emulate.cpu_{arch.goarch}")
    return module.CPUClass(arch)
