"""Runtime entry points the emulator answers or watches (the list is data in
``runtime_stubs.services``): allocation from a bump heap, goroutine stacks from a free list,
finalizers ignored, and the places where a run stops (unrecovered panic, throw)."""

from __future__ import annotations

from gopluginemu.formats.name_search import NamePatterns
from runtime_stubs.services import ANSWERED, STOPS, WATCHED

_ANSWERED = NamePatterns(ANSWERED)


def _answered(image) -> list[tuple[str, int]]:
    """(name, index of its pattern in ANSWERED) of each function of ``image`` an ANSWERED pattern
    matches, found without a Python loop over the thousands of names that do not match."""
    return [(name, _ANSWERED.which(name)) for name in image.function_names_matching(_ANSWERED)]


class Services:
    """Installs the hooks on one machine's image and implements what each does."""

    def __init__(self, machine) -> None:
        self.m = machine
        self.panic_value: tuple[int, int] = (0, 0)
        self.weak_handles: dict[int, int] = {}
        self.ptrbytes_off = machine.layout.off("Type", "PtrBytes")
        cpu = machine.cpu
        self.cpu = cpu
        services = list(ANSWERED.values())
        self.alloc_entries: list[int] = []  # the mallocgc family's entry points
        for name, i in _answered(machine.image):  # every service answers a function
            service, arg_words = services[i]
            addr = machine.image.addr(name)
            machine.add_breakpoint(addr, self._answer(getattr(self, service), arg_words))
            if service == "allocate":
                self.alloc_entries.append(addr)
        for name, kind in STOPS.items():
            addr = machine.image.addr(name)
            if addr is not None:
                machine.add_breakpoint(addr, self._stopper(kind))
        for name, what in WATCHED.items():
            addr = machine.image.addr(name)
            if addr is not None:
                machine.add_code_hook(addr, getattr(self, what))

    @staticmethod
    def _answer(service, arg_words: int):
        return lambda: service(arg_words)

    # -- answered: each service gets the size of the hooked function's arguments in words ----

    def allocation(self) -> tuple[int, bool]:
        """At a mallocgc(size, typ, needzero) entry: the size, and whether the block is scanned
        (unless typ has no pointers)."""
        size, typ = self.cpu.int_arg(0), self.cpu.int_arg(1)
        return size, bool(typ) and self.m.word(typ + self.ptrbytes_off) != 0

    def allocate(self, arg_words: int) -> None:
        """mallocgc(size, typ, needzero): a block from the heap."""
        self.cpu.return_from_hook([self.m.heap.alloc(*self.allocation())], arg_words)

    def persistent_alloc(self, arg_words: int) -> None:
        size, align = self.cpu.int_arg(0), self.cpu.int_arg(1)
        align = align if align and align & (align - 1) == 0 else 8
        self.cpu.return_from_hook([self.m.heap.persistent(size, align)], arg_words)

    def stack_alloc(self, arg_words: int) -> None:
        n = self.cpu.int_arg(0, 4)  # n uint32
        lo = self.m.stacks.alloc(n, min(max(n, 16), 0x1000))
        self.cpu.return_from_hook([lo, lo + n], arg_words)

    def stack_free(self, arg_words: int) -> None:
        lo, hi = self.cpu.int_arg(0), self.cpu.int_arg(1)
        if self.m.stacks.contains(lo) and hi > lo:
            self.m.stacks.free(lo, hi - lo)
        self.cpu.return_from_hook((), arg_words)

    def ignore(self, arg_words: int) -> None:
        """A call with no results that does nothing here (SetFinalizer under sbrk=1)."""
        self.cpu.return_from_hook((), arg_words)

    def no_cleanup(self, arg_words: int) -> None:
        """addCleanup: nothing to register (no collector frees anything); cleanup id 0."""
        self.cpu.return_from_hook([0], arg_words)

    def weak_handle(self, arg_words: int) -> None:
        """The one handle of an object (``getOrAddWeakHandle``): a word that points at it."""
        p = self.cpu.int_arg(0)
        handle = self.weak_handles.get(p)
        if handle is None:
            handle = self.weak_handles[p] = self.m.heap.persistent(8)
            self.m.set_word(handle, p)
        self.cpu.return_from_hook([handle], arg_words)

    def strong_from_weak(self, arg_words: int) -> None:
        """The object a weak handle points at (never collected here, so always alive)."""
        handle = self.cpu.int_arg(0)
        self.cpu.return_from_hook([self.m.word(handle) if handle else 0], arg_words)

    # -- watched and stops -------------------------------------------------------------------

    def record_panic(self) -> None:
        self.panic_value = (self.cpu.int_arg(0), self.cpu.int_arg(1))

    def _stopper(self, kind: str):
        def stop() -> None:
            if kind in ("throw", "fatal"):
                ptr, n = self.cpu.int_arg(0), self.cpu.int_arg(1)
                text = self.m.read(ptr, min(n, 4096)).decode("utf-8", "replace") if ptr and n else ""
                self.m.stop("throw", f"fatal error: {text}")
            elif kind == "fatalthrow":
                self.m.stop("throw", "fatal error (runtime.fatalthrow)")
            else:
                self.m.stop("panic", self.cpu.int_arg(0))

        return stop
