"""x86-64 in Unicorn: calls push their return address, TLS is FS, ``syscall`` is an instruction hook."""

from __future__ import annotations

from typing import Sequence

from unicorn import UC_ARCH_X86, UC_HOOK_INSN, UC_HOOK_INTR, UC_MODE_64, x86_const

from gopluginemu.engines.emulate.cpu import CPU



class AMD64(CPU):
    uc_arch = UC_ARCH_X86
    uc_mode = UC_MODE_64
    reg_module = x86_const
    reg_prefix = "UC_X86_REG_"
    pc_reg = "rip"
    sp_reg = "rsp"
    sigpanic_symbol = "runtime.sigpanic0.abi0"
    breakpoint = b"\xcc"  # int3
    breakpoint_intno = 3
    breakpoint_pc_after = 1
    syscall_nr_reg = "rax"
    syscall_arg_regs = ("rdi", "rsi", "rdx", "r10", "r8", "r9")
    syscall_ret_reg = "rax"
    c_arg_regs = ("rdi", "rsi", "rdx", "rcx", "r8", "r9")
    c_ret_reg = "rax"
    wide_float_regs = True

    def enter(self, pc: int, sp: int, ret: int, g: int, ctx: int) -> None:
        self.write_word(sp, ret)
        self.write(self.sp_id, sp)
        self.write(self.g_id, g)
        self.write(self.ctx_id, ctx)
        self.write_float(x86_const.UC_X86_REG_XMM15, 0)
        self.write(self.pc_id, pc)

    def reenter(self, pc: int, sp: int, ret: int) -> None:
        self.write_word(sp, ret)
        self.write(self.sp_id, sp)
        self.write(self.pc_id, pc)

    def _pop_return(self) -> None:
        sp = self.read(self.sp_id)
        self.write(self.pc_id, self.read_word(sp))
        self.write(self.sp_id, sp + 8)

    def return_from_hook(self, ints: Sequence[int] = (), arg_words: int = 0) -> None:
        for rid, v in zip(self.int_ids, ints):
            self.write(rid, v)
        self._pop_return()

    def return_from_c(self, value: int) -> None:
        self.write(x86_const.UC_X86_REG_RAX, value)
        self._pop_return()

    def caller_at_entry(self) -> tuple[int, int]:
        sp = self.sp
        return self.read_word(sp), sp + 8

    def inject_sigpanic(self, target: int, fault_pc: int) -> None:
        if fault_pc:
            sp = self.sp - 8
            self.write_word(sp, fault_pc)
            self.sp = sp
        self.pc = target

    def set_tls(self, tp: int) -> None:
        self.uc.reg_write(x86_const.UC_X86_REG_FS_BASE, tp)

    def hook_interrupts(self, on_syscall, on_breakpoint, on_trap) -> None:
        def on_intr(uc, intno, data):
            if intno == 3:
                on_breakpoint(self.read(self.pc_id) - 1)
            else:
                on_trap("divide" if intno == 0 else f"interrupt {intno}", self.read(self.pc_id))

        self.uc.hook_add(UC_HOOK_INTR, on_intr)
        self.uc.hook_add(UC_HOOK_INSN, lambda uc, data: on_syscall(), None, 1, 0, x86_const.UC_X86_INS_SYSCALL)


CPUClass = AMD64
