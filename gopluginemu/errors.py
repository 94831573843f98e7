"""Every exception gopluginemu raises on purpose, in one place."""


class GoPluginError(Exception):
    """Base class of gopluginemu's errors."""
