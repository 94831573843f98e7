"""POWER, little-endian (GOARCH=ppc64le)."""

from gopluginemu.arch.base import Arch

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
)
