"""Generate gopluginemu/gometa/layouts_gen.py from the DWARF of a probe plugin built by each Go release.

    .venv/bin/python tools/gen_layouts.py [--go-dir ~/.cache/gopluginemu/go] [VERSION ...]

For every Go toolchain found under ``--go-dir/<version>/go/bin/go`` (or the
versions named), it builds tools/layoutprobe as a linux/amd64 plugin, reads the
byte offsets of the runtime and internal/abi structs gometa decodes and the
internal/abi constants (kinds, type flags, channel directions) and the pclntab magic
from its DWARF, and writes them as one table keyed by Go release ("1.26").
The layouts are those of every 64-bit target: Go lays these structs out the
same way on amd64, arm64, ppc64le and s390x.
"""

from __future__ import annotations

import argparse
import os
import pprint
import subprocess
import sys
import tempfile
from pathlib import Path

from elftools.elf.elffile import ELFFile

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from gopluginemu.formats import open_object  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PROBE = ROOT / "tools" / "layoutprobe"
OUTPUT = ROOT / "gopluginemu" / "gometa" / "layouts_gen.py"
RUNTIME_OUTPUT = ROOT / "runtime_stubs" / "layouts_gen.py"

# logical name -> the DWARF type names it has had, newest spelling first
STRUCTS: dict[str, tuple[str, ...]] = {
    "moduledata": ("runtime.moduledata",),
    "pcHeader": ("runtime.pcHeader",),
    "_func": ("runtime._func",),
    "functab": ("runtime.functab",),
    "textsect": ("runtime.textsect",),
    "ptabEntry": ("runtime.ptabEntry",),
    "modulehash": ("runtime.modulehash",),
    "initTask": ("runtime.initTask",),
    "Type": ("internal/abi.Type",),
    "ArrayType": ("internal/abi.ArrayType",),
    "ChanType": ("internal/abi.ChanType",),
    "FuncType": ("internal/abi.FuncType",),
    "MapType": ("internal/abi.SwissMapType", "internal/abi.MapType"),
    "PtrType": ("internal/abi.PtrType",),
    "SliceType": ("internal/abi.SliceType",),
    "StructType": ("internal/abi.StructType",),
    "StructField": ("internal/abi.StructField",),
    "InterfaceType": ("internal/abi.InterfaceType",),
    "Imethod": ("internal/abi.Imethod",),
    "UncommonType": ("internal/abi.UncommonType",),
    "Method": ("internal/abi.Method",),
    "ITab": ("internal/abi.ITab", "runtime.itab"),
}

# The runtime state the emulator sets up in place of the host (g/m/p, scheduler, panics);
# written to runtime_stubs/layouts_gen.py. A struct a release lacks is simply absent there.
RUNTIME_STRUCTS: dict[str, tuple[str, ...]] = {
    "g": ("runtime.g",),
    "m": ("runtime.m",),
    "p": ("runtime.p",),
    "schedt": ("runtime.schedt",),
    "gobuf": ("runtime.gobuf",),
    "stack": ("runtime.stack",),
    "_panic": ("runtime._panic",),
    "_defer": ("runtime._defer",),
    "mcache": ("runtime.mcache",),
    "listHeadManual": ("runtime.listHeadManual",),
    "timers": ("runtime.timers",),
    "eface": ("runtime.eface",),
    "iface": ("runtime.iface",),
    "mheap": ("runtime.mheap",),
}
# Runtime variables whose (often anonymous) struct types the emulator fills in: name -> variable.
RUNTIME_VARS: dict[str, str] = {
    "debug": "runtime.debug",  # GODEBUG settings (sbrk)
}

KINDS = (
    "Bool Int Int8 Int16 Int32 Int64 Uint Uint8 Uint16 Uint32 Uint64 Uintptr Float32 Float64 "
    "Complex64 Complex128 Array Chan Func Interface Map Pointer Slice String Struct UnsafePointer"
).split()
CONSTS = (
    *KINDS,
    "KindMask",
    "TFlagUncommon",
    "TFlagExtraStar",
    "TFlagNamed",
    "RecvDir",
    "SendDir",
    "BothDir",
)

# The first byte of an abi.Name is a bit set; these bits are not Go constants (internal/abi/type.go,
# "The first byte is a bit field"), so they are declared here and written into every release's table.
NAME_FLAGS = {"exported": 1, "tag": 2, "pkgpath": 4, "embedded": 8}


# The arches whose runtime layouts are generated, with the C compiler cgo needs for each: the
# runtime's own structs (mheap above all) differ between them in places; the internal/abi ones don't.
RUNTIME_ARCHES = {
    "amd64": "gcc",
    "arm64": "aarch64-linux-gnu-gcc",
    "ppc64le": "powerpc64le-linux-gnu-gcc",
    "s390x": "s390x-linux-gnu-gcc",
}


def build_probe(go: Path, out: Path, cache: Path, goarch: str = "amd64") -> None:
    env = dict(
        os.environ,
        GOTOOLCHAIN="local",
        GOPROXY="off",
        GOFLAGS="",
        CGO_ENABLED="1",
        GOOS="linux",
        GOARCH=goarch,
        CC=RUNTIME_ARCHES[goarch],
        GOCACHE=str(cache),
    )
    subprocess.run([str(go), "build", "-buildmode=plugin", "-o", str(out), "."], cwd=PROBE, env=env, check=True)


def _offset(die) -> int:
    loc = die.attributes["DW_AT_data_member_location"].value
    if isinstance(loc, int):
        return loc
    if loc and loc[0] == 0x23:  # DW_OP_plus_uconst
        value, shift = 0, 0
        for b in loc[1:]:
            value |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        return value
    raise ValueError(f"unhandled member location {loc!r}")


def _struct_layout(die) -> dict:
    fields = {
        child.attributes["DW_AT_name"].value.decode(): _offset(child)
        for child in die.iter_children()
        if child.tag == "DW_TAG_member" and "DW_AT_name" in child.attributes
    }
    return {"size": die.attributes["DW_AT_byte_size"].value, "fields": fields}


def read_dwarf(path: Path) -> tuple[dict[str, dict], dict[str, int]]:
    """Struct layouts (by DWARF name, and for RUNTIME_VARS by variable) and integer constants of a
    probe plugin."""
    with open(path, "rb") as f:
        dwarf = ELFFile(f).get_dwarf_info()
        wanted = {n for table in (STRUCTS, RUNTIME_STRUCTS) for names in table.values() for n in names}
        variables = set(RUNTIME_VARS.values())
        structs: dict[str, dict] = {}
        consts: dict[str, int] = {}
        for cu in dwarf.iter_CUs():
            for die in cu.iter_DIEs():
                name_attr = die.attributes.get("DW_AT_name")
                if name_attr is None:
                    continue
                name = name_attr.value.decode()
                if die.tag == "DW_TAG_structure_type" and name in wanted and name not in structs:
                    structs[name] = _struct_layout(die)
                elif die.tag == "DW_TAG_variable" and name in variables and "var:" + name not in structs:
                    typ = die.get_DIE_from_attribute("DW_AT_type")
                    if typ.tag == "DW_TAG_structure_type":
                        structs["var:" + name] = _struct_layout(typ)
                elif die.tag == "DW_TAG_constant" and name.startswith("internal/abi."):
                    short = name.removeprefix("internal/abi.")
                    if short in CONSTS and "DW_AT_const_value" in die.attributes:
                        consts.setdefault(short, die.attributes["DW_AT_const_value"].value)
    return structs, consts


def layout_for(path: Path) -> dict:
    structs, consts = read_dwarf(path)
    table = {}
    for logical, names in STRUCTS.items():
        found = next((structs[n] for n in names if n in structs), None)
        if found is None:
            raise SystemExit(f"{path}: no DWARF for {logical} ({', '.join(names)})")
        table[logical] = found
    missing = [c for c in CONSTS if c not in consts and c != "KindMask"]
    if missing:
        raise SystemExit(f"{path}: no DWARF constants {missing}")
    consts["pclntab_magic"] = pclntab_magic(path, table["moduledata"]["fields"]["pcHeader"])
    runtime = {}
    for logical, names in RUNTIME_STRUCTS.items():
        found = next((structs[n] for n in names if n in structs), None)
        if found is not None:
            runtime[logical] = found
    for logical, var in RUNTIME_VARS.items():
        if "var:" + var in structs:
            runtime[logical] = structs["var:" + var]
    return {"structs": table, "consts": dict(sorted(consts.items())), "name_flags": NAME_FLAGS}, runtime


def pclntab_magic(path: Path, pcheader_field: int) -> int:
    """The pcHeader magic the release writes (a literal, not a constant, in older runtimes)."""
    obj = open_object(path)
    header = obj.pointer(obj.symbols["local.moduledata"].value + pcheader_field)
    return int.from_bytes(obj.read(header, 4), obj.byte_order)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--go-dir", type=Path, default=Path.home() / ".cache" / "gopluginemu" / "go")
    ap.add_argument("--gocache", type=Path, default=Path.home() / ".cache" / "gopluginemu" / "gocache",
                    help="GOCACHE for the probe builds (the corpus's, so they are warm)")
    ap.add_argument("versions", nargs="*", help="Go versions (folders of --go-dir); default: all found")
    args = ap.parse_args()
    versions = args.versions or sorted(
        (p.name for p in args.go_dir.iterdir() if (p / "go" / "bin" / "go").exists()),
        key=lambda v: tuple(int(x) for x in v.split(".")),
    )
    layouts: dict[str, dict] = {}
    runtime: dict[str, dict] = {}
    sources: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for version in versions:
            release = ".".join(version.split(".")[:2])
            go = args.go_dir / version / "go" / "bin" / "go"
            runtime[release] = {}
            for goarch in RUNTIME_ARCHES:
                out = Path(tmp) / f"probe-{version}-{goarch}.so"
                print(f"gen_layouts: go{version} linux/{goarch}", file=sys.stderr)
                build_probe(go, out, args.gocache, goarch)
                abi, runtime[release][goarch] = layout_for(out)
                if goarch == "amd64":
                    layouts[release] = abi
            sources[release] = f"go{version}"
    text = (
        '"""Per-Go-release layouts of the runtime and internal/abi structures gometa decodes.\n\n'
        "GENERATED by tools/gen_layouts.py from the DWARF of tools/layoutprobe built with each\n"
        "release; do not edit. Struct entries are {size, fields: {name: byte offset}}.\n"
        '"""\n\n'
        f"SOURCES = {pprint.pformat(sources, sort_dicts=False)}\n\n"
        f"LAYOUTS = {pprint.pformat(layouts, sort_dicts=False, width=110)}\n"
    )
    OUTPUT.write_text(text)
    RUNTIME_OUTPUT.write_text(
        '"""Per-Go-release layouts of the runtime structures the emulator sets up as the host.\n\n'
        "GENERATED by tools/gen_layouts.py from the DWARF of tools/layoutprobe built for each\n"
        "linux arch with each release; do not edit. RUNTIME_LAYOUTS[release][goarch][struct].\n"
        '"""\n\n'
        f"SOURCES = {pprint.pformat(sources, sort_dicts=False)}\n\n"
        f"RUNTIME_LAYOUTS = {pprint.pformat(runtime, sort_dicts=False, width=110)}\n"
    )
    print(f"gen_layouts: wrote {OUTPUT.relative_to(ROOT)} ({', '.join(sources.values())})", file=sys.stderr)


if __name__ == "__main__":
    main()
