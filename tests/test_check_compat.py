"""check(): every verdict is compared with what the real Go host does with the same pair of files."""

from __future__ import annotations

import json

import pytest

from tests import _goplugin_builds as gb
from gopluginemu import check
from gopluginemu.cli import main
from gopluginemu.errors import NotAPluginError

NEW, OLD = gb.CROSS_VERSIONS[-1], gb.CROSS_VERSIONS[0]


def go_open(host_version: str, plugins: list) -> list[dict]:
    return gb.run_host(gb.build(host_version, "amd64", "host"), plugins, names=["Version"])


@pytest.mark.parametrize("version", gb.ALL_VERSIONS)
def test_host_and_matching_plugin_load(version: str) -> None:
    plugin = gb.build(version, "amd64", "typezoo")
    (record,) = go_open(version, [plugin])
    assert "error" not in record
    result = check(gb.build(version, "amd64", "host"), plugin)
    assert result.compatible and result.first_kind == "host" and result.go_error is None


@pytest.mark.parametrize("version", gb.CROSS_VERSIONS)
def test_skewed_shared_package_names_the_package_like_go(version: str) -> None:
    plugin = gb.build(version, "amd64", "typezoo", tags="skew")
    (record,) = go_open(version, [plugin])
    result = check(gb.build(version, "amd64", "host"), plugin)
    assert not result.compatible
    assert result.go_error == record["error"]
    first = result.errors[0]
    assert first.package == "example.com/gpetest/shared"
    assert first.plugin_hash and first.first_hash and first.plugin_hash != first.first_hash
    assert any(w.message.startswith("build setting -tags") for w in result.warnings)


# pairs whose moduledata layouts differ at `next` (Go throws) or agree (Go compares package hashes)
TOOLCHAIN_PAIRS = [(OLD, NEW), (NEW, OLD), ("1.21.13", "1.23.9"), ("1.23.9", "1.25.5"), ("1.25.5", "1.24.11"), ("1.21.13", "1.22.10")]


@pytest.mark.parametrize("host_version,plugin_version", TOOLCHAIN_PAIRS)
def test_other_toolchain_is_refused_like_go(host_version: str, plugin_version: str) -> None:
    plugin = gb.build(plugin_version, "amd64", "typezoo")
    (record,) = go_open(host_version, [plugin])
    result = check(gb.build(host_version, "amd64", "host"), plugin)
    assert not result.compatible
    assert any(r.code == "toolchain" for r in result.errors)
    assert result.go_error == record.get("fatal", record.get("error"))


@pytest.mark.parametrize("version", gb.CROSS_VERSIONS)
def test_same_plugin_path_twice_is_already_loaded(version: str) -> None:
    first = gb.build(version, "amd64", "typezoo")
    second = gb.build(version, "amd64", "typezoo", copy="copy")
    records = go_open(version, [first, second])
    assert "error" not in records[0]
    result = check(first, second)
    assert result.first_kind == "plugin"
    assert result.go_error == records[1]["error"]
    assert result.errors[0].message == "plugin already loaded"


@pytest.mark.parametrize("version", gb.CROSS_VERSIONS)
def test_plugin_after_a_plugin_built_from_another_package(version: str) -> None:
    hello = gb.build(version, "amd64", "hello")
    typezoo = gb.build(version, "amd64", "typezoo")
    records = go_open(version, [hello, typezoo])
    assert all("error" not in r for r in records)
    assert check(hello, typezoo).compatible


@pytest.mark.parametrize("version", gb.CROSS_VERSIONS)
def test_other_microarchitecture_level_loads_with_a_warning(version: str) -> None:
    plugin = gb.build(version, "amd64", "typezoo", goamd64="v3")
    (record,) = go_open(version, [plugin])
    assert "error" not in record  # Go loads it (this CPU runs v3 code)
    result = check(gb.build(version, "amd64", "host"), plugin)
    assert result.compatible
    assert [w.code for w in result.warnings if w.code == "microarch"] == ["microarch"]
    assert "GOAMD64=v3" in result.warnings[0].message


def test_host_without_plugin_support() -> None:
    result = check(gb.build(NEW, "amd64", "exe"), gb.build(NEW, "amd64", "typezoo"))
    assert not result.compatible and result.errors[0].code == "no-plugin-support"


def test_second_file_must_be_a_plugin() -> None:
    with pytest.raises(NotAPluginError):
        check(gb.build(NEW, "amd64", "host"), gb.build(NEW, "amd64", "exe"))


def test_other_architecture_is_refused() -> None:
    result = check(gb.build(NEW, "amd64", "host"), gb.build(NEW, "arm64", "typezoo"))
    assert result.errors[0].code == "platform" and "linux/arm64" in result.errors[0].message


def test_cli_check(capsys: pytest.CaptureFixture[str]) -> None:
    host, skewed = gb.build(NEW, "amd64", "host"), gb.build(NEW, "amd64", "typezoo", tags="skew")
    assert main(["check", str(host), str(gb.build(NEW, "amd64", "typezoo"))]) == 0
    assert "compatible" in capsys.readouterr().out
    assert main(["check", str(host), str(skewed)]) == 2
    out = capsys.readouterr().out
    assert "plugin was built with a different version of package example.com/gpetest/shared" in out
    assert main(["check", "--json", str(host), str(skewed)]) == 2
    data = json.loads(capsys.readouterr().out)
    assert data["compatible"] is False and data["errors"][0]["package"] == "example.com/gpetest/shared"
