"""The runtime structure layouts of one Go release (generated data in ``runtime_stubs``)."""

from __future__ import annotations

from dataclasses import dataclass

from runtime_stubs.layouts_gen import RUNTIME_LAYOUTS

SLACK = 256  # g/m/p are a little larger on some arches than on the amd64 probe


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


def runtime_layout(release: str) -> RuntimeLayout | None:
    entry = RUNTIME_LAYOUTS.get(release)
    return None if entry is None else RuntimeLayout(release, entry)
