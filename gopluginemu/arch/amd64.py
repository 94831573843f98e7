"""x86-64 (GOARCH=amd64)."""

from gopluginemu.arch.base import Arch, DarwinTLS, GoABI

ARCH = Arch(
    goarch="amd64",
    byte_order="little",
    ptr_size=8,
    elf_machine=62,  # EM_X86_64
    macho_cputype=0x01000007,  # CPU_TYPE_X86_64
    elf_relocs={1: "abs", 6: "glob_dat", 7: "jump_slot", 8: "relative", 18: "tls_tpoff"},
    capstone_arch="CS_ARCH_X86",
    level_setting="GOAMD64",
    capstone_mode=("CS_MODE_64",),
    abi=GoABI(
        int_regs=("rax", "rbx", "rcx", "rdi", "rsi", "r8", "r9", "r10", "r11"),
        float_regs=tuple(f"xmm{i}" for i in range(15)),
        g_reg="r14",
        ctx_reg="rdx",
        float32="low32",
        args_offset=8,  # above the return address
        pc_quantum=1,
        link_register=False,
    ),
    tls_variant=2,
    # darwin: g at GS:0x30 (the linker resolves darwin's R_TLS_LE to 0x30; sys_darwin_amd64.s)
    darwin_tls=DarwinTLS(register="gs_base", g_offset=0x30),
    linux_syscalls={
        0: "read", 1: "write", 3: "close", 4: "stat", 5: "fstat", 6: "lstat", 8: "lseek", 9: "mmap",
        10: "mprotect", 11: "munmap", 12: "brk", 13: "rt_sigaction", 14: "rt_sigprocmask", 15: "rt_sigreturn",
        16: "ioctl", 17: "pread64", 18: "pwrite64", 20: "writev", 21: "access", 22: "pipe", 24: "sched_yield",
        27: "mincore", 28: "madvise", 32: "dup", 33: "dup2", 35: "nanosleep", 38: "setitimer", 39: "getpid",
        41: "socket", 42: "connect", 43: "accept", 49: "bind", 50: "listen", 56: "clone", 57: "fork",
        59: "execve", 60: "exit", 61: "wait4", 62: "kill", 63: "uname", 72: "fcntl", 79: "getcwd",
        80: "chdir", 82: "rename", 83: "mkdir", 84: "rmdir", 87: "unlink", 89: "readlink", 96: "gettimeofday",
        97: "getrlimit", 102: "getuid", 104: "getgid", 107: "geteuid", 108: "getegid", 110: "getppid",
        131: "sigaltstack", 158: "arch_prctl", 186: "gettid", 200: "tkill", 201: "time", 202: "futex",
        203: "sched_setaffinity", 204: "sched_getaffinity", 217: "getdents64", 222: "timer_create",
        223: "timer_settime", 226: "timer_delete", 228: "clock_gettime", 229: "clock_getres",
        230: "clock_nanosleep", 231: "exit_group", 232: "epoll_wait", 233: "epoll_ctl", 234: "tgkill",
        257: "openat", 258: "mkdirat", 262: "newfstatat", 263: "unlinkat", 267: "readlinkat",
        269: "faccessat", 281: "epoll_pwait", 284: "eventfd", 290: "eventfd2", 291: "epoll_create1",
        292: "dup3", 293: "pipe2", 302: "prlimit64", 318: "getrandom", 332: "statx", 334: "rseq",
        439: "faccessat2",
    },
)
