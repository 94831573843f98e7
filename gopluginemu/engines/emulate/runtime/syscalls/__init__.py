"""System calls of emulated code, answered by family (files, clock, memory, process, poll,
net) behind the policy seam: Linux's by number (``Kernel.dispatch``), darwin's as the libSystem
functions Go calls instead (``darwin``). ``Kernel.call(name, args)`` is the one choke point."""

from __future__ import annotations

from dataclasses import dataclass

from gopluginemu.engines.emulate.runtime.syscalls import clock, files, memory, net, poll, process
from gopluginemu.engines.emulate.runtime.syscalls.policy import DEFAULT_POLICY, ENOSYS, Policy

FAMILIES = (files, clock, memory, process, poll, net)
TRACE_LIMIT = 10_000


@dataclass
class SyscallEvent:
    """One system call as the plugin made it and what it got back."""

    name: str
    args: tuple[int, ...]
    result: int
    family: str


class Stop(Exception):
    """A system call ends the emulated run (exit, deadlock, a signal to itself)."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        self.message = message
        super().__init__(message)


class Kernel:
    """The emulated process's kernel: fd table, virtual clock, captured output, policy."""

    def __init__(self, machine, policy: Policy | None = None) -> None:
        self.machine = machine
        self.policy = policy or DEFAULT_POLICY
        linux = {family.__name__.rsplit(".", 1)[1]: family.handlers(self) for family in FAMILIES}
        if machine.goos == "darwin":  # no system call numbers: Go calls libSystem's functions
            from gopluginemu.engines.emulate.runtime.syscalls import darwin

            self.names: dict[int, str] = {}
            self.enosys = darwin.ENOSYS
            families = darwin.families(self, linux)
        else:
            self.names = machine.arch.linux_syscalls
            self.enosys = ENOSYS
            families = linux
        self.handlers = {}
        self.family_of = {}
        for family, table in families.items():
            for name, handler in table.items():
                self.handlers[name] = handler
                self.family_of[name] = family
        self.monotonic_ns = 1_000_000_000  # Go treats 0 as "unset" in places
        self.outputs: dict[int, bytearray] = {1: bytearray(), 2: bytearray()}
        self.next_fd = 3
        self.fds: dict[int, str] = {0: "stdin", 1: "stdout", 2: "stderr"}
        self.trace: list[SyscallEvent] = []
        self.count = 0

    # -- helpers for the families -----------------------------------------------------------

    def read(self, addr: int, size: int) -> bytes:
        return self.machine.read(addr, size)

    def write(self, addr: int, data: bytes) -> None:
        self.machine.write(addr, data)

    def word(self, value: int, size: int = 8) -> bytes:
        return (value & (1 << 8 * size) - 1).to_bytes(size, self.machine.arch.byte_order)

    def new_fd(self, kind: str) -> int:
        fd = self.next_fd
        self.next_fd += 1
        self.fds[fd] = kind
        return fd

    def advance(self, ns: int) -> None:
        """Move the virtual clock forward."""
        self.monotonic_ns += max(ns, 0)

    def refuse(self, family: str, name: str):
        """A handler that refuses ``name`` with the errno the policy chooses."""
        return lambda args: -self.policy.refuse(family, name, args)

    # -- the choke point ----------------------------------------------------------------------

    def dispatch(self, nr: int, args: list[int]) -> int:
        """A system call instruction: number ``nr`` (this CPU's Linux numbering)."""
        return self.call(self.names.get(nr, f"syscall_{nr}"), args)

    def call(self, name: str, args: list[int]) -> int:
        """Answer system call ``name``: its result, or minus an errno (the OS's numbering)."""
        handler = self.handlers.get(name)
        result = handler(args) if handler is not None else -self.enosys
        self.count += 1
        if len(self.trace) < TRACE_LIMIT:
            self.trace.append(SyscallEvent(name, tuple(args), result, self.family_of.get(name, "unknown")))
        return result

    def take_output(self) -> tuple[bytes, bytes]:
        """What the plugin wrote to stdout and stderr since the last call, and forget it."""
        out, err = bytes(self.outputs[1]), bytes(self.outputs[2])
        self.outputs[1].clear()
        self.outputs[2].clear()
        return out, err


__all__ = ["Kernel", "Policy", "Stop", "SyscallEvent"]
