"""Time: a virtual clock that starts at the policy's epoch and moves only as the plugin reads
it or sleeps, so every run sees the same times."""

from __future__ import annotations

CLOCK_REALTIME = 0
REALTIME_CLOCKS = {0, 5, 8, 11}  # REALTIME, REALTIME_COARSE, REALTIME_ALARM, TAI


def handlers(k) -> dict:
    def now(clk: int) -> int:
        k.advance(k.policy.clock_step_ns)
        return k.policy.epoch_ns + k.monotonic_ns if clk in REALTIME_CLOCKS else k.monotonic_ns

    def timespec(ns: int) -> bytes:
        return k.word(ns // 1_000_000_000) + k.word(ns % 1_000_000_000)

    def clock_gettime(args):
        k.write(args[1], timespec(now(args[0])))
        return 0

    def gettimeofday(args):
        if args[0]:
            ns = now(CLOCK_REALTIME)
            k.write(args[0], k.word(ns // 1_000_000_000) + k.word(ns % 1_000_000_000 // 1000))
        return 0

    def sleep_for(ts_addr: int) -> int:
        raw = k.read(ts_addr, 16)
        order = k.machine.arch.byte_order
        return int.from_bytes(raw[:8], order, signed=True) * 1_000_000_000 + int.from_bytes(raw[8:], order, signed=True)

    def nanosleep(args):
        k.advance(sleep_for(args[0]))
        return 0

    def clock_nanosleep(args):
        k.advance(sleep_for(args[2]))
        return 0

    def clock_getres(args):
        if args[1]:
            k.write(args[1], timespec(1))
        return 0

    return {"clock_gettime": clock_gettime, "gettimeofday": gettimeofday, "nanosleep": nanosleep,
            "clock_nanosleep": clock_nanosleep, "clock_getres": clock_getres}
