"""The runtime services the emulator plays the host for, as data (see README.md).

Patterns are matched against the plugin's symbol names, so a release that adds or drops an
entry point (Go 1.27's size-specialised ``mallocgc*SC*`` variants) needs no code change.
"""

from __future__ import annotations

# Entry points the emulator answers itself instead of running them: name pattern -> service.
ANSWERED = {
    r"runtime\.mallocgc(Large|SmallNoscan|SmallNoScan|SmallScanNoHeader|SmallScanHeader|Tiny)?(SC\d+)?$": "allocate",
    r"runtime\.mallocgc(Tiny|SmallNoScan|SmallScan)SlowPath$": "allocate",
    r"runtime\.persistentalloc$": "persistent_alloc",
    r"runtime\.stackalloc$": "stack_alloc",
    r"runtime\.stackfree$": "stack_free",
    r"runtime\.SetFinalizer$": "ignore",
    r"runtime\.addCleanup$": "ignore",
    # weak pointers (unique.Make, weak.Make): with no collector a weak pointer is a strong one
    r"(internal/)?weak\.runtime_registerWeakPointer$": "weak_handle",
    r"(internal/)?weak\.runtime_makeStrongFromWeak$": "strong_from_weak",
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
SIGSEGV, SIGFPE = 11, 8
SEGV_MAPERR, FPE_INTDIV = 1, 1
