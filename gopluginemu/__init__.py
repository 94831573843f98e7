"""gopluginemu: open Go plugins on any OS and any CPU.

``gopluginemu.open(path)`` loads a plugin into the emulator and returns a ``Plugin`` (Go's
``plugin.Open``); ``inspect`` and ``check`` read plugins statically, without the emulator.
"""

__version__ = "0.1.0"

from gopluginemu.compat import CheckResult, check  # noqa: E402
from gopluginemu.errors import (  # noqa: E402
    EmulationLimitError,
    GoFatalError,
    GoPanic,
    GoPluginError,
    InitPanic,
    PluginOpenError,
    SymbolNotFoundError,
)
from gopluginemu.inspection import PluginInfo, inspect  # noqa: E402

# The emulator (and Unicorn) load on first use, so static inspection starts fast.
_LAZY = {
    "open": "gopluginemu.api",
    "Plugin": "gopluginemu.api",
    "Session": "gopluginemu.api",
    "Policy": "gopluginemu.engines.emulate",
    "GoFunc": "gopluginemu.calls",
    "GoError": "gopluginemu.values",
    "GoObject": "gopluginemu.values",
    "GoStruct": "gopluginemu.values",
    "Pointer": "gopluginemu.values",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'gopluginemu' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "CheckResult",
    "EmulationLimitError",
    "GoFatalError",
    "GoPanic",
    "GoPluginError",
    "InitPanic",
    "PluginInfo",
    "PluginOpenError",
    "SymbolNotFoundError",
    "__version__",
    "check",
    "inspect",
    *_LAZY,
]
