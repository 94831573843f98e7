"""A short run of the parser fuzzer (``python -m tests.fuzz`` is the long one): no untyped exception, no hang."""

from __future__ import annotations

import time

import tests.fuzz as harness
from corpus import matrix
from gopluginemu.formats.macho import MachOFile
from tests.conftest import DARWIN_TARGETS, LINUX_TARGETS, built_plugin
from tests.fuzz import fuzz, go_testdata, load_seed
from tests.test_macho_chained import to_chained


def test_small_macho_samples():
    """Go's debug/macho test binaries are small, so many inputs fit in a second or two."""
    seeds = [load_seed(name, data) for name, data in go_testdata()]
    report = fuzz(seeds, range(300), time_limit=5.0)
    assert report.inputs == 300
    assert report.findings == []


def test_corpus_plugins():
    """A few inputs of a real plugin per format (each costs a full parse)."""
    go = matrix.GO_VERSIONS[-1]
    paths = [built_plugin(go, LINUX_TARGETS[0], "hello"), built_plugin(go, DARWIN_TARGETS[-1], "hello")]
    seeds = [load_seed(str(p), p.read_bytes()) for p in paths]
    report = fuzz(seeds, range(1000, 1008), time_limit=10.0)
    assert report.inputs == 8
    assert report.findings == []


def test_chained_fixups():
    """A plugin re-encoded with chained fixups (no corpus build has them), mutated mostly in its fixups."""
    path = built_plugin(matrix.GO_VERSIONS[-1], DARWIN_TARGETS[-1], "hello")
    data = path.read_bytes()
    seed = load_seed("chained", to_chained(data, MachOFile(str(path), data)))
    report = fuzz([seed], range(2000, 2008), time_limit=10.0)
    assert report.inputs == 8
    assert report.findings == []


def test_harness_reports_untyped_errors_and_hangs(monkeypatch):
    def broken(path: str) -> None:
        raise IndexError("boom")

    def stuck(path: str) -> None:
        time.sleep(5)

    monkeypatch.setattr(harness, "STAGES", {"broken": broken, "stuck": stuck})
    seeds = [load_seed(name, data) for name, data in go_testdata()[:1]]
    report = fuzz(seeds, range(2), time_limit=0.2)
    assert [(f.stage, f.kind.split()[0]) for f in report.findings] == [("broken", "IndexError"), ("stuck", "hang")] * 2
