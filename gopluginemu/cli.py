"""The ``gopluginemu`` command line: parses arguments and prints what the public API returns."""

from __future__ import annotations

import argparse
import json
import sys

from gopluginemu import __version__
from gopluginemu.compat import CheckResult, check
from gopluginemu.errors import GoPluginError
from gopluginemu.inspection import PluginInfo, inspect


def format_info(info: PluginInfo) -> str:
    """Human-readable text of ``inspect``'s result."""
    lines = [
        f"{info.path}: Go plugin ({info.format} {info.goos}/{info.goarch}"
        + (f" {info.microarch_level}" if info.microarch_level else "")
        + f", {info.go_version})",
        f"pluginpath  {info.pluginpath}",
    ]
    if info.main_module:
        lines.append(f"module      {info.main_module.path} {info.main_module.version}")
    for dep in info.deps:
        lines.append(f"dep         {dep.path} {dep.version}" + (f" => {dep.replace.path} {dep.replace.version}" if dep.replace else ""))
    for key, value in info.settings.items():
        lines.append(f"build       {key}={value}")
    lines.append(f"exports ({len(info.exports)}):")
    width = max((len(n) for n in info.exports), default=0)
    for name, e in info.exports.items():
        lines.append(f"  {e.kind:4} {name:{width}}  {e.type}")
    lines.append("init order: " + ", ".join(info.init_order))
    lines.append(f"packages ({len(info.package_hashes)}):")
    for pkg, digest in info.package_hashes.items():
        lines.append(f"  {digest}  {pkg}")
    return "\n".join(lines)


def format_check(result: CheckResult) -> str:
    """Human-readable text of ``check``'s result."""
    verdict = "compatible" if result.compatible else "INCOMPATIBLE"
    lines = [f"{result.plugin} after {result.first_kind} {result.first}: {verdict}"]
    if result.go_error:
        lines.append(f"Go would say: {result.go_error}")
    for r in result.errors:
        extra = f" (plugin {r.plugin_hash}, {result.first_kind} {r.first_hash})" if r.package else ""
        extra += f" ({r.detail})" if r.detail else ""
        lines.append(f"error: {r.message}{extra}")
    for r in result.warnings:
        lines.append(f"warning: {r.message}")
    return "\n".join(lines)


def run_inspect(args: argparse.Namespace) -> int:
    info = inspect(args.path)
    if args.json:
        print(json.dumps(info.to_json(functions=args.functions), indent=2))
    else:
        print(format_info(info))
        if args.functions:
            for f in info.functions:
                print(f"  {f.entry:#x} {f.size:6} {f.name}  {f.file}:{f.line}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    result = check(args.first, args.plugin)
    print(json.dumps(result.to_json(), indent=2) if args.json else format_check(result))
    return 0 if result.compatible else 2


def run_disasm(args: argparse.Namespace) -> int:
    from gopluginemu.disasm import disassemble  # Capstone is loaded only for this command

    listing = disassemble(args.path, args.symbol)
    print(json.dumps(listing.to_dict(), indent=2) if args.json else listing.text())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gopluginemu", description="Open Go plugins on any OS and any CPU.")
    parser.add_argument("--version", action="version", version=f"gopluginemu {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("inspect", help="show what a Go plugin contains (build info, exports and their types, ...)")
    p.add_argument("path", help="the plugin (.so)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--functions", action="store_true", help="also list every function of the pclntab")
    p.set_defaults(run=run_inspect)

    p = sub.add_parser("check", help="would Go load PLUGIN after FIRST (a host executable or another plugin)?")
    p.add_argument("first", help="the host executable, or a plugin loaded before")
    p.add_argument("plugin", help="the plugin to load")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=run_check)

    p = sub.add_parser("disasm", help="disassemble a function, naming its call targets")
    p.add_argument("path", help="the plugin (.so), or any Go ELF/Mach-O file")
    p.add_argument("symbol", help="a Go function name (example.com/p.Greet), or an export's bare name (Greet)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=run_disasm)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code (2: check found the pair incompatible)."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except GoPluginError as exc:
        print(f"gopluginemu: {exc}", file=sys.stderr)
        return 1
