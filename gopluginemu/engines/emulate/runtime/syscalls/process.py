"""The process: identity, signals, threads, limits, randomness, exit. Nothing reaches the host:
signal set-up succeeds without effect, new threads and processes are refused, exit ends the run."""

from __future__ import annotations

import hashlib

EAGAIN = 11
ENOSYS = 38
PID = 4242
CLONE_THREAD = 0x10000


def handlers(k) -> dict:
    from gopluginemu.engines.emulate.runtime.syscalls import Stop

    def zero(args):
        return 0

    def rt_sigaction(args):
        if args[2]:
            k.write(args[2], bytes(args[3] + 24 if args[3] else 32))
        return 0

    def rt_sigprocmask(args):
        if args[2]:
            k.write(args[2], bytes(args[3] or 8))
        return 0

    def sigaltstack(args):
        if args[1]:
            k.write(args[1], bytes(24))
        return 0

    def exit_group(args):
        raise Stop("exit", f"the plugin exited the process with status {args[0]}")

    def exit_thread(args):
        raise Stop("exit", f"a thread exited with status {args[0]}")

    def signal_self(args):
        raise Stop("signal", "the plugin sent a signal to its own process (Go's crash path)")

    def clone(args):
        if args[0] & CLONE_THREAD:
            return -EAGAIN  # one thread only: Go's runtime never needs another with GOMAXPROCS=1
        return -k.policy.refuse("process", "clone", args)  # fork/exec of a new process

    def sched_getaffinity(args):
        if args[1] >= 8:
            k.write(args[2], k.word(1))
            return 8
        return -22

    def uname(args):
        fields = [b"Linux", b"gopluginemu", b"6.1.0", b"#1", k.machine.arch.goarch.encode().replace(b"amd64", b"x86_64").replace(b"arm64", b"aarch64"), b""]
        k.write(args[0], b"".join(f.ljust(65, b"\0") for f in fields))
        return 0

    random_counter = [0]

    def getrandom(args):
        buf, n = args[0], args[1]
        out = bytearray()
        while len(out) < n:
            block = f"{k.policy.random_seed}:{random_counter[0]}".encode()
            out += hashlib.sha256(block).digest()
            random_counter[0] += 1
        k.write(buf, bytes(out[:n]))
        return n

    def ident(value):
        return lambda args: value

    return {
        "rt_sigaction": rt_sigaction, "rt_sigprocmask": rt_sigprocmask, "sigaltstack": sigaltstack,
        "rt_sigreturn": zero, "setitimer": zero, "timer_create": ident(-ENOSYS), "timer_settime": zero,
        "timer_delete": zero, "sched_yield": zero, "exit_group": exit_group, "exit": exit_thread,
        "kill": signal_self, "tkill": signal_self, "tgkill": signal_self, "clone": clone,
        "fork": k.refuse("process", "fork"), "execve": k.refuse("process", "execve"), "wait4": ident(-10),
        "getpid": ident(PID), "gettid": ident(PID), "getppid": ident(1), "getuid": ident(1000),
        "geteuid": ident(1000), "getgid": ident(1000), "getegid": ident(1000),
        "sched_getaffinity": sched_getaffinity, "sched_setaffinity": zero, "uname": uname,
        "prlimit64": ident(-ENOSYS), "getrlimit": ident(-ENOSYS), "getrandom": getrandom,
        "arch_prctl": zero, "rseq": ident(-ENOSYS),
    }
