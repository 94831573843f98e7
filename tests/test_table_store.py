"""Decoded tables kept on disk between processes (``formats.table_store``): a later process reads
what an earlier one decoded, gets the same answers from it as Go, and reads nothing it should not
trust (another user's or a writable-by-others file or folder, another file's or another code
version's entry, a damaged file)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from corpus import builds, matrix
from gopluginemu.api import Session
from gopluginemu.formats import open_object, table_store, tables
from gopluginemu.scenario import run_scenario
from tests.conftest import EMULATED_TARGETS, ROOT, built_plugin, reference_target, transcript

GO = matrix.GO_VERSIONS[-1]


@pytest.fixture
def store(tmp_path, monkeypatch):
    """The store turned on, in a fresh folder; this process's tables forgotten before and after."""
    folder = tmp_path / "store"
    monkeypatch.setenv(table_store.ENV, str(folder))
    tables.clear()
    yield folder
    tables.clear()


def _copy(tmp_path, target: str = "linux/arm64", name: str = "hello"):
    path = tmp_path / f"{name}.so"
    shutil.copyfile(built_plugin(GO, target, name), path)
    return path


def _key(path) -> tuple:
    return tables.identity(os.fspath(path), os.stat(path))


def test_turned_off(tmp_path, monkeypatch) -> None:
    for off in ("off", "", "0"):
        monkeypatch.setenv(table_store.ENV, off)
        assert table_store.folder() is None
        table_store.save(("x",), {"a": 1})
        assert table_store.load(("x",)) is None


def test_default_folder_is_the_users_cache(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv(table_store.ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    if sys.platform not in ("win32", "darwin"):
        assert table_store.folder() == tmp_path / "gopluginemu" / "tables"
        monkeypatch.delenv("XDG_CACHE_HOME")
        monkeypatch.setattr(os.path, "expanduser", lambda p: p)  # no home folder: "~" stays
        assert table_store.folder() is None


def test_an_entry_is_written_when_let_go_and_read_back(store, tmp_path) -> None:
    path = _copy(tmp_path)
    obj = open_object(path)
    decoded = (obj.relocation_values, obj.late_relocations, obj.dynamic_defined.get("runtime.mallocgc"))
    obj.relocation_at(0)  # the relocation index built too
    tables._store_all()  # what exit does
    assert [p.suffix for p in store.iterdir()] == [table_store.SUFFIX]
    assert oct(os.stat(store).st_mode & 0o777) == oct(0o700)
    tables.clear()
    again = open_object(path)
    assert tables._stored_sizes[_key(path)] > 0  # read from the store
    assert (again.relocation_values, again.late_relocations, again.dynamic_defined.get("runtime.mallocgc")) == decoded
    assert "ObjectFile.relocation_index" in tables.REBUILT  # not stored: built again where asked
    assert "ObjectFile.relocation_index" not in table_store.load(_key(path))
    offset = again.relocation_table.offsets[-1]
    assert again.relocation_at(offset) == obj.relocation_at(offset)


def test_an_entry_read_back_is_not_written_again_unless_it_grew(store, tmp_path, monkeypatch) -> None:
    path = _copy(tmp_path)
    open_object(path).relocation_table  # noqa: B018
    tables._store_all()
    tables.clear()
    writes = []
    monkeypatch.setattr(table_store, "save", lambda key, entry: writes.append(key))
    open_object(path).relocation_table  # noqa: B018
    tables._store_all()
    assert writes == []
    open_object(path).late_relocations  # noqa: B018 - one more table
    tables._store_all()
    assert writes == [_key(path)]


@pytest.mark.parametrize("target", EMULATED_TARGETS)
def test_opens_from_stored_tables_answer_as_go(store, target: str) -> None:
    """The hello scenario twice: decoding the tables, then with every table read from the store."""
    recorded = transcript(GO, reference_target(target), "hello")
    ops = json.loads(builds.scenario_file("hello").read_text())["ops"]
    paths = {"hello": str(built_plugin(GO, target, "hello"))}
    stored = []
    for _ in range(2):
        with Session() as session:
            events = run_scenario(ops, paths, session)
        assert events == recorded.events
        stored.append(sum(tables._stored_sizes.values()))
        tables._store_all()
        tables.clear()
    assert stored[0] == 0 and stored[1] > 0  # the second run read every table the first decoded


def test_a_later_process_reads_what_an_earlier_one_decoded(store, tmp_path) -> None:
    path = _copy(tmp_path)
    child = ("import json, sys; from gopluginemu.api import Session; from gopluginemu.formats import tables\n"
             "p = Session().open(sys.argv[1]); stored = sum(tables._stored_sizes.values())\n"
             "print(json.dumps([stored, p.lookup('Greet')('store'), p.lookup('Add')(2, 3)]))")
    env = {**os.environ, table_store.ENV: str(store), "PYTHONPATH": str(ROOT)}
    runs = [json.loads(subprocess.run([sys.executable, "-c", child, str(path)], env=env, check=True,
                                      capture_output=True, text=True).stdout) for _ in range(2)]
    assert runs[0][0] == 0 and runs[1][0] > 0  # the first decoded, the second read the store
    assert runs[0][1:] == runs[1][1:] == ["hello, store", 5]


def test_a_process_stores_only_the_files_it_opened_last(store, tmp_path) -> None:
    source = built_plugin(GO, "linux/amd64", "typezoo")
    paths = [tmp_path / f"p{i}.so" for i in range(tables.MAX_FILES + 2)]
    for path in paths:
        shutil.copyfile(source, path)
        open_object(path).relocation_table  # noqa: B018
    tables._store_all()
    assert [table_store.load(_key(p)) is not None for p in paths] == [False] * 2 + [True] * tables.MAX_FILES
    assert len(list(store.iterdir())) == tables.MAX_FILES


def _stored(store):
    (entry,) = store.iterdir()
    return entry


def test_untrusted_or_foreign_entries_are_not_read(store, tmp_path, monkeypatch) -> None:
    path = _copy(tmp_path)
    key = _key(path)
    table_store.save(key, {"t": [1, 2]})
    assert table_store.load(key) == {"t": [1, 2]}
    entry = _stored(store)
    os.chmod(entry, 0o620)  # others may write it
    assert table_store.load(key) is None
    os.chmod(entry, 0o600)
    os.chmod(store, 0o770)  # others may write the folder
    assert table_store.load(key) is None
    os.chmod(store, 0o700)
    assert table_store.load(key[:-1] + (key[-1] + 1,)) is None  # the file changed since
    monkeypatch.setattr(table_store, "_version", "another build of the decoders")
    assert table_store.load(key) is None
    monkeypatch.undo()
    monkeypatch.setenv(table_store.ENV, str(store))
    entry.write_bytes(entry.read_bytes()[:100])  # damaged
    assert table_store.load(key) is None


def test_a_store_that_cannot_be_written_is_still_read(store, monkeypatch) -> None:
    table_store.save(("k",), {"i": 1})
    monkeypatch.setattr(os, "utime", lambda *a, **k: (_ for _ in ()).throw(OSError(30, "Read-only file system")))
    assert table_store.load(("k",)) == {"i": 1}


def test_values_that_cannot_be_pickled_are_left_out(store) -> None:
    table_store.save(("k",), {"kept": b"x", "dropped": lambda: 0})
    assert table_store.load(("k",)) == {"kept": b"x"}


def test_only_the_entries_used_last_are_kept(store, monkeypatch) -> None:
    monkeypatch.setattr(table_store, "MAX_FILES", 2)
    for i in range(3):
        table_store.save((f"k{i}",), {"i": i})
        if i < 2:  # written in this order (the clock may not tell apart writes a moment apart)
            os.utime(table_store._entry_path((f"k{i}",), create=False), ns=(10**9 * (i + 1),) * 2)
    assert table_store.load(("k0",)) is None
    assert table_store.load(("k1",)) == {"i": 1} and table_store.load(("k2",)) == {"i": 2}
    assert len(list(store.iterdir())) == 2


def test_failing_to_write_is_not_an_error(store, monkeypatch) -> None:
    table_store.save(("k",), {"i": 1})  # the folder exists
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    table_store.save(("k2",), {"i": 2})
    assert sorted(p.suffix for p in store.iterdir()) == [table_store.SUFFIX]  # no half-written file left
    monkeypatch.setattr(table_store.tempfile, "mkstemp", lambda **k: (_ for _ in ()).throw(PermissionError(13, "denied")))
    table_store.save(("k3",), {"i": 3})
    assert table_store.load(("k2",)) is None and table_store.load(("k3",)) is None
