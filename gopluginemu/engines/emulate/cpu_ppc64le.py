"""POWER little-endian in Unicorn: calls leave the return address in LR, TLS is R13 (TP = block
+ 0x7000), ``sc`` and ``tw`` are interrupts, and every Go function has a global entry (builds
the TOC pointer R2 from R12) ahead of the local entry that direct calls use.

Unicorn refuses ``UC_MODE_LITTLE_ENDIAN`` for PPC64: the CPU is opened big-endian and switched
to little-endian by MSR.LE, with the default CPU model (another model masks VSX away). It also
needs the virtual TLB (without it the first fetch faults), which the machine sets up for every
CPU (``tlb.install``).
"""

from __future__ import annotations

from unicorn import UC_ARCH_PPC, UC_HOOK_INTR, UC_MODE_BIG_ENDIAN, UC_MODE_PPC64, Uc, ppc_const

from gopluginemu.arch import Arch
from gopluginemu.engines.emulate.cpu import LinkRegisterCPU, MASK

MSR = 0x8000000002802001  # SF (64-bit) | VEC | VSX | FP | LE
EXCP_PROGRAM = 6  # tw/td traps (and other program checks): PC already past the instruction
EXCP_SYSCALL = 8  # sc: PC already past it
CR0_SO = 1 << 28  # the summary-overflow bit of CR0: a system call failed, R3 holds errno
MIN_FRAME = 32  # the fixed frame at SP: LR save, CR save, (unused), TOC save
TOC_SLOT = 24
ADDIS_R2_R12 = 0x3C4C0000  # addis r2,r12,hi: the first instruction of a global entry
ADDI_R2_R2 = 0x38420000  # addi r2,r2,lo


def _s16(v: int) -> int:
    return v - 0x10000 if v & 0x8000 else v


class PPC64LE(LinkRegisterCPU):
    uc_arch = UC_ARCH_PPC
    uc_mode = UC_MODE_PPC64 | UC_MODE_BIG_ENDIAN
    reg_module = ppc_const
    reg_prefix = "UC_PPC_REG_"
    pc_reg = "pc"
    sp_reg = "r1"
    sigpanic_symbol = "runtime.sigpanic"
    breakpoint = b"\x08\x00\xe0\x7f"  # tw 31,0,0 (trap), little-endian
    breakpoint_intno = EXCP_PROGRAM
    breakpoint_pc_after = 4
    syscall_nr_reg = "r0"
    syscall_arg_regs = ("r3", "r4", "r5", "r6", "r7", "r8")
    syscall_ret_reg = "r3"
    c_arg_regs = ("r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10")
    c_ret_reg = "r3"
    lr_reg = "lr"
    signal_frame = MIN_FRAME

    def __init__(self, arch: Arch, uc: Uc | None = None) -> None:
        super().__init__(arch, uc)
        self.uc.reg_write(ppc_const.UC_PPC_REG_MSR, MSR)
        self.r0_id = ppc_const.UC_PPC_REG_0
        self.r2_id = ppc_const.UC_PPC_REG_2
        self.r3_id = ppc_const.UC_PPC_REG_3
        self.r12_id = ppc_const.UC_PPC_REG_12
        self._tocs: dict[int, int | None] = {}

    def reg_id(self, name: str) -> int:
        """Go's names (r3, f1, lr, pc) to Unicorn's (UC_PPC_REG_3, UC_PPC_REG_FPR1, ...)."""
        rid = self._ids.get(name)
        if rid is None:
            n = name.lower()
            if n[0] == "r" and n[1:].isdigit():
                const = f"UC_PPC_REG_{n[1:]}"
            elif n[0] == "f" and n[1:].isdigit():
                const = f"UC_PPC_REG_FPR{n[1:]}"
            else:
                const = f"UC_PPC_REG_{n.upper()}"
            rid = self._ids[name] = getattr(ppc_const, const)
        return rid

    def _toc(self, pc: int) -> int | None:
        """The TOC pointer the global entry at ``pc`` builds (``addis r2,r12,hi; addi r2,r2,lo``)."""
        toc = self._tocs.get(pc, -1)
        if toc == -1:
            code = bytes(self.uc.mem_read(pc, 8))
            first, second = int.from_bytes(code[:4], "little"), int.from_bytes(code[4:], "little")
            toc = None
            if first & 0xFFFF0000 == ADDIS_R2_R12 and second & 0xFFFF0000 == ADDI_R2_R2:
                toc = (pc + (_s16(first & 0xFFFF) << 16) + _s16(second & 0xFFFF)) & MASK
            self._tocs[pc] = toc
        return toc

    def enter(self, pc: int, sp: int, ret: int, g: int, ctx: int) -> None:
        # the entry frame as newproc1 leaves a goroutine's first frame: no caller's LR, and the
        # module's TOC in the TOC save slot (prepGoExitFrame), which gogo/systemstack reload R2 from
        self.write_word(sp, 0)
        toc = self._toc(pc)
        if toc is not None:
            self.write_word(sp + TOC_SLOT, toc)
            self.write(self.r2_id, toc)
        self.write(self.sp_id, sp)
        self.write(self.g_id, g)
        self.write(self.ctx_id, ctx)
        self.write(self.r0_id, 0)
        self.write(self.lr_id, ret)
        self.write(self.r12_id, pc)  # the global entry computes R2 from it
        self.write(self.pc_id, pc)

    def reenter(self, pc: int, sp: int, ret: int) -> None:
        # the entry frame's slots (no caller's LR, the TOC) are still there: enter() wrote them
        self.write(self.sp_id, sp)
        self.write(self.r0_id, 0)
        self.write(self.lr_id, ret)
        self.write(self.r12_id, pc)
        self.write(self.pc_id, pc)




    def inject_sigpanic(self, target: int, fault_pc: int) -> None:
        # runtime/signal_ppc64x.go preparePanic: save LR in a new minimal frame, pretend the
        # faulting PC called sigpanic, R0 = 0, and enter sigpanic at its global entry (R12)
        self.push_signal_frame(fault_pc)
        self.write(self.r0_id, 0)
        self.write(self.r12_id, target)
        self.pc = target

    def set_tls(self, tp: int) -> None:
        self.write(ppc_const.UC_PPC_REG_13, tp)

    def set_syscall_result(self, value: int) -> None:
        # the kernel's convention: errors as a positive errno in R3 with CR0.SO set
        value &= MASK
        cr = self.uc.reg_read(ppc_const.UC_PPC_REG_CR)
        if value >= (1 << 64) - 4095:
            self.write(self.r3_id, (1 << 64) - value)
            cr |= CR0_SO
        else:
            self.write(self.r3_id, value)
            cr &= ~CR0_SO
        self.uc.reg_write(ppc_const.UC_PPC_REG_CR, cr)

    def hook_interrupts(self, on_syscall, on_breakpoint, on_trap) -> None:
        def on_intr(uc, intno, data):
            if intno == EXCP_SYSCALL:
                on_syscall()
            elif intno == EXCP_PROGRAM:
                on_breakpoint(self.read(self.pc_id) - 4)
            else:
                on_trap(f"interrupt {intno}", self.read(self.pc_id))

        self.uc.hook_add(UC_HOOK_INTR, on_intr)


CPUClass = PPC64LE
