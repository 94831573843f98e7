"""The public API on emulated plugins: Go's plugin semantics, values both ways, panics, errors
and captured output (expected values are the reference host's, from the corpus transcripts)."""

from __future__ import annotations

import pytest

import gopluginemu
from gopluginemu import GoPanic, InitPanic, PluginOpenError, SymbolNotFoundError
from gopluginemu.api import Session
from gopluginemu.values import GoError, GoObject, GoStruct, Pointer
from tests.conftest import DETAIL_GO, EMULATED_TARGETS, built_plugin, reference_target, transcript

CASES = [(go, target) for go in DETAIL_GO for target in EMULATED_TARGETS]
IDS = [f"{go}-{target}" for go, target in CASES]


@pytest.fixture(params=CASES, ids=IDS)
def case(request):
    return request.param


def _open(go, target, name, session=None):
    return (session or Session()).open(str(built_plugin(go, target, name)))


def test_open_lookup_load_store_call(case):
    go, target = case
    path = str(built_plugin(go, target, "hello"))
    session = Session()  # like a process: one plugin path loads once per session
    p = gopluginemu.open(path, session=session)
    assert gopluginemu.open(path, session=session) is p
    assert p.symbols() == {"Counter": "*int64", "Greet": "func(string) string", "Add": "func(int, int) int"}
    counter = p.lookup("Counter")
    assert isinstance(counter, Pointer) and counter.type == "*int64"
    assert counter.load() == 42
    counter.store(43)
    assert counter.load() == 43
    greet = p.lookup("Greet")
    assert greet.type == "func(string) string"
    assert greet("world") == "hello, world"
    assert p.lookup("Add")(40, 2) == 42
    with pytest.raises(SymbolNotFoundError, match=r"^plugin: symbol Nope not found in plugin example.com/corpus/plugins/hello$"):
        p.lookup("Nope")


def test_argument_errors_name_the_parameter(case):
    go, target = case
    p = _open(go, target, "funcs")
    with pytest.raises(TypeError, match="argument 1 wants int8"):
        p.lookup("IncInt8")("x")
    with pytest.raises(OverflowError):
        p.lookup("IncInt8")(200)
    assert p.lookup("IncInt8")(-128) == -127


def test_values_both_ways(case):
    go, target = case
    p = _open(go, target, "funcs")
    assert p.lookup("Halve")(3.0) == (1.5, 1.5)
    assert p.lookup("MulComplex")(1 + 2j, 3 - 1j) == (1 + 2j) * (3 - 1j)
    assert p.lookup("UpperBytes")(b"go!") == b"GO!"
    assert p.lookup("Split")("a,b,c", ",") == ["a", "b", "c"]
    assert p.lookup("Reverse3")([1, 2, 3]) == [3, 2, 1]
    assert p.lookup("Invert")({"a": 1, "b": 2}) == {1: "a", 2: "b"}
    assert p.lookup("Sum")(1, 2, 3) == 6
    person = p.lookup("NewPerson")("Ann", 41)
    assert isinstance(person, Pointer) and person.type == "*main.Person"
    older = p.lookup("Birthday")(person.load())
    assert isinstance(older, GoStruct) and older.Age == 42 and older.Name == "Ann"
    assert p.lookup("Birthday")({"Name": "Bo", "Age": 1}).Age == 2
    counter = p.lookup("MakeCounter")()
    assert [counter(), counter(), counter()] == [1, 2, 3]
    shape = p.lookup("NewShape")("square", 3.0)
    assert isinstance(shape, GoObject) and shape.Area() == 9.0 and shape.Name() == "square"
    assert p.lookup("Describe")(7) == p.lookup("Describe")(7)  # any accepts Python basics
    n, err = p.lookup("Sqrt")(-4)
    assert isinstance(err, GoError) and str(err) == "negative input"
    assert p.lookup("Sqrt")(16) == (4, None)
    assert p.lookup("ErrNegative").load() == err or str(p.lookup("ErrNegative").load()) == "negative input"


def test_panics_become_exceptions_and_the_plugin_stays_usable(case):
    go, target = case
    p = _open(go, target, "panics")
    with pytest.raises(GoPanic) as info:
        p.lookup("IndexOutOfRange")(5)
    e = info.value
    assert str(e) == "runtime error: index out of range [5] with length 3"
    assert e.go_type == "runtime.boundsError"
    assert isinstance(e.value, GoError) and e.value.type == "runtime.boundsError"  # a runtime error value
    with pytest.raises(GoPanic) as info:
        p.lookup("PanicInt")(-3)
    assert info.value.value == -3 and info.value.go_type == "int"
    with pytest.raises(GoPanic) as info:
        p.lookup("PanicError")()
    assert isinstance(info.value.value, GoError) and str(info.value.value) == "error value in panic"
    functions = [f for f, _ in e.go_traceback]
    assert "example.com/corpus/plugins/panics.IndexOutOfRange" in functions
    assert all(where.rsplit(":", 1)[1].isdigit() for _, where in e.go_traceback)
    for name, args, text in [
        ("NilDeref", (1,), "runtime error: invalid memory address or nil pointer dereference"),
        ("DivZero", (7, 0), "runtime error: integer divide by zero"),
        ("Kaboom", (), "kaboom"),
        ("PanicPlain", (), "{7 plain}"),
    ]:
        with pytest.raises(GoPanic, match="^" + text.replace("[", r"\[").replace("]", r"\]") + "$"):
            p.lookup(name)(*args)
    assert p.lookup("Depth")(20000) == 59998  # deep recursion grows the goroutine stack
    assert p.lookup("Ok")(21) == 42


def test_init_panic(case):
    go, target = case
    recorded = next(e for e in transcript(go, reference_target(target), "initpanic").events if e["op"] == "open")
    with pytest.raises(InitPanic) as info:
        _open(go, target, "initpanic")
    assert str(info.value) == recorded["panic"]
    assert info.value.go_type == recorded["panic_type"]
    assert info.value.value == recorded["panic"]  # a string panic value


def test_output_is_captured(case):
    go, target = case
    p = _open(go, target, "stdlib")
    assert p.lookup("Print")("hello", "from", "the plugin") == 22
    assert p.stdout == "hello from the plugin\nprinted 3 args\n"
    assert p.take_output() == ("hello from the plugin\nprinted 3 args\n", "")
    assert p.stdout == ""


def test_default_session_is_process_wide():
    go, target = CASES[0]
    path = str(built_plugin(go, target, "hello"))
    p = gopluginemu.open(path)
    assert gopluginemu.open(path) is p
    assert p.lookup("Add")(1, 2) == 3


def test_go_open_semantics(case):
    go, target = case
    s = Session()
    _open(go, target, "hello", s)
    with pytest.raises(PluginOpenError, match=r'plugin already loaded$'):
        _open(go, target, "hello_copy", s)
    _open(go, target, "skewa", s)
    with pytest.raises(PluginOpenError, match="different version of package example.com/corpus/skewlib$"):
        _open(go, target, "skewb", s)
    with pytest.raises(PluginOpenError, match=r"\(previous failure\)$"):
        _open(go, target, "skewb", s)


def test_exported_hashes_are_read_only_when_a_later_plugin_needs_them():
    go, target = DETAIL_GO[-1], "linux/arm64"
    s = Session()
    _open(go, target, "skewa", s)
    (skewa,) = s.exporters
    assert "exported_hashes" not in skewa.__dict__ and not s.package_hashes  # one plugin: nothing to check
    _open(go, target, "hello", s)  # checked against skewa's exports, read now
    assert "example.com/corpus/skewlib" in s.package_hashes and len(s.exporters) == 1


def test_bad_input_gets_typed_errors(tmp_path):
    from gopluginemu.errors import CorruptFileError, NotAPluginError, UnreadableFileError, UnsupportedArchError
    from tests.conftest import built_program

    good = built_plugin("1.27.3", "linux/amd64", "hello")
    truncated = tmp_path / "truncated.so"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    with pytest.raises(CorruptFileError, match=str(truncated)):
        Session().open(str(truncated))
    with pytest.raises(UnreadableFileError, match="realpath failed"):
        Session().open(str(tmp_path / "missing.so"))
    with pytest.raises(NotAPluginError):
        Session().open(str(built_program("1.27.3", "linux/amd64", "exe")))
    i386 = tmp_path / "i386.so"  # a CPU Go plugins never target (EM_386 patched into e_machine)
    i386.write_bytes(good.read_bytes()[:18] + (3).to_bytes(2, "little") + good.read_bytes()[20:])
    with pytest.raises(UnsupportedArchError, match=f"^{i386}: unsupported ELF machine 3"):
        Session().open(str(i386))


def test_batched_calls(case):
    go, target = case
    p = _open(go, target, "funcs")
    assert p.lookup("Negate").map(range(-3, 4)) == [3, 2, 1, 0, -1, -2, -3]
    assert p.lookup("Swap").map([("a", "b"), ("c", "d")]) == [("b", "a"), ("d", "c")]
    assert p.lookup("Split").map([("a b", " "), ("x", ",")]) == [["a", "b"], ["x"]]
    panics = _open(go, target, "panics")
    with pytest.raises(GoPanic) as info:
        panics.lookup("IndexOutOfRange").map([0, 1, 7, 2])
    assert info.value.index == 2 and str(info.value) == "runtime error: index out of range [7] with length 3"
    assert panics.lookup("IndexOutOfRange").map([0, 1]) == panics.lookup("IndexOutOfRange").map([0, 1])
