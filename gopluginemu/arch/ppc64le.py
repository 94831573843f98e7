"""POWER, little-endian (GOARCH=ppc64le)."""

from gopluginemu.arch.base import Arch, GoABI

ARCH = Arch(
    goarch="ppc64le",
    byte_order="little",
    ptr_size=8,
    elf_machine=21,  # EM_PPC64
    macho_cputype=None,
    elf_relocs={38: "abs", 20: "glob_dat", 21: "jump_slot", 22: "relative", 73: "tls_tpoff"},
    capstone_arch="CS_ARCH_PPC",
    level_setting="GOPPC64",
    capstone_mode=("CS_MODE_64", "CS_MODE_LITTLE_ENDIAN"),
    abi=GoABI(
        int_regs=("r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r14", "r15", "r16", "r17"),
        float_regs=tuple(f"f{i}" for i in range(1, 13)),
        g_reg="r30",
        ctx_reg="r11",
        float32="double",
        args_offset=32,  # the fixed frame: LR, CR, TOC
        pc_quantum=4,
        link_register=True,
    ),
    tls_variant=1,
    tls_tp_bias=0x7000,
    # the kernel's arch/powerpc/kernel/syscalls/syscall.tbl (64-bit entries); 190 is ugetrlimit,
    # the getrlimit Go calls, and 76 the old one
    linux_syscalls={
        1: "exit", 2: "fork", 3: "read", 4: "write", 6: "close", 10: "unlink", 11: "execve", 12: "chdir",
        13: "time", 19: "lseek", 20: "getpid", 24: "getuid", 33: "access", 37: "kill", 38: "rename", 39: "mkdir",
        40: "rmdir", 41: "dup", 42: "pipe", 45: "brk", 47: "getgid", 49: "geteuid", 50: "getegid", 54: "ioctl",
        55: "fcntl", 63: "dup2", 64: "getppid", 76: "getrlimit", 78: "gettimeofday", 85: "readlink", 90: "mmap",
        91: "munmap", 104: "setitimer", 106: "stat", 107: "lstat", 108: "fstat", 114: "wait4", 120: "clone",
        122: "uname", 125: "mprotect", 146: "writev", 158: "sched_yield", 162: "nanosleep", 172: "rt_sigreturn",
        173: "rt_sigaction", 174: "rt_sigprocmask", 179: "pread64", 180: "pwrite64", 182: "getcwd",
        185: "sigaltstack", 190: "getrlimit", 202: "getdents64", 205: "madvise", 206: "mincore", 207: "gettid",
        208: "tkill", 221: "futex", 222: "sched_setaffinity", 223: "sched_getaffinity", 234: "exit_group",
        237: "epoll_ctl", 238: "epoll_wait", 240: "timer_create", 241: "timer_settime", 244: "timer_delete",
        246: "clock_gettime", 247: "clock_getres", 248: "clock_nanosleep", 250: "tgkill", 286: "openat",
        287: "mkdirat", 291: "newfstatat", 292: "unlinkat", 293: "renameat", 296: "readlinkat", 298: "faccessat",
        303: "epoll_pwait", 307: "eventfd", 314: "eventfd2", 315: "epoll_create1", 316: "dup3", 317: "pipe2",
        325: "prlimit64", 326: "socket", 327: "bind", 328: "connect", 329: "listen", 330: "accept",
        359: "getrandom", 383: "statx", 387: "rseq", 439: "faccessat2",
    },
)
