"""IBM Z (GOARCH=s390x), big-endian."""

from gopluginemu.arch.base import Arch, GoABI

ARCH = Arch(
    goarch="s390x",
    byte_order="big",
    ptr_size=8,
    elf_machine=22,  # EM_S390
    macho_cputype=None,
    elf_relocs={22: "abs", 10: "glob_dat", 11: "jump_slot", 12: "relative", 56: "tls_tpoff"},
    capstone_arch="CS_ARCH_SYSZ",
    capstone_mode=("CS_MODE_BIG_ENDIAN",),
    abi=GoABI(
        int_regs=tuple(f"r{i}" for i in range(2, 10)),
        float_regs=tuple(f"f{i}" for i in range(16)),
        g_reg="r13",
        ctx_reg="r12",
        float32="high32",
        args_offset=8,
        pc_quantum=2,
        link_register=True,
    ),
    tls_variant=2,
)
