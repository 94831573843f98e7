"""IBM Z (s390x) in Unicorn: big-endian; calls leave the return address in R14, SP is R15, TLS
is the access registers A0:A1, and ``svc`` is an interrupt that leaves the PC on the ``svc``.

Unicorn reports an access to unmapped memory on s390x as a program interruption, not as a
memory error (no ``UC_HOOK_MEM_INVALID``, no fault address): the faulting address is worked out
from the instruction's memory operands, which Go needs to tell a nil dereference from a wild one.

Unicorn starts the CPU in 24-bit addressing with the vector facility off: the PSW gets the
extended and basic addressing bits (64-bit addresses) and CR0 the vector and AFP enables.

Go on s390x used its stack ABI ("ABI0") for every function before 1.26: arguments from 8(R15),
results after them. ``regabi`` (set by the machine from the build) picks how hooked functions
read their arguments and return their results.
"""

from __future__ import annotations

from typing import Sequence

from unicorn import UC_ARCH_S390X, UC_HOOK_INTR, UC_MODE_BIG_ENDIAN, Uc, s390x_const

from gopluginemu.arch import Arch
from gopluginemu.engines.emulate.cpu import LinkRegisterCPU, MASK

PSW_EA_BA = 0x180000000  # PSW extended + basic addressing mode: 64-bit addresses
CR0_VECTOR_AFP = 0x60000  # CR0 AFP-register control and vector enablement
EXCP_SVC = 2  # svc: the PC is still on the 2-byte instruction
EXCP_PGM = 3  # a program interruption (here: an access to unmapped memory), PC on the instruction
SVC = 0x0A  # the svc opcode; its second byte is the immediate code
BREAK_CODE = 0xFF  # `svc 255`: what the emulator patches over hooked entry points (Go uses svc 0)
MIN_FRAME = 8  # sys.MinFrameSize: the saved-LR slot at 0(R15)
# system calls whose s390x kernel ABI differs from the generic one the kernel emulation reads
OLD_MMAP = 90  # mmap takes a pointer to its six arguments (old_mmap)
CLONE = 120  # clone(stack, flags, ...): the first two arguments swapped


class S390X(LinkRegisterCPU):
    uc_arch = UC_ARCH_S390X
    uc_mode = UC_MODE_BIG_ENDIAN
    reg_module = s390x_const
    reg_prefix = "UC_S390X_REG_"
    pc_reg = "pc"
    sp_reg = "r15"
    sigpanic_symbol = "runtime.sigpanic"
    breakpoint = bytes((SVC, BREAK_CODE))
    breakpoint_intno = EXCP_SVC
    breakpoint_pc_after = 0
    syscall_nr_reg = "r1"
    syscall_arg_regs = ("r2", "r3", "r4", "r5", "r6", "r7")
    syscall_ret_reg = "r2"
    c_arg_regs = ("r2", "r3", "r4", "r5", "r6")
    c_ret_reg = "r2"
    lr_reg = "r14"
    signal_frame = MIN_FRAME  # runtime/signal_linux_s390x.go preparePanic
    insn_sizes = (2, 6)

    def __init__(self, arch: Arch, uc: Uc | None = None) -> None:
        super().__init__(arch, uc)
        uc = self.uc
        uc.reg_write(s390x_const.UC_S390X_REG_PSWM, uc.reg_read(s390x_const.UC_S390X_REG_PSWM) | PSW_EA_BA)
        uc.reg_write(s390x_const.UC_S390X_REG_CR0, uc.reg_read(s390x_const.UC_S390X_REG_CR0) | CR0_VECTOR_AFP)
        self.r0_id = s390x_const.UC_S390X_REG_R0
        self._svc_code = 0

    # -- Go calls ----------------------------------------------------------------------------

    def _arg_addr(self, word: int) -> int:
        return self.read(self.sp_id) + self.arch.abi.args_offset + 8 * word

    def int_arg(self, i: int, size: int = 8) -> int:
        if self.regabi:
            return super().int_arg(i, size)
        # the stack ABI: argument i in word i of the argument area, a smaller one at the start
        # of its word (the high half, big-endian)
        if size == 8:
            return self.read_word(self._arg_addr(i))
        return int.from_bytes(self.uc.mem_read(self._arg_addr(i), size), "big")

    def enter(self, pc: int, sp: int, ret: int, g: int, ctx: int) -> None:
        self.write_word(sp, 0)  # the saved-LR slot of a frame with no caller
        self.write(self.sp_id, sp)
        self.write(self.g_id, g)
        self.write(self.ctx_id, ctx)
        self.write(self.r0_id, 0)
        self.write(self.lr_id, ret)
        self.write(self.pc_id, pc)

    def reenter(self, pc: int, sp: int, ret: int) -> None:
        self.write(self.sp_id, sp)
        self.write(self.r0_id, 0)
        self.write(self.lr_id, ret)
        self.write(self.pc_id, pc)

    def write_results(self, ints: Sequence[int], arg_words: int) -> None:
        if self.regabi:
            super().write_results(ints, arg_words)
        else:  # the stack ABI: results follow the arguments in the caller's frame
            for i, v in enumerate(ints):
                self.write_word(self._arg_addr(arg_words + i), v)



    def inject_sigpanic(self, target: int, fault_pc: int) -> None:
        # runtime/signal_linux_s390x.go preparePanic: save LR below SP, pretend the faulting PC
        # called sigpanic, R0 = 0
        self.push_signal_frame(fault_pc)
        self.write(self.r0_id, 0)
        self.pc = target

    def set_tls(self, tp: int) -> None:
        self.uc.reg_write(s390x_const.UC_S390X_REG_A0, (tp >> 32) & 0xFFFFFFFF)
        self.uc.reg_write(s390x_const.UC_S390X_REG_A1, tp & 0xFFFFFFFF)

    # -- traps -------------------------------------------------------------------------------

    def syscall_args(self) -> tuple[int, list[int]]:
        nr = self._svc_code or self.reg("r1")  # `svc n` with n < 256 names the call itself
        args = [self.reg(r) for r in self.syscall_arg_regs]
        if nr == OLD_MMAP:
            args = [self.read_word(args[0] + 8 * i) for i in range(6)]
        elif nr == CLONE:
            args[0], args[1] = args[1], args[0]
        return nr, args

    def operand_address(self, cs, ins, op) -> int | None:
        from capstone.sysz_const import SYSZ_OP_MEM  # imported by fault_address

        if op.type != SYSZ_OP_MEM:
            return None
        mem = op.mem
        return mem.disp + sum(self.reg(f"r{int(cs.reg_name(reg))}") for reg in (mem.base, mem.index) if reg)

    def operand_width(self, op) -> int:
        return max(getattr(op.mem, "length", 0), 8)

    def hook_interrupts(self, on_syscall, on_breakpoint, on_trap) -> None:
        def on_intr(uc, intno, data):
            pc = self.read(self.pc_id)
            if intno == EXCP_SVC:
                code = uc.mem_read(pc, 2)[1]
                if code == BREAK_CODE:
                    on_breakpoint(pc)
                    return
                self.write(self.pc_id, pc + 2)
                self._svc_code = code
                on_syscall()
                return
            addr = self.fault_address(pc) if intno == EXCP_PGM else None
            if addr is not None:
                on_trap("segv", pc, addr)
            else:
                on_trap(f"interrupt {intno}", pc)

        self.uc.hook_add(UC_HOOK_INTR, on_intr)


CPUClass = S390X
