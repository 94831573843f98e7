"""The runtime structure layouts of one Go release (generated data in ``runtime_stubs``)."""

from __future__ import annotations

from dataclasses import dataclass

from runtime_stubs.layouts_gen import RUNTIME_LAYOUTS

SLACK = 256  # room beyond the generated size of the structs the emulator allocates


@dataclass(frozen=True)
class RuntimeLayout:
    """Offsets and sizes of the runtime's own structures for one release."""

    release: str
    structs: dict[str, dict]

    def off(self, struct: str, field: str) -> int:
        return self.structs[struct]["fields"][field]

    def has(self, struct: str, field: str) -> bool:
        return struct in self.structs and field in self.structs[struct]["fields"]

    def size(self, struct: str) -> int:
        return self.structs[struct]["size"] + SLACK


def runtime_layout(release: str, goarch: str) -> RuntimeLayout | None:
    """The layouts of ``release`` on ``goarch`` (darwin uses its arch's linux layouts: the fields
    the emulator touches sit before ``m.mOS``, the only part that differs)."""
    entry = RUNTIME_LAYOUTS.get(release, {}).get(goarch)
    return None if entry is None else RuntimeLayout(release, entry)
