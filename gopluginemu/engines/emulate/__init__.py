"""The Unicorn engine: a plugin in an emulated process whose host the emulator plays."""

from __future__ import annotations

from gopluginemu.engines.emulate.machine import EmuMachine, start_engine
from gopluginemu.engines.emulate.runtime.syscalls.policy import Policy
from gopluginemu.formats import open_object
from gopluginemu.gometa import GoBinary


def open_machine(path: str, policy: Policy | None = None, run_inits: bool = True) -> EmuMachine:
    """Load the plugin at ``path`` into a new emulated process and (by default) run its inits."""
    obj = open_object(path)
    engine = start_engine(obj)
    binary = GoBinary(obj)
    binary.require_plugin()
    machine = EmuMachine(binary, policy, engine=engine)
    if run_inits:
        machine.host.run_inits()
    return machine


__all__ = ["EmuMachine", "Policy", "open_machine"]
