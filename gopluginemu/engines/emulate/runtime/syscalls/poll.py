"""The runtime's own waiting: epoll (netpoll), eventfd, futex.

With one thread, a wait that would block is where virtual time passes: a timed wait
advances the clock to its deadline and returns "nothing happened", and the plugin's own
scheduler then runs the timers that came due. A wait with no deadline means every goroutine
is blocked: Go's deadlock."""

from __future__ import annotations

ETIMEDOUT = 110
EAGAIN = 11
FUTEX_WAIT = 0
FUTEX_CMD_MASK = 0x7F & ~0x80  # strip FUTEX_PRIVATE_FLAG
DEADLOCK = "all goroutines are asleep - deadlock!"


def handlers(k) -> dict:
    from gopluginemu.engines.emulate.runtime.syscalls import Stop

    def epoll_create1(args):
        return k.new_fd("epoll")

    def eventfd2(args):
        return k.new_fd("eventfd")

    def pipe2(args):
        r, w = k.new_fd("pipe"), k.new_fd("pipe")
        k.write(args[0], k.word(r, 4) + k.word(w, 4))
        return 0

    def epoll_ctl(args):
        return 0

    def epoll_pwait(args):
        timeout_ms = args[3] - (1 << 32) if args[3] & 0x80000000 else args[3] & 0xFFFFFFFF
        if timeout_ms < 0:
            raise Stop("deadlock", DEADLOCK)
        k.advance(timeout_ms * 1_000_000)
        return 0

    def futex(args):
        addr, op, val, timeout = args[0], args[1] & FUTEX_CMD_MASK, args[2] & 0xFFFFFFFF, args[3]
        if op != FUTEX_WAIT:
            return 0  # wake: nobody else is waiting in a one-thread process
        current = int.from_bytes(k.read(addr, 4), k.machine.arch.byte_order)
        if current != val:
            return -EAGAIN
        if not timeout:
            raise Stop("deadlock", DEADLOCK)
        raw = k.read(timeout, 16)
        order = k.machine.arch.byte_order
        k.advance(int.from_bytes(raw[:8], order) * 1_000_000_000 + int.from_bytes(raw[8:], order))
        return -ETIMEDOUT

    return {"epoll_create1": epoll_create1, "eventfd2": eventfd2, "pipe2": pipe2, "epoll_ctl": epoll_ctl,
            "epoll_pwait": epoll_pwait, "epoll_wait": epoll_pwait, "futex": futex}
