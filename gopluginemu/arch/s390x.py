"""IBM Z (GOARCH=s390x), big-endian."""

from gopluginemu.arch.base import Arch, GoABI

ARCH = Arch(
    goarch="s390x",
    byte_order="big",
    ptr_size=8,
    elf_machine=22,  # EM_S390
    macho_cputype=None,
    elf_relocs={22: "abs", 10: "glob_dat", 11: "jump_slot", 12: "relative", 56: "tls_tpoff"},
    capstone_arch="CS_ARCH_SYSZ",
    capstone_mode=("CS_MODE_BIG_ENDIAN",),
    abi=GoABI(
        int_regs=tuple(f"r{i}" for i in range(2, 10)),
        float_regs=tuple(f"f{i}" for i in range(16)),
        g_reg="r13",
        ctx_reg="r12",
        float32="high32",
        args_offset=8,  # above the saved-LR slot at 0(R15), for the stack ABI and the spill area alike
        pc_quantum=2,
        link_register=True,
        # Go 1.26 turned the register ABI on for s390x (GOEXPERIMENT=noregabiargs still turns it
        # off in 1.26); 1.21-1.25 pass everything on the stack
        register_args_since=(1, 26),
        register_args_optional=((1, 26),),
    ),
    # variant II: the TLS block sits below TP (A0:A1), TPOFF = st_value + A - tlssize
    tls_variant=2,
    # the kernel's arch/s390/kernel/syscalls/syscall.tbl (64-bit entries; Go's
    # syscall/zsysnum_linux_s390x.go for all but statx, rseq, faccessat2). 90 is the old mmap
    # that takes a pointer to its six arguments, 191 the getrlimit Go calls (ugetrlimit); s390x
    # has no accept (accept4 364).
    linux_syscalls={
        1: "exit", 2: "fork", 3: "read", 4: "write", 6: "close", 10: "unlink", 11: "execve", 12: "chdir",
        19: "lseek", 20: "getpid", 33: "access", 37: "kill", 38: "rename", 39: "mkdir", 40: "rmdir", 41: "dup",
        42: "pipe", 45: "brk", 54: "ioctl", 55: "fcntl", 63: "dup2", 64: "getppid", 78: "gettimeofday",
        85: "readlink", 90: "mmap", 91: "munmap", 104: "setitimer", 106: "stat", 107: "lstat", 108: "fstat",
        114: "wait4", 120: "clone", 122: "uname", 125: "mprotect", 146: "writev", 158: "sched_yield",
        162: "nanosleep", 173: "rt_sigreturn", 174: "rt_sigaction", 175: "rt_sigprocmask", 180: "pread64",
        181: "pwrite64", 183: "getcwd", 186: "sigaltstack", 191: "getrlimit", 199: "getuid", 200: "getgid",
        201: "geteuid", 202: "getegid", 218: "mincore", 219: "madvise", 220: "getdents64", 236: "gettid",
        237: "tkill", 238: "futex", 239: "sched_setaffinity", 240: "sched_getaffinity", 241: "tgkill",
        248: "exit_group", 250: "epoll_ctl", 251: "epoll_wait", 254: "timer_create", 255: "timer_settime",
        258: "timer_delete", 260: "clock_gettime", 261: "clock_getres", 262: "clock_nanosleep", 288: "openat",
        289: "mkdirat", 293: "newfstatat", 294: "unlinkat", 295: "renameat", 298: "readlinkat",
        300: "faccessat", 312: "epoll_pwait", 318: "eventfd", 323: "eventfd2", 325: "pipe2", 326: "dup3",
        102: "socketcall", 327: "epoll_create1", 334: "prlimit64", 349: "getrandom", 359: "socket", 361: "bind", 362: "connect",
        363: "listen", 364: "accept4", 379: "statx", 383: "rseq", 439: "faccessat2",
    },
)
