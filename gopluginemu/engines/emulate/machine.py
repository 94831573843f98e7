"""The emulated Go process: one Unicorn CPU, the plugin image(s), the host's runtime state,
and calls into Go code. ``EmuMachine`` implements ``engines.machine.Machine``."""

from __future__ import annotations

from functools import cached_property
from typing import Callable, Sequence

from unicorn import UC_ERR_EXCEPTION, UC_ERR_FETCH_UNMAPPED, UC_HOOK_CODE, UcError

import struct
import time

from gopluginemu.engines.emulate import memory as amem
from gopluginemu.engines.emulate import tlb, watchdog
from gopluginemu.engines.emulate.cpu import CPUStart, cpu_for
from gopluginemu.engines.emulate.loader import Image, map_image
from gopluginemu.engines.emulate.runtime import services
from gopluginemu.engines.emulate.runtime.heap import GCStats, GoHeap
from gopluginemu.engines.emulate.runtime.host import GoHost
from gopluginemu.engines.emulate.runtime.layout import runtime_layout
from gopluginemu.engines.emulate.runtime.libc import LibC
from gopluginemu.engines.emulate.runtime.pools import AllocPools
from gopluginemu.engines.emulate.runtime.syscalls import Kernel, Stop
from gopluginemu.engines.emulate.runtime.syscalls.policy import Policy
from gopluginemu.engines.machine import RawResult
from gopluginemu.errors import EmulationLimitError, GoFatalError, UnsupportedArchError, UnsupportedGoVersionError
from gopluginemu.formats.base import ObjectFile
from gopluginemu.gometa import GoBinary
from gopluginemu.gometa.memory import Memory
from gopluginemu.gometa.types import GoType, TypeReader
from runtime_stubs.services import SIGNALS

MAX_FAULTS_PER_CALL = 10_000
DEFAULT_TIME_LIMIT = 60.0  # seconds of wall-clock time one call (or the inits) may run
# (object format, GOOS) -> the GOARCHes the emulator runs
EMULATED_TARGETS = {("elf", "linux"): ("amd64", "arm64", "ppc64le", "s390x"), ("macho", "darwin"): ("amd64", "arm64")}


def _emulated(obj: ObjectFile) -> bool:
    return obj.arch.goarch in EMULATED_TARGETS.get((obj.format, obj.goos), ())


def start_engine(obj: ObjectFile) -> CPUStart | None:
    """Begin setting up the CPU that ``obj`` will run on, on another thread (``CPUStart``), so that
    it overlaps the decoding of the file; None where the emulator does not run its target."""
    return CPUStart(obj.arch) if _emulated(obj) else None


class _LiveObject:
    """What ``gometa.Memory`` needs of an object, served from emulated memory."""

    def __init__(self, machine: EmuMachine) -> None:
        self.path = machine.path
        self._m = machine
        self.byte_order = machine.arch.byte_order
        self.ptr_size = machine.arch.ptr_size

    def read(self, addr: int, size: int) -> bytes:
        return self._m.read(addr, size)

    def pointer(self, addr: int) -> int:
        return int.from_bytes(self._m.read(addr, self.ptr_size), self.byte_order)


class EmuMachine:
    """A plugin loaded into an emulated process whose host the emulator plays."""

    created = 0  # machines made in this Python process (tests use it to know when to free memory)

    def __init__(self, binary: GoBinary, policy: Policy | None = None, time_limit: float | None = DEFAULT_TIME_LIMIT,
                 engine: CPUStart | None = None) -> None:
        """``engine``: ``start_engine(binary.obj)``'s, made while the file was decoded (else one is made here)."""
        obj = binary.obj
        EmuMachine.created += 1
        self.binary = binary
        self.path = obj.path
        self.arch = obj.arch
        if not _emulated(obj):
            supported = ", ".join(f"{goos}/{a}" for (_, goos), arches in EMULATED_TARGETS.items() for a in arches)
            raise UnsupportedArchError(
                obj.path, f"the emulator runs {supported} plugins; this is {obj.goos}/{self.arch.goarch} ({obj.format})"
            )
        self.goos = obj.goos
        self.signals = SIGNALS[obj.goos]
        self.layout = binary.layout
        rt = runtime_layout(self.layout.release, self.arch.goarch)
        if rt is None:
            raise UnsupportedGoVersionError(obj.path, f"no runtime layout for go{self.layout.release} on {self.arch.goarch}")
        self.rt = rt
        release = tuple(int(x) for x in self.layout.release.split(".")[:2])
        goexperiment = binary.buildinfo.settings_dict.get("GOEXPERIMENT", "")
        self.regabi = self.arch.abi.register_args(release, goexperiment)
        self.cpu = engine.cpu() if engine is not None else cpu_for(self.arch)
        self.cpu.regabi = self.regabi
        uc = self.cpu.uc
        self.private = amem.Region(uc, amem.PRIVATE_BASE, 1 << 30, 1 << 20)
        self.stacks = amem.Region(uc, amem.STACK_BASE, 8 << 30, 8 << 20)
        self.heap = GoHeap(amem.Region(uc, amem.HEAP_BASE, 64 << 30, 64 << 20), self.arch.byte_order)
        self.mmap_region = amem.Region(uc, amem.MMAP_BASE, 16 << 30, 16 << 20)
        self.kernel = Kernel(self, policy)
        self.libc = LibC(self)
        self.breakpoints: dict[int, Callable[[], None]] = {}
        self.dead: str | None = None  # why the process can no longer run Go code
        self._stop: tuple[str, object] | None = None
        self._fault_addr = 0
        self._call_g = 0
        self.time_limit = time_limit  # None: no limit
        self.run_started: float | None = None
        self.halt_pc = 0  # where the CPU stops after the halting stub a finished call reaches (0: none)
        bias = self.arch.tls_tp_bias  # ppc64: TP points 0x7000 past the TLS block
        self.tls = self.private.alloc(0x1000 + bias, 0x1000) + 0x800 + bias
        self.image: Image = map_image(self.cpu, obj, amem.IMAGE_BASE, self.libc.stub_for, self._tls_offset)
        if obj.format == "macho":
            self.image.add_functions(binary.functions.names_and_entries())
        self.moduledata = self.image.base + binary.moduledata.addr
        self.tls_g = self._set_up_tls()
        self.cpu.hook_interrupts(self._on_syscall, self._on_breakpoint, self._on_trap)
        areas = [(r.base, r.limit) for r in (self.private, self.stacks, self.heap.region, self.mmap_region)]
        areas += [(self.image.base - amem.PAGE, self.image.size + amem.PAGE), (amem.CALL_BLOCK_BASE, amem.CALL_BLOCK_SIZE)]
        words = binary.moduledata.words
        code = [(self.image.base + words["text"], words["etext"] - words["text"])]
        tlb.install(uc, areas, code, self._note_fault, None if self.cpu.exit_checks else self.cpu.mapped)
        self.services = services.Services(self)
        watchdog.watch(self)
        self.host = GoHost(self)
        self.pools = AllocPools.install(self, self.host.driver)

    # -- Machine protocol --------------------------------------------------------------------

    @property
    def byte_order(self):
        return self.arch.byte_order

    @property
    def ptr_size(self) -> int:
        return self.arch.ptr_size

    def read(self, addr: int, size: int) -> bytes:
        try:
            return self.cpu.read_bytes(addr, size)
        except UcError as e:
            raise GoFatalError(f"{self.path}: reading {size} bytes at {addr:#x}: {e}") from None

    def write(self, addr: int, data: bytes) -> None:
        try:
            self.cpu.write_bytes(addr, data)
        except UcError as e:
            raise GoFatalError(f"{self.path}: writing {len(data)} bytes at {addr:#x}: {e}") from None

    def word(self, addr: int) -> int:
        try:
            return self.cpu.read_word(addr)
        except UcError as e:
            raise GoFatalError(f"{self.path}: reading 8 bytes at {addr:#x}: {e}") from None

    def set_word(self, addr: int, value: int, size: int = 8) -> None:
        if size == 8:
            try:
                self.cpu.write_word(addr, value)
                return
            except UcError as e:
                raise GoFatalError(f"{self.path}: writing 8 bytes at {addr:#x}: {e}") from None
        self.write(addr, (value & (1 << 8 * size) - 1).to_bytes(size, self.arch.byte_order))

    def alloc(self, size: int, typ: GoType | None = None) -> int:
        return self.heap.alloc(size, scan=typ is not None)

    def keep_alive(self, obj) -> None:
        """Root the Go memory ``obj`` (a Python-side Go value) refers to while it lives."""
        self.heap.register(obj)

    def collect(self, extra_words: Sequence[int] = ()) -> GCStats:
        """Run the heap's collector now (between calls); ``extra_words`` are further roots."""
        pooled = self.pools.live_blocks() if self.pools is not None else []
        return self.heap.collect(self.read, self.host.root_ranges(), [*extra_words, *pooled])

    def func_pc(self, name: str) -> int | None:
        return self.image.addr(name)

    def text_addr(self, off: int, base: int) -> int:
        return self.host.text_addr(off)

    @cached_property
    def types(self) -> TypeReader:
        md = self.binary.moduledata
        return TypeReader(Memory(_LiveObject(self)), self.layout, self.image.base + md.words["types"])

    @cached_property
    def _type_symbols(self) -> dict[str, int]:
        return {n[5:]: self.image.base + v for n, v in self.binary.obj.dynamic_defined.items() if n.startswith("type:")}

    def type_named(self, name: str) -> GoType | None:
        addr = self._type_symbols.get(name)
        if addr is not None:
            return self.types.type_at(addr)
        for addr in self._type_symbols.values():  # long names are mangled: compare the descriptors
            try:
                if not self.types.has_string(addr, name):
                    continue
                t = self.types.type_at(addr)
            except Exception:  # noqa: BLE001 - a symbol that is not a descriptor
                continue
            if t.string == name:
                self._type_symbols[name] = addr
                return t
        return None

    def ensure_mapped(self, addr: int, size: int) -> bool:
        """Whether [addr, addr+size) is inside memory the emulator mapped."""
        return any(r.contains(addr) and r.contains(addr + size - 1)
                   for r in (self.heap.region, self.mmap_region, self.stacks, self.private))

    # -- calls -------------------------------------------------------------------------------

    def call(
        self,
        pc: int,
        *,
        ctx: int = 0,
        ints: Sequence[int] = (),
        floats: Sequence[int] = (),
        stack: bytes = b"",
        n_ints: int | None = None,
        n_floats: int | None = None,
    ) -> RawResult:
        """Run a Go function on the main goroutine (see ``engines.machine.Machine.call``)."""
        if not self._call_g and self.heap.should_collect():
            self.collect([*ints, ctx, *self.heap._words(bytes(stack))])
        return self.host.call_on(
            self.host.main_g, pc, ctx=ctx, ints=ints, floats=floats, stack=stack, n_ints=n_ints, n_floats=n_floats
        )

    def call_many(
        self,
        pc: int,
        frames: Sequence[tuple[Sequence[int], Sequence[int], bytes]],
        *,
        ctx: int = 0,
        n_ints: int | None = None,
        n_floats: int | None = None,
    ) -> list[RawResult]:
        """``call`` once per (ints, floats, stack) frame, all in one emulation run (a GoPanic
        carries ``index``, the frame that panicked)."""
        if not self._call_g and self.heap.should_collect():
            words = [w for ints, _, stack in frames for w in (*ints, *self.heap._words(bytes(stack)))]
            self.collect([*words, ctx])
        return self.host.call_many(self.host.main_g, pc, frames, ctx=ctx, n_ints=n_ints, n_floats=n_floats)

    def int_caller(self, pc: int, *, ctx: int = 0, n_args: int, n_results: int) -> Callable[..., Sequence[int]]:
        """A function that calls ``pc`` with ``n_args`` integer argument registers (unsigned
        64-bit values) and returns its ``n_results`` integer result registers: ``call`` for
        integer signatures, with what does not change from call to call worked out once."""
        driver = self.host.driver
        if driver is None:
            return lambda *words: self.call(pc, ctx=ctx, ints=words, n_ints=n_results, n_floats=0).ints
        direct = driver.words_caller(self.host.main_g, pc, ctx, n_args, n_results)
        heap = self.heap

        def call(*words: int) -> Sequence[int]:
            if self._call_g:
                return self.call(pc, ctx=ctx, ints=words, n_ints=n_results, n_floats=0).ints
            if heap.should_collect():
                self.collect([*words, ctx])
            return direct(*words)

        return call

    def call_words(self, pc: int, words: bytes, n: int, *, ctx: int = 0, n_args: int, n_results: int) -> bytes:
        """``n`` calls of a function whose arguments and results are all in integer registers:
        ``words`` holds each call's ``n_args`` argument registers (64-bit words in the guest's
        byte order), call after call; the result is each call's ``n_results`` result registers
        likewise. The calls run in a driver loop in emulated code where the CPU has one. A
        GoPanic carries ``index``, the call that panicked."""
        fmt = struct.Struct(("<" if self.byte_order == "little" else ">") + f"{n_args}Q")
        if not self._call_g and self.heap.should_collect():
            self.collect([ctx, *(w for frame in fmt.iter_unpack(words) for w in frame)] if n_args else [ctx])
        driver, g = self.host.driver, self.host.main_g
        if driver is not None and not self._call_g:
            plan = driver.plan(n_args, 0, n_results, 0, 0)
            return driver.call_packed(g, pc, ctx, plan, words if n_args else bytes(8 * n), n)
        frames = [(list(v), [], b"") for v in fmt.iter_unpack(words)] if n_args else [([], [], b"")] * n
        raws = self.host.call_many(g, pc, frames, ctx=ctx, n_ints=n_results, n_floats=0)
        out = struct.Struct(fmt.format[0] + f"{n_results}Q")
        return b"".join(out.pack(*raw.ints) for raw in raws)

    def run(self, g: int, start: int | None = None) -> None:
        """Emulate from ``start`` (default: the current PC) until goroutine ``g`` has returned to
        goexit; faults become Go panics as the kernel's signal delivery would make them."""
        if self.dead:
            raise GoFatalError(f"{self.path}: the Go runtime is dead ({self.dead})")
        cpu = self.cpu
        previous = self._call_g
        self._call_g = g
        if not previous:
            self.run_started = time.monotonic()
        faults = 0
        try:
            while True:
                self._stop = None
                begin, start = cpu.pc if start is None else start, None
                try:
                    cpu.start(begin)
                except Stop as stop:
                    self._die(stop.kind, stop.message)
                except UcError as e:
                    faults += 1
                    if faults > MAX_FAULTS_PER_CALL:
                        self._die("fault", f"{faults} faults in one call (last: {e} at {cpu.pc:#x})")
                    addr = self._fault_addr
                    if e.errno == UC_ERR_EXCEPTION and not cpu.exit_checks:
                        # a store the TLB fill refused (``tlb``), which knows only the page
                        exact = cpu.fault_address(cpu.pc)
                        addr = addr if exact is None else exact
                    self._signal(*self.signals["segv"], addr, cpu.pc, e)
                    continue
                if self._stop is None:
                    if self.halt_pc:
                        return  # the halting stub, as the caller checks (``stopped_unexpectedly``)
                    self._die("fault", f"emulation stopped unexpectedly at {cpu.pc:#x}")
                kind, detail = self._stop
                if kind == "return":
                    return
                if kind == "trap":
                    self._signal(*self.signals["divide"], detail, detail, None)
                    continue
                if kind == "segv":  # a CPU that reports bad accesses as traps (s390x)
                    faults += 1
                    pc, addr = detail
                    if faults > MAX_FAULTS_PER_CALL:
                        self._die("fault", f"{faults} faults in one call (last: address {addr:#x} at {pc:#x})")
                    self._signal(*self.signals["segv"], addr, pc, None, fetch=addr == pc)
                    continue
                if kind == "panic":
                    raise self.host.unrecovered_panic(detail)
                self._die(kind, str(detail))
        finally:
            self._call_g = previous
            if not previous:
                self.run_started = None

    def halted(self) -> bool:
        """Whether the CPU is stopped after the halting stub (a call that ``run`` returned from
        ended there, not somewhere Unicorn stopped by itself, such as a jump to address 0)."""
        return self.cpu.read(self.cpu.pc_id) == self.halt_pc

    def stopped_unexpectedly(self) -> None:
        """The runtime is dead: emulation ended without reaching the halting stub."""
        self._die("fault", f"emulation stopped unexpectedly at {self.cpu.pc:#x}")

    def close(self) -> None:
        """Free the emulated process (Unicorn's memory) now; the machine is dead afterwards."""
        if self.dead != "closed":
            self.dead = "closed"
            self.cpu.uc._Uc__finalizer()  # weakref.finalize: runs uc_close once
            self.image.release()
            self.breakpoints.clear()

    def over_limit(self) -> None:
        """Called by the watchdog thread: stop the run that has used up its time."""
        self._stop = ("limit", f"a call ran longer than {self.time_limit:g} s (the machine's time_limit)")
        self.cpu.uc.emu_stop()

    def _die(self, kind: str, message: str) -> None:
        self.dead = message
        if kind == "deadlock":
            raise EmulationLimitError(f"{self.path}: fatal error: {message}")
        if kind == "limit":
            raise EmulationLimitError(f"{self.path}: {message}; the plugin cannot be used after it")
        raise GoFatalError(f"{self.path}: {message}")

    def _signal(self, sig: int, code: int, addr: int, pc: int, error: UcError | None, fetch: bool = False) -> None:
        """Deliver a synchronous signal the way Go's handler does: record it in g, then make the
        faulting instruction look as if it called sigpanic. ``fetch``: the fault was fetching
        the instruction at ``pc`` (also when ``error`` says so)."""
        if error is not None and error.errno == UC_ERR_FETCH_UNMAPPED:
            fetch = True
        if fetch:
            addr = pc  # a call through a bad function pointer faults on fetch
        g = self.cpu.g
        if not g:
            self._die("fault", f"signal {sig} at {pc:#x} with no goroutine")
        rt = self.rt
        self.set_word(g + rt.off("g", "sig"), sig, 4)
        self.set_word(g + rt.off("g", "sigcode0"), code)
        self.set_word(g + rt.off("g", "sigcode1"), addr)
        self.set_word(g + rt.off("g", "sigpc"), pc)
        target = self.image.addr(self.cpu.sigpanic_symbol)
        fault_pc = 0 if fetch else pc
        self.cpu.inject_sigpanic(target, fault_pc)

    # -- hooks -------------------------------------------------------------------------------

    def stop(self, kind: str, detail: object = None) -> None:
        """End the current ``emu_start`` with a reason ``run`` acts on."""
        self._stop = (kind, detail)
        self.cpu.uc.emu_stop()

    def add_breakpoint(self, addr: int, handler: Callable[[], None]) -> None:
        """Patch a trapping instruction over ``addr``; ``handler`` runs when code reaches it. A
        function's entry (its symbol's address) is moved to its local entry, which every call
        passes (ppc64: direct calls skip the global entry's TOC set-up)."""
        addr = self._hook_addr(addr)
        self.write(addr, self.cpu.breakpoint)
        self.breakpoints[addr] = handler

    def add_code_hook(self, addr: int, handler: Callable[[], None]) -> None:
        """Run ``handler`` whenever ``addr`` is about to execute (the instruction then runs as usual);
        a function's entry is moved to its local entry, as for ``add_breakpoint``."""
        addr = self._hook_addr(addr)
        self.cpu.uc.hook_add(UC_HOOK_CODE, lambda uc, a, size, data: handler(), None, addr, addr)

    def _hook_addr(self, addr: int) -> int:
        image = getattr(self, "image", None)  # import stubs get their breakpoints while the image is mapped
        return addr if image is None else image.local_entry(addr)

    def _on_breakpoint(self, addr: int) -> None:
        handler = self.breakpoints.get(addr)
        if handler is None:
            self.stop("fault", f"unexpected breakpoint at {addr:#x}")
            return
        handler()

    def _on_syscall(self) -> None:
        nr, args = self.cpu.syscall_args()
        self.cpu.set_syscall_result(self.kernel.dispatch(nr, args))

    def _on_trap(self, kind: str, pc: int, addr: int = 0) -> None:
        if kind == "divide":
            self.stop("trap", pc)
        elif kind == "segv":
            self.stop("segv", (pc, addr))
        else:
            self.stop("fault", f"CPU exception {kind} at {pc:#x}")

    def _note_fault(self, address: int) -> None:
        self._fault_addr = address

    def _set_up_tls(self) -> int:
        """Point the thread's TLS register at our block; the address of the slot Go keeps g in.
        On linux the image's TLS relocation against ``runtime.tlsg``/``runtime.tls_g`` says where;
        on darwin the arch's fixed offset (stored into the offset variable the runtime reads)."""
        if self.goos == "darwin":
            tls = self.arch.darwin_tls
            self.cpu.set_reg(tls.register, self.tls)
            if tls.offset_variable is not None:
                var = self.image.addr(tls.offset_variable)
                if var is None:
                    raise GoFatalError(f"{self.path}: the plugin lacks {tls.offset_variable}, where Go finds g")
                self.set_word(var, tls.g_offset)
            return self.tls + tls.g_offset
        self.cpu.set_tls(self.tls)
        tls_var = next((n for n in ("runtime.tlsg", "runtime.tls_g") if n in self.image.defined), None)
        return self.tls + self._tls_offset(self.image.defined[tls_var] if tls_var else 0)

    def _tls_offset(self, value: int) -> int:
        """Thread-pointer offset of a TLS symbol of the image (our TLS block straddles TP)."""
        if self.arch.tls_variant == 1:
            return self.arch.tls_tcb_size + value - self.arch.tls_tp_bias
        return value - 0x100
