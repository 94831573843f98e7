"""darwin's system services: Go on darwin makes no system calls of its own but calls libSystem
(``write``, ``mmap``, ``kevent``, ``pthread_cond_wait`` …) through its trampolines. Each
function here answers one of them by family, with darwin's constants and errno numbers, and
reuses the Linux families' answers wherever the meaning is the same, so both OSes pass the
same policy.

Handlers return their result or minus a darwin errno; ``libc`` turns that into C's convention
(-1 and ``errno``, or for ``pthread_*`` the error number itself).
"""

from __future__ import annotations

from typing import Callable

from gopluginemu.engines.emulate.runtime.syscalls.files import stat_char_device
from gopluginemu.engines.emulate.runtime.syscalls.poll import DEADLOCK

Handler = Callable[[list[int]], int]

ENOENT, ECHILD, EAGAIN, ETIMEDOUT, ENOSYS = 2, 10, 35, 60, 78
# Linux errno -> darwin errno where the numbers differ (the Linux families' answers are reused)
FROM_LINUX_ERRNO = {11: EAGAIN, 38: ENOSYS, 110: ETIMEDOUT}
MAP_FIXED, MAP_ANON = 0x10, 0x1000  # darwin's mmap flags (Linux: MAP_ANONYMOUS = 0x20)
LINUX_MAP_ANONYMOUS = 0x20
CLOCK_REALTIME = 0
STAT_SIZE = 144  # struct stat64 (Go's darwin Stat_t): dev int32, then mode uint16 at 4
STAT_MODE, STAT_MODE_SIZE = 4, 2
SIGACTION_SIZE, STACK_T_SIZE, SIGSET_SIZE = 16, 24, 4
PTHREAD_STACK_SIZE = 512 << 10  # what pthread_attr_getstacksize reports for a new thread
# sysctl: the names Go asks for, their MIBs, and what this emulated machine answers (the
# hostname is the one the Linux uname answer gives)
SYSCTL_NAMES = {b"kern.hostname": (1, 10), b"hw.ncpu": (6, 3), b"hw.pagesize": (6, 7)}
NAME2OID = (0, 3)  # the MIB that turns a name into its MIB (what sysctlbyname does first)


def families(k, linux: dict[str, dict[str, Handler]]) -> dict[str, dict[str, Handler]]:
    """libSystem's functions by family, given the Linux families' handlers of the same kernel."""
    from gopluginemu.engines.emulate.runtime.syscalls import Stop

    def same(family: str, name: str) -> Handler:
        """The Linux answer, with darwin's errno numbers."""
        handler = linux[family][name]

        def call(args):
            result = handler(args)
            return -FROM_LINUX_ERRNO.get(-result, -result) if result < 0 else result

        return call

    def refuse(family: str, name: str) -> Handler:
        return lambda args: -FROM_LINUX_ERRNO.get(e := k.policy.refuse(family, name, args), e)

    def value(v: int) -> Handler:
        return lambda args: v

    def out(addr: int, size: int) -> None:
        if addr:
            k.write(addr, bytes(size))

    # -- files -------------------------------------------------------------------------------

    def fstat(args):
        return stat_char_device(k, args[0], args[1], STAT_SIZE, STAT_MODE, STAT_MODE_SIZE)

    files = {name: same("files", name) for name in ("write", "writev", "read", "close", "fcntl", "ioctl", "lseek")}
    files.update(fstat=fstat, fstat64=fstat)
    for name in ("open", "openat", "stat", "stat64", "lstat", "lstat64", "fstatat", "fstatat64", "getcwd",
                 "chdir", "fchdir", "chmod", "fchmod", "fchown", "fsync", "ftruncate", "pread", "pwrite", "dup",
                 "dup2", "readdir_r", "readdir_r$INODE64", "fdopendir", "fdopendir$INODE64", "closedir", "chroot"):
        files[name] = refuse("files", name)

    # -- clock -------------------------------------------------------------------------------

    linux_clock = linux["clock"]
    nanosleep = linux_clock["nanosleep"]  # advances the virtual clock by a timespec (always 0)

    def clock_gettime(args):  # darwin's clocks: REALTIME 0, MONOTONIC 6, the *_RAW ones
        return linux_clock["clock_gettime"]([0 if args[0] == CLOCK_REALTIME else 1, args[1]])

    def mach_absolute_time(args):
        k.advance(k.policy.clock_step_ns)
        return k.monotonic_ns

    def mach_timebase_info(args):  # ticks are nanoseconds: {numer 1, denom 1}
        k.write(args[0], k.word(1, 4) + k.word(1, 4))
        return 0

    def usleep(args):
        k.advance((args[0] & 0xFFFFFFFF) * 1000)
        return 0

    clock = {"clock_gettime": clock_gettime, "mach_absolute_time": mach_absolute_time,
             "mach_timebase_info": mach_timebase_info, "nanosleep": nanosleep, "usleep": usleep}

    # -- memory ------------------------------------------------------------------------------

    linux_mmap = same("memory", "mmap")

    def mmap(args):
        flags = args[3]
        linux_flags = (flags & ~(MAP_ANON | LINUX_MAP_ANONYMOUS)) | (LINUX_MAP_ANONYMOUS if flags & MAP_ANON else 0)
        return linux_mmap([*args[:3], linux_flags, *args[4:]])

    memory = {"mmap": mmap, "munmap": value(0), "madvise": value(0), "mlock": value(0)}

    # -- process -----------------------------------------------------------------------------

    linux_process = linux["process"]

    answers = {SYSCTL_NAMES[b"kern.hostname"]: b"gopluginemu\0", SYSCTL_NAMES[b"hw.ncpu"]: k.word(1, 4),
               SYSCTL_NAMES[b"hw.pagesize"]: k.word(0x1000, 4)}

    def sysctl(args):
        mib, miblen, old, oldlen, new, newlen = args[:6]
        name = tuple(int.from_bytes(k.read(mib + 4 * i, 4), "little") for i in range(min(miblen, 8)))
        if name == NAME2OID:
            oid = SYSCTL_NAMES.get(k.read(new, newlen).rstrip(b"\0")) if new else None
            data = None if oid is None else b"".join(k.word(n, 4) for n in oid)
        else:
            data = answers.get(name)
        if data is None:
            return -ENOENT
        if old:
            room = int.from_bytes(k.read(oldlen, 8), "little")
            k.write(old, data[:room])
        if oldlen:
            k.write(oldlen, k.word(len(data)))
        return 0

    def sigaction(args):
        out(args[2], SIGACTION_SIZE)
        return 0

    def sigaltstack(args):
        out(args[1], STACK_T_SIZE)
        return 0

    def pthread_sigmask(args):
        out(args[2], SIGSET_SIZE)
        return 0

    def exit_process(args):
        raise Stop("exit", f"the plugin exited the process with status {args[0] & 0xFFFFFFFF}")

    process = {
        "getpid": linux_process["getpid"], "kill": linux_process["kill"], "raise": linux_process["kill"],
        "pthread_kill": linux_process["kill"], "exit": exit_process, "_exit": exit_process,
        "wait4": value(-ECHILD), "getrlimit": value(-ENOSYS), "setrlimit": value(-ENOSYS), "sysctl": sysctl,
        "sigaction": sigaction, "sigaltstack": sigaltstack, "pthread_sigmask": pthread_sigmask,
        "setenv": value(0), "unsetenv": value(0),
    }
    for name in ("fork", "execve", "setgid", "setuid", "setgroups", "setpgid", "setsid", "ptrace"):
        process[name] = refuse("process", name)

    # -- threads: one thread; a wait that would block is where virtual time passes -------------

    def cond_wait(args):
        raise Stop("deadlock", DEADLOCK)

    def cond_timedwait_relative(args):
        nanosleep([args[2]])
        return -ETIMEDOUT

    def attr_getstacksize(args):
        k.write(args[1], k.word(PTHREAD_STACK_SIZE))
        return 0

    threads = {name: value(0) for name in (
        "pthread_attr_init", "pthread_attr_destroy", "pthread_attr_setdetachstate", "pthread_attr_setstacksize",
        "pthread_create", "pthread_key_create", "pthread_setspecific", "pthread_mutex_init", "pthread_mutex_lock",
        "pthread_mutex_unlock", "pthread_cond_init", "pthread_cond_signal", "pthread_cond_broadcast",
        "pthread_get_stackaddr_np", "pthread_get_stacksize_np")}
    threads.update(pthread_self=lambda args: k.machine.tls, pthread_attr_getstacksize=attr_getstacksize,
                   pthread_cond_wait=cond_wait, pthread_cond_timedwait_relative_np=cond_timedwait_relative)

    # -- poll: kqueue in place of epoll ------------------------------------------------------

    def kevent(args):
        nevents, timeout = args[4], args[5]
        if not nevents:
            return 0  # only registering changes
        if not timeout:
            cond_wait(args)  # waiting with no deadline: every goroutine is blocked
        nanosleep([timeout])
        return 0

    pipe2 = same("poll", "pipe2")

    def pipe(args):
        return pipe2([args[0], 0])

    poll = {"kqueue": lambda args: k.new_fd("kqueue"), "kevent": kevent, "pipe": pipe}

    net = {name: refuse("net", name) for name in (
        "socket", "connect", "bind", "listen", "accept", "getsockopt", "setsockopt", "recvfrom", "recvmsg",
        "sendmsg", "sendto", "shutdown")}

    return {"files": files, "clock": clock, "memory": memory, "process": process, "threads": threads,
            "poll": poll, "net": net}
