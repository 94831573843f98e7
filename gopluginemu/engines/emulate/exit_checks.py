"""Unicorn's exit check after every guest load and store, switched off where calls end cleanly.

Unicorn 2.1.4 follows every guest memory access in translated code with a call of its helper
``check_exit_request`` (``tcg-op.c``), so that a hook that stops emulation from inside a block,
or a store to unmapped memory (which ``store_helper`` only flags), ends the block at once. A
call after every load and store makes blocks dearer to translate (every call is a point where
the translator's liveness pass walks all temporaries) and to run. Measured process against
process with the code before (arm64): ``Words(1000)`` 1.87 instead of 2.30 ms, ``Greet`` 10.10
instead of 10.71 us; in one process, engines with and without in alternating order, an open's
emulation, nearly all translation, 7-9% shorter (0.3 to 0.6 ms of a ``hello`` open).

The emulator needs those checks on a CPU whose calls end at the halting stub (amd64, arm64:
``CPU.halt``) only for stores to unmapped memory, and its TLB fill refuses those (``tlb``): the
fault is then raised at the store itself. Its other stops come from interrupts (breakpoints,
system calls, traps), which Unicorn handles between blocks, or from the watchdog's
``emu_stop``, which every block's own check at its start still sees. A CPU whose calls end in a
code hook (ppc64le, s390x) keeps the checks: that hook stops emulation from inside a block.

Unicorn's switch is a private field, ``uc_struct.no_exit_request`` (Unicorn sets it itself
around ARM's IT blocks), read only when a block is translated. Its offset is taken from the
helper's own machine code, where the helper starts ``if (tcg_ctx->uc->no_exit_request)
return;``: on x86-64 (System V) ``mov rsi, [rdi + uc]; cmp byte [rsi + field], 0; je; ret``.
Where that code reads otherwise (another host CPU or compiler) or Unicorn is not a release whose
source was checked, the checks stay: slower, never wrong.
"""

from __future__ import annotations

import ctypes
import struct

import unicorn

# Unicorn releases whose check_exit_request begins with the test of no_exit_request
CHECKED_RELEASES = ("2.1.4",)
# mov rsi, [rdi + disp32]; cmp byte [rsi + disp32], 0; je +8; ret
_PROLOGUE = struct.Struct("<3sI2sIB2sB")
_MOV_RSI_RDI, _CMPB_RSI, _JE_8, _RET = b"\x48\x8b\xb7", b"\x80\xbe", b"\x74\x08", 0xC3


def field_offset(lib: ctypes.CDLL) -> int | None:
    """The offset of ``no_exit_request`` in Unicorn's engine structure, read from ``lib``'s
    ``check_exit_request`` helper; None where it cannot be read with certainty."""
    if unicorn.__version__ not in CHECKED_RELEASES:
        return None
    try:
        helper = getattr(lib, "check_exit_request_aarch64")
    except AttributeError:
        return None
    code = ctypes.string_at(ctypes.cast(helper, ctypes.c_void_p).value, _PROLOGUE.size)
    mov, _, cmpb, offset, zero, je, ret = _PROLOGUE.unpack(code)
    if (mov, cmpb, zero, je, ret) != (_MOV_RSI_RDI, _CMPB_RSI, 0, _JE_8, _RET):
        return None
    return offset


def switch_off(uch: ctypes.c_void_p, offset: int | None) -> bool:
    """Switch the checks off in the engine ``uch`` (before it translates anything); whether they
    are off."""
    if offset is None:
        return False
    flag = ctypes.c_uint8.from_address(ctypes.cast(uch, ctypes.c_void_p).value + offset)
    if flag.value not in (0, 1):  # a bool: anything else is not the field this module expects
        return False
    flag.value = 1
    return True
