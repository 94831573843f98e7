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


def _loaded(args: argparse.Namespace):
    from gopluginemu.api import Session  # the emulator loads only for these commands

    return Session().open(args.path, mode=args.mode)  # one command, one process


def run_load(args: argparse.Namespace) -> int:
    from gopluginemu.calls import GoFunc
    from gopluginemu.transcript import encode

    plugin = _loaded(args)
    exports = []
    for name, typ in plugin.symbols().items():
        sym = plugin.lookup(name)
        entry = {"name": name, "kind": "func" if isinstance(sym, GoFunc) else "var", "type": typ}
        if not isinstance(sym, GoFunc):
            entry["value"] = encode(sym.load_value())
        exports.append(entry)
    stdout, stderr = plugin.take_output()
    if args.json:
        print(json.dumps({"path": plugin.path, "pluginpath": plugin.pluginpath, "go_version": plugin.go_version,
                          "goos": plugin.goos, "goarch": plugin.goarch, "exports": exports,
                          "stdout": stdout, "stderr": stderr}, indent=2, ensure_ascii=False))
        return 0
    print(f"{plugin.path}: {plugin.pluginpath} ({plugin.go_version} {plugin.goos}/{plugin.goarch}), inits run in the emulator")
    width = max((len(e["name"]) for e in exports), default=0)
    for e in exports:
        value = f" = {json.dumps(e['value'], ensure_ascii=False)}" if "value" in e else ""
        print(f"  {e['kind']:4} {e['name']:{width}}  {e['type']}{value}")
    _print_output(stdout, stderr)
    return 0


def _print_output(stdout: str, stderr: str) -> None:
    for label, text in (("stdout", stdout), ("stderr", stderr)):
        if text:
            print(f"{label} of the plugin:")
            print("".join("  | " + line + "\n" for line in text.splitlines()), end="")


def _argument(text: str, typ) -> str:
    """A command-line argument as JSON for a parameter of Go type ``typ``: strings are taken as
    they are, every other kind is JSON (numbers, true/false, lists, objects)."""
    if typ.kind == "String":
        return json.dumps(text)
    if typ.kind in ("Float32", "Float64"):
        return json.dumps(text)  # the transcript form: "2.5", "NaN", "+Inf"
    return text


def run_call(args: argparse.Namespace) -> int:
    from gopluginemu.calls import GoFunc
    from gopluginemu.errors import GoPanic
    from gopluginemu.transcript import decode, encode_top

    plugin = _loaded(args)
    fn = plugin.lookup(args.symbol)
    if not isinstance(fn, GoFunc):
        raise SystemExit(f"gopluginemu: {args.symbol} is a {fn.type}, not a func")
    params = fn.gotype.params
    values = []
    for i, text in enumerate(args.args):
        if fn.gotype.variadic and i >= len(params) - 1:
            t = params[-1].elem
        elif i < len(params):
            t = params[i]
        else:
            raise SystemExit(f"gopluginemu: {args.symbol} ({fn.type}) takes {len(params)} argument(s)")
        try:
            values.append(decode(_argument(text, t), t, plugin.machine))
        except (ValueError, TypeError) as exc:
            raise SystemExit(f"gopluginemu: argument {i + 1} of {args.symbol} wants {t.string}: {exc}") from None
    out: dict = {"symbol": args.symbol, "type": fn.type}
    try:
        out["results"] = [encode_top(v) for v in fn.call_raw(*values)]
    except GoPanic as exc:
        out["panic"] = str(exc)
        out["panic_type"] = exc.go_type
        out["traceback"] = [f"{f} {where}" for f, where in exc.go_traceback]
    out["stdout"], out["stderr"] = plugin.take_output()
    if args.json:
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        for r in out.get("results", []):
            print(f"{r['T']}: {json.dumps(r['V'], ensure_ascii=False)}")
        if "panic" in out:
            print(f"panic: {out['panic']} [{out['panic_type']}]")
            for frame in out["traceback"]:
                print(f"  {frame}")
        _print_output(out["stdout"], out["stderr"])
    return 3 if "panic" in out else 0


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

    p = sub.add_parser("load", help="open a plugin in the emulator, run its inits, show its exports and values")
    p.add_argument("path", help="the plugin (.so)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--mode", choices=("auto", "emulate"), default="auto", help="engine (default: auto)")
    p.set_defaults(run=run_load)

    p = sub.add_parser("call", help="open a plugin in the emulator and call one of its exported funcs")
    p.add_argument("path", help="the plugin (.so)")
    p.add_argument("symbol", help="the exported func")
    p.add_argument("args", nargs="*", help="arguments, by parameter type: strings as they are, others as JSON")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--mode", choices=("auto", "emulate"), default="auto", help="engine (default: auto)")
    p.set_defaults(run=run_call)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code (2: check found the pair incompatible;
    3: the called func panicked)."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except GoPluginError as exc:
        print(f"gopluginemu: {exc}", file=sys.stderr)
        return 1
