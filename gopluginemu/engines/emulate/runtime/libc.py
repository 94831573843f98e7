"""The C library a plugin imports, answered by the emulator: each imported function binds to a
stub whose breakpoint runs the Python version here. On linux Go reaches libc only through
cgo's helpers (thread creation, environment, stack bounds, error printing), so most answers are
trivial; on darwin Go calls libSystem for every system service, and those functions are the
kernel's (``syscalls.darwin``), passed through here with C's error convention."""

from __future__ import annotations

STUB_SIZE = 16
ERRNO_SIZE = 8


class LibC:
    """Import stubs of one machine: ``stub_for(name)`` is what the loader binds an import to."""

    def __init__(self, machine) -> None:
        self.m = machine
        self.stubs: dict[str, int] = {}
        self.errno = machine.private.alloc(ERRNO_SIZE, 8)
        self.impl = {
            "malloc": self._malloc,
            "calloc": self._calloc,
            "free": self._zero,
            "__errno_location": lambda args: self.errno,
            "abort": self._abort,
            "nanosleep": self._zero,
            "fwrite": self._fwrite,
            "fputc": self._fputc,
            "fprintf": self._zero,
            "vfprintf": self._zero,
            "strerror": lambda args: self._cstring(b"error"),
        }
        if machine.goos == "darwin":
            self.impl["__error"] = self.impl.pop("__errno_location")
            for name in machine.kernel.handlers:
                self.impl[name] = self._system(name)

    def stub_for(self, name: str) -> int:
        addr = self.stubs.get(name)
        if addr is None:
            addr = self.stubs[name] = self.m.private.alloc(STUB_SIZE, STUB_SIZE)
            impl = self.impl.get(name, self._zero)
            self.m.add_breakpoint(addr, lambda: self._call(impl))
        return addr

    def _call(self, impl) -> None:
        self.m.cpu.return_from_c(impl(self.m.cpu.c_args(6)))

    def _system(self, name: str):
        """A libSystem function answered by the kernel: -1 with ``errno`` set on failure, or for
        the ``pthread_*`` functions the error number itself."""
        kernel, direct = self.m.kernel, name.startswith("pthread_")

        def impl(args) -> int:
            result = kernel.call(name, args)
            if result >= 0:
                return result
            if direct:
                return -result
            self.m.set_word(self.errno, -result, 4)
            return -1

        return impl

    def _zero(self, args) -> int:
        return 0

    def _malloc(self, args) -> int:
        return self.m.heap.persistent(args[0])

    def _calloc(self, args) -> int:
        return self.m.heap.persistent(args[0] * args[1])

    def _fwrite(self, args) -> int:
        ptr, size, n = args[0], args[1], args[2]
        self.m.kernel.outputs[2] += self.m.read(ptr, size * n)
        return n

    def _fputc(self, args) -> int:
        self.m.kernel.outputs[2].append(args[0] & 0xFF)
        return args[0] & 0xFF

    def _abort(self, args) -> int:
        self.m.stop("abort", "the plugin called abort() in C code")
        return 0

    def _cstring(self, text: bytes) -> int:
        addr = self.m.heap.persistent(len(text) + 1)
        self.m.write(addr, text + b"\0")
        return addr
