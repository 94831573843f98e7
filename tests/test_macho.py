"""The Mach-O reader against LIEF's view of the same files: darwin corpus plugins and Go's own
debug/macho test binaries."""

from __future__ import annotations

import base64
import struct

import lief
import pytest

from corpus import matrix, toolchains
from gopluginemu.errors import BadMagicError, CorruptFileError, UniversalBinaryError, UnsupportedArchError
from gopluginemu.formats import macho_dyld, open_object
from gopluginemu.formats.macho import MachOFile
from gopluginemu.formats.macho_dyld import Segment
from tests.conftest import DARWIN_TARGETS, built_plugin

N_STAB = 0xE0
CASES = [(go, target, name) for go in matrix.GO_VERSIONS for target in DARWIN_TARGETS for name in ("hello", "basics")]
LATEST = (matrix.GO_VERSIONS[-1], DARWIN_TARGETS[-1], "hello")
GO_TESTDATA = toolchains.goroot(matrix.GO_VERSIONS[-1]) / "src" / "debug" / "macho" / "testdata"


def go_testdata(name: str) -> bytes:
    return base64.b64decode((GO_TESTDATA / f"{name}.base64").read_bytes())


@pytest.fixture(scope="module", params=CASES, ids=["-".join(c).replace("/", "_") for c in CASES])
def pair(request):
    path = built_plugin(*request.param)
    return open_object(path), lief.parse(str(path))


def unprefixed(name: str) -> str:
    return name[1:] if name.startswith("_") else name


def test_header(pair):
    obj, ref = pair
    assert isinstance(obj, MachOFile)
    assert (obj.format, obj.goos, obj.filetype) == ("macho", "darwin", "dylib")
    assert obj.arch.macho_cputype == int(ref.header.cpu_type.value)


def test_sections_match_lief(pair):
    obj, ref = pair
    ours = [(s.native_name, s.addr, s.size) for s in obj.sections]
    assert ours == [(s.name, s.virtual_address, s.size) for s in ref.sections]
    for sec, rsec in zip(obj.sections, ref.sections):
        assert obj.read(sec.addr, sec.size) == (bytes(sec.size) if sec.offset is None else bytes(rsec.content))


def test_go_sections_have_elf_names(pair):
    obj, _ = pair
    names = {s.name: s.native_name for s in obj.sections}
    for elf, native in ((".go.buildinfo", "__go_buildinfo"), (".gopclntab", "__gopclntab"), (".noptrdata", "__noptrdata"),
                        (".text", "__text"), (".init_array", "__mod_init_func"), (".rodata", "__rodata"),
                        (".data.rel.ro", "__rodata"), (".noptrbss", "__noptrbss"), (".got", "__got")):
        assert names[elf] == native
    for elf, native in ((".go.module", "__go_module"), (".go.type", "__go_type"), (".typelink", "__typelink")):
        assert names.get(elf, native) == native
    assert obj.section(".noptrbss").offset is None


def test_symbols_match_lief(pair):
    obj, ref = pair
    syms = obj.symbols
    ref_syms = [s for s in ref.symbols if s.name and s.origin == lief.MachO.Symbol.ORIGIN.SYMTAB and not s.raw_type & N_STAB]
    assert {unprefixed(s.name) for s in ref_syms} == set(syms)
    counts: dict[str, int] = {}
    for s in ref_syms:
        counts[s.name] = counts.get(s.name, 0) + 1
    for s in ref_syms:
        if counts[s.name] == 1:
            ours = syms[unprefixed(s.name)]
            assert ours.value == s.value
            assert (ours.kind == "undefined") == (s.type == lief.MachO.Symbol.TYPE.UNDEFINED)


def test_dynamic_symbols_are_the_export_trie(pair):
    obj, ref = pair
    exported = {unprefixed(e.symbol.name) for e in ref.dyld_info.exports}
    assert {s.name for s in obj.symbols.values() if s.dynamic and s.kind != "undefined"} == exported


def test_bulk_symbol_views_match_the_symbols(pair):
    """What the loader and gometa read without building symbols says what ``symbols`` says (go1.21's
    plugins name some C statics twice, so the rule for repeated names is covered too)."""
    obj, _ = pair
    syms = obj.symbols.values()
    assert list(obj.defined.items()) == [(s.name, s.value) for s in syms if s.kind != "undefined"]
    assert obj.defined_functions == [s.name for s in syms if s.kind == "func"]
    dynamic = [s for s in syms if s.dynamic and s.kind != "undefined"]
    assert list(obj.dynamic_defined.items()) == [(s.name, s.value) for s in dynamic]
    assert obj.dynamic_functions == [s.name for s in dynamic if s.kind == "func"]
    for s in syms:
        if s.kind != "undefined":
            at = obj.symbol_at(s.value)
            assert obj.symbols[at].value == s.value and (obj.symbols[at].dynamic or not s.dynamic)


def test_function_symbols_tile_text(pair):
    obj, _ = pair
    text = obj.section(".text")
    funcs = sorted((s for s in obj.symbols.values() if s.kind == "func" and text.addr <= s.value < text.addr + text.size),
                   key=lambda s: s.value)
    assert funcs
    for a, b in zip(funcs, funcs[1:]):
        assert a.value + a.size in (b.value, a.value)  # an alias has size 0
    assert obj.symbols["runtime.morestack_noctxt.abi0"].kind == "func"


def test_rebases_and_binds_match_lief(pair):
    obj, ref = pair
    rebases = {r.offset for r in obj.relocations if r.kind == "relative"}
    assert rebases == {r.address for r in ref.relocations if r.origin == lief.MachO.Relocation.ORIGIN.DYLDINFO}
    binds = sorted((r.offset, r.symbol, r.addend) for r in obj.relocations if r.kind != "relative")
    lazy = lief.MachO.DyldBindingInfo.CLASS.LAZY
    ref_binds = sorted((b.address, unprefixed(b.symbol.name), b.addend) for b in ref.dyld_info.bindings
                       if b.binding_class in (lief.MachO.DyldBindingInfo.CLASS.STANDARD, lazy))
    assert binds == ref_binds
    kinds = {r.offset: r.kind for r in obj.relocations if r.kind != "relative"}
    for b in ref.dyld_info.bindings:
        if b.binding_class == lazy:
            assert kinds[b.address] == "jump_slot"


def test_pointer_applies_fixups(pair):
    """Rebases give the stored target (base 0); a bind wins over a rebase of the same slot (lazy pointers)."""
    obj, ref = pair
    bound = {r.offset: r for r in obj.relocations if r.kind != "relative"}
    for r in obj.relocations[::37]:
        word = int.from_bytes(bytes(ref.get_content_from_virtual_address(r.offset, 8)), "little")
        bind = bound.get(r.offset)
        if bind is None:
            assert r.kind == "relative" and obj.pointer(r.offset) == word
        else:
            sym = obj.symbols.get(bind.symbol)
            expected = sym.value if sym is not None and sym.kind != "undefined" else 0
            assert obj.pointer(r.offset) == expected + bind.addend


def test_stubs_match_lief(pair):
    obj, ref = pair
    stubs = next(s for s in ref.sections if s.name == "__stubs")
    indirect = ref.dynamic_symbol_command.indirect_symbols
    count = stubs.size // stubs.reserved2
    expected = {stubs.virtual_address + i * stubs.reserved2: unprefixed(indirect[stubs.reserved1 + i].name)
                for i in range(count)}
    assert obj.stubs == expected
    assert set(obj.stubs) == {s.address for s in ref.symbol_stubs}
    assert "write" in obj.stubs.values()


def test_go_testdata_executable_matches_lief(tmp_path):
    path = tmp_path / "gcc-amd64-darwin-exec"
    path.write_bytes(go_testdata("gcc-amd64-darwin-exec"))
    obj, ref = open_object(path), lief.parse(str(path))
    assert obj.filetype == "execute" and obj.arch.goarch == "amd64"
    assert [(s.native_name, s.addr, s.size) for s in obj.sections] == [(s.name, s.virtual_address, s.size) for s in ref.sections]
    assert {unprefixed(s.name) for s in ref.symbols if s.name and not s.raw_type & N_STAB} == set(obj.symbols)
    assert {r.offset for r in obj.relocations if r.kind == "relative"} == {r.address for r in ref.relocations}


@pytest.mark.parametrize("sample", ["gcc-386-darwin-exec", "clang-386-darwin.obj"])
def test_32bit_is_unsupported(tmp_path, sample):
    path = tmp_path / sample
    path.write_bytes(go_testdata(sample))
    with pytest.raises(UnsupportedArchError, match="32-bit"):
        open_object(path)


def test_universal_file_names_its_slices(tmp_path):
    path = tmp_path / "fat"
    path.write_bytes(go_testdata("fat-gcc-386-amd64-darwin-exec"))
    with pytest.raises(UniversalBinaryError, match=r"i386, x86_64.*lipo -thin") as exc:
        open_object(path)
    assert str(path) in str(exc.value)


def test_other_cpu_is_unsupported(tmp_path):
    data = bytearray(built_plugin(*LATEST).read_bytes())
    struct.pack_into("<I", data, 4, 18)  # CPU_TYPE_POWERPC
    with pytest.raises(UnsupportedArchError, match="ppc"):
        MachOFile("x.so", bytes(data))


def test_bad_magic():
    with pytest.raises(BadMagicError):
        MachOFile("x.so", b"\0" * 64)


@pytest.mark.parametrize("cut", [20, 40, 100, 1000, 0.5, 0.9, 0.97, 0.995])
def test_truncation_is_a_typed_error(cut):
    data = built_plugin(*LATEST).read_bytes()
    size = int(len(data) * cut) if isinstance(cut, float) else cut
    with pytest.raises(CorruptFileError, match="x.so"):
        obj = MachOFile("x.so", data[:size])
        obj.sections, obj.symbols, obj.relocations  # noqa: B018


def test_rebase_runs_fail_where_one_fixup_at_a_time_would():
    seg = Segment("__DATA", 0x1000, 0x20, 0, 0, 3)
    start = bytes([0x11, 0x20, 0x00])  # SET_TYPE_IMM pointer, SET_SEGMENT_AND_OFFSET_ULEB segment 0 offset 0
    assert macho_dyld.rebases("x.so", start + b"\x54", [seg], 8, 100) == [0x1000, 0x1008, 0x1010, 0x1018]
    with pytest.raises(CorruptFileError, match="x.so.*address 0x1020 outside segment __DATA"):
        macho_dyld.rebases("x.so", start + b"\x55", [seg], 8, 100)  # DO_REBASE_IMM_TIMES 5
    with pytest.raises(CorruptFileError, match="x.so.*more fixups than the file has pointer slots"):
        macho_dyld.rebases("x.so", start + b"\x54", [seg], 8, 3)
