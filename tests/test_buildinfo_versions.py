"""Build info must read exactly as `go version -m` prints it, run with the toolchain that built the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus import matrix
from gopluginemu import inspect
from gopluginemu.errors import CorruptFileError, UnsupportedGoVersionError
from gopluginemu.formats import open_object
from gopluginemu.gometa import GoBinary
from gopluginemu.gometa.buildinfo import parse_modinfo
from tests.conftest import LINUX_TARGETS, built_host, built_plugin, built_program, go_version_m

CASES = [(go, target, stripped) for go in matrix.GO_VERSIONS for target in LINUX_TARGETS for stripped in (False, True)]


def other_binary(go: str, target: str, what: str) -> Path:
    """The corpus host, a non-plugin program or a plugin."""
    if what == "host":
        return built_host(go, target)
    if what in matrix.PROGRAMS:
        return built_program(go, target, what)
    return built_plugin(go, target, what)


@pytest.mark.parametrize("go,target,stripped", CASES)
def test_plugin_buildinfo_matches_go_version_m(go: str, target: str, stripped: bool) -> None:
    path = built_plugin(go, target, "typezoo", stripped)
    binary = GoBinary(open_object(path))
    assert binary.buildinfo.version_m(str(path)) == go_version_m(go, path)
    assert binary.buildinfo.go_version == f"go{go}"
    assert binary.buildinfo.settings_dict["GOARCH"] == matrix.TARGETS[target].goarch


@pytest.mark.parametrize("what", ["host", *matrix.PROGRAMS, "hello"])
@pytest.mark.parametrize("go,target", [(go, target) for go in matrix.GO_VERSIONS for target in LINUX_TARGETS])
def test_other_binaries_match_go_version_m(go: str, target: str, what: str) -> None:
    path = other_binary(go, target, what)
    assert GoBinary(open_object(path)).buildinfo.version_m(str(path)) == go_version_m(go, path)


@pytest.mark.parametrize("go", matrix.GO_VERSIONS)
def test_tagged_build_quotes_like_go(go: str) -> None:
    path = built_plugin(go, "linux/amd64", "skewb")
    bi = GoBinary(open_object(path)).buildinfo
    assert bi.settings_dict["-tags"] == "skewb"
    assert bi.version_m(str(path)) == go_version_m(go, path)


def test_modinfo_parsing_round_trips_quoting_and_replacements() -> None:
    text = (
        "path\texample.com/p\n"
        "mod\texample.com/m\tv1.0.0\th1:abc=\n"
        "dep\texample.com/d\tv0.1.0\n"
        "=>\t../d\t(devel)\t\n"
        'build\t-ldflags="-s -w -X main.v=1"\n'
        'build\t"we ird"=x\n'
    )
    bi = parse_modinfo("f", "go1.26.6", text)
    assert bi.deps[0].replace is not None and bi.deps[0].replace.path == "../d"
    assert bi.settings_dict == {"-ldflags": "-s -w -X main.v=1", "we ird": "x"}
    assert bi.module_text() == text


@pytest.mark.parametrize("line", ["build\t=x\n", "dep\tonly\n", "=>\ta\tb\tc\n", 'build\tk="unterminated\n', "build\tnoeq\n"])
def test_modinfo_errors_are_typed(line: str) -> None:
    with pytest.raises(CorruptFileError, match="could not parse Go build info: line 1"):
        parse_modinfo("f", "go1.26.6", line)


def test_release_without_layouts_is_a_typed_error(tmp_path) -> None:
    data = built_plugin("1.27.3", "linux/amd64", "typezoo").read_bytes()
    path = tmp_path / "old.so"
    path.write_bytes(data.replace(b"go1.27.3", b"go1.19.9"))  # same length: nothing else moves
    with pytest.raises(UnsupportedGoVersionError, match="old.so: built by go1.19.9; supported releases: go1.21"):
        inspect(path)
