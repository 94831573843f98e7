"""Looking symbols up by name without decoding the whole table: the string table's lazy names, the
``.gnu.hash`` lookup, and the ELF reader's tables with and without a usable ``.gnu.hash``."""

from __future__ import annotations

import re
import struct
from array import array

import pytest
from elftools.elf.elffile import ELFFile as PyELF

from corpus import matrix
from gopluginemu.errors import CorruptFileError
from gopluginemu.formats import open_object, tables
from gopluginemu.formats.elf import SHDR
from gopluginemu.formats.gnu_hash import SHT_GNU_HASH, GnuHash, gnu_hash
from gopluginemu.formats.name_search import NamePatterns
from gopluginemu.formats.strtab import Names, StringTable
from tests.conftest import LINUX_TARGETS, built_plugin


def _bad(offset: int) -> Exception:
    return CorruptFileError("t.so", f"no string at {offset}")


def _string_table(names: list[str]) -> tuple[StringTable, array]:
    data, offsets = bytearray(b"\0"), array("I", [0])
    for name in names:
        offsets.append(len(data))
        data += name.encode() + b"\0"
    return StringTable(bytes(data), _bad), offsets


def _gnu_hash_section(names: list[str], nbuckets: int, symoffset: int = 1) -> tuple[bytes, list[int]]:
    """A .gnu.hash as binutils lays it out (symbols from ``symoffset`` sorted by bucket, the last of a
    bucket's chain with its low bit set), and the symbol order it needs."""
    hashes = {name: gnu_hash(name.encode()) for name in names}
    order = sorted(names, key=lambda n: hashes[n] % nbuckets)
    buckets, chain = [0] * nbuckets, []
    for k, name in enumerate(order):
        b = hashes[name] % nbuckets
        if not buckets[b]:
            buckets[b] = k + symoffset
        last = k + 1 == len(order) or hashes[order[k + 1]] % nbuckets != b
        chain.append(hashes[name] | 1 if last else hashes[name] & ~1)
    raw = struct.pack("<IIII", nbuckets, symoffset, 1, 6) + bytes(8) + struct.pack(f"<{nbuckets}I", *buckets)
    return raw + struct.pack(f"<{len(chain)}I", *chain), order


def test_gnu_hash_is_the_dynamic_linkers() -> None:
    assert gnu_hash(b"") == 5381
    assert gnu_hash(b"printf") == 0x156B2BB8  # the value glibc's dl_new_hash gives


@pytest.mark.parametrize("nbuckets", [1, 3, 64])
def test_gnu_hash_finds_each_symbol_and_nothing_else(nbuckets: int) -> None:
    names = ["runtime.mallocgc", "setenv", "unsetenv", "main.Add", "go:link.pkghash.fmt", "type:int", "a", "b"]
    raw, order = _gnu_hash_section(names, nbuckets)
    strings, offsets = _string_table(order)
    table = GnuHash.parse(raw, 8, "little", offsets, strings)
    assert table is not None
    for i, name in enumerate(order, start=1):
        assert table.find(name.encode()) == i
    for absent in ("runtime.mallocgc2", "runtime.malloc", "", "c", "setenv\0"):
        assert table.find(absent.encode()) is None


def test_gnu_hash_that_does_not_fit_its_symbols_is_not_used() -> None:
    raw, order = _gnu_hash_section(["x", "y", "z"], 2)
    strings, offsets = _string_table(order)
    assert GnuHash.parse(raw[:20], 8, "little", offsets, strings) is None  # truncated
    assert GnuHash.parse(raw, 8, "little", offsets[:0], strings) is None  # symoffset beyond the symbols
    fewer = GnuHash.parse(raw, 8, "little", offsets[:2], strings)  # a chain longer than the symbols is cut
    assert fewer is not None and all(fewer.find(name.encode()) in (None, 1) for name in order)
    assert GnuHash.parse(struct.pack("<IIII", 0, 1, 0, 0), 8, "little", offsets, strings) is None  # no buckets
    for start in (99, 0x80000000):  # a bucket whose chain starts beyond the table finds nothing
        table = GnuHash.parse(raw[:24] + struct.pack("<II", start, start) + raw[32:], 8, "little", offsets, strings)
        assert table is not None and not any(table.find(name.encode()) for name in order)


def test_names_decode_one_at_a_time_or_all_at_once() -> None:
    strings, offsets = _string_table(["main.Add", "héllo", "unsetenv"])
    offsets.append(offsets[3] + 2)  # "setenv", the tail of "unsetenv"
    names = Names(strings, offsets, first=None)
    assert len(names) == 5 and names[1] == "main.Add" and names[2] == "héllo" and names[4] == "setenv"
    assert names[0] is None and names._all is None  # nothing decoded in bulk yet
    assert list(names) == [None, "main.Add", "héllo", "unsetenv", "setenv"] and names[1:3] == ["main.Add", "héllo"]
    broken = Names(strings, array("I", [0, 999]))
    with pytest.raises(CorruptFileError, match="no string at 999"):
        broken[1]
    with pytest.raises(CorruptFileError):
        list(broken)


CASES = [(go, target) for go in (matrix.GO_VERSIONS[0], matrix.GO_VERSIONS[-1]) for target in LINUX_TARGETS]


@pytest.mark.parametrize("go,target", CASES)
def test_lookups_by_hash_agree_with_pyelftools(go: str, target: str) -> None:
    path = built_plugin(go, target, "typezoo")
    obj = open_object(path)
    with open(path, "rb") as f:
        dynsym = list(PyELF(f).get_section_by_name(".dynsym").iter_symbols())
    defined = {s.name: s["st_value"] for s in dynsym if s.name and s["st_shndx"] != "SHN_UNDEF"}
    imports = {s.name for s in dynsym if s.name and s["st_shndx"] == "SHN_UNDEF"} - defined.keys()
    lookup = obj.dynamic_defined
    assert type(lookup).__name__ == "_HashedDefined"  # every plugin the corpus builds has a .gnu.hash
    assert all(lookup.get(name) == value for name, value in defined.items())
    assert not any(name in lookup for name in imports) and "main.NoSuchSymbol" not in lookup
    assert dict(lookup.items()) == defined
    patterns = NamePatterns([r"runtime\.mallocgc", r"go:link\.pkghash\.", r"type:\*?main\."])
    expected = {(n, v) for n, v in defined.items() if any(re.match(p, n) for p in patterns.patterns)}
    assert set(obj.defined_matching(patterns)) == expected and expected
    functions = {s.name for s in dynsym if s["st_info"]["type"] == "STT_FUNC"}
    assert set(obj.defined_matching(patterns, functions=True)) == {(n, v) for n, v in expected if n in functions}


def _without_gnu_hash(path, tmp_path, how: str):
    """A copy of the plugin at ``path`` whose .gnu.hash is no section of that type, or a broken one."""
    data = bytearray(path.read_bytes())
    obj = open_object(path)
    idx = next(i for i, sh in enumerate(obj._shdrs) if sh[1] == SHT_GNU_HASH)
    at = obj._shoff + idx * struct.calcsize(SHDR)
    if how == "none":
        struct.pack_into("<I", data, at + 4, 1)  # SHT_PROGBITS
    else:
        struct.pack_into("<I", data, obj._shdrs[idx][4], 0)  # nbuckets 0
    out = tmp_path / f"{how}.so"
    out.write_bytes(bytes(data))
    return out


@pytest.mark.parametrize("how", ["none", "broken"])
def test_without_a_usable_gnu_hash_every_name_is_decoded_alike(tmp_path, how: str) -> None:
    path = built_plugin(matrix.GO_VERSIONS[-1], "linux/arm64", "hello")
    tables.clear()
    hashed = open_object(path)
    plain = open_object(_without_gnu_hash(path, tmp_path, how))
    assert isinstance(plain.dynamic_defined, dict)
    assert plain.dynamic_defined == dict(hashed.dynamic_defined.items())
    assert plain.relocation_values == hashed.relocation_values
    assert plain.late_relocations == hashed.late_relocations
    patterns = NamePatterns([r"runtime\.(mallocgc|stackalloc)$", r"go:link\.pkghash\."])
    assert plain.defined_matching(patterns, functions=True) == hashed.defined_matching(patterns, functions=True)
    assert plain.defined_matching(patterns) == hashed.defined_matching(patterns)


@pytest.mark.parametrize("target", LINUX_TARGETS)
def test_relocation_values_alone_and_moved_agree_with_the_table(target: str) -> None:
    obj = open_object(built_plugin(matrix.GO_VERSIONS[-1], target, "hello"))
    values = obj.relocation_values
    assert [obj.relocation_value(i) for i in range(len(values))] == values
    assert list(obj.relocation_values_at(1 << 36)) == [v + (1 << 36) for v in values]
