"""AArch64 (GOARCH=arm64)."""

from gopluginemu.arch.base import Arch, DarwinTLS, GoABI

ARCH = Arch(
    goarch="arm64",
    byte_order="little",
    ptr_size=8,
    elf_machine=183,  # EM_AARCH64
    macho_cputype=0x0100000C,  # CPU_TYPE_ARM64
    elf_relocs={257: "abs", 1025: "glob_dat", 1026: "jump_slot", 1027: "relative", 1030: "tls_tpoff"},
    capstone_arch="CS_ARCH_ARM64",
    level_setting="GOARM64",
    capstone_mode=("CS_MODE_ARM",),
    abi=GoABI(
        int_regs=tuple(f"x{i}" for i in range(16)),
        float_regs=tuple(f"d{i}" for i in range(16)),
        g_reg="x28",
        ctx_reg="x26",
        float32="low32",
        args_offset=8,  # above the saved LR slot
        pc_quantum=4,
        link_register=True,
    ),
    tls_variant=1,
    tls_tcb_size=16,
    # darwin: load_g reads TPIDRRO_EL0 plus the variable runtime.tls_g (tls_arm64.s)
    darwin_tls=DarwinTLS(register="tpidrro_el0", g_offset=0x10, offset_variable="runtime.tls_g"),
    linux_syscalls={
        17: "getcwd", 19: "eventfd2", 20: "epoll_create1", 21: "epoll_ctl", 22: "epoll_pwait", 23: "dup",
        24: "dup3", 25: "fcntl", 29: "ioctl", 34: "mkdirat", 35: "unlinkat", 38: "renameat", 48: "faccessat",
        49: "chdir", 56: "openat", 57: "close", 59: "pipe2", 61: "getdents64", 62: "lseek", 63: "read",
        64: "write", 66: "writev", 67: "pread64", 68: "pwrite64", 78: "readlinkat", 79: "newfstatat",
        80: "fstat", 93: "exit", 94: "exit_group", 98: "futex", 101: "nanosleep", 103: "setitimer",
        107: "timer_create", 110: "timer_settime", 111: "timer_delete", 113: "clock_gettime",
        114: "clock_getres", 115: "clock_nanosleep", 122: "sched_setaffinity", 123: "sched_getaffinity",
        124: "sched_yield", 129: "kill", 130: "tkill", 131: "tgkill", 132: "sigaltstack", 134: "rt_sigaction",
        135: "rt_sigprocmask", 139: "rt_sigreturn", 160: "uname", 163: "getrlimit", 169: "gettimeofday",
        172: "getpid", 173: "getppid", 174: "getuid", 175: "geteuid", 176: "getgid", 177: "getegid",
        178: "gettid", 198: "socket", 200: "bind", 201: "listen", 202: "accept", 203: "connect",
        214: "brk", 215: "munmap", 220: "clone", 221: "execve", 222: "mmap", 226: "mprotect", 232: "mincore",
        233: "madvise", 260: "wait4", 261: "prlimit64", 278: "getrandom", 291: "statx", 293: "rseq",
        439: "faccessat2",
    },
)
