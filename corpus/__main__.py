"""``python -m corpus``: set up toolchains, build the corpus, locate builds."""

from __future__ import annotations

import argparse
import os
import sys

from corpus import build, builds, matrix, toolchains


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m corpus", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("setup", help="install the Go toolchains, zig, cross compilers and qemu-user")
    b = sub.add_parser("build", help="build plugins and hosts, record transcripts (only what changed)")
    b.add_argument("--go", action="append", choices=matrix.GO_VERSIONS, help="Go version (repeatable; default all)")
    b.add_argument("--target", action="append", choices=list(matrix.TARGETS), help="target (default all)")
    b.add_argument("--only", action="append", help="plugin name (repeatable; default all)")
    b.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    p = sub.add_parser("path", help="print the path of a built plugin")
    p.add_argument("name")
    p.add_argument("--go", default=matrix.GO_VERSIONS[-1], choices=matrix.GO_VERSIONS)
    p.add_argument("--target", default="linux/amd64", choices=list(matrix.TARGETS))
    p.add_argument("--stripped", action="store_true")
    args = parser.parse_args(argv)

    if args.command == "path":
        print(builds.plugin_path(args.go, args.target, args.name, args.stripped))
        return 0
    versions = args.go or list(matrix.GO_VERSIONS)
    targets = args.target or list(matrix.TARGETS)
    toolchains.ensure_all(tuple(versions), darwin=any(matrix.TARGETS[t].goos == "darwin" for t in targets))
    if args.command == "setup":
        return 0
    plugins = args.only or matrix.plugins()
    unknown = set(plugins) - set(matrix.plugins()) - set(matrix.BENCH_PLUGINS)
    if unknown:
        parser.error(f"unknown plugin(s): {', '.join(sorted(unknown))}")
    phases = build.plan(versions, targets, plugins, matrix.scenarios(), programs=not args.only)
    try:
        made, cached = build.execute(phases, args.jobs)
    except build.BuildError as exc:
        print(f"corpus: build failed: {exc}", file=sys.stderr)
        return 1
    print(f"corpus: {made} made, {cached} already cached, in {toolchains.cache_dir() / 'corpus'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
