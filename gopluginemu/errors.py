"""Every exception gopluginemu raises on purpose, in one place.

Each error names the file it is about and says why, using Go's own wording
where Go has a message for the same cause (``realpath failed``).
"""

from __future__ import annotations


class GoPluginError(Exception):
    """Base class of gopluginemu's errors."""


class FileError(GoPluginError):
    """A problem with one file; ``path`` is the file and ``reason`` the cause."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class UnreadableFileError(FileError):
    """The file is missing or cannot be read (Go's ``plugin.Open``: "realpath failed")."""

    def __init__(self, path: str, detail: str) -> None:
        super().__init__(path, f'plugin.Open("{path}"): realpath failed ({detail})')


class BadMagicError(FileError):
    """The file is neither ELF nor Mach-O."""

    def __init__(self, path: str, magic: bytes) -> None:
        super().__init__(path, f"bad magic {magic.hex()}: not an ELF or Mach-O file")


class CorruptFileError(FileError):
    """The file is truncated, or a header, table or Go structure in it is inconsistent."""


class UnsupportedArchError(FileError):
    """The file is for a CPU or word size gopluginemu does not handle."""


class NotAPluginError(FileError):
    """The file is a Go executable or c-shared library, or not Go at all, rather than a plugin."""


class UnsupportedGoVersionError(FileError):
    """The file was built by a Go release whose layouts gopluginemu does not know."""


class UniversalBinaryError(UnsupportedArchError):
    """The file is a universal (fat) Mach-O; ``slices`` lists its architectures."""

    def __init__(self, path: str, slices: str) -> None:
        self.slices = slices
        super().__init__(path, f"universal (fat) Mach-O with slices {slices}: extract one with `lipo -thin ARCH`")


class FunctionNotFoundError(FileError):
    """No function of that name in the file (neither in its symbol table nor in Go's function table)."""

    def __init__(self, path: str, name: str) -> None:
        self.name = name
        super().__init__(path, f"no function named {name!r}")


class SymbolNotFoundError(GoPluginError, LookupError):
    """``Lookup`` found no exported symbol of that name (Go's own message)."""

    def __init__(self, name: str, path: str) -> None:
        self.name = name
        self.path = str(path)
        super().__init__(f"plugin: symbol {name} not found in plugin {self.path}")


class GoPanic(GoPluginError):
    """Go code panicked and nothing recovered it.

    ``str(e)`` is what ``fmt.Sprint(recover())`` gives in Go; ``value`` the panic value
    converted to Python (the text itself when only the text is known); ``go_type`` its
    dynamic Go type (``runtime.boundsError``, ``string``, ...); ``go_traceback`` the
    Go frames, innermost first, as ``(function, "file:line")``.
    """

    def __init__(
        self,
        message: str,
        value: object = None,
        go_type: str = "",
        go_traceback: list[tuple[str, str]] | None = None,
    ) -> None:
        self.message = message
        self.value = message if value is None else value
        self.go_type = go_type
        self.go_traceback = go_traceback or []
        super().__init__(message)


class InitPanic(GoPanic):
    """A package init function of the plugin panicked while ``open`` ran the inits."""


class GoFatalError(GoPluginError):
    """The Go runtime died (``throw``/``fatal``: "fatal error: ..."), or the emulated CPU
    hit something the runtime cannot turn into a panic; the plugin is unusable afterwards."""


class PolicyError(GoPluginError):
    """The plugin asked for something the syscall policy does not allow and cannot be
    refused with an errno (reported, not hidden)."""


class EmulationLimitError(GoPluginError):
    """A call exceeded a limit the caller set (instructions or virtual time), or every
    goroutine was blocked (Go's "all goroutines are asleep - deadlock!")."""


class PluginOpenError(GoPluginError):
    """``open`` failed the way Go's ``plugin.Open`` fails; ``str(e)`` is Go's error text
    (``plugin.Open("NAME"): plugin already loaded``)."""

    def __init__(self, message: str, path: str) -> None:
        self.path = str(path)
        super().__init__(message)
