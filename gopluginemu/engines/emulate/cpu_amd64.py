"""x86-64 in Unicorn: calls push their return address, TLS is FS, ``syscall`` is an instruction hook."""

from __future__ import annotations

from typing import Sequence

from unicorn import UC_ARCH_X86, UC_HOOK_INSN, UC_HOOK_INTR, UC_MODE_64, x86_const

from gopluginemu.engines.emulate import driver
from gopluginemu.engines.emulate.cpu import CPU

RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 = range(16)
INT_ARGS = (RAX, RBX, RCX, RDI, RSI, R8, R9, R10, R11)  # Go's ABIInternal, in order
JAE, JZ, JNE, JA = 0x3, 0x4, 0x5, 0x7


class Assembler:
    """Just the x86-64 forms the trampoline and drivers use (memory operands as [base+disp32])."""

    def __init__(self) -> None:
        self.code = bytearray()
        self.labels: dict[str, int] = {}
        self.fixups: list[tuple[int, str]] = []

    def _mem(self, opcode: bytes, reg: int, base: int, disp: int, wide: bool = True, prefix: bytes = b"") -> None:
        rex = 0x40 | (8 if wide else 0) | (4 if reg & 8 else 0) | (1 if base & 8 else 0)
        self.code += prefix + (bytes([rex]) if rex != 0x40 else b"") + opcode
        self.code.append(0x80 | (reg & 7) << 3 | (base & 7))
        if base & 7 == RSP:
            self.code.append(0x24)  # SIB: base only
        self.code += disp.to_bytes(4, "little", signed=True)

    def load(self, reg: int, base: int, disp: int = 0) -> None:
        self._mem(b"\x8b", reg, base, disp)

    def store(self, base: int, disp: int, reg: int) -> None:
        self._mem(b"\x89", reg, base, disp)

    def cmp(self, reg: int, base: int, disp: int) -> None:
        self._mem(b"\x3b", reg, base, disp)

    def lea(self, reg: int, base: int, disp: int) -> None:
        self._mem(b"\x8d", reg, base, disp)

    def jmp_mem(self, base: int, disp: int) -> None:
        self._mem(b"\xff", 4, base, disp, wide=False)

    def load_float(self, xmm: int, base: int, disp: int) -> None:
        self._mem(b"\x0f\x7e", xmm, base, disp, wide=False, prefix=b"\xf3")  # movq xmm, m64

    def store_float(self, base: int, disp: int, xmm: int) -> None:
        self._mem(b"\x0f\xd6", xmm, base, disp, wide=False, prefix=b"\x66")  # movq m64, xmm

    def movabs(self, reg: int, value: int) -> None:
        self.code += bytes([0x48 | reg >> 3, 0xB8 + (reg & 7)]) + (value & (1 << 64) - 1).to_bytes(8, "little")

    def align_down16(self, reg: int, minus: int) -> None:
        """reg = (reg - minus) & -16"""
        rex = 0x48 | reg >> 3
        self.code += bytes([rex, 0x81, 0xE8 | reg & 7]) + minus.to_bytes(4, "little", signed=True)
        self.code += bytes([rex, 0x83, 0xE0 | reg & 7, 0xF0])

    def _reg_reg(self, opcode: int, reg: int, rm: int) -> None:
        self.code += bytes([0x48 | (4 if reg & 8 else 0) | (1 if rm & 8 else 0), opcode, 0xC0 | (reg & 7) << 3 | rm & 7])

    def test(self, reg: int) -> None:
        """test reg, reg"""
        self._reg_reg(0x85, reg, reg)

    def add(self, dst: int, src: int) -> None:
        self._reg_reg(0x01, src, dst)

    def _imm(self, ext: int, reg: int, imm: int) -> None:
        """An ALU op with a 32-bit immediate (81 /ext)."""
        self.code += bytes([0x48 | reg >> 3, 0x81, 0xC0 | ext << 3 | reg & 7]) + imm.to_bytes(4, "little", signed=True)

    def add_imm(self, reg: int, imm: int) -> None:
        self._imm(0, reg, imm)

    def cmp_imm(self, reg: int, imm: int) -> None:
        self._imm(7, reg, imm)

    def and_imm(self, reg: int, imm: int) -> None:
        self._imm(4, reg, imm)

    def shl(self, reg: int, n: int) -> None:
        self.code += bytes([0x48 | reg >> 3, 0xC1, 0xE0 | reg & 7, n])

    def jmp_reg(self, reg: int) -> None:
        self.code += (b"\x41" if reg & 8 else b"") + bytes([0xFF, 0xE0 | reg & 7])

    def push(self, reg: int) -> None:
        self.code += (b"\x41" if reg & 8 else b"") + bytes([0x50 | reg & 7])

    def raw(self, code: bytes) -> None:
        self.code += code

    def jump(self, label: str, cond: int | None = None) -> None:
        self.code += b"\xe9" if cond is None else bytes([0x0F, 0x80 | cond])
        self.code += bytes(4)
        self.fixups.append((len(self.code), label))

    def label(self, name: str) -> None:
        self.labels[name] = len(self.code)

    def assemble(self) -> bytes:
        for end, name in self.fixups:
            self.code[end - 4 : end] = (self.labels[name] - end).to_bytes(4, "little", signed=True)
        return bytes(self.code)



class AMD64(CPU):
    uc_arch = UC_ARCH_X86
    binding_subclass = True  # its instruction hook (``syscall``)
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
    halt = b"\xf4"  # hlt
    goexit_call_size = 5  # call rel32
    insn_sizes = (1, 15)

    def operand_address(self, cs, ins, op) -> int | None:
        """Base (RIP: the next instruction) plus index times scale plus displacement, in the
        FS or GS segment where the operand names one (Go's TLS is FS-based on linux)."""
        from capstone.x86_const import X86_OP_MEM  # imported by fault_address

        if op.type != X86_OP_MEM:
            return None
        mem = op.mem
        ea = mem.disp
        if mem.base:
            base = cs.reg_name(mem.base)
            ea += ins.address + ins.size if base == "rip" else self.reg(base)
        if mem.index:
            ea += self.reg(cs.reg_name(mem.index)) * mem.scale
        if mem.segment:
            segment = cs.reg_name(mem.segment)
            if segment in ("fs", "gs"):
                ea += self.reg(segment + "_base")
        return ea

    def operand_width(self, op) -> int:
        return op.size or 8

    def branch(self, site: int, target: int) -> bytes | None:
        rel = target - (site + 5)
        return b"\xe9" + rel.to_bytes(4, "little", signed=True) if -(1 << 31) <= rel < 1 << 31 else None

    def alloc_stub(self, env) -> tuple[bytes, int]:
        a = Assembler()  # RAX size, RBX typ; RDI and R12 are free (mallocgc has three arguments)
        a.test(RAX)
        a.jump("slow", JZ)
        a.cmp_imm(RAX, env.max_pooled)
        a.jump("slow", JA)
        a.lea(RDI, RAX, 7)
        a.and_imm(RDI, -8)  # 8 * ((size + 7) // 8): the class table's entry
        a.movabs(R12, env.table)
        a.add(R12, RDI)
        a.load(R12, R12, 0)  # the class's pool of unscanned blocks
        a.test(RBX)
        a.jump("pop", JZ)
        a.load(RDI, RBX, env.ptrbytes)
        a.test(RDI)
        a.jump("pop", JZ)
        a.add_imm(R12, env.pool_bytes)  # its twin of scanned blocks
        a.label("pop")
        a.load(RDI, R12, 0)
        a.test(RDI)
        a.jump("slow", JZ)
        a.lea(RDI, RDI, -1)
        a.store(R12, 0, RDI)
        a.shl(RDI, 3)
        a.add(RDI, R12)
        a.load(RAX, RDI, 8)
        a.raw(b"\xc3")  # ret
        a.label("slow")
        a.raw(self.breakpoint)
        code = a.assemble()
        return code, len(code) - len(self.breakpoint)

    def goexit_trampoline(self, site: int, original: bytes, at: int, block: int) -> tuple[bytes, bytes] | None:
        patch = self.branch(site, at)
        if original[0] != 0xE8 or patch is None:
            return None
        target = site + 5 + int.from_bytes(original[1:5], "little", signed=True)
        a = Assembler()
        a.movabs(R12, block)  # registers are dead at goexit; R12 is no result register
        a.cmp(R14, R12, driver.G)
        a.jump("other", JNE)
        a.jmp_mem(R12, driver.CONT)
        a.label("other")  # the original call: its return address, then goexit1
        a.movabs(R12, site + 5)
        a.push(R12)
        a.movabs(R12, target)
        a.jmp_reg(R12)
        return patch, a.assemble()

    def call_driver(self, sig, env) -> tuple[bytes, int]:
        a = Assembler()
        below = env.below_hi(sig)
        regs = 8 * (sig.n_ints + sig.n_floats)
        a.movabs(R12, env.block)  # R12: the block, R13: the frame (then the results), R14: g
        a.load(R14, R12, driver.G)
        a.movabs(R13, env.tls_g)
        a.store(R13, 0, R14)
        a.label("loop")
        a.movabs(R12, env.block)
        a.load(R13, R12, driver.CUR)
        a.cmp(R13, R12, driver.END)
        a.jump("done", JAE)
        a.lea(RAX, R13, sig.frame_size)
        a.store(R12, driver.CUR, RAX)
        a.load(R14, R12, driver.G)
        a.load(RSP, R14, env.stack_hi)
        a.align_down16(RSP, below)
        a.lea(RAX, RSP, 8)
        a.store(R14, env.stktopsp, RAX)  # the SP after the return into goexit
        a.movabs(RAX, env.goexit_ret)
        a.store(RSP, 0, RAX)
        for w in range(0, sig.area, 8):
            a.load(RAX, R13, regs + w)
            a.store(RSP, 8 + w, RAX)
        a.load(RDX, R12, driver.CTX)
        a.raw(b"\x45\x0f\x57\xff")  # xorps xmm15, xmm15: ABIInternal's zero register
        for k in range(sig.n_floats):
            a.load_float(k, R13, 8 * (sig.n_ints + k))
        for k in range(sig.n_ints):
            a.load(INT_ARGS[k], R13, 8 * k)
        a.jmp_mem(R12, driver.FN)
        cont = len(a.code)
        a.movabs(R12, env.block)
        a.load(R13, R12, driver.OUT)
        for k in range(sig.n_int_results):
            a.store(R13, 8 * k, INT_ARGS[k])
        for k in range(sig.n_float_results):
            a.store_float(R13, 8 * (sig.n_int_results + k), k)
        if sig.area:
            results = 8 * (sig.n_int_results + sig.n_float_results)
            a.load(R15, R12, driver.G)
            a.load(R15, R15, env.stack_hi)  # the stack may have moved: the area is where it is now
            a.align_down16(R15, below)
            for w in range(0, sig.area, 8):
                a.load(RAX, R15, 8 + w)
                a.store(R13, results + w, RAX)
        a.lea(R13, R13, sig.result_size)
        a.store(R12, driver.OUT, R13)
        a.jump("loop")
        a.label("done")
        a.movabs(R12, env.halt)
        a.jmp_reg(R12)
        return a.assemble(), cont

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
