"""POWER, little-endian (GOARCH=ppc64le)."""

from gopluginemu.arch.base import Arch, GoABI

ARCH = Arch(
    goarch="ppc64le",
    byte_order="little",
    ptr_size=8,
    elf_machine=21,  # EM_PPC64
    macho_cputype=None,
    elf_relocs={38: "abs", 20: "glob_dat", 21: "jump_slot", 22: "relative", 73: "tls_tpoff"},
    capstone_arch="CS_ARCH_PPC",
    level_setting="GOPPC64",
    capstone_mode=("CS_MODE_64", "CS_MODE_LITTLE_ENDIAN"),
    abi=GoABI(
        int_regs=("r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r14", "r15", "r16", "r17"),
        float_regs=tuple(f"f{i}" for i in range(1, 13)),
        g_reg="r30",
        ctx_reg="r11",
        float32="double",
        args_offset=32,  # the fixed frame: LR, CR, TOC
        pc_quantum=4,
        link_register=True,
    ),
    tls_variant=1,
    tls_tp_bias=0x7000,
)
