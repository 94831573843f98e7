"""inspect(): fields, stripped plugins, the pclntab against Go's own tools, speed, and the CLI."""

from __future__ import annotations

import json
import statistics
import subprocess
import time

import pytest

from corpus import matrix, toolchains
from gopluginemu import inspect
from gopluginemu.cli import main
from gopluginemu.errors import NotAPluginError
from gopluginemu.formats import open_object
from tests.conftest import LINUX_TARGETS, built_host, built_plugin, built_program, go_tool_nm, go_version_m

CASES = [(go, target) for go in matrix.GO_VERSIONS for target in LINUX_TARGETS]
LATEST = matrix.GO_VERSIONS[-1]
PLUGINPATH = "example.com/corpus/plugins/typezoo"


@pytest.mark.parametrize("go,target", CASES)
def test_stripped_plugin_gives_the_same_answers(go: str, target: str) -> None:
    full = inspect(built_plugin(go, target, "typezoo"))
    stripped = inspect(built_plugin(go, target, "typezoo", stripped=True))
    a, b = full.to_json(), stripped.to_json()
    for key in ("path", "settings"):
        a.pop(key), b.pop(key)
    assert a == b
    assert len(full.functions) > 1000
    assert list(full.functions) == list(stripped.functions)


@pytest.mark.parametrize("go,target", CASES)
def test_plugin_fields(go: str, target: str) -> None:
    path = built_plugin(go, target, "typezoo")
    info = inspect(path)
    settings = dict(line.split("=", 1) for line in go_version_m(go, path).split("\tbuild\t")[1:])
    settings = {k: v.rstrip("\n") for k, v in settings.items()}
    arch = matrix.TARGETS[target].goarch
    assert (info.format, info.goos, info.goarch, info.go_version) == ("elf", "linux", arch, f"go{go}")
    level_key = {"amd64": "GOAMD64", "arm64": "GOARM64", "ppc64le": "GOPPC64"}.get(arch, "")
    assert info.microarch_level == settings.get(level_key)
    assert info.pluginpath == info.build_path == PLUGINPATH
    assert info.main_module is not None and info.main_module.path == "example.com/corpus"
    assert info.settings["-buildmode"] == "plugin"
    assert info.init_order[-1] == PLUGINPATH and "runtime" in info.init_order
    assert {"runtime", f"{PLUGINPATH}/zoolib", PLUGINPATH} <= set(info.packages)
    assert all(len(h) == 16 for h in info.package_hashes.values())


@pytest.mark.parametrize("go", matrix.GO_VERSIONS)
def test_init_order_targets_are_inittask_symbols(go: str) -> None:
    path = built_plugin(go, "linux/amd64", "typezoo", stripped=True)
    symbols = open_object(path).symbols
    for pkg in inspect(path).init_order:
        assert symbols[pkg + "..inittask"].dynamic


@pytest.mark.parametrize("go,target", CASES)
def test_functions_agree_with_go_tool_addr2line(go: str, target: str) -> None:
    path = built_plugin(go, target, "typezoo")  # addr2line needs the symbol table; stripped files are compared above
    funcs = inspect(path).functions
    sample = [f for i, f in enumerate(funcs) if i % 97 == 0] + [funcs.by_name(f"{PLUGINPATH}.Greet")]
    proc = subprocess.run(
        [str(toolchains.go_binary(go)), "tool", "addr2line", str(path)],
        input="".join(f"{f.entry:#x}\n" for f in sample),
        capture_output=True,
        text=True,
        check=True,
    )
    lines = proc.stdout.splitlines()
    got = [(f.name, f"{f.file}:{f.line}") for f in sample]
    assert got == list(zip(lines[0::2], lines[1::2]))
    for f in sample:
        assert funcs.at(f.entry) == f and funcs.at(f.entry + f.size - 1) == f


@pytest.mark.parametrize("go", matrix.GO_VERSIONS)
def test_function_entries_agree_with_go_tool_nm(go: str) -> None:
    """Every pclntab entry is a text symbol of the same name (assembly bodies carry `.abi0` in the
    symbol table; `type:` helpers have mangled symbol names, internals §12)."""
    path = built_plugin(go, "linux/amd64", "typezoo")
    at: dict[int, set[str]] = {}
    for line in go_tool_nm(go, path).splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[1] in "Tt":
            at.setdefault(int(parts[0], 16), set()).add(parts[2])
    for f in inspect(path).functions:
        names = at.get(f.entry, set())
        assert names, f
        assert {f.name, f.name + ".abi0"} & names or f.name.startswith("type:"), (f, names)


def test_inspect_hello_is_fast() -> None:
    path = built_plugin("1.26.6", "linux/amd64", "hello")
    times = []
    for _ in range(5):
        start = time.perf_counter()
        inspect(path).to_json()
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.5


@pytest.mark.parametrize("what", [*matrix.PROGRAMS, "host"])
def test_not_a_plugin(what: str) -> None:
    path = built_host(LATEST, "linux/amd64") if what == "host" else built_program(LATEST, "linux/amd64", what)
    with pytest.raises(NotAPluginError, match="not built with -buildmode=plugin") as err:
        inspect(path)
    assert str(path) in str(err.value)


def test_cli_inspect_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    path = built_plugin(LATEST, "linux/amd64", "typezoo")
    assert main(["inspect", str(path)]) == 0
    text = capsys.readouterr().out
    assert "func Greet" in text and "func(string) string" in text and f"pluginpath  {PLUGINPATH}" in text
    assert main(["inspect", "--json", "--functions", str(path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["exports"]["Counter"] == {"name": "Counter", "kind": "var", "type": "*int64"}
    assert any(f["name"] == f"{PLUGINPATH}.Greet" for f in data["functions"])


def test_cli_reports_typed_errors(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    assert main(["inspect", str(tmp_path / "missing.so")]) == 1
    assert "realpath failed" in capsys.readouterr().err
