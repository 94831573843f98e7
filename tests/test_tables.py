"""The per-process tables of decoded files: shared while a file is unchanged, decoded again after."""

from __future__ import annotations

import os
import shutil

from corpus import matrix
from gopluginemu.formats import open_object, tables
from gopluginemu.formats.elf import ELFFile
from gopluginemu.formats.name_search import NamePatterns
from tests.conftest import built_plugin


def test_an_unchanged_file_shares_its_decoded_tables(tmp_path) -> None:
    path = tmp_path / "p.so"
    shutil.copyfile(built_plugin(matrix.GO_VERSIONS[-1], "linux/amd64", "typezoo"), path)
    first, second = open_object(path), open_object(path)
    assert second.relocation_table is first.relocation_table
    assert second.dynamic_defined is first.dynamic_defined
    assert second.data[:] == first.data[:] and second.data is not first.data  # the bytes are never kept


def test_a_rewritten_file_is_decoded_again(tmp_path) -> None:
    path = tmp_path / "p.so"
    shutil.copyfile(built_plugin(matrix.GO_VERSIONS[-1], "linux/amd64", "typezoo"), path)
    before = open_object(path)
    before_table = before.relocation_table
    shutil.copyfile(built_plugin(matrix.GO_VERSIONS[-1], "linux/arm64", "typezoo"), path)
    after = open_object(path)
    assert after.arch.goarch == "arm64" and after.relocation_table is not before_table
    assert after.relocation_values == ELFFile(os.fspath(path), path.read_bytes()).relocation_values


def test_only_the_most_recent_files_are_kept(tmp_path) -> None:
    source = built_plugin(matrix.GO_VERSIONS[-1], "linux/amd64", "typezoo")
    paths = [tmp_path / f"p{i}.so" for i in range(tables.MAX_FILES + 1)]
    for path in paths:
        shutil.copyfile(source, path)
    first = open_object(paths[0]).relocation_table
    for path in paths[1:]:
        open_object(path).relocation_table  # noqa: B018
    assert open_object(paths[0]).relocation_table is not first
    assert len(tables._entries) <= tables.MAX_FILES


def test_clear_forgets_every_file(tmp_path) -> None:
    path = tmp_path / "p.so"
    shutil.copyfile(built_plugin(matrix.GO_VERSIONS[-1], "linux/amd64", "typezoo"), path)
    before = open_object(path).relocation_values
    tables.clear()
    after = open_object(path).relocation_values
    assert after is not before and after == before


def test_kept_tables_do_not_keep_the_file_object(tmp_path) -> None:
    """The tables outlive the object that decoded them; its bytes (the whole file) must not."""
    import gc
    import weakref

    path = tmp_path / "p.so"
    shutil.copyfile(built_plugin(matrix.GO_VERSIONS[-1], "linux/arm64", "hello"), path)
    obj = open_object(path)
    obj.relocation_values, obj.late_relocations, obj.dynamic_defined.get("runtime.mallocgc"), list(obj.dynsym)  # noqa: B018
    gone = weakref.ref(obj)
    del obj
    gc.collect()
    assert gone() is None


def test_symbols_that_patterns_match_are_kept_per_pattern_list(tmp_path) -> None:
    path = tmp_path / "p.so"
    shutil.copyfile(built_plugin(matrix.GO_VERSIONS[-1], "linux/amd64", "typezoo"), path)
    runtime, sync = NamePatterns([r"runtime\.mallocgc$", r"runtime\.newobject$"]), NamePatterns([r"sync\.\(\*Mutex\)\.Lock$"])
    first = open_object(path)
    found = first.defined_matching(runtime, functions=True)
    assert {name for name, _ in found} == {"runtime.mallocgc", "runtime.newobject"}
    second = open_object(path)
    assert second.defined_matching(runtime, functions=True) is found  # the same list: not searched for again
    assert [name for name, _ in second.defined_matching(sync, functions=True)] == ["sync.(*Mutex).Lock"]
    fresh = ELFFile(os.fspath(path), path.read_bytes())  # an object outside the shared tables finds the same
    assert fresh.defined_matching(runtime, functions=True) == found
