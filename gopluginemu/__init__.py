"""gopluginemu: open Go plugins on any OS and any CPU."""

__version__ = "0.1.0"

from gopluginemu.compat import CheckResult, check  # noqa: E402
from gopluginemu.inspection import PluginInfo, inspect  # noqa: E402

__all__ = ["CheckResult", "PluginInfo", "__version__", "check", "inspect"]
