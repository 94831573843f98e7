"""Fuzz the parsers with mutated corpus files: ``python -m tests.fuzz [--inputs N] [--jobs J] [FILE ...]``.

Each input is a seed file (a corpus plugin, or one of Go's debug/macho test binaries) with one to three
seeded mutations: byte flips, a truncation, or a header/metadata field overwritten with a boundary value.
It is fed to ``open_object`` (every section, symbol, relocation, some pointers and reads), to ``inspect``
and to ``disasm``. Only the typed errors of ``gopluginemu.errors`` are acceptable, each stage within a time
limit. An input is named by (seed file, mutation seed), so ``--replay FILE SEED`` reproduces it.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import multiprocessing
import os
import random
import re
import resource
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from corpus import matrix, toolchains
from gopluginemu.disasm import FunctionTable, disassemble_function
from gopluginemu.errors import GoPluginError
from gopluginemu.formats import ObjectFile, open_object
from gopluginemu.formats import macho_layout as ML
from gopluginemu.inspection import inspect

BOUNDARY_VALUES = (0, 1, 7, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 1 << 40, (1 << 64) - 1)
GO_TESTDATA = ("gcc-amd64-darwin-exec", "clang-amd64-darwin-exec-with-rpath", "fat-gcc-386-amd64-darwin-exec",
               "gcc-386-darwin-exec")
MEMORY_LIMIT = 4 << 30
CHUNK = 10  # inputs per work unit (progress is printed per unit)
MASKED = re.compile(r"corrupt or truncated file \((\w+):")  # inspection.parsing()'s wording


class Hang(Exception):
    """A stage ran past its time limit."""


@dataclass
class Seed:
    """A seed file and the byte ranges worth corrupting field by field (headers, tables, Go metadata)."""

    name: str
    data: bytes
    regions: list[tuple[int, int]]


@dataclass
class Finding:
    """An unacceptable outcome: an untyped exception or a hang."""

    seed: str
    mutation_seed: int
    stage: str
    kind: str
    detail: str


@dataclass
class Report:
    inputs: int = 0
    outcomes: Counter = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)

    def merge(self, other: Report) -> None:
        self.inputs += other.inputs
        self.outcomes.update(other.outcomes)
        self.findings += other.findings


# -- seeds ---------------------------------------------------------------------------------------


def corpus_files() -> list[Path]:
    """Every built corpus plugin, one per (version, target, stripped) for the smaller plugins."""
    root = toolchains.cache_dir() / "corpus"
    return sorted(p for p in root.glob("go*/*/plugins/*.so") if p.name.split("-")[0] in ("hello", "basics"))


def go_testdata() -> list[tuple[str, bytes]]:
    folder = toolchains.goroot(matrix.GO_VERSIONS[-1]) / "src" / "debug" / "macho" / "testdata"
    return [(name, base64.b64decode((folder / f"{name}.base64").read_bytes())) for name in GO_TESTDATA]


def _elf_regions(data: bytes) -> list[tuple[int, int]]:
    order = "little" if data[5] == 1 else "big"
    u = lambda off, n: int.from_bytes(data[off:off + n], order)  # noqa: E731
    phoff, shoff, phnum, shnum = u(32, 8), u(40, 8), u(56, 2), u(60, 2)
    return [(0, 64), (phoff, phnum * 56), (shoff, shnum * 64)]


def _macho_regions(data: bytes) -> list[tuple[int, int]]:
    hdr = ML.MACH_HEADER_64.unpack(data, 0)
    out = [(0, ML.MACH_HEADER_64.size + hdr.sizeofcmds)]
    off = ML.MACH_HEADER_64.size
    for _ in range(hdr.ncmds):
        lc = ML.LOAD_COMMAND.unpack(data, off)
        if lc.cmd in (ML.LC_DYLD_INFO, ML.LC_DYLD_INFO_ONLY):
            info = ML.DYLD_INFO_COMMAND.unpack(data, off)
            out += [(info.rebase_off, min(info.rebase_size, 256)), (info.bind_off, info.bind_size),
                    (info.lazy_bind_off, min(info.lazy_bind_size, 256)), (info.export_off, min(info.export_size, 512))]
        elif lc.cmd == ML.LC_DYLD_CHAINED_FIXUPS:
            blob = ML.LINKEDIT_DATA_COMMAND.unpack(data, off)
            out.append((blob.dataoff, min(blob.datasize, 1024)))
        elif lc.cmd == ML.LC_SYMTAB:
            sym = ML.SYMTAB_COMMAND.unpack(data, off)
            out.append((sym.symoff, min(sym.nsyms * ML.NLIST_64.size, 512)))
        off += lc.cmdsize
    return out


def _go_regions(obj: ObjectFile) -> list[tuple[int, int]]:
    """File ranges of the Go metadata headers: buildinfo, moduledata, pclntab header, plugin tables."""
    out = []
    for name, size in ((".go.buildinfo", 64), (".go.module", 640), (".gopclntab", 128), (".typelink", 64),
                       (".itablink", 64), (".noptrdata", 256), (".data", 256)):
        sec = obj.section(name)
        if sec is not None and sec.offset is not None:
            out.append((sec.offset, min(sec.size, size)))
    md = obj.symbols.get("local.moduledata") or obj.symbols.get("runtime.firstmoduledata")
    if md is not None:
        for sec in obj.sections:
            if sec.offset is not None and sec.addr <= md.value < sec.addr + sec.size:
                out.append((sec.offset + md.value - sec.addr, 640))
    return out


def load_seed(name: str, data: bytes) -> Seed:
    regions = [(0, min(len(data), 4096))]
    try:
        if data[:4] == b"\x7fELF":
            regions += _elf_regions(data)
        elif int.from_bytes(data[:4], "little") == ML.MH_MAGIC_64:
            regions += _macho_regions(data)
        with tempfile.NamedTemporaryFile(suffix=".so") as f:
            f.write(data)
            f.flush()
            regions += _go_regions(open_object(f.name))
    except GoPluginError:
        pass  # a seed that is not a 64-bit plugin keeps the generic regions
    return Seed(name, data, [(o, n) for o, n in regions if n > 0 and o + n <= len(data)])


# -- mutations -----------------------------------------------------------------------------------


def _flip(buf: bytearray, seed: Seed, rng: random.Random) -> str:
    count = rng.choice((1, 2, 4, 16, 64))
    for _ in range(count):
        buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
    return f"flip {count} bits"


def _truncate(buf: bytearray, seed: Seed, rng: random.Random) -> str:
    cut = rng.choice((rng.randrange(64), rng.randrange(4096), rng.randrange(len(buf))))
    del buf[cut:]
    return f"truncate at {cut}"


def _field(buf: bytearray, seed: Seed, rng: random.Random) -> str:
    off, size = rng.choice(seed.regions)
    width = rng.choice((1, 2, 4, 8))
    at = off + rng.randrange(max(1, size - width)) // width * width
    if at + width > len(buf):
        return "field (past the end)"
    old = int.from_bytes(buf[at:at + width], "little")
    value = rng.choice(BOUNDARY_VALUES + (old + 1, old - 1, old * 2, len(buf), rng.getrandbits(64)))
    buf[at:at + width] = (value % (1 << 8 * width)).to_bytes(width, "little")
    return f"field {width}B at {at:#x} {old:#x}->{value % (1 << 8 * width):#x}"


MUTATORS: tuple[Callable[[bytearray, Seed, random.Random], str], ...] = (_flip, _truncate, _field, _field)


def mutate(seed: Seed, mutation_seed: int) -> tuple[bytes, str]:
    """The input named by (seed, mutation_seed) and a description of what was done."""
    rng = random.Random(mutation_seed)
    buf = bytearray(seed.data)
    done = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        if buf:
            done.append(rng.choice(MUTATORS)(buf, seed, rng))
    return bytes(buf), "; ".join(done)


# -- running -------------------------------------------------------------------------------------


def _exercise_object(path: str) -> None:
    obj = open_object(path)
    obj.sections  # noqa: B018
    obj.symbols  # noqa: B018
    relocs = obj.relocations
    for r in relocs[:: max(1, len(relocs) // 64)]:
        obj.pointer(r.offset)
    for sec in obj.sections[:64]:
        if sec.size:
            obj.read(sec.addr, min(sec.size, 64))


def _exercise_inspect(path: str) -> None:
    info = inspect(path)
    info.to_json()
    list(itertools.islice(info.functions, 200))


def _exercise_disasm(path: str) -> None:
    obj = open_object(path)
    table = FunctionTable(obj)
    funcs = table.pclntab
    if funcs is not None:
        for fn in itertools.islice(funcs, 3):
            disassemble_function(obj, table, table.find(fn.name))


STAGES: dict[str, Callable[[str], None]] = {"object": _exercise_object, "inspect": _exercise_inspect,
                                            "disasm": _exercise_disasm}


def _on_alarm(signum: int, frame: object) -> None:
    raise Hang()


def run_one(seed: Seed, mutation_seed: int, path: str, time_limit: float, report: Report) -> None:
    """Feed one mutated input to every stage, recording outcomes and findings."""
    data, what = mutate(seed, mutation_seed)
    Path(path).write_bytes(data)
    report.inputs += 1
    for stage, fn in STAGES.items():
        signal.setitimer(signal.ITIMER_REAL, time_limit)
        try:
            fn(path)
            report.outcomes[f"{stage}: ok"] += 1
        except GoPluginError as exc:
            masked = MASKED.search(str(exc))  # a stray parser exception a boundary turned into a typed error
            report.outcomes[f"{stage}: {type(exc).__name__}" + (f" (from {masked[1]})" if masked else "")] += 1
        except Hang:
            report.findings.append(Finding(seed.name, mutation_seed, stage, "hang", what))
        except Exception as exc:  # noqa: BLE001 - any untyped exception is what we are looking for
            tb = traceback.extract_tb(exc.__traceback__)[-1]
            where = f"{Path(tb.filename).name}:{tb.lineno}"
            report.findings.append(Finding(seed.name, mutation_seed, stage, f"{type(exc).__name__} at {where}",
                                           f"{what}: {exc}"))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)


def fuzz(seeds: list[Seed], mutation_seeds: range, time_limit: float) -> Report:
    """Run the inputs (each seed with each mutation seed, round-robin) in this process."""
    signal.signal(signal.SIGALRM, _on_alarm)
    report = Report()
    with tempfile.TemporaryDirectory(prefix="gopluginemu-fuzz-") as tmp:
        path = os.path.join(tmp, "input.so")
        for m in mutation_seeds:
            run_one(seeds[m % len(seeds)], m, path, time_limit, report)
    return report


_RAW: list[tuple[str, bytes]] = []  # the seed files, set before the workers fork
_SEEDS: list[Seed] = []


def _init_worker() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    _SEEDS[:] = [load_seed(n, d) for n, d in _RAW]


def _worker(args: tuple[int, int, float]) -> Report:
    start, stop, time_limit = args
    return fuzz(_SEEDS, range(start, stop), time_limit)


def default_seeds() -> list[tuple[str, bytes]]:
    return [(str(p), p.read_bytes()) for p in corpus_files()] + go_testdata()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help="seed files (default: the corpus plugins and Go's Mach-O samples)")
    parser.add_argument("--inputs", type=int, default=5000, help="how many mutated inputs")
    parser.add_argument("--start", type=int, default=0, help="first mutation seed")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per stage of one input")
    parser.add_argument("--replay", nargs=2, metavar=("FILE", "SEED"), help="rerun one input with tracebacks")
    args = parser.parse_args(argv)
    if args.replay:
        return replay(args.replay[0], int(args.replay[1]))
    raw = [(f, Path(f).read_bytes()) for f in args.files] or default_seeds()
    if not raw:
        parser.error("no seed files: build the corpus (python -m corpus build) or name files")
    t0 = time.monotonic()
    _RAW[:] = raw
    end = args.start + args.inputs
    chunks = [(lo, min(lo + CHUNK, end), args.time_limit) for lo in range(args.start, end, CHUNK)]
    report = Report()
    try:
        with multiprocessing.get_context("fork").Pool(args.jobs, initializer=_init_worker) as pool:
            for part in pool.imap_unordered(_worker, chunks):
                report.merge(part)
                for f in part.findings:
                    print(f"FINDING {f.stage}: {f.kind}: {f.detail}\n"
                          f"  replay: python -m tests.fuzz --replay {f.seed} {f.mutation_seed}", flush=True)
                print(f"... {report.inputs} inputs, {len(report.findings)} findings, "
                      f"{time.monotonic() - t0:.0f} s", flush=True)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
    print(f"{report.inputs} inputs from {len(raw)} seeds in {time.monotonic() - t0:.0f} s")
    for outcome, n in sorted(report.outcomes.items()):
        print(f"  {n:7}  {outcome}")
    return 1 if report.findings else 0


def replay(file: str, mutation_seed: int) -> int:
    """Rerun one input, letting any untyped exception propagate with its traceback."""
    seed = next(((n, d) for n, d in go_testdata() if n == file), None) or (file, Path(file).read_bytes())
    data, what = mutate(load_seed(*seed), mutation_seed)
    print(what)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "input.so")
        Path(path).write_bytes(data)
        for stage, fn in STAGES.items():
            try:
                fn(path)
                print(f"{stage}: ok")
            except GoPluginError as exc:
                print(f"{stage}: {type(exc).__name__}: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
