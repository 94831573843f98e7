"""Per-Go-release layouts (generated data in ``layouts_gen``) behind a small lookup API.

Decoders never compare Go versions: they ask the layout of the file's release
for an offset, a size, a constant, or whether a field exists at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gopluginemu.gometa.layouts_gen import LAYOUTS, SOURCES

_RELEASE = re.compile(r"^go(\d+)\.(\d+)")


@dataclass(frozen=True)
class Layout:
    """The structure layouts and constants of one Go release (e.g. ``"1.26"``)."""

    release: str
    structs: dict[str, dict]
    consts: dict[str, int]
    name_flags: dict[str, int]

    def off(self, struct: str, field: str) -> int:
        """Byte offset of ``field`` in ``struct``."""
        return self.structs[struct]["fields"][field]

    def has(self, struct: str, field: str) -> bool:
        """Whether ``struct`` has ``field`` in this release."""
        return field in self.structs[struct]["fields"]

    def size(self, struct: str) -> int:
        """Size in bytes of ``struct``."""
        return self.structs[struct]["size"]

    @property
    def kind_mask(self) -> int:
        """Mask giving the kind from ``Type.Kind_`` (the whole byte once flags moved out of it)."""
        return self.consts.get("KindMask", 0xFF)


def release_of(go_version: str) -> str | None:
    """``"go1.26.6-X:foo"`` -> ``"1.26"``; None if the string is not a Go release."""
    m = _RELEASE.match(go_version)
    return f"{m.group(1)}.{m.group(2)}" if m else None


def layout_for(go_version: str) -> Layout | None:
    """The layout of the release ``go_version`` belongs to, or None if it is not in the table."""
    release = release_of(go_version)
    entry = LAYOUTS.get(release or "")
    if entry is None:
        return None
    return Layout(release, entry["structs"], entry["consts"], entry["name_flags"])


SUPPORTED_RELEASES: tuple[str, ...] = tuple(SOURCES)
