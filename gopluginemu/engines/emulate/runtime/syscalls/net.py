"""Network: every socket call is refused by the policy."""

from __future__ import annotations


def handlers(k) -> dict:
    return {name: k.refuse("net", name) for name in ("socket", "connect", "bind", "listen", "accept")}
