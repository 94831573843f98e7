"""Per-CPU knowledge, one small module per architecture; this module finds the right one."""

from __future__ import annotations

from gopluginemu.arch import amd64, arm64, ppc64le, s390x
from gopluginemu.arch.base import Arch

ARCHES: dict[str, Arch] = {m.ARCH.goarch: m.ARCH for m in (amd64, arm64, ppc64le, s390x)}


def by_elf_machine(machine: int, byte_order: str) -> Arch | None:
    """The architecture of an ELF ``e_machine`` (with its data encoding), or None if unsupported."""
    for arch in ARCHES.values():
        if arch.elf_machine == machine and arch.byte_order == byte_order:
            return arch
    return None


def by_macho_cputype(cputype: int) -> Arch | None:
    """The architecture of a Mach-O ``cputype``, or None if unsupported."""
    for arch in ARCHES.values():
        if arch.macho_cputype == cputype:
            return arch
    return None


__all__ = ["ARCHES", "Arch", "by_elf_machine", "by_macho_cputype"]
