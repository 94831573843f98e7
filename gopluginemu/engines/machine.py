"""What an engine offers the values layer: memory, types, allocation and raw Go calls.

The values layer (``gopluginemu.values``, ``gopluginemu.calls``) converts between Python and
Go through this protocol only, so it works the same over every engine and every CPU.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, Sequence

from gopluginemu.arch import Arch
from gopluginemu.gometa.layouts import Layout
from gopluginemu.gometa.types import GoType, TypeReader


@dataclass
class RawResult:
    """Registers and stack area after a Go function returned.

    ``ints``/``floats``: every integer / float argument register of the ABI, in ABI order
    (floats as the raw 64-bit register contents); ``stack``: the caller's argument area
    (the bytes passed as ``stack``), as the callee left it.
    """

    ints: list[int]
    floats: list[int]
    stack: bytes


class Machine(Protocol):
    """A running Go image (one plugin, or several sharing a runtime)."""

    path: str
    arch: Arch
    layout: Layout  # the plugin's Go release
    regabi: bool  # ABIInternal passes arguments in registers (False: s390x before Go 1.26)
    types: TypeReader  # decodes descriptors from live memory; GoType.addr are live addresses

    @property
    def byte_order(self) -> Literal["little", "big"]: ...

    @property
    def ptr_size(self) -> int: ...

    def read(self, addr: int, size: int) -> bytes:
        """``size`` bytes of emulated memory (a fault raises ``GoFatalError``)."""

    def write(self, addr: int, data: bytes) -> None:
        """Write emulated memory."""

    def alloc(self, size: int, typ: GoType | None = None) -> int:
        """Zeroed memory that Go code may keep and the Go heap treats correctly: ``typ`` is
        the element type when the block holds pointers (None: no pointers)."""

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
        """Run the Go function whose ABIInternal entry is ``pc`` on the main goroutine.

        ``n_ints``/``n_floats``: how many result registers the caller needs (default: all);
        reading fewer makes calls cheaper. ``RawResult`` lists are that long.

        ``ctx`` goes in the closure-context register, ``ints``/``floats`` in the argument
        registers (floats as raw 64-bit register contents), ``stack`` at the start of the
        argument area (stack arguments, then room for stack results, then the register
        spill area, as ``abi-internal.md`` lays them out). Raises ``GoPanic`` if the call
        panics (the machine stays usable) and ``GoFatalError`` if the runtime dies.
        """

    def func_pc(self, name: str) -> int | None:
        """Entry of a function of the image by its Go symbol name (``runtime.makemap``), or None."""

    def text_addr(self, off: int, base: int) -> int:
        """Resolve a ``textOff`` relative to the module whose types contain ``base``."""

    def type_named(self, name: str) -> GoType | None:
        """A descriptor of the image whose ``%T`` string is ``name`` (``int``, ``[]string``), or None."""
