"""Tables decoded from an object file, kept for the rest of the process while the file is unchanged.

Opening a plugin again (a new ``Session``) decodes the same symbol and relocation tables from the
same bytes. A property declared ``@decoded`` (of an ``ObjectFile``, or of a ``GoBinary`` reading
Go metadata from it) also keeps its value in the file's entry here, so the next object of the
unchanged file takes it instead of decoding it again.

An entry is keyed by the file's identity: its path, device, inode, size and modification and
change times (ns), taken before and after the file was read (a file that changed meanwhile gets no
entry). A file rewritten since has a new identity and is decoded afresh. Only values worked out
from the file's bytes alone are kept (and the loader's relocated span, from the bytes and a load
base): never the file's bytes, never anything of an emulated process. They are shared between
``ObjectFile``s, so nothing may change them. An entry takes about 3.5 MiB for a 4 MiB plugin (its
symbol and relocation tables and their indexes); at most ``MAX_FILES`` files are kept, the one
opened longest ago goes first.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from functools import cached_property

MAX_FILES = 4

Identity = tuple[str, int, int, int, int, int]

_entries: OrderedDict[Identity, dict[str, object]] = OrderedDict()
_lock = threading.Lock()


def identity(path: str, st: os.stat_result) -> Identity:
    """What names one version of a file: a rewrite changes the inode or the times."""
    return (path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def entry(key: Identity | None) -> dict[str, object]:
    """The shared tables of the file with identity ``key`` (a private, empty one for None)."""
    if key is None:
        return {}
    with _lock:
        tables = _entries.pop(key, None)
        _entries[key] = tables = {} if tables is None else tables
        while len(_entries) > MAX_FILES:
            _entries.popitem(last=False)
    return tables


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


def clear() -> None:
    """Forget every file's kept tables: the next open of any file decodes it afresh."""
    with _lock:
        _entries.clear()
