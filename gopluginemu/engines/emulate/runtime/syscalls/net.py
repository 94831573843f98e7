"""Network: every socket call is refused by the policy."""

from __future__ import annotations


def handlers(k) -> dict:
    names = ("socket", "connect", "bind", "listen", "accept", "socketcall")  # socketcall: s390x multiplexes them
    return {name: k.refuse("net", name) for name in names}
