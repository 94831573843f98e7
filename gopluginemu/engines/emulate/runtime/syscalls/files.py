"""Files and file descriptors: stdio is captured, everything that would touch the host's
file system is refused by the policy."""

from __future__ import annotations

ENOTTY = 25
EBADF = 9
F_GETFD, F_SETFD, F_GETFL, F_SETFL = 1, 2, 3, 4
STAT_SIZE = 144  # struct stat on the 64-bit Linux ABIs Go uses (amd64 and the generic one)
S_IFCHR = 0o020000


def stat_char_device(k, fd: int, buf: int, size: int, mode_off: int, mode_size: int) -> int:
    """fstat of a descriptor the kernel knows: a character device (what stdio and the runtime's
    own descriptors look like), in a struct stat of ``size`` bytes whose st_mode is at
    ``mode_off``; EBADF for any other."""
    if fd not in k.fds:
        return -EBADF
    st = bytearray(size)
    st[mode_off : mode_off + mode_size] = k.word(S_IFCHR | 0o620, mode_size)
    k.write(buf, bytes(st))
    return 0


def handlers(k) -> dict:
    def write(args):
        fd, buf, n = args[0], args[1], args[2]
        if fd in k.outputs:
            k.outputs[fd] += k.read(buf, n) if n else b""
            return n
        if fd in k.fds:
            return n  # eventfds and pipes the runtime writes to wake itself
        return -EBADF

    def writev(args):
        fd, iov, cnt = args[0], args[1], args[2]
        total = 0
        for i in range(cnt):
            base = int.from_bytes(k.read(iov + 16 * i, 8), k.machine.arch.byte_order)
            size = int.from_bytes(k.read(iov + 16 * i + 8, 8), k.machine.arch.byte_order)
            total += write([fd, base, size])
        return total

    def read(args):
        fd = args[0]
        if fd == 0:
            return 0  # stdin is empty
        if fd in k.fds:
            return -11  # EAGAIN: nothing pending on the runtime's own eventfds
        return -EBADF

    def close(args):
        return 0 if k.fds.pop(args[0], None) is not None else -EBADF

    def fcntl(args):
        fd, cmd = args[0], args[1]
        if fd not in k.fds:
            return -EBADF
        return 2 if cmd == F_GETFL and fd <= 2 else 0  # O_RDWR, blocking: stdio stays off the poller

    mode_off = 24 if k.machine.arch.goarch in ("amd64", "ppc64le", "s390x") else 16  # after a 64-bit st_nlink

    def fstat(args):
        return stat_char_device(k, args[0], args[1], STAT_SIZE, mode_off, 4)

    def ioctl(args):
        return -ENOTTY

    def lseek(args):
        return -29  # ESPIPE: stdio is not seekable

    out = {"write": write, "writev": writev, "read": read, "close": close, "fcntl": fcntl,
           "fstat": fstat, "ioctl": ioctl, "lseek": lseek}
    for name in ("openat", "newfstatat", "statx", "readlinkat", "faccessat", "faccessat2", "getcwd",
                 "getdents64", "unlinkat", "mkdirat", "renameat", "chdir", "stat", "lstat", "access",
                 "readlink", "unlink", "mkdir", "rmdir", "rename", "pread64", "pwrite64", "dup", "dup2",
                 "dup3"):
        out[name] = k.refuse("files", name)
    return out
