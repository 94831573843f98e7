"""Decoded tables kept on disk between processes, as Python keeps compiled bytecode: the entries in
``formats.tables`` of the files a process opened last are written when it exits, and the next
process that opens the same unchanged file reads its entry instead of decoding again.

Measured on arm64 ``hello`` (a 4.5 MiB plugin): its entry after an open is a 1.2 MiB pickle that a
new process reads in ~2.5 ms, against ~7 ms of decoding and relocating the open then does without.

Where: the folder ``GOPLUGINEMU_TABLES`` names, else the user's cache folder
(``$XDG_CACHE_HOME`` or ``~/.cache``, ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` on
Windows) under ``gopluginemu/tables``; ``GOPLUGINEMU_TABLES=off`` turns the store off.

What: only what ``formats.tables`` keeps — values worked out from the file's bytes alone, never the
bytes, never anything an emulated plugin did. An entry is named by the file's identity (path,
device, inode, size, times) and by the version of the code that decoded it (this package's
version, Python's, and the size and modification time of each module that decodes or relocates),
so a rewritten file, an upgrade or an edited decoder never reads an old entry.

Trust: entries are pickles, so the store reads only a folder that the user owns and no one else
may write to, and only files of that user that no one else may write to; anything that fails to
load is ignored. At most ``MAX_FILES`` entries are kept: the least recently read or written go.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
import sys
import tempfile
from pathlib import Path

import gopluginemu

MAX_FILES = 64
ENV = "GOPLUGINEMU_TABLES"
SUFFIX = ".tables"


def folder() -> Path | None:
    """The store's folder, or None where it is turned off."""
    chosen = os.environ.get(ENV)
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "0", "none") else Path(chosen)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser("~\\AppData\\Local")
    elif sys.platform == "darwin":
        base = os.path.expanduser("~/Library/Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    if not os.path.isabs(base):  # no home folder to expand "~" to: no store (never one in the working folder)
        return None
    return Path(base) / "gopluginemu" / "tables"


def load(identity: tuple) -> dict[str, object] | None:
    """The stored entry of the file with ``identity``, if there is one this process may trust."""
    path = _entry_path(identity, create=False)
    if path is None:
        return None
    try:
        with open(path, "rb") as f:
            if not _trusted(os.fstat(f.fileno())):
                return None
            stored_identity, tables = pickle.load(f)
    except Exception:  # noqa: BLE001 - missing, half-written, or from an incompatible build: not used
        return None
    if stored_identity != identity or not isinstance(tables, dict):
        return None
    with contextlib.suppress(OSError):  # a store on a read-only disk is still read
        os.utime(path)  # recently used: pruned last
    return tables


def save(identity: tuple, tables: dict[str, object]) -> None:
    """Write the entry of the file with ``identity`` (replacing an older one); values that cannot be
    pickled are left out. Failing to write (a read-only or full disk) is not an error."""
    path = _entry_path(identity, create=True)
    if path is None:
        return
    try:
        data = pickle.dumps((identity, tables), pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - a value that cannot be pickled: keep the rest
        data = pickle.dumps((identity, {k: v for k, v in tables.items() if _picklable(v)}), pickle.HIGHEST_PROTOCOL)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        return
    _prune(path.parent)


def _picklable(value: object) -> bool:
    try:
        pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001
        return False
    return True


def _entry_path(identity: tuple, create: bool) -> Path | None:
    where = folder()
    if where is None:
        return None
    try:
        if create:
            where.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _trusted(os.stat(where), folder=True):
            return None
    except OSError:
        return None
    name = hashlib.sha256(repr((identity, _code_version())).encode()).hexdigest()[:40]
    return where / (name + SUFFIX)


def _trusted(st: os.stat_result, folder: bool = False) -> bool:
    """Owned by this user and writable by no one else (where the OS has users and modes)."""
    if folder and not stat.S_ISDIR(st.st_mode):
        return False
    if not hasattr(os, "getuid"):
        return True
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


# what decodes the tables: every module in these folders of the package, and these modules
DECODERS = ("formats", "gometa", "arch")
DECODER_MODULES = ("engines/emulate/loader.py",)  # the relocated span
_version: str | None = None


def _code_version() -> str:
    """This package's version, Python's, and the size and modification time of each decoder module."""
    global _version
    if _version is None:
        root = Path(gopluginemu.__file__).parent
        parts = [gopluginemu.__version__, sys.version]
        for sub in DECODERS:
            with os.scandir(root / sub) as found:
                parts += sorted(f"{sub}/{e.name} {_stamp(e.stat())}" for e in found if e.name.endswith(".py"))
        parts += [f"{m} {_stamp(os.stat(root / m))}" for m in DECODER_MODULES]
        _version = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return _version


def _stamp(st: os.stat_result) -> str:
    return f"{st.st_size} {st.st_mtime_ns}"


def _prune(where: Path) -> None:
    """Keep the ``MAX_FILES`` entries used last."""
    with contextlib.suppress(OSError), os.scandir(where) as found:
        entries = sorted((e.stat().st_mtime_ns, e.path) for e in found if e.name.endswith(SUFFIX))
        for _, path in entries[: max(0, len(entries) - MAX_FILES)]:
            os.remove(path)
