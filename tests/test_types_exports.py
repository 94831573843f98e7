"""Exports and their types must be what Go's own plugin package returns: `%T` of each Lookup result.

The reference is the test host (tests/data/goplugins/host) run on linux/amd64 with the
same Go version; cross-compiled plugins of the same source must give the same strings.
"""

from __future__ import annotations

from functools import cache

import pytest

from tests import _goplugin_builds as gb
from gopluginemu import inspect

CASES = list(
    dict.fromkeys(
        [(v, "amd64", False) for v in gb.ALL_VERSIONS]
        + [(v, arch, stripped) for v in gb.CROSS_VERSIONS for arch in gb.C_COMPILERS for stripped in (False, True)]
    )
)


@cache
def host_types(version: str) -> dict[str, str]:
    """Go's %T for every typezoo export, from the real host and plugin (linux/amd64)."""
    host = gb.build(version, "amd64", "host")
    (record,) = gb.run_host(host, [gb.build(version, "amd64", "typezoo")])
    assert "error" not in record, record
    return record["types"]


@pytest.mark.parametrize("version,arch,stripped", CASES)
def test_export_types_equal_go_percent_T(version: str, arch: str, stripped: bool) -> None:
    info = inspect(gb.build(version, arch, "typezoo", stripped=stripped))
    expected = host_types(version)
    assert set(expected) == set(gb.TYPEZOO_EXPORTS)  # the host found every export
    assert {name: e.type for name, e in info.exports.items()} == expected
    for name, export in info.exports.items():
        assert export.kind == ("func" if expected[name].startswith("func(") else "var")


@pytest.mark.parametrize("version,arch,stripped", CASES)
def test_structural_decoding_rebuilds_each_type_string(version: str, arch: str, stripped: bool) -> None:
    info = inspect(gb.build(version, arch, "typezoo", stripped=stripped))
    for export in info.exports.values():
        assert export.go_type.render() == export.type


@pytest.mark.parametrize("version", gb.CROSS_VERSIONS)
def test_type_structure(version: str) -> None:
    exports = inspect(gb.build(version, "amd64", "typezoo")).exports
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
    assert gen.named and gen.pkg_path == "example.com/gpetest/shared"
