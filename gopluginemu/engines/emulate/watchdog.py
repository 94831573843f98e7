"""One background thread that stops emulated runs which exceed their wall-clock limit.

A run records when it started (one attribute write, so calls stay cheap); the thread looks ten
times a second and calls ``emu_stop`` on a run that is over its machine's ``time_limit``.
"""

from __future__ import annotations

import threading
import time
import weakref

POLL_SECONDS = 0.1

_machines: weakref.WeakSet = weakref.WeakSet()
_lock = threading.Lock()
_thread: threading.Thread | None = None


def watch(machine) -> None:
    """Start watching ``machine`` (its ``run_started``, ``time_limit`` and ``over_limit()``)."""
    global _thread
    with _lock:
        _machines.add(machine)
        if _thread is None:
            _thread = threading.Thread(target=_loop, name="gopluginemu-watchdog", daemon=True)
            _thread.start()


def _loop() -> None:
    while True:
        time.sleep(POLL_SECONDS)
        now = time.monotonic()
        for machine in list(_machines):
            started, limit = machine.run_started, machine.time_limit
            if started is not None and limit is not None and now - started > limit:
                machine.over_limit()
