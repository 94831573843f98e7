"""Engines that run a plugin's code: ``emulate`` (Unicorn) today, a native bridge later.

Every engine offers the same ``Machine`` (``engines.machine``) to the values and calls layer.
"""
