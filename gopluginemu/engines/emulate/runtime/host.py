"""The host process around a plugin, as Go's own host would have set it up.

A plugin carries the runtime's code but not the host's initialisers (``rt0_go``,
``schedinit``, ``mallocinit``, ``doInit``, ``plugin_lastmoduleinit``): this module does their
part — the module list, m0 with g0 and the main goroutine, TLS, the scheduler fields
``schedinit`` sets, the plugin's own ``procresize(1)``, the plugin's static itabs, and its init
tasks in Go's order — and then runs Go calls on the main goroutine.
"""

from __future__ import annotations

from typing import Sequence

from gopluginemu.engines.emulate.driver import MAX_AREA, CallDriver
from gopluginemu.engines.machine import RawResult
from gopluginemu.errors import GoFatalError, GoPanic, InitPanic
from runtime_stubs.services import ARENA_L2_ENTRIES, G_RUNNING, GODEBUG, HOST_VARIABLES, STACK_GUARD

G0_STACK = 256 << 10
MAIN_STACK = 64 << 10
G_DEAD_BYTES = {"little": (6).to_bytes(4, "little"), "big": (6).to_bytes(4, "big")}  # _Gdead
INIT_DONE = 2
INIT_RUNNING = 1
ARGS_RESERVE = 64  # bytes kept free above the argument area at the stack top
NO_RESULTS = {"n_ints": 0, "n_floats": 0}  # for the host's own calls, whose results it ignores


class GoHost:
    """Runtime state of one emulated process and Go calls on its goroutines."""

    def __init__(self, machine) -> None:
        self.m = machine
        self.rt = machine.rt
        self.layout = machine.layout
        img = machine.image
        self.sym = img.addr
        # ABI0 assembly carries the .abi0 suffix, except where Go has no other ABI (s390x
        # before 1.26, whose symbols have no suffixes)
        goexit = "runtime.goexit.abi0" if self.sym("runtime.goexit.abi0") is not None else "runtime.goexit"
        self.goexit_ret = self._need(goexit) + machine.arch.abi.pc_quantum
        self._batch: _Batch | None = None
        self._stack_hi = self.rt.off("g", "stack") + self.rt.off("stack", "hi")
        self._stktopsp = self.rt.off("g", "stktopsp")
        self.driver = CallDriver.install(machine, self.goexit_ret, self._stack_hi, self._stktopsp, ARGS_RESERVE)
        if self.driver is None:
            machine.add_code_hook(self.goexit_ret, self._on_goexit)
        self._link_modules()
        self._set_host_variables()
        self._set_environment(machine.kernel.policy.env)
        self.m0 = self._need("runtime.m0")
        self.g0 = self._new_g(G0_STACK, system=True)
        self.main_g = self._new_g(MAIN_STACK, system=False)
        self._setup_m0()
        self._setup_sched()
        self.call_on(self.g0, self._need("runtime.procresize"), **self.go_args((1, 4), results=1), **NO_RESULTS)
        self._set_word(self.m0 + self.rt.off("m", "curg"), self.main_g)
        allgadd = self.sym("runtime.allgadd")
        if allgadd is not None:
            self.call_on(self.g0, allgadd, **self.go_args((self.main_g, 8)), **NO_RESULTS)
        self._add_itabs()
        self.inits_run = False

    # -- helpers -----------------------------------------------------------------------------

    def _need(self, name: str) -> int:
        addr = self.sym(name)
        if addr is None:
            raise GoFatalError(f"{self.m.path}: the plugin lacks {name}, which the emulated host needs")
        return addr

    def _word(self, addr: int) -> int:
        return self.m.word(addr)

    def _set_word(self, addr: int, value: int, size: int = 8) -> None:
        self.m.set_word(addr, value, size)

    def go_args(self, *args: tuple[int, int], results: int = 0) -> dict:
        """``call_on``/``call`` arguments for a Go function the emulator calls itself, from
        (value, size) pairs of scalar arguments: in registers, or with Go's stack ABI laid out as
        Go does (each at its alignment), with room for ``results`` words after them."""
        if self.m.regabi:
            return {"ints": [value for value, _ in args]}
        order, frame = self.m.arch.byte_order, bytearray()
        for value, size in args:
            frame += bytes(-len(frame) % size) + (value & ((1 << 8 * size) - 1)).to_bytes(size, order)
        frame += bytes(-len(frame) % 8 + 8 * results)
        return {"stack": bytes(frame)}

    def go_results(self, raw: RawResult, n: int) -> list[int]:
        """The ``n`` word-sized results of a call made with ``go_args(..., results=n)``."""
        if self.m.regabi:
            return list(raw.ints[:n])
        stack, order = raw.stack, self.m.arch.byte_order
        return [int.from_bytes(stack[len(stack) - 8 * (n - i) : len(stack) - 8 * (n - i - 1)], order) for i in range(n)]

    def _md(self, field: str) -> int:
        return self.m.moduledata + self.layout.off("moduledata", field)

    # -- process state -----------------------------------------------------------------------

    def _link_modules(self) -> None:
        """firstmoduledata (an empty host module) -> the plugin's module; lastmoduledatap and
        modulesSlice as modulesinit would leave them."""
        md = self.m.moduledata
        first = self._need("runtime.firstmoduledata")
        self._set_word(first + self.layout.off("moduledata", "next"), md)
        self._set_word(self._need("runtime.lastmoduledatap"), md)
        backing = self.m.private.alloc(8, 8)
        self._set_word(backing, md)
        header = self.m.private.alloc(24, 8)
        for i, v in enumerate((backing, 1, 1)):
            self._set_word(header + 8 * i, v)
        self._set_word(self._need("runtime.modulesSlice"), header)

    def _set_host_variables(self) -> None:
        for name, (size, value) in HOST_VARIABLES.items():
            addr = self.sym(name)
            if addr is not None:
                self._set_word(addr, value, size)
        debug = self.sym("runtime.debug")
        if debug is not None and "debug" in self.rt.structs:
            for field, (size, value) in GODEBUG.items():
                if self.rt.has("debug", field):
                    self._set_word(debug + self.rt.off("debug", field), value, size)
        mheap = self.sym("runtime.mheap_")
        if mheap is not None and self.rt.has("mheap", "arenas"):
            l2 = self.m.private.alloc(ARENA_L2_ENTRIES * 8, 0x1000)
            self._set_word(mheap + self.rt.off("mheap", "arenas"), l2)

    def _set_environment(self, env: list[str]) -> None:
        """runtime.envs as goenvs would fill it: the environment the policy gives the plugin."""
        addr = self.sym("runtime.envs")
        if addr is None or not env:
            return
        backing = self.m.heap.persistent(16 * len(env), 16)
        for i, item in enumerate(env):
            data = item.encode()
            ptr = self.m.heap.persistent(len(data))
            self.m.write(ptr, data)
            self._set_word(backing + 16 * i, ptr)
            self._set_word(backing + 16 * i + 8, len(data))
        for i, v in enumerate((backing, len(env), len(env))):
            self._set_word(addr + 8 * i, v)

    def _new_g(self, stack_size: int, system: bool) -> int:
        rt = self.rt
        g = self.m.private.alloc(rt.size("g"), 16)
        lo = self.m.stacks.alloc(stack_size, 0x1000)
        hi = lo + stack_size
        stack = rt.off("g", "stack")
        self._set_word(g + stack + rt.off("stack", "lo"), lo)
        self._set_word(g + stack + rt.off("stack", "hi"), hi)
        self._set_word(g + rt.off("g", "stackguard0"), lo + STACK_GUARD)
        self._set_word(g + rt.off("g", "stackguard1"), lo + STACK_GUARD if system else (1 << 64) - 1)
        self._set_word(g + rt.off("g", "m"), self.m0)
        sched = g + rt.off("g", "sched")
        self._set_word(sched + rt.off("gobuf", "sp"), hi)
        self._set_word(sched + rt.off("gobuf", "g"), g)
        if not system:
            self._set_word(g + rt.off("g", "atomicstatus"), G_RUNNING, 4)
            self._set_word(g + rt.off("g", "goid"), 1)
        return g

    def _setup_m0(self) -> None:
        rt, m0 = self.rt, self.m0
        self._set_word(m0 + rt.off("m", "g0"), self.g0)
        self._set_word(m0 + rt.off("m", "curg"), self.main_g)
        self._set_word(m0 + rt.off("m", "procid"), 4242)
        allm = self.sym("runtime.allm")
        if allm is not None:
            self._set_word(allm, m0)
        mcache0 = self.sym("runtime.mcache0")
        if mcache0 is not None:
            self._set_word(mcache0, self.m.private.alloc(rt.size("mcache"), 16))

    def _setup_sched(self) -> None:
        rt = self.rt
        sched = self._need("runtime.sched")
        if rt.has("m", "idleNode") and rt.has("listHeadManual", "initialized"):
            midle = sched + rt.off("schedt", "midle")
            self._set_word(midle + rt.off("listHeadManual", "initialized"), 1, 1)
            self._set_word(midle + rt.off("listHeadManual", "nodeOffset"), rt.off("m", "idleNode"))
        self._set_word(sched + rt.off("schedt", "lastpoll"), self.m.kernel.monotonic_ns)
        self._set_word(sched + rt.off("schedt", "maxmcount"), 10000, 4)
        self._set_word(sched + rt.off("schedt", "mnext"), 1)
        self._set_word(sched + rt.off("schedt", "goidgen"), 1)

    def _add_itabs(self) -> None:
        """Register the plugin's static itabs, as itabsinit/plugin_lastmoduleinit do, so that
        itabs built at run time are the same objects the compiled code compares against."""
        add = self.sym("runtime.itabAdd")
        if add is None:
            return
        layout = self.layout
        if layout.has("moduledata", "itablinks"):
            data, n = self._word(self._md("itablinks")), self._word(self._md("itablinks") + 8)
            itabs = [self._word(data + 8 * i) for i in range(n)]
        else:
            itabs = []
            types = self._word(self._md("types"))
            p = types + self._word(self._md("itaboffset"))
            end = p + self._word(self._md("itabsize"))
            fun = layout.off("ITab", "Fun")
            methods = layout.off("InterfaceType", "Methods")
            while p < end:
                itabs.append(p)
                inter = self._word(p + layout.off("ITab", "Inter"))
                p += fun + 8 * max(1, self._word(inter + methods + 8))
        frames = [(a.get("ints", ()), (), a.get("stack", b"")) for a in (self.go_args((itab, 8)) for itab in itabs)]
        self.call_many(self.g0, add, frames, **NO_RESULTS)  # one emulation run for all of them

    def root_ranges(self) -> list[tuple[int, int]]:
        """Where pointers into the heap may live outside it: the module's data and bss (with
        the noptr ones, which may hold uintptr-typed pointers), every goroutine's stack from its
        saved SP, the emulator's g0 and main g, and the runtime's anonymous mappings."""
        rt, w = self.rt, self._word
        ranges = []
        for start, end in (("data", "edata"), ("bss", "ebss"), ("noptrdata", "enoptrdata"), ("noptrbss", "enoptrbss")):
            lo, hi = w(self._md(start)), w(self._md(end))
            ranges.append((lo, hi - lo))
        gs = [self.g0, self.main_g]
        allgs = self.sym("runtime.allgs")
        if allgs is not None:
            data, n = w(allgs), w(allgs + 8)
            gs += [w(data + 8 * i) for i in range(n)]
        stack = rt.off("g", "stack")
        for g in dict.fromkeys(gs):
            if g == 0 or self.m.read(g + rt.off("g", "atomicstatus"), 4) == G_DEAD_BYTES[self.m.arch.byte_order]:
                continue
            ranges.append((g, rt.size("g")))
            lo, hi = w(g + stack + rt.off("stack", "lo")), w(g + stack + rt.off("stack", "hi"))
            sp = w(g + rt.off("g", "sched") + rt.off("gobuf", "sp"))
            sp = sp if lo <= sp <= hi else lo
            ranges.append((sp, hi - sp))
        region = self.m.mmap_region
        ranges.append((region.base, region.top))
        return ranges

    def text_addr(self, off: int) -> int:
        """moduledata.textAddr: a text offset to a PC through the module's text sections."""
        tsm = self._md("textsectmap")
        data, n = self._word(tsm), self._word(tsm + 8)
        for i in range(n):
            vaddr, end, base = (self._word(data + 24 * i + 8 * k) for k in range(3))
            if vaddr <= off < end:
                return base + off - vaddr
        return self._word(self._md("text")) + off

    # -- init tasks --------------------------------------------------------------------------

    def run_inits(self) -> None:
        """doInit over ``moduledata.inittasks`` in order; runtime's own task counts as done (the
        host already ran it). A panic raises ``InitPanic``."""
        if self.inits_run:
            return
        self.inits_run = True
        runtime_task = self.sym("runtime..inittask")
        if runtime_task is not None:
            self._set_word(runtime_task, INIT_DONE, 4)
        data, n = self._word(self._md("inittasks")), self._word(self._md("inittasks") + 8)
        for i in range(n):
            task = self._word(data + 8 * i)
            self._do_init(task)

    def _do_init(self, task: int) -> None:
        order = self.m.arch.byte_order
        state = int.from_bytes(self.m.read(task + self.layout.off("initTask", "state"), 4), order)
        if state == INIT_DONE:
            return
        if state == INIT_RUNNING:
            raise GoFatalError(f"{self.m.path}: fatal error: recursive call during initialization - linker skew")
        nfns = int.from_bytes(self.m.read(task + self.layout.off("initTask", "nfns"), 4), order)
        self._set_word(task, INIT_RUNNING, 4)
        for j in range(nfns):
            slot = task + 8 + 8 * j
            try:
                self.call_on(self.main_g, self._word(slot), ctx=slot, **NO_RESULTS)
            except GoPanic as e:
                raise InitPanic(e.message, e.value, e.go_type, e.go_traceback) from None
        self._set_word(task, INIT_DONE, 4)

    # -- calls -------------------------------------------------------------------------------

    def _on_goexit(self) -> None:
        m = self.m
        if m.cpu.g != m._call_g:
            return  # another goroutine finished: goexit1 runs as usual
        batch = self._batch
        if batch is not None and batch.advance():
            return  # the next call of the batch is set up; emulation goes on
        m.stop("return")

    def _enter(self, g: int, pc: int, ctx: int, ints: Sequence[int], floats: Sequence[int], stack: bytes) -> tuple[int, int]:
        """Registers and stack for a call of ``pc`` on ``g``; returns (argument area, stack top)."""
        m, cpu, abi = self.m, self.m.cpu, self.m.arch.abi
        hi = self._word(g + self._stack_hi)
        area = (len(stack) + 15) & ~15
        entry_sp = (hi - ARGS_RESERVE - area - abi.args_offset) & ~15
        args = entry_sp + abi.args_offset
        if stack:
            m.write(args, stack)
        self._set_word(g + self._stktopsp, entry_sp + (0 if abi.link_register else 8))
        self._set_word(m.tls_g, g)
        cpu.set_args(ints, floats)
        cpu.enter(pc, entry_sp, self.goexit_ret, g, ctx)
        return args, hi

    def _result(self, g: int, args: int, hi: int, size: int, n_ints: int | None, n_floats: int | None) -> RawResult:
        out_ints, out_floats = self.m.cpu.results(n_ints, n_floats)
        if not size:
            return RawResult(out_ints, out_floats, b"")
        moved = self._word(g + self._stack_hi) - hi  # the goroutine's stack may have been copied
        return RawResult(out_ints, out_floats, self.m.read(args + moved, size))

    def call_on(
        self,
        g: int,
        pc: int,
        *,
        ctx: int = 0,
        ints: Sequence[int] = (),
        floats: Sequence[int] = (),
        stack: bytes = b"",
        n_ints: int | None = None,
        n_floats: int | None = None,
    ) -> RawResult:
        """Call the Go function at ``pc`` on goroutine ``g`` (the main goroutine, or g0 for the
        runtime's own set-up), with the argument area at the top of its stack."""
        driver, m = self.driver, self.m
        if driver is not None and not m._call_g and len(stack) <= MAX_AREA and not len(stack) % 8:
            return driver.call_one(g, pc, ctx, ints, floats, stack, *self._result_counts(n_ints, n_floats))
        cpu = m.cpu
        nested = bool(m._call_g)
        saved = cpu.uc.context_save() if nested else None
        saved_g = self._word(m.tls_g) if nested else 0
        saved_batch, self._batch = self._batch, None
        saved_target = driver.saved_target() if driver is not None else None
        try:
            args, hi = self._enter(g, pc, ctx, ints, floats, stack)
            if driver is not None:
                driver.target(g, driver.halt)
            m.run(g)
            if driver is not None and not m.halted():
                m.stopped_unexpectedly()
            return self._result(g, args, hi, len(stack), n_ints, n_floats)
        finally:
            self._batch = saved_batch
            if saved_target is not None:
                driver.target(*saved_target)
            if saved is not None:
                cpu.uc.context_restore(saved)
                self._set_word(m.tls_g, saved_g)

    def _result_counts(self, n_ints: int | None, n_floats: int | None) -> tuple[int, int]:
        """How many int and float result registers a call reads back (None: all of them)."""
        abi = self.m.arch.abi
        return (len(abi.int_regs) if n_ints is None else n_ints), (len(abi.float_regs) if n_floats is None else n_floats)

    def call_many(
        self,
        g: int,
        pc: int,
        frames: Sequence[tuple[Sequence[int], Sequence[int], bytes]],
        *,
        ctx: int = 0,
        n_ints: int | None = None,
        n_floats: int | None = None,
    ) -> list[RawResult]:
        """Call ``pc`` once per (ints, floats, stack) frame in one emulation run where it can: a
        driver loop in emulated code, or (with a code hook at goexit) each return into goexit
        setting up the next call right there. A GoPanic carries ``index``."""
        if not frames:
            return []
        driver = self.driver
        if driver is None:
            return self._call_batch(g, pc, frames, ctx, n_ints, n_floats)
        if not self.m._call_g and driver.fits(frames):
            return driver.call(g, pc, ctx, frames, *self._result_counts(n_ints, n_floats))
        results = []
        for index, (ints, floats, stack) in enumerate(frames):
            try:
                results.append(self.call_on(g, pc, ctx=ctx, ints=ints, floats=floats, stack=stack, n_ints=n_ints, n_floats=n_floats))
            except GoPanic as e:
                e.index = index
                raise
        return results

    def _call_batch(self, g, pc, frames, ctx, n_ints, n_floats) -> list[RawResult]:
        """``call_many`` through the goexit code hook: each return sets up the next call."""
        batch = _Batch(self, g, pc, ctx, frames, n_ints, n_floats)
        self._batch = batch
        try:
            batch.start()
            self.m.run(g)
        except GoPanic as e:
            e.index = batch.index
            raise
        finally:
            self._batch = None
        return batch.results

    def unrecovered_panic(self, panic: int) -> GoPanic:
        """The GoPanic for a panic that reached fatalpanic; the main goroutine is reset so the
        plugin stays usable, like a host that recovered."""
        from gopluginemu.engines.emulate.runtime.panics import describe_panic, sprint_value

        g = self.m.cpu.g or self.main_g
        error = describe_panic(self, panic, g)
        rt = self.rt
        self._set_word(g + rt.off("g", "_panic"), 0)
        self._set_word(g + rt.off("g", "_defer"), 0)
        typ, data = error.value
        if typ and error.go_type != "string":
            text = sprint_value(self, typ, data)
            if text is not None:
                error.message = text
                error.args = (text,)
        error.value = (typ, data)
        return error


class _Batch:
    """The calls of one ``call_many``: which one runs, and the results so far."""

    def __init__(self, host: GoHost, g: int, pc: int, ctx: int, frames, n_ints, n_floats) -> None:
        self.host, self.g, self.pc, self.ctx, self.frames = host, g, pc, ctx, frames
        self.n_ints, self.n_floats = n_ints, n_floats
        self.index = 0
        self.results: list[RawResult] = []
        self._args = self._hi = 0

    def start(self) -> None:
        ints, floats, stack = self.frames[self.index]
        self._args, self._hi = self.host._enter(self.g, self.pc, self.ctx, ints, floats, stack)

    def _again(self) -> None:
        """The next call where the stack has not moved: arguments, SP, return address and PC."""
        host = self.host
        ints, floats, stack = self.frames[self.index]
        if len(stack) != len(self.frames[self.index - 1][2]) or host._word(self.g + host._stack_hi) != self._hi:
            self.start()
            return
        cpu = host.m.cpu
        if stack:
            host.m.write(self._args, stack)
        cpu.set_args(ints, floats)
        cpu.reenter(self.pc, self._args - host.m.arch.abi.args_offset, host.goexit_ret)

    def advance(self) -> bool:
        """Record the call that just returned; set up the next one if any (True)."""
        size = len(self.frames[self.index][2])
        self.results.append(self.host._result(self.g, self._args, self._hi, size, self.n_ints, self.n_floats))
        self.index += 1
        if self.index == len(self.frames):
            return False
        self._again()
        return True
