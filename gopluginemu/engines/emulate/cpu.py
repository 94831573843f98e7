"""The emulated CPU: one Unicorn instance plus what differs by architecture.

``CPU`` holds what every architecture shares (registers by name, memory, starting and
stopping); a subclass per architecture (``cpu_amd64``, ``cpu_arm64``) says how a call is
entered and left, where TLS lives, how a system call is caught and how a fault becomes
Go's ``sigpanic``. ``cpu_for(arch)`` picks the subclass.
"""

from __future__ import annotations

import ctypes
import importlib
import sys
import threading
from typing import Callable, Sequence

from unicorn import Uc, UcError
from unicorn.unicorn_py3.unicorn import uclib

from gopluginemu.arch import Arch
from gopluginemu.engines.emulate import exit_checks

MASK = (1 << 64) - 1
# Unicorn's C functions without the binding's per-argument conversion (its ``argtypes``): the
# CPU passes ready-made ctypes values (an address or size is set into a reused c_uint64 or
# c_size_t), which makes a start, a register access or a small read or write two to four times
# cheaper from Python than through the binding
_C = ctypes.CDLL(uclib._name, handle=uclib._handle)
# The host code buffer of an engine's translations. Unicorn's own is 1 GiB, mapped wherever the
# OS puts it. Every translated block calls Unicorn's helper functions, and a buffer more than
# 2 GiB from them (on x86-64 hosts: the second engine of a process, or the first behind 2 GiB of
# other mappings) makes those calls indirect: an amd64 CPU-bound loop ran 3.7 times slower, arm64
# code 7%. A full buffer is flushed and its blocks translated again as they run; the corpus's
# largest scenario (stdlib) fills well under 64 MiB.
TCG_BUFFER = 64 << 20

_emu_start, _mem_read, _mem_write = _C.uc_emu_start, _C.uc_mem_read, _C.uc_mem_write
_reg_read, _reg_write = _C.uc_reg_read, _C.uc_reg_write
# removing no hook: Unicorn's cheapest call that sets the engine up (every call but a few
# ``uc_ctl``s and ``uc_close`` does, on first use) and changes nothing else
_hook_del, _NO_HOOK = _C.uc_hook_del, ctypes.c_size_t(0)
_ZERO, _NO_COUNT, _EIGHT = ctypes.c_uint64(0), ctypes.c_size_t(0), ctypes.c_size_t(8)
SMALL_READ = 256  # reads up to this size go through one reused buffer
_EXIT_CHECK_FIELD = exit_checks.field_offset(_C)


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

    wide_float_regs = False  # float registers are 128 bits wide in Unicorn (x86 XMM)
    # an instruction that ends emu_start cleanly (None: the CPU has none, and Go calls end in
    # a code hook instead of the trampoline and drivers of ``driver``)
    halt: bytes | None = None
    goexit_call_size = 0  # bytes of goexit's call of goexit1
    # Go functions take arguments in registers (ABIInternal); False for Go's stack ABI (s390x
    # before Go 1.26), which only a CPU class that supports it honours. The machine sets it.
    regabi = True
    # the engine's page size where it must be set (Unicorn's own is 4 KiB on all but arm64): the
    # unit of its TLB, whose every fill is a call into Python (``tlb``)
    page_size: int | None = None
    # whether the engine must be of the binding's subclass of ``Uc`` for its architecture, for what
    # only that adds (instruction hooks; coprocessor and 128-bit registers, which the CPUs read
    # through the C functions or not at all): made of ``Uc`` itself, an engine spares a process the
    # import of the subclass's module at its first engine (arm64: 0.5 to 0.8 ms)
    binding_subclass = False
    # the fewest and the most bytes of one instruction (what ``fault_address`` reads at a PC)
    insn_sizes = (4, 4)

    @classmethod
    def engine(cls) -> Uc:
        """A new Unicorn engine for this CPU, not yet initialised (see ``CPUStart``)."""
        if cls.binding_subclass:
            uc = Uc(cls.uc_arch, cls.uc_mode)
        else:  # what Uc(...) does, but for choosing (and importing) the subclass
            uc = object.__new__(Uc)
            uc.__init__(cls.uc_arch, cls.uc_mode)
        if cls.page_size is not None:  # only before the engine initialises
            uc.ctl_set_page_size(cls.page_size)
        uc.ctl_set_tcg_buffer_size(TCG_BUFFER)  # likewise
        return uc

    def __init__(self, arch: Arch, uc: Uc | None = None) -> None:
        """A CPU on ``uc`` (one of ``engine``'s), or on a new engine."""
        self.arch = arch
        self.uc = uc if uc is not None else self.engine()
        self._uch = self.uc._uch
        self._word = ctypes.c_uint64()
        self._word_p = ctypes.byref(self._word)
        self._mem = ctypes.c_uint64()  # host-order integer, seen by Unicorn as 8 bytes
        self._mem_p = ctypes.byref(self._mem)
        self._addr, self._size = ctypes.c_uint64(), ctypes.c_size_t()  # arguments of the C calls
        self._small = ctypes.create_string_buffer(SMALL_READ)
        self._probe, self._probe_size = ctypes.c_uint64(), ctypes.c_size_t()
        self._decoder = None  # Capstone, for the operands of a faulting instruction
        self.native_order = arch.byte_order == sys.byteorder
        self._wide = (ctypes.c_uint64 * 2)()
        self._ids: dict[str, int] = {}
        abi = arch.abi
        self.int_ids = [self.reg_id(r) for r in abi.int_regs]
        self.float_ids = [self.reg_id(r) for r in abi.float_regs]
        self.g_id = self.reg_id(abi.g_reg)
        self.ctx_id = self.reg_id(abi.ctx_reg)
        self.pc_id = self.reg_id(self.pc_reg)
        self.sp_id = self.reg_id(self.sp_reg)
        self.order = arch.byte_order
        # whether Unicorn checks for a stop after every guest load and store (``exit_checks``):
        # a CPU whose calls end at the halting stub runs without, once no block is translated yet
        self.exit_checks = not (self.halt is not None and exit_checks.switch_off(self._uch, _EXIT_CHECK_FIELD))

    def start(self, begin: int) -> None:
        """``uc.emu_start(begin, 0)``: run until the CPU halts or a hook stops it; an exception a
        Python hook raised is raised here, as the binding does."""
        uc = self.uc
        uc._hook_exception = None
        self._addr.value = begin
        status = _emu_start(self._uch, self._addr, _ZERO, _ZERO, _NO_COUNT)
        if status:
            raise UcError(status)
        if uc._hook_exception is not None:
            raise uc._hook_exception

    # -- registers ---------------------------------------------------------------------------

    def reg_id(self, name: str) -> int:
        rid = self._ids.get(name)
        if rid is None:
            rid = self._ids[name] = getattr(self.reg_module, self.reg_prefix + name.upper())
        return rid

    # Registers through Unicorn's C API: the Python binding's generic reg_read/reg_write cost
    # about a microsecond each, which dominated a Go call.

    def read(self, rid: int) -> int:
        """A 64-bit register by Unicorn id."""
        _reg_read(self._uch, rid, self._word_p)
        return self._word.value

    def write(self, rid: int, value: int) -> None:
        """Set a 64-bit register by Unicorn id."""
        self._word.value = value & MASK
        _reg_write(self._uch, rid, self._word_p)

    def read_float(self, rid: int) -> int:
        if not self.wide_float_regs:
            return self.read(rid)
        _reg_read(self._uch, rid, self._wide)
        return self._wide[0]

    def write_float(self, rid: int, value: int) -> None:
        if not self.wide_float_regs:
            self.write(rid, value)
            return
        self._wide[0], self._wide[1] = value & MASK, 0
        _reg_write(self._uch, rid, self._wide)

    def reg(self, name: str) -> int:
        return self.read(self.reg_id(name))

    def set_reg(self, name: str, value: int) -> None:
        self.write(self.reg_id(name), value)

    @property
    def pc(self) -> int:
        return self.read(self.pc_id)

    @pc.setter
    def pc(self, value: int) -> None:
        self.write(self.pc_id, value)

    @property
    def sp(self) -> int:
        return self.read(self.sp_id)

    @sp.setter
    def sp(self, value: int) -> None:
        self.write(self.sp_id, value)

    @property
    def g(self) -> int:
        return self.read(self.g_id)

    def read_bytes(self, addr: int, size: int) -> bytes:
        """``size`` bytes of guest memory (a UcError where any of it is unmapped)."""
        self._addr.value, self._size.value = addr, size
        buffer = self._small if size <= SMALL_READ else ctypes.create_string_buffer(size)
        status = _mem_read(self._uch, self._addr, buffer, self._size)
        if status:
            raise UcError(status)
        return ctypes.string_at(buffer, size)

    def mapped(self, addr: int, size: int = 1) -> bool:
        """Whether all ``size`` bytes (at most ``SMALL_READ``) at ``addr`` are mapped in the engine."""
        self._probe.value, self._probe_size.value = addr, size
        return not _mem_read(self._uch, self._probe, self._small, self._probe_size)

    def fault_address(self, pc: int) -> int | None:
        """The unmapped address the instruction at ``pc`` touches (``pc`` itself where it cannot be
        fetched), or None where none of its memory operands is unmapped or the CPU cannot tell
        where they point (``operand_address``). Capstone decodes it, imported only when a fault
        asks (~15 ms)."""
        least, most = self.insn_sizes
        if not self.mapped(pc, least):
            return pc
        if self._decoder is None:
            from gopluginemu.disasm import capstone_for

            self._decoder = capstone_for(self.arch)
        cs = self._decoder
        code = self.read_bytes(pc, most if self.mapped(pc, most) else least)
        for ins in cs.disasm(code, pc, 1):
            for op in ins.operands:
                ea = self.operand_address(cs, ins, op)
                if ea is None:
                    continue
                ea &= MASK
                for probe in (ea, (ea + self.operand_width(op) - 1) & MASK):
                    if not self.mapped(probe):
                        return probe
        return None

    def operand_address(self, cs, ins, op) -> int | None:
        """Where a memory operand of a decoded instruction points (None: not a memory operand,
        or a CPU that does not say)."""
        return None

    def operand_width(self, op) -> int:
        """How many bytes at a memory operand's address are checked for a fault."""
        return 8

    def write_bytes(self, addr: int, data: bytes) -> None:
        """Store ``data`` (bytes-like) in guest memory (a UcError where any of it is unmapped)."""
        self._addr.value, self._size.value = addr, len(data)
        status = _mem_write(self._uch, self._addr, bytes(data), self._size)
        if status:
            raise UcError(status)

    def read_word(self, addr: int) -> int:
        """A 64-bit word of guest memory, in the guest's byte order (C API, no copies)."""
        self._addr.value = addr
        status = _mem_read(self._uch, self._addr, self._mem_p, _EIGHT)
        if status:
            raise UcError(status)
        value = self._mem.value
        return value if self.native_order else int.from_bytes(value.to_bytes(8, sys.byteorder), self.order)

    def write_word(self, addr: int, value: int) -> None:
        value &= MASK
        self._mem.value = value if self.native_order else int.from_bytes(value.to_bytes(8, self.order), sys.byteorder)
        self._addr.value = addr
        status = _mem_write(self._uch, self._addr, self._mem_p, _EIGHT)
        if status:
            raise UcError(status)

    # -- Go calls ----------------------------------------------------------------------------

    def set_args(self, ints: Sequence[int], floats: Sequence[int]) -> None:
        for rid, v in zip(self.int_ids, ints):
            self.write(rid, v)
        for rid, v in zip(self.float_ids, floats):
            self.write_float(rid, v)

    def results(self, n_ints: int | None = None, n_floats: int | None = None) -> tuple[list[int], list[int]]:
        """The first ``n_ints``/``n_floats`` result registers (all when None)."""
        ints = self.int_ids if n_ints is None else self.int_ids[:n_ints]
        floats = self.float_ids if n_floats is None else self.float_ids[:n_floats]
        return [self.read(r) for r in ints], [self.read_float(r) for r in floats]

    def int_arg(self, i: int, size: int = 8) -> int:
        """Integer argument ``i`` of ``size`` bytes (at a hooked function's entry), each argument
        one register (or, with the stack ABI, one word of the argument area)."""
        value = self.read(self.int_ids[i])
        return value if size == 8 else value & ((1 << 8 * size) - 1)

    def enter(self, pc: int, sp: int, ret: int, g: int, ctx: int) -> None:
        """Registers for a Go call of ``pc`` whose entry SP is ``sp`` (8-byte slot there is the
        return address or the saved-LR slot), returning to ``ret``."""
        raise NotImplementedError

    def reenter(self, pc: int, sp: int, ret: int) -> None:
        """``enter`` again on the same goroutine with the same closure context (a batch of calls):
        only the stack pointer, return address and PC change."""
        raise NotImplementedError

    def return_from_hook(self, ints: Sequence[int] = (), arg_words: int = 0) -> None:
        """Finish a hooked Go function at its entry: results in the ABI registers, back to the
        caller. ``arg_words``: the size of the function's arguments in words, which the stack ABI
        puts its results after."""
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

    def goexit_trampoline(self, site: int, original: bytes, at: int, block: int) -> tuple[bytes, bytes] | None:
        """(the branch to write over goexit's call of goexit1 at ``site``, whose bytes are
        ``original``; the trampoline code for address ``at``): a return of the goroutine in the
        block's ``G`` word continues at its ``CONT`` word, any other makes the original call.
        None if the call is not the expected instruction or ``at`` is out of the branch's reach."""
        return None

    def branch(self, site: int, target: int) -> bytes | None:
        """A jump from ``site`` to ``target`` to write at ``site`` (None: out of reach)."""
        return None

    def alloc_stub(self, env) -> tuple[bytes, int]:
        """mallocgc(size, typ, needzero) from the pools of ``runtime.pools`` (``env`` a
        ``PoolEnv``): position-independent code that returns a pooled block to the caller, and
        the offset of the breakpoint it reaches otherwise (registers as at mallocgc's entry)."""
        raise NotImplementedError

    def call_driver(self, sig, env) -> tuple[bytes, int]:
        """The driver loop for calls of signature ``sig`` (``driver.Signature``) in the process
        ``env`` (``driver.DriverEnv``), position-independent, and the offset of its continuation
        (where the trampoline sends a returning call)."""
        raise NotImplementedError

    # -- traps -------------------------------------------------------------------------------

    def hook_interrupts(
        self, on_syscall: Callable[[], None], on_breakpoint: Callable[[int], None], on_trap: Callable[[str, int], None]
    ) -> None:
        """Route the CPU's traps: a system call (PC already past it), a patched breakpoint (its
        address), and exceptions Go turns into signals (``on_trap("divide", pc)``; a CPU whose
        bad memory accesses are traps rather than Unicorn memory errors: ``on_trap("segv", pc,
        address)``, the address ``pc`` itself for an instruction fetch)."""
        raise NotImplementedError

    def syscall_args(self) -> tuple[int, list[int]]:
        return self.reg(self.syscall_nr_reg), [self.reg(r) for r in self.syscall_arg_regs]

    def set_syscall_result(self, value: int) -> None:
        self.set_reg(self.syscall_ret_reg, value)



class LinkRegisterCPU(CPU):
    """A CPU whose calls leave the return address in a link register (arm64, ppc64, s390x):
    returns jump to it, and a fault is made to look like a call from the faulting PC the way
    each arch's ``preparePanic`` does it (save LR in a new frame, LR = the faulting PC)."""

    lr_reg: str
    signal_frame: int  # bytes the signal path pushes below SP to save LR

    def __init__(self, arch: Arch, uc: Uc | None = None) -> None:
        super().__init__(arch, uc)
        self.lr_id = self.reg_id(self.lr_reg)
        self.c_ret_id = self.reg_id(self.c_ret_reg)

    def write_results(self, ints: Sequence[int], arg_words: int) -> None:
        """A hooked function's results, where the caller reads them (the result registers)."""
        for rid, v in zip(self.int_ids, ints):
            self.write(rid, v)

    def return_from_hook(self, ints: Sequence[int] = (), arg_words: int = 0) -> None:
        self.write_results(ints, arg_words)
        self.write(self.pc_id, self.read(self.lr_id))

    def return_from_c(self, value: int) -> None:
        self.write(self.c_ret_id, value)
        self.write(self.pc_id, self.read(self.lr_id))

    def caller_at_entry(self) -> tuple[int, int]:
        return self.read(self.lr_id), self.sp

    def push_signal_frame(self, fault_pc: int) -> None:
        """The common part of ``preparePanic``: save LR below SP, pretend the faulting PC called."""
        sp = self.sp - self.signal_frame
        self.write_word(sp, self.read(self.lr_id))
        self.sp = sp
        if fault_pc:
            self.write(self.lr_id, fault_pc)


def cpu_class(arch: Arch) -> type[CPU]:
    """The CPU class of that architecture (ModuleNotFoundError for one without a module)."""
    return importlib.import_module(f"gopluginemu.engines.emulate.cpu_{arch.goarch}").CPUClass


def cpu_for(arch: Arch) -> CPU:
    """A fresh CPU of that architecture."""
    return cpu_class(arch)(arch)


class CPUStart:
    """A CPU whose Unicorn engine initialises on another thread while the caller goes on.

    Unicorn sets an engine up on its first use: the guest CPU model (on arm64, hundreds of
    system registers put in a hash table), the translator and its code buffer; 1 to 2.5 ms of C
    code here, which releases Python's lock. Started as soon as a file's architecture is known,
    it runs beside the decoding of the file's tables."""

    def __init__(self, arch: Arch) -> None:
        self.arch = arch
        self._class = cpu_class(arch)
        uc = self._class.engine()
        self._uc = uc
        # the thread's target holds ``uc`` until it returns: the engine is not closed under it
        self._thread = threading.Thread(target=lambda: _hook_del(uc._uch, _NO_HOOK), name="unicorn set-up", daemon=True)
        self._thread.start()

    def cpu(self) -> CPU:
        """The CPU, once its engine is set up."""
        self._thread.join()
        return self._class(self.arch, self._uc)
