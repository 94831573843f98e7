"""Finding names by pattern (``NamePatterns``, as the runtime services and the package hashes do): one
scan per package prefix finds what matching each pattern on its own finds, tails of names included."""

from __future__ import annotations

import re

from gopluginemu.engines.emulate.runtime.services import _ANSWERED
from gopluginemu.formats.name_search import NamePatterns
from runtime_stubs.services import ANSWERED

NAMES = [
    "runtime.mallocgc", "runtime.mallocgcTiny", "runtime.mallocgcSmallScanNoHeaderSC12", "runtime.mallocgcTinySlowPath",
    "runtime.mallocgc.abi0", "runtime.persistentalloc", "runtime.persistentalloc1", "runtime.stackalloc",
    "runtime.stackfree", "runtime.SetFinalizer", "runtime.addCleanup", "weak.runtime_registerWeakPointer",
    "internal/weak.runtime_makeStrongFromWeak", "xweak.runtime_registerWeakPointer", "main.runtime.stackalloc",
    "runtime.newobject", "sync.(*Pool).Get", "",
]


def test_answered_names_are_those_each_pattern_matches() -> None:
    expected = [(name, next(i for i, p in enumerate(ANSWERED) if re.match(p, name)))
                for name in NAMES if any(re.match(p, name) for p in ANSWERED)]
    found = _ANSWERED.names_in(NAMES)
    assert [(name, _ANSWERED.which(name)) for name in found] == expected
    assert {name for name, _ in expected} >= {"runtime.mallocgc", "runtime.stackalloc", "weak.runtime_registerWeakPointer"}
    assert _ANSWERED.which("runtime.newobject") is None


def test_every_answered_pattern_starts_with_its_package() -> None:
    """A pattern without a literal package prefix would make its scan try every position."""
    for pattern in ANSWERED:
        assert re.match(r"[\w/]+\\\.", pattern), pattern


def test_starts_finds_names_and_tails_of_names() -> None:
    patterns = NamePatterns([r"setenv$", r"weak\.f$", r"go:link\.pkghash\."])
    text = "\nunsetenv\nsetenv\ninternal/weak.f\nweak.g\ngo:link.pkghash.fmt\nx\n"
    found = patterns.matched(text)
    assert found == ["setenv", "setenv", "weak.f", "go:link.pkghash.fmt"]  # the tails of "unsetenv" and "internal/weak.f"
    assert [text[s - 1] == "\n" for s in patterns.starts(text)] == [False, True, False, True]
    # a list of names holds no tails: only whole names count
    assert patterns.names_in(["unsetenv", "internal/weak.f", "weak.f", "go:link.pkghash.a/b"]) == ["weak.f", "go:link.pkghash.a/b"]
