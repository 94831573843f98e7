"""What every per-CPU table declares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class GoABI:
    """Go's ABIInternal on one CPU (``cmd/compile/abi-internal.md``); registers by lower-case name."""

    int_regs: tuple[str, ...]  # integer argument/result registers, in assignment order
    float_regs: tuple[str, ...]  # floating-point argument/result registers
    g_reg: str  # holds the current g in Go code
    ctx_reg: str  # closure context
    # how a float32 sits in a float register: the low 32 bits (amd64 XMM, arm64 S),
    # widened to double (ppc64), or in the high 32 bits (s390x short BFP)
    float32: Literal["low32", "double", "high32"]
    args_offset: int  # from SP at a function's entry to its argument area
    pc_quantum: int  # instruction alignment: a return into goexit lands at goexit + pc_quantum
    link_register: bool  # calls leave the return address in a register (LR), not on the stack
    # the first Go release whose ABIInternal passes arguments in registers on this CPU (before
    # it every Go function uses the stack ABI, "ABI0": arguments from args_offset, results
    # after them), and the releases where GOEXPERIMENT=noregabiargs still turns it off
    register_args_since: tuple[int, int] = (1, 17)
    register_args_optional: tuple[tuple[int, int], ...] = ()

    def register_args(self, release: tuple[int, int], goexperiment: str = "") -> bool:
        """Whether a build of ``release`` (with its ``GOEXPERIMENT`` build setting) passes
        arguments and results in registers (False: Go's stack ABI)."""
        if release < self.register_args_since:
            return False
        experiments = {e.strip() for e in goexperiment.split(",")}
        return not (release in self.register_args_optional and "noregabiargs" in experiments)


@dataclass(frozen=True)
class DarwinTLS:
    """Where Go finds g on darwin (no ELF TLS there): ``register`` holds the thread's TLS base
    (Unicorn register name) and g sits ``g_offset`` bytes past it; where the runtime reads that
    offset from a variable (``offset_variable``, set by ``_cgo_init`` in a real host), the
    emulator stores ``g_offset`` in it."""

    register: str
    g_offset: int
    offset_variable: str | None = None


@dataclass(frozen=True)
class Arch:
    """One CPU architecture as Go names it, with the numbers object files and tools use for it."""

    goarch: str
    byte_order: Literal["little", "big"]
    ptr_size: int
    elf_machine: int
    macho_cputype: int | None
    # ELF relocation type number -> its meaning (see formats.base.RelocKind)
    elf_relocs: dict[int, str] = field(default_factory=dict)
    # Capstone's constant names, resolved where capstone is imported
    capstone_arch: str = ""
    capstone_mode: tuple[str, ...] = ()
    # the build setting recording the microarchitecture level (GOAMD64=v1 ...), if the arch has one
    level_setting: str | None = None
    abi: GoABI | None = None
    # ELF TLS: variant 1 (TP at the TCB, blocks after it; tcb_size) or 2 (blocks below TP)
    tls_variant: int = 2
    tls_tcb_size: int = 0
    tls_tp_bias: int = 0  # TP points this far past the start of the TLS block (ppc64: 0x7000)
    darwin_tls: DarwinTLS | None = None  # None: Go has no darwin port on this CPU
    # Linux system call numbers of this CPU: number -> name (the kernel's unistd names)
    linux_syscalls: dict[int, str] = field(default_factory=dict)
