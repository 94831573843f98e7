"""AArch64 (GOARCH=arm64)."""

from gopluginemu.arch.base import Arch

ARCH = Arch(
    goarch="arm64",
    byte_order="little",
    ptr_size=8,
    elf_machine=183,  # EM_AARCH64
    macho_cputype=0x0100000C,  # CPU_TYPE_ARM64
    elf_relocs={257: "abs", 1025: "glob_dat", 1026: "jump_slot", 1027: "relative", 1030: "tls_tpoff"},
    capstone_arch="CS_ARCH_ARM64",
    level_setting="GOARM64",
    capstone_mode=("CS_MODE_ARM",),
)
