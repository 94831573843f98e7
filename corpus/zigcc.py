#!/usr/bin/env python3
"""A C compiler for Go's darwin cgo builds: ``zig cc`` minus the flags zig rejects.

Go passes darwin linker flags that zig's Mach-O linker does not know; they are
dropped here. The zig binary and target come from $ZIG and $ZIG_TARGET.
"""

import os
import sys

DROP = {"-Wl,-flat_namespace", "-Wl,-bind_at_load", "-lresolv", "-Wl,--compress-debug-sections=zlib",
        "-Wl,-headerpad_max_install_names"}
DROP_WITH_VALUE = {"-framework", "-arch"}


def filtered(args: list[str]) -> list[str]:
    out: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in DROP_WITH_VALUE:
            skip = True
        elif arg not in DROP and not arg.startswith("-Wl,-headerpad,"):
            out.append(arg)
    return out


if __name__ == "__main__":
    zig = os.environ["ZIG"]
    os.execv(zig, [zig, "cc", "-target", os.environ["ZIG_TARGET"], *filtered(sys.argv[1:])])
