"""check(): every verdict is compared with what the real Go host does with the same pair of files,
as the corpus transcripts record it (linux/amd64, the reference host of each Go version)."""

from __future__ import annotations

import json

import pytest

from corpus import builds, matrix
from gopluginemu import check
from gopluginemu.cli import main
from gopluginemu.errors import NotAPluginError
from tests.conftest import (LINUX_TARGETS, as_transcribed, built_host, built_plugin, built_program, go_outcome,
                            transcript)

VERSIONS = matrix.GO_VERSIONS
NEW = VERSIONS[-1]
TARGET = "linux/amd64"


def opens(go: str, target: str, scenario: str) -> list[dict]:
    """The host's `open` events of a scenario."""
    return [e for e in transcript(go, target, scenario).events if e["op"] == "open"]


@pytest.mark.parametrize("go,target", [(go, target) for go in VERSIONS for target in LINUX_TARGETS])
def test_host_and_matching_plugin_load(go: str, target: str) -> None:
    (record,) = opens(go, target, "typezoo")
    assert "error" not in record
    result = check(built_host(go, target), built_plugin(go, target, "typezoo"))
    assert result.compatible and result.first_kind == "host" and result.go_error is None


@pytest.mark.parametrize("go", VERSIONS)
def test_skewed_package_names_the_package_like_go(go: str) -> None:
    """skewb (built with -tags skewb) links another version of skewlib than skewa."""
    first, second = opens(go, TARGET, "skew")[:2]
    assert "error" not in first
    skewb = built_plugin(go, TARGET, "skewb")
    result = check(built_plugin(go, TARGET, "skewa"), skewb)
    assert not result.compatible
    assert as_transcribed(result.go_error, skewb, "skewb") == second["error"]
    error = result.errors[0]
    assert error.package == "example.com/corpus/skewlib"
    assert error.plugin_hash and error.first_hash and error.plugin_hash != error.first_hash
    assert any(w.message.startswith("build setting -tags") for w in result.warnings)


# pairs whose moduledata layouts differ at `next` (Go throws), agree (Go compares package hashes) or
# agree only at `next` (the host misreads the plugin's moduledata and plugin.Open panics);
# tests/test_inspect_corpus.py checks every pair of the matrix
TOOLCHAIN_PAIRS = [("1.24.11", "1.27.3"), ("1.27.3", "1.24.11"), ("1.21.13", "1.23.9"), ("1.23.9", "1.25.5"),
                   ("1.25.5", "1.24.11"), ("1.21.13", "1.22.10"), ("1.26.6", "1.21.13")]


@pytest.mark.parametrize("host_go,plugin_go", TOOLCHAIN_PAIRS)
def test_other_toolchain_is_refused_like_go(host_go: str, plugin_go: str) -> None:
    target, scenario = matrix.CROSS_VERSION_TARGET, matrix.CROSS_VERSION_SCENARIO
    recorded = transcript(host_go, target, scenario, plugin_go=plugin_go)
    (name,) = builds.scenario_plugins(scenario)
    plugin = built_plugin(plugin_go, target, name)
    result = check(built_host(host_go, target), plugin)
    assert not result.compatible
    assert any(r.code == "toolchain" for r in result.errors)
    assert as_transcribed(result.go_error, plugin, name) == go_outcome(recorded)


@pytest.mark.parametrize("go,target", [(go, target) for go in VERSIONS for target in LINUX_TARGETS])
def test_same_plugin_path_twice_is_already_loaded(go: str, target: str) -> None:
    """hello_copy is hello byte for byte under another path (matrix.PLUGIN_VARIANTS)."""
    hello, typezoo, copy = opens(go, target, "already_loaded")
    assert "error" not in hello and "error" not in typezoo
    second = built_plugin(go, target, "hello_copy")
    result = check(built_plugin(go, target, "hello"), second)
    assert result.first_kind == "plugin"
    assert as_transcribed(result.go_error, second, "hello_copy") == copy["error"]
    assert result.errors[0].message == "plugin already loaded"


@pytest.mark.parametrize("go,target", [(go, target) for go in VERSIONS for target in LINUX_TARGETS])
def test_plugin_after_a_plugin_built_from_another_package(go: str, target: str) -> None:
    hello, typezoo, _ = opens(go, target, "already_loaded")
    assert "error" not in hello and "error" not in typezoo
    assert check(built_plugin(go, target, "hello"), built_plugin(go, target, "typezoo")).compatible


@pytest.mark.parametrize("go", VERSIONS)
def test_other_microarchitecture_level_loads_with_a_warning(go: str) -> None:
    """hello_v3 is hello built with GOAMD64=v3 (matrix.PLUGIN_VARIANTS)."""
    (record,) = opens(go, TARGET, "microarch")
    assert "error" not in record  # Go loads it (this CPU runs v3 code)
    result = check(built_host(go, TARGET), built_plugin(go, TARGET, "hello_v3"))
    assert result.compatible
    assert [w.code for w in result.warnings if w.code == "microarch"] == ["microarch"]
    assert "GOAMD64=v3" in result.warnings[0].message


def test_host_without_plugin_support() -> None:
    result = check(built_program(NEW, TARGET, "exe"), built_plugin(NEW, TARGET, "typezoo"))
    assert not result.compatible and result.errors[0].code == "no-plugin-support"


@pytest.mark.parametrize("program", matrix.PROGRAMS)
def test_second_file_must_be_a_plugin(program: str) -> None:
    with pytest.raises(NotAPluginError):
        check(built_host(NEW, TARGET), built_program(NEW, TARGET, program))


@pytest.mark.parametrize("target", [t for t in LINUX_TARGETS if t != TARGET])
def test_other_architecture_is_refused(target: str) -> None:
    result = check(built_host(NEW, TARGET), built_plugin(NEW, target, "typezoo"))
    assert result.errors[0].code == "platform" and target in result.errors[0].message


def test_cli_check(capsys: pytest.CaptureFixture[str]) -> None:
    host, skewa, skewb = built_host(NEW, TARGET), built_plugin(NEW, TARGET, "skewa"), built_plugin(NEW, TARGET, "skewb")
    assert main(["check", str(host), str(built_plugin(NEW, TARGET, "typezoo"))]) == 0
    assert "compatible" in capsys.readouterr().out
    assert main(["check", str(skewa), str(skewb)]) == 2
    out = capsys.readouterr().out
    assert "plugin was built with a different version of package example.com/corpus/skewlib" in out
    assert main(["check", "--json", str(skewa), str(skewb)]) == 2
    data = json.loads(capsys.readouterr().out)
    assert data["compatible"] is False and data["errors"][0]["package"] == "example.com/corpus/skewlib"
