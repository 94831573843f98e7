"""``gopluginemu load`` and ``gopluginemu call``: the emulator from the command line."""

from __future__ import annotations

import json

from gopluginemu.cli import main
from tests.conftest import built_plugin, transcript


def test_load_prints_exports_values_and_output(capsys):
    path = str(built_plugin("1.27.3", "linux/arm64", "hello"))
    assert main(["load", path, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["goarch"] == "arm64" and out["go_version"] == "go1.27.3"
    assert out["exports"] == [
        {"name": "Counter", "kind": "var", "type": "*int64", "value": 42},
        {"name": "Greet", "kind": "func", "type": "func(string) string"},
        {"name": "Add", "kind": "func", "type": "func(int, int) int"},
    ]
    assert main(["load", path]) == 0
    text = capsys.readouterr().out
    assert "var  Counter  *int64 = 42" in text and "func Greet    func(string) string" in text


def test_call_parses_arguments_by_parameter_type(capsys):
    funcs = str(built_plugin("1.24.11", "linux/amd64", "funcs"))
    assert main(["call", funcs, "Split", "a,b", ","]) == 0
    assert capsys.readouterr().out == '[]string: ["a", "b"]\n'
    assert main(["call", funcs, "Invert", '{"x": 1}', "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["results"] == [{"T": "map[int]string", "V": [[1, "x"]]}]
    assert main(["call", funcs, "Halve", "3"]) == 0
    assert capsys.readouterr().out == 'float32: "1.5"\nfloat64: "1.5"\n'


def test_call_reports_a_panic_with_its_traceback(capsys):
    path = str(built_plugin("1.27.3", "linux/amd64", "panics"))
    recorded = next(e for e in transcript("1.27.3", "linux/amd64", "panics").events
                    if e.get("symbol") == "IndexOutOfRange" and "panic" in e)
    assert main(["call", path, "IndexOutOfRange", "5", "--json"]) == 3
    out = json.loads(capsys.readouterr().out)
    assert out["panic"] == recorded["panic"] and out["panic_type"] == recorded["panic_type"]
    assert any("panics.IndexOutOfRange" in frame for frame in out["traceback"])


def test_load_of_a_plugin_whose_init_panics_is_an_error(capsys):
    path = str(built_plugin("1.24.11", "linux/arm64", "initpanic"))
    assert main(["load", path]) == 1
    err = capsys.readouterr().err
    assert "initpanic: refusing to start" in err
