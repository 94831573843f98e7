"""``disasm`` against ``go tool objdump`` of the same corpus file (instruction boundaries, bytes, and the
names of call targets), and call-target names against the symbol table."""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from functools import lru_cache

import pytest

from corpus import matrix, toolchains
from gopluginemu.cli import main
from gopluginemu.disasm import Function, FunctionTable, disassemble, disassemble_function
from gopluginemu.errors import FunctionNotFoundError
from gopluginemu.formats import open_object
from tests.conftest import DARWIN_TARGETS, LINUX_TARGETS, built_plugin

CASES = [(go, target) for go in matrix.GO_VERSIONS for target in LINUX_TARGETS + DARWIN_TARGETS]
IDS = [f"{go}-{target.replace('/', '_')}" for go, target in CASES]
OBJDUMP_LINE = re.compile(r"^\s+\S*:-?\d+\t+(0x[0-9a-f]+)\t+([0-9a-f]+)\t+(.*?)\s*$")
CALL_TARGET = re.compile(r"^CALL (?:local\.)?(\S+?)(?:\+(\d+))?\(SB\)$")
CALLS = {"call", "bl", "brasl"}
PKG = "example.com/corpus/plugins/hello"


@lru_cache(maxsize=None)
def objdump(path: str, name: str) -> list[tuple[int, str, str]]:
    """(address, hex, Go assembly) of each instruction ``go tool objdump`` prints for ``name`` (the newest Go's:
    objdump learned s390x only after 1.21)."""
    out = subprocess.run([str(toolchains.go_binary(matrix.GO_VERSIONS[-1])), "tool", "objdump", "-s", f"^{re.escape(name)}$", path],
                         capture_output=True, text=True, check=True).stdout
    return [(int(m[1], 16), m[2], m[3]) for m in map(OBJDUMP_LINE.match, out.splitlines()) if m]


def same_bytes(ours: str, go_hex: str) -> bool:
    """Go prints arm64/ppc64le instructions as 32-bit words, the others as bytes in memory order."""
    return ours == go_hex or (len(ours) == 8 and bytes.fromhex(ours)[::-1].hex() == go_hex)


def split_target(name: str) -> tuple[str, int]:
    base, _, off = name.partition("+")
    return base, int(off, 0) if off else 0


@pytest.mark.parametrize(("go", "target"), CASES, ids=IDS)
@pytest.mark.parametrize(("func", "go_name"), [("Greet", f"{PKG}.Greet"), ("Add", f"{PKG}.Add"),
                                               ("fmt.Sprintf", "fmt.Sprintf")], ids=["Greet", "Add", "Sprintf"])
def test_matches_go_objdump(go, target, func, go_name):
    path = str(built_plugin(go, target, "hello"))
    listing = disassemble(path, func)
    assert listing.function.name == go_name
    ref = objdump(path, listing.function.name)
    assert [i.addr for i in listing.instructions] == [addr for addr, _, _ in ref]
    for ins, (_, go_hex, _) in zip(listing.instructions, ref):
        assert same_bytes(ins.bytes, go_hex), (hex(ins.addr), ins.bytes, go_hex)
    ours = [split_target(i.target_name) for i in listing.instructions if i.mnemonic in CALLS and i.target is not None]
    theirs = [(m[1], int(m[2] or 0)) for m in (CALL_TARGET.match(asm) for _, _, asm in ref) if m]
    assert ours == theirs
    if func == "Greet":
        assert "fmt.Sprintf" in {name for name, _ in ours}


@pytest.mark.parametrize(("go", "target"), CASES, ids=IDS)
def test_call_targets_are_their_symbols(go, target):
    path = built_plugin(go, target, "hello")
    obj = open_object(path)
    listing = disassemble(path, "Greet")
    named = [i for i in listing.instructions if i.target_name]
    assert named
    for ins in named:
        name, off = split_target(ins.target_name)
        assert obj.symbols[name].value + off == ins.target
        assert ins.target_name in ins.operands


@pytest.mark.parametrize("target", [t for t, spec in matrix.TARGETS.items() if True in spec.stripped_variants])
def test_stripped_plugin_via_pclntab(target):
    """Same code as the unstripped build; names come from Go's table where the symbols are gone (Mach-O keeps only
    exported ones), and Go's table has no ABI suffix."""
    go = matrix.GO_VERSIONS[-1]
    full = disassemble(built_plugin(go, target, "hello"), "Greet")
    stripped = disassemble(built_plugin(go, target, "hello", stripped=True), "Greet")
    assert stripped.function == full.function
    assert [(i.addr, i.bytes, i.target) for i in stripped.instructions] == [
        (i.addr, i.bytes, i.target) for i in full.instructions]
    names = [i.target_name for i in full.instructions]
    if target.startswith("darwin"):
        names = [n and n.replace(".abi0", "") for n in names]
    assert [i.target_name for i in stripped.instructions] == names


def test_function_table_prefers_pclntab_extent_over_symbol_guess():
    """Mach-O symbols have no size; a function ends at Go's next function, not at the next symbol."""
    go, target = matrix.GO_VERSIONS[-1], DARWIN_TARGETS[0]
    obj = open_object(built_plugin(go, target, "hello"))
    table = FunctionTable(obj)
    funcs = list(table.pclntab)
    names = Counter(fn.name for fn in funcs)
    for fn in funcs[::20]:
        if names[fn.name] == 1:  # an ABI wrapper has its function's name in Go's table
            found = table.find(fn.name)
            assert (found.addr, found.size) == (fn.entry, fn.size)


def test_unknown_function(tmp_path):
    path = built_plugin(matrix.GO_VERSIONS[-1], LINUX_TARGETS[0], "hello")
    with pytest.raises(FunctionNotFoundError, match="NoSuchFunc"):
        disassemble(path, "NoSuchFunc")


def test_cli(capsys):
    path = str(built_plugin(matrix.GO_VERSIONS[-1], LINUX_TARGETS[0], "hello"))
    assert main(["disasm", path, "Greet"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"{PKG}.Greet ") and "call fmt.Sprintf" in text
    assert main(["disasm", path, f"{PKG}.Greet", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["function"]["name"] == f"{PKG}.Greet" and data["goarch"] == "amd64"
    assert any(i["target_name"] == "fmt.Sprintf" for i in data["instructions"])
    assert main(["disasm", path, "NoSuchFunc"]) == 1
    assert "no function named 'NoSuchFunc'" in capsys.readouterr().err


def _stub_slot(obj, table, addr: int, size: int) -> int:
    """The lazy pointer a Mach-O stub jumps through: ``jmp [rip+d]`` (x86_64) or ``adrp; ldr; br`` (arm64)."""
    ins = disassemble_function(obj, table, Function("stub", addr, size)).instructions
    if obj.arch.goarch == "amd64":
        disp = int(re.fullmatch(r"qword ptr \[rip \+ (0x[0-9a-f]+)\]", ins[0].operands)[1], 16)
        return ins[0].addr + len(ins[0].bytes) // 2 + disp
    page = int(ins[0].operands.split("#")[1], 16)
    offset = re.search(r"#(\w+)\]", ins[1].operands)  # "[x16]" or "[x16, #8]"
    return page + (int(offset[1], 0) if offset else 0)


@pytest.mark.parametrize("target", DARWIN_TARGETS)
def test_calls_into_stubs_name_the_import(target):
    """The stub names (indirect symbol table) agree with the lazy binds of the pointers the stubs jump through."""
    path = built_plugin(matrix.GO_VERSIONS[-1], target, "hello")
    obj = open_object(path)
    table = FunctionTable(obj)
    binds = {r.offset: r.symbol for r in obj.relocations if r.kind == "jump_slot"}
    addrs = sorted(obj.stubs)
    size = addrs[1] - addrs[0]
    for addr, name in obj.stubs.items():
        assert binds[_stub_slot(obj, table, addr, size)] == name
    listing = disassemble(path, "runtime.exit_trampoline.abi0")
    assert [i.target_name for i in listing.instructions if i.target_name] == ["_exit@stub"]
