"""AArch64 in Unicorn: calls leave the return address in LR (x30), TLS is TPIDR_EL0, ``svc`` is an interrupt."""

from __future__ import annotations


from unicorn import UC_ARCH_ARM64, UC_HOOK_INTR, UC_MODE_ARM, arm64_const

from gopluginemu.engines.emulate.cpu import LinkRegisterCPU

EXCP_SWI = 2
EXCP_BKPT = 7


class ARM64(LinkRegisterCPU):
    uc_arch = UC_ARCH_ARM64
    uc_mode = UC_MODE_ARM
    reg_module = arm64_const
    reg_prefix = "UC_ARM64_REG_"
    pc_reg = "pc"
    sp_reg = "sp"
    sigpanic_symbol = "runtime.sigpanic"
    breakpoint = b"\x00\x00\x20\xd4"  # brk #0
    breakpoint_intno = 7
    breakpoint_pc_after = 0
    syscall_nr_reg = "x8"
    syscall_arg_regs = ("x0", "x1", "x2", "x3", "x4", "x5")
    syscall_ret_reg = "x0"
    c_arg_regs = ("x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7")
    c_ret_reg = "x0"
    lr_reg = "x30"
    signal_frame = 16  # runtime/signal_arm64.go preparePanic: sys.StackAlign

    def __init__(self, arch) -> None:
        super().__init__(arch)

    def enter(self, pc: int, sp: int, ret: int, g: int, ctx: int) -> None:
        self.write_word(sp, 0)  # the callee's saved-LR slot of a frame with no caller
        self.write(self.sp_id, sp)
        self.write(self.g_id, g)
        self.write(self.ctx_id, ctx)
        self.write(self.lr_id, ret)
        self.write(self.pc_id, pc)

    def reenter(self, pc: int, sp: int, ret: int) -> None:
        self.write(self.sp_id, sp)
        self.write(self.lr_id, ret)
        self.write(self.pc_id, pc)




    def inject_sigpanic(self, target: int, fault_pc: int) -> None:
        self.push_signal_frame(fault_pc)  # runtime/signal_arm64.go preparePanic
        self.pc = target

    def set_tls(self, tp: int) -> None:
        self.uc.reg_write(arm64_const.UC_ARM64_REG_TPIDR_EL0, tp)

    def hook_interrupts(self, on_syscall, on_breakpoint, on_trap) -> None:
        def on_intr(uc, intno, data):
            if intno == EXCP_SWI:
                on_syscall()
            elif intno == EXCP_BKPT:
                on_breakpoint(self.read(self.pc_id))
            else:
                on_trap(f"interrupt {intno}", self.read(self.pc_id))

        self.uc.hook_add(UC_HOOK_INTR, on_intr)


CPUClass = ARM64
