"""Runtime entry points the emulator answers or watches (the list is data in
``runtime_stubs.services``): allocation from a bump heap, goroutine stacks from a free list,
finalizers ignored, and the places where a run stops (unrecovered panic, throw)."""

from __future__ import annotations

import re

from runtime_stubs.services import ANSWERED, STOPS, WATCHED


class Services:
    """Installs the hooks on one machine's image and implements what each does."""

    def __init__(self, machine) -> None:
        self.m = machine
        self.panic_value: tuple[int, int] = (0, 0)
        cpu = machine.cpu
        self.cpu = cpu
        names = machine.image.defined
        patterns = [(re.compile(p), service) for p, service in ANSWERED.items()]
        for name in names:
            for pattern, service in patterns:
                if pattern.match(name):
                    addr = machine.image.addr(name)
                    machine.add_breakpoint(addr, getattr(self, service))
                    break
        for name, kind in STOPS.items():
            addr = machine.image.addr(name)
            if addr is not None:
                machine.add_breakpoint(addr, self._stopper(kind))
        for name, what in WATCHED.items():
            addr = machine.image.addr(name)
            if addr is not None:
                machine.add_code_hook(addr, getattr(self, what))

    # -- answered ----------------------------------------------------------------------------

    def allocate(self) -> None:
        size = self.cpu.uc.reg_read(self.cpu.int_ids[0])
        self.cpu.return_from_hook([self.m.heap.alloc(max(size, 1), 16 if size >= 16 else 8)])

    def persistent_alloc(self) -> None:
        read = self.cpu.uc.reg_read
        size, align = read(self.cpu.int_ids[0]), read(self.cpu.int_ids[1])
        align = align if align and align & (align - 1) == 0 else 8
        self.cpu.return_from_hook([self.m.heap.alloc(max(size, 1), max(align, 8))])

    def stack_alloc(self) -> None:
        n = self.cpu.uc.reg_read(self.cpu.int_ids[0]) & 0xFFFFFFFF
        lo = self.m.stacks.alloc(n, min(max(n, 16), 0x1000))
        self.cpu.return_from_hook([lo, lo + n])

    def stack_free(self) -> None:
        read = self.cpu.uc.reg_read
        lo, hi = read(self.cpu.int_ids[0]), read(self.cpu.int_ids[1])
        if self.m.stacks.contains(lo) and hi > lo:
            self.m.stacks.free(lo, hi - lo)
        self.cpu.return_from_hook()

    def ignore(self) -> None:
        self.cpu.return_from_hook()

    # -- watched and stops -------------------------------------------------------------------

    def record_panic(self) -> None:
        read = self.cpu.uc.reg_read
        self.panic_value = (read(self.cpu.int_ids[0]), read(self.cpu.int_ids[1]))

    def _stopper(self, kind: str):
        def stop() -> None:
            if kind in ("throw", "fatal"):
                read = self.cpu.uc.reg_read
                ptr, n = read(self.cpu.int_ids[0]), read(self.cpu.int_ids[1])
                text = self.m.read(ptr, min(n, 4096)).decode("utf-8", "replace") if ptr and n else ""
                self.m.stop("throw", f"fatal error: {text}")
            elif kind == "fatalthrow":
                self.m.stop("throw", "fatal error (runtime.fatalthrow)")
            else:
                self.m.stop("panic", self.cpu.uc.reg_read(self.cpu.int_ids[0]))

        return stop
