"""Build info must read exactly as `go version -m` prints it, run with the toolchain that built the file."""

from __future__ import annotations

import pytest

from gopluginemu import inspect
from gopluginemu.errors import CorruptFileError, UnsupportedGoVersionError
from gopluginemu.formats import open_object
from gopluginemu.gometa import GoBinary
from gopluginemu.gometa.buildinfo import parse_modinfo
from tests import _goplugin_builds as gb

CASES = list(
    dict.fromkeys(
        [(v, "amd64", False) for v in gb.ALL_VERSIONS]
        + [(v, arch, stripped) for v in gb.CROSS_VERSIONS for arch in gb.C_COMPILERS for stripped in (False, True)]
    )
)


@pytest.mark.parametrize("version,arch,stripped", CASES)
def test_plugin_buildinfo_matches_go_version_m(version: str, arch: str, stripped: bool) -> None:
    path = gb.build(version, arch, "typezoo", stripped=stripped)
    go = GoBinary(open_object(path))
    assert go.buildinfo.version_m(str(path)) == gb.go_version_m(version, path)
    assert go.buildinfo.go_version == f"go{version}"
    assert go.buildinfo.settings_dict["GOARCH"] == arch


@pytest.mark.parametrize("what", ["host", "exe", "cshared", "hello"])
@pytest.mark.parametrize("version", gb.CROSS_VERSIONS)
def test_other_binaries_match_go_version_m(version: str, what: str) -> None:
    path = gb.build(version, "amd64", what)
    assert GoBinary(open_object(path)).buildinfo.version_m(str(path)) == gb.go_version_m(version, path)


def test_tagged_build_quotes_like_go() -> None:
    path = gb.build(gb.CROSS_VERSIONS[0], "amd64", "typezoo", tags="skew")
    bi = GoBinary(open_object(path)).buildinfo
    assert bi.settings_dict["-tags"] == "skew"
    assert bi.version_m(str(path)) == gb.go_version_m(gb.CROSS_VERSIONS[0], path)


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
    data = gb.build("1.27.3", "amd64", "typezoo").read_bytes()
    path = tmp_path / "old.so"
    path.write_bytes(data.replace(b"go1.27.3", b"go1.19.9"))  # same length: nothing else moves
    with pytest.raises(UnsupportedGoVersionError, match="old.so: built by go1.19.9; supported releases: go1.21"):
        inspect(path)
