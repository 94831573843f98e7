"""What every per-CPU table declares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


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
