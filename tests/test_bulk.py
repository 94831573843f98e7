"""Whole-table decoding (``formats.bulk``) and the relocation values and late relocations worked
out from a table with it, on small hand-made inputs whose answers are plain to see."""

from __future__ import annotations

from array import array

import pytest

from gopluginemu.formats import bulk
from gopluginemu.formats.base import ObjectFile, Relocation, RelocationTable


def _bad(offset: int) -> Exception:
    return ValueError(offset)


def test_cstrings_finds_strings_that_share_a_tail_and_decodes_utf8() -> None:
    table = b"\0abc\0xyz\0\xc3\xa9t\xc3\xa9\0bad\xff\0"
    assert bulk.cstrings(table, array("I", [0, 1, 2, 3, 5, 9, 15]), _bad) == ["", "abc", "bc", "c", "xyz", "été", "bad\ufffd"]


@pytest.mark.parametrize("offset", [-1, 9, 10, 11, 100])
def test_cstrings_rejects_an_offset_with_no_nul_after_it(offset: int) -> None:
    table = b"\0abc\0tail"  # "tail" has no NUL: no string; 9 is past the end
    with pytest.raises(ValueError) as err:
        bulk.cstrings(table, [1, offset], _bad)
    assert err.value.args == (offset,)


def test_masks_and_where() -> None:
    items = array("Q", [0, 1, 1 << 40, 0, 1 << 63])
    mask = bulk.nonzero(items)
    assert mask == bytes([0, 1, 1, 0, 1])
    assert bulk.where(bulk.both(mask, bytes([1, 1, 0, 1, 0]))) == [1]
    assert bulk.where(bulk.either(mask, bytes([1, 0, 0, 0, 0]))) == [0, 1, 2, 4]
    assert bulk.where(bulk.nonzero(array("I"))) == []


@pytest.mark.parametrize("byte_order", ["little", "big"])
def test_column_takes_one_field_of_each_record(byte_order: str) -> None:
    records = [(0x1122, 7, -3), (0x3344, 8, 2**40)]
    raw = b"".join(b"".join(v.to_bytes(8, byte_order, signed=True) for v in r) for r in records)
    assert list(bulk.column(raw, "Q", 0, 3, byte_order)) == [0x1122, 0x3344]
    assert list(bulk.column(raw, "q", 2, 3, byte_order)) == [-3, 2**40]
    low_half = 0 if byte_order == "little" else 1  # of the middle word
    assert list(bulk.column(raw, "I", 2 + low_half, 6, byte_order)) == [7, 8]


def test_column_of_a_view_is_the_column_of_its_bytes() -> None:
    """A reader passes a view of the file's bytes (a section's entries, a trailing partial record
    cut off): the column is that of the bytes the view shows."""
    raw = bytes(range(256)) * 3
    for start, stop in ((0, len(raw)), (8, 8 + 24 * 20 + 5), (3, 3 + 12 * 7)):
        view = memoryview(raw)[start:stop]
        for code, index, stride in (("Q", 1, 3), ("I", 2, 6), ("H", 3, 12), ("q", 0, 3)):
            for byte_order in ("little", "big"):
                assert bulk.column(view, code, index, stride, byte_order) == bulk.column(raw[start:stop], code, index, stride, byte_order)


@pytest.mark.parametrize(
    "items,table",
    [
        (array("I", [1027, 257, 1030, 5, 1027, 70000, 0]), {257: 1, 1025: 2, 1026: 3, 1027: 0, 1030: 4}),  # arm64's
        (array("I", [8, 1, 18, 9, 7, 6]), {1: 1, 6: 2, 7: 3, 8: 0, 18: 4}),  # amd64's
        (array("I", [3, 70000, 1 << 31]), {70000: 5, 3: 1}),  # a key past 16 bits: one by one
        (array("H", [0x1ff, 0x2ff, 0xff]), {0x1ff: 9, 0xff: 8}),
        (array("B", [1, 2, 3]), {2: 7}),
        (array("I"), {1: 1}),
    ],
)
def test_translate_items_looks_each_item_up(items: array, table: dict[int, int]) -> None:
    assert bulk.translate_items(items, table, 255) == bytes(table.get(i, 255) for i in items)


def test_lane_sums_add_three_ways_at_once_or_decline() -> None:
    a, b = array("Q", [1, 2**47, 0]), array("q", [5, 7, 2**40])
    assert list(bulk.lane_sums(a, b, 2**36)) == [1 + 5 + 2**36, 2**47 + 7 + 2**36, 2**40 + 2**36]
    assert list(bulk.lane_sums(array("Q"), array("q"), 9)) == []
    assert bulk.lane_sums(a, array("q", [5, -1, 0]), 0) is None  # a negative item
    assert bulk.lane_sums(array("Q", [2**48]), array("q", [0]), 0) is None  # one that could carry
    assert bulk.lane_sums(a, b, 2**48) is None


class _Table(ObjectFile):
    """Just a relocation table and the symbols the file defines."""

    def __init__(self, relocations: list[Relocation], defined: dict[str, int]) -> None:
        self.relocation_table = RelocationTable.of(relocations)
        self.defined = defined


def test_relocation_values_and_late_relocations() -> None:
    obj = _Table(
        [
            Relocation(0x10, "relative", None, 0x500),  # base + addend
            Relocation(0x18, "abs", "here", 8),  # a defined symbol: its value + addend
            Relocation(0x20, "glob_dat", "elsewhere", 0),  # an import: late
            Relocation(0x28, "tls_tpoff", "here", 4),  # TLS: late, its value the addend alone
            Relocation(0x30, "relative", "here", 0x600),  # a symbol where the kind adds none
            Relocation(0x38, "jump_slot", None, 0),  # an "S" kind with no symbol: late
        ],
        {"here": 0x1000},
    )
    assert obj.relocation_values == [0x500, 0x1008, 0, 4, 0x600, 0]
    assert obj.late_relocations == [2, 3, 5]
    assert [obj.relocation_value(i) for i in range(6)] == obj.relocation_values  # each alone, as pointer() asks
    assert list(obj.relocation_values_at(0x7000)) == [v + 0x7000 for v in obj.relocation_values]


def test_relocation_values_too_big_for_lanes_are_worked_out_one_by_one() -> None:
    obj = _Table([Relocation(0x10, "relative", None, 2**62), Relocation(0x18, "abs", "here", -8)], {"here": 0x1000})
    assert list(obj.relocation_values_at(0x7000)) == [2**62 + 0x7000, 0x1000 - 8 + 0x7000]


def test_a_relocation_table_kept_on_disk_is_the_same() -> None:
    import pickle

    table = RelocationTable.of([Relocation(0x10, "relative", None, 0x500), Relocation(0x18, "abs", "here", 8)])
    again = pickle.loads(pickle.dumps(table))
    assert (again.offsets, again.kinds, again.symbols, again.addends) == (table.offsets, table.kinds, table.symbols, table.addends)
    assert isinstance(again.offsets, list) and list(again.names) == list(table.names)
