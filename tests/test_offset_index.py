"""The relocation index by offset: the sorted "relative" relocations found by bisection, the rest by a
dict, and the answers those of a dict of every offset (the last relocation at an offset wins)."""

from __future__ import annotations

import random

import pytest

from corpus import matrix
from gopluginemu.formats import open_object
from gopluginemu.formats.base import RELOC_KINDS
from gopluginemu.formats.offset_index import OffsetIndex
from tests.conftest import DARWIN_TARGETS, LINUX_TARGETS, built_plugin

RELATIVE = RELOC_KINDS.index("relative")
OTHER = RELOC_KINDS.index("glob_dat")


def _as_dict(offsets: list[int]) -> dict[int, int]:
    return dict(zip(offsets, range(len(offsets))))


def _answers(index: OffsetIndex, offsets: list[int]) -> dict[int, int | None]:
    probes = {*offsets, *(o + 4 for o in offsets), -8, 0, max(offsets, default=0) + 8}
    return {o: index.get(o) for o in probes}


def _expected(offsets: list[int]) -> dict[int, int | None]:
    last = _as_dict(offsets)
    probes = {*offsets, *(o + 4 for o in offsets), -8, 0, max(offsets, default=0) + 8}
    return {o: last.get(o) for o in probes}


@pytest.mark.parametrize(
    "offsets,kinds",
    [
        ([0x10, 0x18, 0x18, 0x30, 0x18, 0x40], [RELATIVE] * 4 + [OTHER] * 2),  # repeats in the head and the rest
        ([0x30, 0x10, 0x20, 0x08], [RELATIVE] * 3 + [OTHER]),  # a head out of order: a dict of all
        ([0x08, 0x10], [OTHER, OTHER]),  # no head
        ([0x08, 0x10], [RELATIVE, RELATIVE]),  # no rest
        ([], []),
    ],
)
def test_answers_as_a_dict_of_every_offset(offsets: list[int], kinds: list[int]) -> None:
    index = OffsetIndex(offsets, bytes(kinds), RELATIVE)
    assert _answers(index, offsets) == _expected(offsets)


def test_random_tables_answer_as_a_dict() -> None:
    rng = random.Random(7)
    for _ in range(200):
        head = sorted(rng.randrange(0, 400, 8) for _ in range(rng.randrange(0, 30)))
        if rng.random() < 0.3 and len(head) > 1:
            rng.shuffle(head)
        rest = [rng.randrange(0, 400, 8) for _ in range(rng.randrange(0, 10))]
        offsets = head + rest
        kinds = bytes([RELATIVE] * len(head) + [rng.choice((RELATIVE, OTHER)) for _ in rest])
        assert _answers(OffsetIndex(offsets, kinds, RELATIVE), offsets) == _expected(offsets)


@pytest.mark.parametrize("target", LINUX_TARGETS + DARWIN_TARGETS)
def test_plugins_relocations_answer_as_a_dict(target: str) -> None:
    obj = open_object(built_plugin(matrix.GO_VERSIONS[-1], target, "typezoo"))
    offsets = obj.relocation_table.offsets
    assert _answers(obj.relocation_index, offsets) == _expected(offsets)
    if obj.format == "elf":  # GNU ld puts the relative ones first, sorted: all found by bisection
        kinds = obj.relocation_table.kinds
        assert obj.relocation_index._sorted_end == len(kinds) - len(kinds.lstrip(bytes([RELATIVE]))) > 0

