"""x86-64 (GOARCH=amd64)."""

from gopluginemu.arch.base import Arch

ARCH = Arch(
    goarch="amd64",
    byte_order="little",
    ptr_size=8,
    elf_machine=62,  # EM_X86_64
    macho_cputype=0x01000007,  # CPU_TYPE_X86_64
    elf_relocs={1: "abs", 6: "glob_dat", 7: "jump_slot", 8: "relative", 18: "tls_tpoff"},
    capstone_arch="CS_ARCH_X86",
    level_setting="GOAMD64",
    capstone_mode=("CS_MODE_64",),
)
