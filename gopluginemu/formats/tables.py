"""Tables decoded from an object file, kept for the rest of the process while the file is unchanged.

Opening a plugin again (a new ``Session``) decodes the same symbol and relocation tables from the
same bytes. A property declared ``@decoded`` (of an ``ObjectFile``, or of a ``GoBinary`` reading
Go metadata from it) also keeps its value in the file's entry here, so the next object of the
unchanged file takes it instead of decoding it again.

An entry is keyed by the file's identity: its path, device, inode, size and modification and
change times (ns), taken before and after the file was read (a file that changed meanwhile gets no
entry). A file rewritten since has a new identity and is decoded afresh. Only values worked out
from the file's bytes alone are kept (and the loader's relocated span, from the bytes and a load
base, and the symbols that name patterns match, keyed by the patterns): never the file's bytes, never anything of an emulated process. They are shared between
``ObjectFile``s, so nothing may change them. An entry takes about 3.5 MiB for a 4 MiB plugin (its
symbol and relocation tables and their indexes); at most ``MAX_FILES`` files are kept, the one
opened longest ago goes first.

Entries also outlive the process: at exit, ``table_store`` writes those still kept that grew, and
reads one back for the first open of its file in a later process.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections import OrderedDict
from functools import cached_property

from gopluginemu.formats import table_store

MAX_FILES = 4

Identity = tuple[str, int, int, int, int, int]

_entries: OrderedDict[Identity, dict[str, object]] = OrderedDict()
_stored_sizes: dict[Identity, int] = {}  # tables in the store's copy of an entry (0: none)
_lock = threading.Lock()


def identity(path: str, st: os.stat_result) -> Identity:
    """What names one version of a file: a rewrite changes the inode or the times."""
    return (path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def entry(key: Identity | None) -> dict[str, object]:
    """The shared tables of the file with identity ``key`` (a private, empty one for None): kept in
    this process, else read from ``table_store``, else a new, empty entry."""
    if key is None:
        return {}
    with _lock:
        tables = _entries.get(key)
        if tables is not None:
            _entries.move_to_end(key)
            return tables
    stored = table_store.load(key)  # outside the lock: other files' opens need not wait
    with _lock:
        tables = _entries.get(key)
        if tables is None:
            _entries[key] = tables = {} if stored is None else stored
            _stored_sizes[key] = len(tables)
            while len(_entries) > MAX_FILES:
                _stored_sizes.pop(_entries.popitem(last=False)[0], None)
        else:
            _entries.move_to_end(key)
    return tables


@atexit.register
def _store_all() -> None:
    """At exit, write each entry still kept (the ``MAX_FILES`` opened last) that holds more than the
    store's copy (tables are only ever added), but for the ``@rebuilt`` indexes. A process that reads
    many files so stores only the last few, as a batch of inspections should not write them all."""
    with _lock:
        entries = list(_entries.items())
    for key, tables in entries:
        kept = {name: value for name, value in tables.items() if name not in REBUILT}
        if len(kept) > _stored_sizes.get(key, 0):
            table_store.save(key, kept)
            _stored_sizes[key] = len(kept)


class decoded(cached_property):  # noqa: N801 - used like cached_property
    """A ``cached_property`` whose value depends on the file's bytes alone: it is also kept in the
    object's ``tables`` (the file's shared entry, under the class and property name) and taken
    from there when already decoded."""

    def __set_name__(self, owner, name: str) -> None:
        super().__set_name__(owner, name)
        self.key = f"{owner.__qualname__}.{name}"

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        tables = obj.tables
        value = tables.get(self.key, tables)
        if value is tables:
            value = tables[self.key] = self.func(obj)
        obj.__dict__[self.attrname] = value
        return value


REBUILT: set[str] = set()  # the keys of ``@rebuilt`` properties


class rebuilt(decoded):  # noqa: N801 - used like cached_property
    """A ``decoded`` index over other decoded tables: kept in the process like them, but not in
    ``table_store``, as building it again costs less than reading it (the relocation index of arm64
    ``hello``: 0.4 ms to build, 0.7 ms and 1 MiB more memory to read)."""

    def __set_name__(self, owner, name: str) -> None:
        super().__set_name__(owner, name)
        REBUILT.add(self.key)


def clear() -> None:
    """Forget every file's tables kept in this process (the store's copies stay): the next open of
    any file reads them from ``table_store``, or decodes them afresh where it has none."""
    with _lock:
        _entries.clear()
        _stored_sizes.clear()
