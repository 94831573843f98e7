"""The ELF reader, cross-checked with pyelftools, and the error table for bad input files."""

from __future__ import annotations

import struct

import pytest
from elftools.elf.elffile import ELFFile as PyELF
from elftools.elf.relocation import RelocationSection

from corpus import matrix
from gopluginemu import inspect
from gopluginemu.errors import (
    BadMagicError,
    CorruptFileError,
    UnreadableFileError,
    UnsupportedArchError,
)
from gopluginemu.formats import open_object
from gopluginemu.hostmem import huge_page_memory
from tests.conftest import LINUX_TARGETS, built_plugin

CASES = [(go, target, stripped) for go in matrix.GO_VERSIONS for target in LINUX_TARGETS for stripped in (False, True)]


@pytest.mark.parametrize("go,target,stripped", CASES)
def test_elf_reader_agrees_with_pyelftools(go: str, target: str, stripped: bool) -> None:
    path = built_plugin(go, target, "typezoo", stripped)
    obj = open_object(path)
    assert obj.format == "elf" and obj.arch.goarch == matrix.TARGETS[target].goarch
    with open(path, "rb") as f:
        ref = PyELF(f)
        assert [s.name for s in obj.sections] == [s.name for s in ref.iter_sections()]
        dynsym = ref.get_section_by_name(".dynsym")
        assert [s.name for s in obj.dynsym] == [s.name for s in dynsym.iter_symbols()]
        for sym in dynsym.iter_symbols():
            if sym.name and sym["st_shndx"] != "SHN_UNDEF":
                assert obj.symbols[sym.name].value == sym["st_value"]
        assert ("local.moduledata" in obj.symbols) == (not stripped)
        rel_count = 0
        for sec in ref.iter_sections():
            if isinstance(sec, RelocationSection):
                rel_count += sec.num_relocations()
        assert len(obj.relocations) == rel_count
    kinds = {r.kind for r in obj.relocations}
    assert {"relative", "abs", "glob_dat", "jump_slot", "tls_tpoff"} == kinds


@pytest.mark.parametrize("go,target", [(go, target) for go in matrix.GO_VERSIONS for target in LINUX_TARGETS])
def test_pointer_applies_relocations(go: str, target: str) -> None:
    obj = open_object(built_plugin(go, target, "typezoo"))
    relative = next(r for r in obj.relocations if r.kind == "relative")
    assert obj.pointer(relative.offset) == relative.addend
    defined = {s.name: s.value for s in obj.dynsym if s.shndx}
    absolute = next(r for r in obj.relocations if r.kind == "abs" and r.symbol in defined)
    assert obj.pointer(absolute.offset) == defined[absolute.symbol] + absolute.addend
    # lastmoduledatap's initial value is &local.moduledata (internals §2)
    last = obj.symbols["runtime.lastmoduledatap"].value
    assert obj.pointer(last) == obj.symbols["local.moduledata"].value
    bss = obj.section(".noptrbss")
    assert obj.read(bss.addr, 16) == bytes(16)


def _plugin_bytes() -> bytes:
    return built_plugin(matrix.GO_VERSIONS[-1], "linux/amd64", "typezoo").read_bytes()


def test_missing_file_says_realpath_failed(tmp_path) -> None:
    path = tmp_path / "nope.so"
    with pytest.raises(UnreadableFileError, match=r'plugin.Open\(".*nope.so"\): realpath failed') as err:
        inspect(path)
    assert err.value.path == str(path)


def test_directory_is_unreadable(tmp_path) -> None:
    with pytest.raises(UnreadableFileError, match="realpath failed"):
        inspect(tmp_path)


@pytest.mark.parametrize("content", [b"", b"hello world, not a binary", b"#!/bin/sh\necho hi\n"])
def test_bad_magic(tmp_path, content: bytes) -> None:
    path = tmp_path / "bad.so"
    path.write_bytes(content)
    with pytest.raises(BadMagicError, match="bad.so: bad magic"):
        inspect(path)


@pytest.mark.parametrize("size", [4, 63, 64, 2000, 200_000])
def test_truncated_file(tmp_path, size: int) -> None:
    path = tmp_path / "cut.so"
    path.write_bytes(_plugin_bytes()[:size])
    with pytest.raises(CorruptFileError, match="cut.so"):
        inspect(path)


def test_unsupported_machine(tmp_path) -> None:
    data = bytearray(_plugin_bytes())
    struct.pack_into("<H", data, 18, 40)  # EM_ARM
    path = tmp_path / "arm.so"
    path.write_bytes(bytes(data))
    with pytest.raises(UnsupportedArchError, match="arm.so: unsupported ELF machine 40"):
        inspect(path)


def test_32_bit_elf_is_unsupported(tmp_path) -> None:
    data = bytearray(_plugin_bytes())
    data[4] = 1  # ELFCLASS32
    path = tmp_path / "x86.so"
    path.write_bytes(bytes(data))
    with pytest.raises(UnsupportedArchError, match="x86.so"):
        inspect(path)


def test_corrupt_section_table(tmp_path) -> None:
    data = bytearray(_plugin_bytes())
    struct.pack_into("<Q", data, 0x28, len(data) - 10)  # e_shoff past the end
    path = tmp_path / "shoff.so"
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptFileError, match="shoff.so: truncated or corrupt section header table"):
        inspect(path)


@pytest.mark.parametrize("offset,value,stored", [(8, 2**64 + 5, 5), (8, -1, 2**64 - 1), (4096, 1, None)])
def test_relocation_stores_wrap_and_stay_in_the_image(offset: int, value: int, stored: int | None) -> None:
    """A relocation value outside a word's range wraps as the store would; an offset past the image
    is a CorruptFileError naming it."""
    from gopluginemu.engines.emulate.loader import _store

    obj = open_object(built_plugin(matrix.GO_VERSIONS[-1], "linux/amd64", "typezoo"))
    image = bytearray(4096)
    if stored is None:
        with pytest.raises(CorruptFileError, match=f"relocation at {offset:#x} outside the image"):
            _store(obj, image, [0, offset], lambda: [1, value])
    else:
        _store(obj, image, [0, offset], lambda: [1, value])
        assert struct.unpack_from("<QQ", image) == (1, stored)


def test_relocations_of_kinds_the_arch_does_not_know_are_left_out(tmp_path) -> None:
    path = built_plugin(matrix.GO_VERSIONS[-1], "linux/amd64", "hello")
    obj = open_object(path)
    rela = next(sh for sh in obj._shdrs if sh[1] == 4)  # SHT_RELA
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, rela[4] + 24 * 5 + 8, 0x7FFF)  # the sixth entry's r_info type
    changed = tmp_path / "unknown-kind.so"
    changed.write_bytes(bytes(data))
    table, other = obj.relocation_table, open_object(changed).relocation_table
    keep = [i for i in range(len(table)) if i != 5]
    assert len(other) == len(table) - 1
    assert [other.at(i) for i in range(len(other))] == [table.at(i) for i in keep]


def test_file_bytes_read_into_huge_pages_or_as_bytes_read_alike(tmp_path, monkeypatch) -> None:
    import io
    import mmap

    from gopluginemu import formats

    path = built_plugin(matrix.GO_VERSIONS[-1], "linux/arm64", "hello")
    raw = path.read_bytes()
    with open(path, "rb") as f:
        data = formats._contents(f, len(raw))
    assert data[:] == raw and len(data) == len(raw)  # read into whole huge pages, then cut to the file's length
    assert isinstance(data, mmap.mmap) == (huge_page_memory(1) is not None)
    assert formats._contents(io.BytesIO(raw + b"grown"), len(raw)) == raw + b"grown"  # changed while read: bytes
    assert formats._contents(io.BytesIO(b""), 0) == b""
    mapped = open_object(path)
    mapped.relocation_values, mapped.late_relocations  # noqa: B018 - decoded from the mapping
    formats.tables.clear()
    monkeypatch.delattr(mmap, "MADV_HUGEPAGE", raising=False)  # an OS without transparent huge pages
    plain = open_object(path)
    assert isinstance(plain.data, bytes)
    assert plain.data == mapped.data[:]
    assert plain.relocation_values is not mapped.relocation_values  # decoded again, from the bytes
    assert plain.relocation_values == mapped.relocation_values and plain.late_relocations == mapped.late_relocations


@pytest.mark.parametrize("huge_pages", [True, False])
def test_image_memory_is_zeroed_pages(monkeypatch, huge_pages: bool) -> None:
    import mmap

    from gopluginemu.engines.emulate import loader

    if not huge_pages:
        monkeypatch.delattr(mmap, "MADV_HUGEPAGE", raising=False)
    memory = loader._host_memory(3 << 20)
    whole = huge_pages and huge_page_memory(1) is not None  # where the kernel has huge pages: whole ones
    assert len(memory) == (4 << 20 if whole else 3 << 20)
    assert memory[:] == bytes(len(memory))
    memory[-1:] = b"x"
