"""The runtime services the emulator plays the host for, as data (see README.md).

Patterns are matched against the plugin's symbol names, so a release that adds or drops an
entry point (Go 1.27's size-specialised ``mallocgc*SC*`` variants) needs no code change.
"""

from __future__ import annotations

# Entry points the emulator answers itself instead of running them: name pattern -> (service,
# argument words). The words are the size of the function's arguments (Go signature): with Go's
# stack ABI (s390x before 1.26) its results follow them on the stack. The mallocgc variants other
# than mallocgc itself are only reached directly in 1.27, which passes arguments in registers.
ANSWERED = {
    r"runtime\.mallocgc(Large|SmallNoscan|SmallNoScan|SmallScanNoHeader|SmallScanHeader|Tiny)?(SC\d+)?$": ("allocate", 3),
    r"runtime\.mallocgc(Tiny|SmallNoScan|SmallScan)SlowPath$": ("allocate", 3),
    r"runtime\.persistentalloc$": ("persistent_alloc", 3),  # (size, align uintptr, sysStat *sysMemStat)
    r"runtime\.stackalloc$": ("stack_alloc", 1),  # (n uint32) stack
    r"runtime\.stackfree$": ("stack_free", 2),  # (stk stack)
    r"runtime\.SetFinalizer$": ("ignore", 4),  # (obj any, finalizer any): no results
    r"runtime\.addCleanup$": ("no_cleanup", 2),  # (p unsafe.Pointer, f) uint64
    # weak pointers (unique.Make, weak.Make): with no collector a weak pointer is a strong one; each package spelt out
    # (every pattern starts with its package's literal name, which the search for names scans for)
    r"weak\.runtime_registerWeakPointer$": ("weak_handle", 1),
    r"weak\.runtime_makeStrongFromWeak$": ("strong_from_weak", 1),
    r"internal/weak\.runtime_registerWeakPointer$": ("weak_handle", 1),
    r"internal/weak\.runtime_makeStrongFromWeak$": ("strong_from_weak", 1),
}

# Entry points where the emulated run stops: name -> what happened.
STOPS = {
    "runtime.fatalpanic": "panic",
    "runtime.throw": "throw",
    "runtime.fatal": "fatal",
    "runtime.fatalthrow": "fatalthrow",
}

# Entry points watched without changing what they do.
WATCHED = {
    "runtime.gopanic": "record_panic",
}

# Host variables the emulator sets before the plugin's code runs (what schedinit, osinit and
# runtime.main would have set): symbol -> value. Missing symbols are skipped.
HOST_VARIABLES = {
    "runtime.ncpu": (4, 1),
    "runtime.physPageSize": (8, 0x1000),
    "runtime.maxstacksize": (8, 1_000_000_000),
    "runtime.maxstackceiling": (8, 2_000_000_000),
    "runtime.traceback_cache": (4, 1 << 2),  # GOTRACEBACK=single: level 1 << tracebackShift
    # runtime/cgo's C helpers for mmap and sigaction: cleared so the runtime makes the raw
    # system calls the emulator answers (instead of calling into libc through cgo)
    "_cgo_mmap": (8, 0),
    "_cgo_munmap": (8, 0),
    "_cgo_sigaction": (8, 0),
}

# GODEBUG settings the emulator's host runs with: field of runtime.debug -> (size, value).
# sbrk=1 is Go's own "never free memory" mode, which is what the emulator's bump allocator is:
# finalizers and cleanups become no-ops and weak pointers stay valid, as in Go under sbrk=1.
GODEBUG = {"sbrk": (4, 1)}

# mheap_.arenas[0]: the second-level heap arena index (1 << (heapAddrBits 48 - logHeapArenaBytes
# 26) entries on 64-bit Linux and darwin). Left nil by the missing mallocinit; all-empty, it
# makes spanOf() answer "not a heap span" for every pointer instead of faulting.
ARENA_L2_ENTRIES = 1 << 22

# Goroutine status values (runtime/runtime2.go, unchanged 1.21-1.27)
G_RUNNING = 2
G_SYSCALL = 3
G_WAITING = 4
STACK_GUARD = 928  # stackguard0 = lo + StackNosplitBase + StackSmall (runtime/stack.go)
# The synchronous signals a CPU fault becomes, per GOOS: kind -> (signal, si_code) as Go's
# sigpanic reads them (runtime/defs_<goos>_<goarch>.go): a bad access is SIGSEGV/SEGV_MAPERR, an
# integer division by zero SIGFPE/FPE_INTDIV, which is 1 on linux and 7 on darwin.
SIGNALS = {
    "linux": {"segv": (11, 1), "divide": (8, 1)},
    "darwin": {"segv": (11, 1), "divide": (8, 7)},
}
