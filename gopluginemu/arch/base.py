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
    # Linux system call numbers of this CPU: number -> name (the kernel's unistd names)
    linux_syscalls: dict[int, str] = field(default_factory=dict)
