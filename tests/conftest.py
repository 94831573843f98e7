"""Shared test helpers: where the corpus builds are, failing loudly when they are missing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from corpus import builds, matrix  # noqa: E402

LINUX_TARGETS = [t for t, spec in matrix.TARGETS.items() if spec.goos == "linux"]
DARWIN_TARGETS = [t for t, spec in matrix.TARGETS.items() if spec.goos == "darwin"]


def require(path: Path) -> Path:
    """The path of a corpus product, failing the test (not skipping it) when it was not built."""
    if not path.exists():
        pytest.fail(f"{path} is missing: run `python -m corpus build` first", pytrace=False)
    return path


def built_plugin(go: str, target: str, name: str, stripped: bool = False) -> Path:
    return require(builds.plugin_path(go, target, name, stripped))


def transcript(go: str, target: str, scenario: str, stripped: bool = False) -> builds.Transcript:
    require(builds.transcript_path(go, target, scenario, stripped))
    return builds.load_transcript(go, target, scenario, stripped)
