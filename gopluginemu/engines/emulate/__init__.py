"""The Unicorn engine: a plugin in an emulated process whose host the emulator plays."""

from __future__ import annotations

from gopluginemu.engines.emulate.cpu import CPUStart
from gopluginemu.engines.emulate.machine import EmuMachine, start_engine
from gopluginemu.engines.emulate.runtime.syscalls.policy import Policy
from gopluginemu.formats import open_object
from gopluginemu.gometa import GoBinary


def load_plugin(path: str) -> tuple[GoBinary, CPUStart | None]:
    """The plugin at ``path``, parsed (``NotAPluginError`` if it is none), and its CPU, whose engine
    is set up on another thread while the file is parsed (``start_engine``): pass both to
    ``EmuMachine``."""
    obj = open_object(path)
    engine = start_engine(obj)
    binary = GoBinary(obj)
    binary.require_plugin()
    return binary, engine


def open_machine(path: str, policy: Policy | None = None, run_inits: bool = True) -> EmuMachine:
    """Load the plugin at ``path`` into a new emulated process and (by default) run its inits."""
    binary, engine = load_plugin(path)
    machine = EmuMachine(binary, policy, engine=engine)
    if run_inits:
        machine.host.run_inits()
    return machine


__all__ = ["EmuMachine", "Policy", "load_plugin", "open_machine"]
