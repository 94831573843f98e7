"""Exports and their types must be what Go's own plugin package returns: `%T` of each Lookup result.

The reference is the corpus host's transcript of the typezoo scenario (it looks up every export)
on the same Go version, target and strip; every linux transcript of a version is the same.
"""

from __future__ import annotations

import pytest

from corpus import matrix
from gopluginemu import inspect
from tests.conftest import LINUX_TARGETS, built_plugin, transcript

CASES = [(go, target, stripped) for go in matrix.GO_VERSIONS for target in LINUX_TARGETS for stripped in (False, True)]


def host_lookups(go: str, target: str, stripped: bool) -> tuple[dict[str, str], set[str]]:
    """Go's %T of each name the host found in typezoo, and the names it did not find."""
    lookups = [e for e in transcript(go, target, "typezoo", stripped).events if e["op"] == "lookup"]
    return {e["symbol"]: e["type"] for e in lookups if "error" not in e}, {e["symbol"] for e in lookups if "error" in e}


@pytest.mark.parametrize("go,target,stripped", CASES)
def test_export_types_equal_go_percent_T(go: str, target: str, stripped: bool) -> None:
    info = inspect(built_plugin(go, target, "typezoo", stripped))
    expected, not_found = host_lookups(go, target, stripped)
    assert not_found == {"Shape", "Circle"}  # types, not symbols: the host found every other name
    assert {name: e.type for name, e in info.exports.items()} == expected
    for name, export in info.exports.items():
        assert export.kind == ("func" if expected[name].startswith("func(") else "var")


@pytest.mark.parametrize("go,target,stripped", CASES)
def test_structural_decoding_rebuilds_each_type_string(go: str, target: str, stripped: bool) -> None:
    info = inspect(built_plugin(go, target, "typezoo", stripped))
    for export in info.exports.values():
        assert export.go_type.render() == export.type


@pytest.mark.parametrize("go", matrix.GO_VERSIONS)
def test_type_structure(go: str) -> None:
    exports = inspect(built_plugin(go, "linux/amd64", "typezoo")).exports
    table = exports["Table"].go_type.elem
    assert table.kind == "Map" and table.key.kind == "String"
    assert table.elem.results[0].string == "main.Shape" and table.elem.results[0].named
    variadic = exports["Variadic"].go_type.elem
    assert variadic.variadic and [r.string for r in variadic.results] == ["int", "error"]
    point = exports["Point"].go_type.elem
    assert [(n.name, n.tag, t.string) for n, t, _ in point.fields] == [
        ("X", 'json:"y"', "int"),
        ("Y", 'json:"y"', "int"),
        ("name", "", "string"),
    ]
    assert [off for _, _, off in point.fields] == [0, 8, 16]
    embedded = exports["Embedded"].go_type.elem
    assert [n.embedded for n, _, _ in embedded.fields] == [True, True]
    assert exports["Grid"].go_type.elem.length == 3
    assert exports["In"].go_type.elem.dir == "recv" and exports["Out"].go_type.elem.dir == "send"
    gen = exports["Gen"].go_type.elem
    assert gen.named and gen.pkg_path == "example.com/corpus/plugins/typezoo/zoolib"
