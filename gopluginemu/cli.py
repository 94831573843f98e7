"""The ``gopluginemu`` command line: parses arguments and prints what the public API returns."""

from __future__ import annotations

import argparse
import sys

from gopluginemu import __version__
from gopluginemu.errors import GoPluginError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gopluginemu", description="Open Go plugins on any OS and any CPU.")
    parser.add_argument("--version", action="version", version=f"gopluginemu {__version__}")
    parser.add_subparsers(dest="command", required=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except GoPluginError as exc:
        print(f"gopluginemu: {exc}", file=sys.stderr)
        return 1
