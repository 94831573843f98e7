"""Go calls without a Python callback per call: a goexit trampoline and driver loops.

Every Go call the emulator makes returns into ``runtime.goexit`` + pc_quantum, as a goroutine's
outermost frame does (tracebacks, stack copying and ``g.stktopsp`` rely on it). The instruction
there is goexit's call of ``goexit1``. ``CallDriver.install`` replaces it by a branch to a
trampoline in a page next to the image: a return of the goroutine the emulator called on (the
block's ``G``) jumps to the block's ``CONT``; any other goroutine makes the original call (same
target, same return address), so goroutines still end as Go ends them.

``CONT`` is a halting instruction for a call set up register by register (a nested call), or
the next step of a *driver*: a few instructions per CPU (``CPU.call_driver``) that, for each
frame of an array in guest memory, set up the goroutine's stack exactly as a single call does
(entry SP below ``g.stack.hi``, ``g.stktopsp``, the return into goexit), load the argument
registers and the stack area from the frame, jump to the function, and when it comes back
through the trampoline store the result registers and the stack area, then loop; after the
last frame it halts. The buffer is host memory mapped in place (``map_in_place``): Python
packs the block and the frames straight into it and unpacks the results from it, so a call
costs one C call (the start) and a few emulated stores instead of a dozen C calls and a Python
hook. It is an anonymous mapping, whose pages the OS commits as they are first used (a
``bytearray`` of its 256 KiB is cleared at once: 64 page faults an open).

The block, at the start of the buffer (words): ``G``, ``CONT``, ``FN``, ``CTX``, ``CUR`` (the
next frame), ``END`` (past the last frame), ``OUT`` (where the next results go). A frame is
the integer argument registers, the float argument registers (raw 64 bits), then the stack
area; results likewise (result registers, then the stack area as the callee left it).
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from typing import Callable, Sequence

from unicorn import UC_PROT_ALL, UcError

from gopluginemu.engines.emulate.memory import CALL_BLOCK_BASE, CALL_BLOCK_SIZE, PAGE, map_in_place
from gopluginemu.engines.machine import RawResult
from gopluginemu.errors import GoPanic
from gopluginemu.hostmem import anonymous_memory

G, CONT, FN, CTX, CUR, END, OUT = (8 * i for i in range(7))
HEADER = 64
BUFFER = CALL_BLOCK_SIZE  # block, frames and results of one run; longer batches run in chunks
MAX_AREA = 256  # bytes of stack area a driver copies (larger frames take the register path)


@dataclass(frozen=True)
class Signature:
    """What a driver moves per call: argument and result registers, and the stack area."""

    n_ints: int
    n_floats: int
    n_int_results: int
    n_float_results: int
    area: int  # bytes of the argument area (stack arguments, stack results, spill slots)

    @property
    def frame_size(self) -> int:
        """Bytes per frame (at least a word, so that the frame cursor always moves)."""
        return max(8, 8 * (self.n_ints + self.n_floats) + self.area)

    @property
    def result_size(self) -> int:
        return 8 * (self.n_int_results + self.n_float_results) + self.area


@dataclass(frozen=True)
class DriverEnv:
    """Addresses and offsets a driver embeds: the block, the TLS slot of g, ``g.stack.hi`` and
    ``g.stktopsp`` (offsets in g), the bytes kept above the entry SP (``reserve`` plus the
    frame's stack area, rounded up to 16), the return address (goexit + pc_quantum) and the
    halting stub."""

    block: int
    tls_g: int
    stack_hi: int
    stktopsp: int
    reserve: int
    goexit_ret: int
    halt: int

    def below_hi(self, sig: Signature) -> int:
        """How far below ``g.stack.hi`` the entry SP is (before aligning it down to 16)."""
        return self.reserve + ((sig.area + 15) & ~15)


class CallDriver:
    """The goexit trampoline, halting stub, drivers and block of one emulated process."""

    def __init__(self, machine, near: int, buffer: mmap.mmap, goexit_ret: int, stack_hi: int, stktopsp: int, reserve: int) -> None:
        self.m = machine
        self.buffer = buffer  # mapped at CALL_BLOCK_BASE: the block, then frames and results
        self._near, self._near_top = near, 0
        self._code_page = self._code_top = 0
        self.order = "<" if machine.arch.byte_order == "little" else ">"
        self._target = struct.Struct(self.order + "2Q")
        self._plans: dict[tuple[int, int, int, int, int], _Plan] = {}
        self._word = struct.Struct(self.order + "Q")
        self._current: tuple[int, int] | None = None  # (G, CONT) as last written
        halt = self._place(machine.cpu.halt)
        machine.halt_pc = halt + len(machine.cpu.halt)
        reserve += machine.arch.abi.args_offset
        self.env = DriverEnv(CALL_BLOCK_BASE, machine.tls_g, stack_hi, stktopsp, reserve, goexit_ret, halt)
        self.halt = halt

    @classmethod
    def install(cls, machine, goexit_ret: int, stack_hi: int, stktopsp: int, reserve: int) -> CallDriver | None:
        """Patch goexit (its call of goexit1 at ``goexit_ret``) and set up the stubs; None where
        the CPU has no halting instruction or trampoline (calls then end in a code hook).
        ``stack_hi``/``stktopsp``: offsets in g; ``reserve``: bytes kept free above a call's
        argument area."""
        cpu = machine.cpu
        if cpu.halt is None:
            return None
        near = machine.image.base - PAGE
        code = cpu.goexit_trampoline(goexit_ret, machine.read(goexit_ret, cpu.goexit_call_size), near, CALL_BLOCK_BASE)
        if code is None:
            return None
        patch, trampoline = code
        try:
            cpu.uc.mem_map(near, PAGE, UC_PROT_ALL)
        except UcError:  # something already lives below the image
            return None
        buffer = anonymous_memory(BUFFER)
        map_in_place(cpu.uc, CALL_BLOCK_BASE, buffer)
        driver = cls(machine, near, buffer, goexit_ret, stack_hi, stktopsp, reserve)
        driver.place_near(trampoline)
        machine.write(goexit_ret, patch)
        return driver

    # -- code --------------------------------------------------------------------------------

    def place_near(self, code: bytes) -> int:
        """Copy code into the page next to the image (in reach of a branch from the image's
        code); the first is the goexit trampoline, whose address ``install`` chose."""
        at = self._near + self._near_top
        if self._near_top + len(code) > PAGE:
            raise MemoryError("the page next to the image is full")
        self.m.write(at, code)
        self._near_top = (self._near_top + len(code) + 15) & ~15
        return at

    def _place(self, code: bytes) -> int:
        """Copy code into the emulator's code pages (never shared with data, whose writes would
        make Unicorn throw the translated code away)."""
        if not self._code_page or self._code_top + len(code) > PAGE:
            self._code_page, self._code_top = self.m.private.alloc(PAGE, PAGE), 0
        at = self._code_page + self._code_top
        self._code_top = (self._code_top + len(code) + 15) & ~15
        self.m.write(at, code)
        return at

    def code_for(self, sig: Signature) -> tuple[int, int]:
        """(entry, continuation) of a new driver for ``sig``."""
        code, cont = self.m.cpu.call_driver(sig, self.env)
        at = self._place(code)
        return at, at + cont

    # -- calls -------------------------------------------------------------------------------

    def target(self, g: int, cont: int) -> None:
        """Where a return of ``g`` into goexit goes next."""
        if self._current != (g, cont):
            self._target.pack_into(self.buffer, G, g, cont)
            self._current = (g, cont)

    def saved_target(self) -> tuple[int, int]:
        """``G`` and ``CONT`` now (a nested call restores them with ``target``)."""
        if self._current is None:
            self._current = self._target.unpack_from(self.buffer, G)
        return self._current

    def fits(self, frames: Sequence[tuple[Sequence[int], Sequence[int], bytes]]) -> bool:
        """Whether every frame has the first one's shape and a stack area a driver copies."""
        ints, floats, stack = frames[0]
        shape = (len(ints), len(floats), len(stack))
        return len(stack) <= MAX_AREA and len(stack) % 8 == 0 and all(
            (len(i), len(f), len(s)) == shape for i, f, s in frames
        )

    def plan(self, n_ints: int, n_floats: int, n_int_results: int, n_float_results: int, area: int) -> _Plan:
        """The plan for calls of that shape (made once)."""
        key = (n_ints, n_floats, n_int_results, n_float_results, area)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = _Plan(self, Signature(*key))
        return plan

    def call_one(self, g: int, pc: int, ctx: int, ints, floats, stack: bytes, n_ints: int, n_floats: int) -> RawResult:
        """One call (of a frame ``fits`` accepts): the block and the frame packed into the
        buffer, one run, the results unpacked from it."""
        plan, buffer = self.plan(len(ints), len(floats), n_ints, n_floats, len(stack)), self.buffer
        try:
            plan.one.pack_into(buffer, 0, g, plan.cont, pc, ctx, plan.start, plan.end, plan.end, *ints, *floats)
        except struct.error:  # a negative register value
            plan.one.pack_into(buffer, 0, g, plan.cont, pc, ctx, plan.start, plan.end, plan.end, *_words(ints), *_words(floats))
        if plan.tail:
            buffer[plan.one.size : plan.one.size + len(stack) + len(plan.pad)] = bytes(stack) + plan.pad
        self._current = (g, plan.cont)
        self.m.run(g, plan.entry)
        if self._word.unpack_from(buffer, OUT)[0] != plan.finished:
            self.m.stopped_unexpectedly()
        return plan.result(buffer, plan.results_at)

    def words_caller(self, g: int, pc: int, ctx: int, n_args: int, n_results: int) -> Callable[..., tuple[int, ...]]:
        """A function that calls ``pc`` on ``g`` with ``n_args`` integer argument registers
        (unsigned 64-bit values) and returns its ``n_results`` integer result registers: the
        whole call worked out in advance but for the arguments."""
        plan = self.plan(n_args, 0, n_results, 0, 0)
        head = (g, plan.cont, pc, ctx, plan.start, plan.end, plan.end)
        pack, finished, out, results = plan.one.pack_into, plan.finished, self._word.unpack_from, plan.results.unpack_from
        m, entry, buffer, at = self.m, plan.entry, self.buffer, plan.results_at
        target = (g, plan.cont)

        def call(*words: int) -> tuple[int, ...]:
            pack(buffer, 0, *head, *words)
            self._current = target
            m.run(g, entry)
            if out(buffer, OUT)[0] != finished:
                m.stopped_unexpectedly()
            return results(buffer, at)

        return call

    def call(
        self,
        g: int,
        pc: int,
        ctx: int,
        frames: Sequence[tuple[Sequence[int], Sequence[int], bytes]],
        n_ints: int,
        n_floats: int,
    ) -> list[RawResult]:
        """Run ``pc`` on ``g`` once per frame (frames ``fits`` accepts); a GoPanic carries
        ``index``, the frame that panicked."""
        ints, floats, stack = frames[0]
        plan = self.plan(len(ints), len(floats), n_ints, n_floats, len(stack))
        raw = self.call_packed(g, pc, ctx, plan, b"".join(map(plan.pack, frames)), len(frames))
        size = plan.sig.result_size
        return [plan.result(raw, i * size) for i in range(len(frames))]

    def call_packed(self, g: int, pc: int, ctx: int, plan: _Plan, frames: bytes, n: int) -> memoryview:
        """Run ``n`` calls whose frames are packed in ``frames`` (as ``plan.pack`` packs them),
        as many per emulator run as the buffer holds; their packed results."""
        sig, block, buffer, word = plan.sig, self.env.block, self.buffer, self._word.unpack_from
        out = bytearray(sig.result_size * n)
        for first in range(0, n, plan.chunk):
            count = min(plan.chunk, n - first)
            end = plan.start + sig.frame_size * count
            part = frames[first * sig.frame_size : (first + count) * sig.frame_size]
            plan.header.pack_into(buffer, 0, g, plan.cont, pc, ctx, plan.start, end, end)
            buffer[HEADER : HEADER + len(part)] = part
            self._current = (g, plan.cont)
            try:
                self.m.run(g, plan.entry)
            except GoPanic as e:
                e.index = first + (word(buffer, CUR)[0] - plan.start) // sig.frame_size - 1
                raise
            if word(buffer, OUT)[0] != end + sig.result_size * count:
                self.m.stopped_unexpectedly()
            results = end - block
            out[first * sig.result_size : (first + count) * sig.result_size] = buffer[results : results + sig.result_size * count]
        return memoryview(out)


class _Plan:
    """What calls of one signature need, worked out once: the driver, where frames and results
    go in the buffer, and structs that pack the block with a frame and unpack results."""

    def __init__(self, driver: CallDriver, sig: Signature) -> None:
        order = driver.order
        self.sig = sig
        self.entry, self.cont = driver.code_for(sig)
        self.start = driver.env.block + HEADER
        self.end = self.start + sig.frame_size  # after one frame
        self.results_at = self.end - driver.env.block  # where one call's results are in the buffer
        self.chunk = max(1, (BUFFER - HEADER) // (sig.frame_size + sig.result_size))
        words = sig.n_ints + sig.n_floats
        self.pad = bytes(sig.frame_size - 8 * words - sig.area)
        self.tail = bool(sig.area or self.pad)
        self.header = struct.Struct(f"{order}7Q8x")
        self.one = struct.Struct(f"{order}7Q8x{words}Q")
        self.words = struct.Struct(f"{order}{words}Q")
        self.results = struct.Struct(f"{order}{sig.n_int_results + sig.n_float_results}Q")
        # the block's OUT word once the driver has stored one call's results (and then only halts)
        self.finished = self.end + sig.result_size

    def pack(self, frame: tuple[Sequence[int], Sequence[int], bytes]) -> bytes:
        """One frame as the driver reads it."""
        ints, floats, stack = frame
        return self.words.pack(*_words(ints), *_words(floats)) + bytes(stack) + self.pad

    def result(self, raw, offset: int = 0) -> RawResult:
        """The RawResult of the call whose results start at ``offset`` of ``raw``."""
        values = self.results.unpack_from(raw, offset)
        ni, sig = self.sig.n_int_results, self.sig
        area = bytes(raw[offset + self.results.size : offset + sig.result_size]) if sig.area else b""
        return RawResult(list(values[:ni]), list(values[ni:]), area)


def _words(values: Sequence[int]) -> list[int]:
    """Register values as unsigned 64-bit words."""
    return [v & 0xFFFF_FFFF_FFFF_FFFF for v in values]
