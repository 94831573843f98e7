"""AArch64 in Unicorn: calls leave the return address in LR (x30), TLS is TPIDR_EL0, ``svc`` is an interrupt."""

from __future__ import annotations

from unicorn import UC_ARCH_ARM64, UC_HOOK_INTR, UC_MODE_ARM, arm64_const

from gopluginemu.engines.emulate import driver
from gopluginemu.engines.emulate.cpu import LinkRegisterCPU

EXCP_SWI = 2
EXCP_BKPT = 7
X16, X17, X26, X27, X28, LR, XZR, SP = 16, 17, 26, 27, 28, 30, 31, 31
NE, HS, HI = 0x1, 0x2, 0x8
X0, X1 = 0, 1


CBZ = 0x100  # marks a cbz among the branches to fix up


class Assembler:
    """Just the AArch64 forms the trampoline and drivers use; ``literal`` loads a 64-bit
    constant from a pool after the code."""

    def __init__(self) -> None:
        self.words: list[int] = []
        self.labels: dict[str, int] = {}
        self.branches: list[tuple[int, str, int | None]] = []
        self.literals: list[tuple[int, int]] = []

    def _ls(self, op: int, rt: int, rn: int, off: int) -> None:
        if off % 8 or not 0 <= off < 1 << 15:
            raise ValueError(f"offset {off} out of an unsigned scaled load/store's reach")
        self.words.append(op | (off // 8) << 10 | rn << 5 | rt)

    def load(self, rt: int, rn: int, off: int = 0) -> None:
        self._ls(0xF9400000, rt, rn, off)

    def store(self, rn: int, off: int, rt: int) -> None:
        self._ls(0xF9000000, rt, rn, off)

    def load_float(self, dt: int, rn: int, off: int) -> None:
        self._ls(0xFD400000, dt, rn, off)

    def store_float(self, rn: int, off: int, dt: int) -> None:
        self._ls(0xFD000000, dt, rn, off)

    def literal(self, rt: int, value: int) -> None:
        self.literals.append((len(self.words), value))
        self.words.append(0x58000000 | rt)

    def add(self, rd: int, rn: int, imm: int) -> None:
        """rd = rn + imm (either may be SP)"""
        if not 0 <= imm < 1 << 12:
            raise ValueError(f"immediate {imm} out of range")
        self.words.append(0x91000000 | imm << 10 | rn << 5 | rd)

    def sub(self, rd: int, rn: int, imm: int) -> None:
        self.words.append(0xD1000000 | imm << 10 | rn << 5 | rd)

    def cmp_imm(self, rn: int, imm: int) -> None:
        self.words.append(0xF100001F | imm << 10 | rn << 5)

    def align_down8(self, rd: int, rn: int) -> None:
        """rd = rn & -8"""
        self.words.append(0x927DF000 | rn << 5 | rd)

    def load_indexed(self, rt: int, rn: int, rm: int) -> None:
        """rt = [rn + rm]"""
        self.words.append(0xF8606800 | rm << 16 | rn << 5 | rt)

    def add_shifted(self, rd: int, rn: int, rm: int, shift: int) -> None:
        """rd = rn + (rm << shift)"""
        self.words.append(0x8B000000 | rm << 16 | shift << 10 | rn << 5 | rd)

    def align_down16(self, rd: int, rn: int, minus_reg: int) -> None:
        """rd = (rn - minus_reg) & -16"""
        self.words.append(0xCB000000 | minus_reg << 16 | rn << 5 | rd)
        self.words.append(0x927CEC00 | rd << 5 | rd)

    def cmp(self, rn: int, rm: int) -> None:
        self.words.append(0xEB00001F | rm << 16 | rn << 5)

    def br(self, rn: int) -> None:
        self.words.append(0xD61F0000 | rn << 5)

    def raw(self, word: int) -> None:
        self.words.append(word)

    def jump(self, label: str, cond: int | None = None) -> None:
        self.branches.append((len(self.words), label, cond))
        self.words.append(0)

    def cbz(self, rt: int, label: str) -> None:
        self.branches.append((len(self.words), label, CBZ | rt))
        self.words.append(0)

    def label(self, name: str) -> None:
        self.labels[name] = len(self.words)

    def assemble(self) -> bytes:
        for i, name, cond in self.branches:
            rel = self.labels[name] - i
            if cond is None:
                self.words[i] = 0x14000000 | rel & 0x3FFFFFF
            elif cond & CBZ:
                self.words[i] = 0xB4000000 | (rel & 0x7FFFF) << 5 | cond & 0x1F
            else:
                self.words[i] = 0x54000000 | (rel & 0x7FFFF) << 5 | cond
        pool = len(self.words) + len(self.words) % 2  # 8-byte aligned
        code = self.words + [0] * (pool - len(self.words))
        for k, (i, value) in enumerate(self.literals):
            code[i] |= (pool + 2 * k - i) << 5
            code += [value & 0xFFFFFFFF, value >> 32 & 0xFFFFFFFF]
        return b"".join(w.to_bytes(4, "little") for w in code)


class ARM64(LinkRegisterCPU):
    uc_arch = UC_ARCH_ARM64
    uc_mode = UC_MODE_ARM
    page_size = 0x1000  # Linux's and Go's on arm64; Unicorn's default, 1 KiB, takes 4 TLB fills a page
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
    halt = b"\x7f\x20\x03\xd5"  # wfi
    goexit_call_size = 4  # bl

    def operand_address(self, cs, ins, op) -> int | None:
        """Base plus offset; a register offset extended (``uxtw``, ``sxtw``) and shifted. A
        post-indexed access has its offset in an operand of its own: it uses the base alone."""
        from capstone.arm64_const import ARM64_EXT_SXTW, ARM64_EXT_UXTW, ARM64_OP_MEM  # imported by fault_address

        if op.type != ARM64_OP_MEM:
            return None
        mem = op.mem
        ea = self.reg(cs.reg_name(mem.base)) + mem.disp
        if mem.index:
            index = self.reg(cs.reg_name(mem.index))
            if op.ext == ARM64_EXT_UXTW:
                index &= 0xFFFFFFFF
            elif op.ext == ARM64_EXT_SXTW:
                index = (index & 0xFFFFFFFF) - ((index & 0x80000000) << 1)
            ea += index << op.shift.value
        return ea

    def branch(self, site: int, target: int) -> bytes | None:
        rel = (target - site) >> 2
        return (0x14000000 | rel & 0x3FFFFFF).to_bytes(4, "little") if -(1 << 25) <= rel < 1 << 25 else None

    def alloc_stub(self, env) -> tuple[bytes, int]:
        a = Assembler()  # X0 size, X1 typ; X16 and X17 are the linker's scratch registers
        a.cbz(X0, "slow")
        a.cmp_imm(X0, env.max_pooled)
        a.jump("slow", HI)
        a.add(X16, X0, 7)
        a.align_down8(X16, X16)  # 8 * ((size + 7) // 8): the class table's entry
        a.literal(X17, env.table)
        a.load_indexed(X17, X17, X16)  # the class's pool of unscanned blocks
        a.cbz(X1, "pop")
        a.load(X16, X1, env.ptrbytes)
        a.cbz(X16, "pop")
        a.add(X17, X17, env.pool_bytes)  # its twin of scanned blocks
        a.label("pop")
        a.load(X16, X17, 0)
        a.cbz(X16, "slow")
        a.sub(X16, X16, 1)
        a.store(X17, 0, X16)
        a.add_shifted(X16, X17, X16, 3)
        a.load(X0, X16, 8)
        a.raw(0xD65F03C0)  # ret
        a.label("slow")
        slow = 4 * len(a.words)
        a.raw(int.from_bytes(self.breakpoint, "little"))
        return a.assemble(), slow

    def goexit_trampoline(self, site: int, original: bytes, at: int, block: int) -> tuple[bytes, bytes] | None:
        word = int.from_bytes(original, "little")
        patch = self.branch(site, at)
        if word >> 26 != 0x25 or patch is None:
            return None
        imm = word & 0x3FFFFFF
        target = site + 4 * (imm - (1 << 26) if imm >> 25 else imm)
        a = Assembler()
        a.literal(X16, block)  # registers are dead at goexit; R16/R17 are the linker's scratch
        a.load(X17, X16, driver.G)
        a.cmp(X28, X17)
        a.jump("other", NE)
        a.load(X17, X16, driver.CONT)
        a.br(X17)
        a.label("other")  # the original call: its return address in LR, then goexit1
        a.literal(LR, site + 4)
        a.literal(X17, target)
        a.br(X17)
        return patch, a.assemble()

    def call_driver(self, sig, env) -> tuple[bytes, int]:
        a = Assembler()
        below = env.below_hi(sig)
        regs = 8 * (sig.n_ints + sig.n_floats)
        a.literal(X16, env.block)  # X16: the block, X17: the frame (then the results), X28: g
        a.load(X28, X16, driver.G)
        a.literal(X17, env.tls_g)
        a.store(X17, 0, X28)
        a.label("loop")
        a.literal(X16, env.block)
        a.load(X17, X16, driver.CUR)
        a.load(X27, X16, driver.END)
        a.cmp(X17, X27)
        a.jump("done", HS)
        a.add(X27, X17, sig.frame_size)
        a.store(X16, driver.CUR, X27)
        a.load(X28, X16, driver.G)
        a.load(X27, X28, env.stack_hi)
        a.literal(X26, below)
        a.align_down16(X27, X27, X26)
        a.add(SP, X27, 0)
        a.store(X27, 0, XZR)  # the saved-LR slot of a frame with no caller
        a.store(X28, env.stktopsp, X27)
        for w in range(0, sig.area, 8):
            a.load(X26, X17, regs + w)
            a.store(X27, 8 + w, X26)
        a.literal(LR, env.goexit_ret)
        a.load(X26, X16, driver.CTX)
        a.load(X27, X16, driver.FN)
        for k in range(sig.n_floats):
            a.load_float(k, X17, 8 * (sig.n_ints + k))
        for k in range(sig.n_ints):
            a.load(k, X17, 8 * k)
        a.br(X27)
        cont = 4 * len(a.words)
        a.literal(X16, env.block)
        a.load(X17, X16, driver.OUT)
        for k in range(sig.n_int_results):
            a.store(X17, 8 * k, k)
        for k in range(sig.n_float_results):
            a.store_float(X17, 8 * (sig.n_int_results + k), k)
        if sig.area:
            results = 8 * (sig.n_int_results + sig.n_float_results)
            a.load(X27, X16, driver.G)
            a.load(X27, X27, env.stack_hi)  # the stack may have moved: the area is where it is now
            a.literal(X26, below)
            a.align_down16(X27, X27, X26)
            for w in range(0, sig.area, 8):
                a.load(X26, X27, 8 + w)
                a.store(X17, results + w, X26)
        a.add(X17, X17, sig.result_size)
        a.store(X16, driver.OUT, X17)
        a.jump("loop")
        a.label("done")
        a.literal(X16, env.halt)
        a.br(X16)
        return a.assemble(), cont

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
