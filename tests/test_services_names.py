"""Which function names the runtime services answer: the one regex over all names finds what
matching each ANSWERED pattern on its own would."""

from __future__ import annotations

import re

from gopluginemu.engines.emulate.runtime.services import _answered
from runtime_stubs.services import ANSWERED

NAMES = [
    "runtime.mallocgc", "runtime.mallocgcTiny", "runtime.mallocgcSmallScanNoHeaderSC12", "runtime.mallocgcTinySlowPath",
    "runtime.mallocgc.abi0", "runtime.persistentalloc", "runtime.persistentalloc1", "runtime.stackalloc",
    "runtime.stackfree", "runtime.SetFinalizer", "runtime.addCleanup", "weak.runtime_registerWeakPointer",
    "internal/weak.runtime_makeStrongFromWeak", "xweak.runtime_registerWeakPointer", "main.runtime.stackalloc",
    "runtime.newobject", "sync.(*Pool).Get", "",
]


def test_answered_names_are_those_each_pattern_matches() -> None:
    expected = []
    for name in NAMES:
        hits = [i for i, pattern in enumerate(ANSWERED) if re.match(pattern, name)]
        if hits:
            expected.append((name, hits[0]))
    assert _answered(NAMES) == expected
    assert {name for name, _ in expected} >= {"runtime.mallocgc", "runtime.stackalloc", "weak.runtime_registerWeakPointer"}
