"""Disassembly of one function of a Go plugin (or any ELF/Mach-O Go binary) with Capstone.

Functions are found by their Go name (``example.com/p.Greet``), or by an export's bare name (``Greet``,
looked up in the plugin's own package). Direct call and branch targets outside the function are shown
by name (``call fmt.Sprintf``, ``bl runtime.morestack_noctxt.abi0``).
"""

from __future__ import annotations

import bisect
import os
from dataclasses import asdict, dataclass
from functools import cached_property

import capstone

from gopluginemu.arch import Arch
from gopluginemu.errors import FunctionNotFoundError, GoPluginError
from gopluginemu.formats import ObjectFile, Symbol, open_object
from gopluginemu.gometa import FuncTable, GoBinary


@dataclass(frozen=True)
class Function:
    """A function's Go name and extent."""

    name: str
    addr: int
    size: int


@dataclass(frozen=True)
class Instruction:
    """One decoded instruction; ``target``/``target_name`` are set for direct branches and calls."""

    addr: int
    bytes: str  # hex
    mnemonic: str
    operands: str  # with a named target in place of its address
    target: int | None = None
    target_name: str | None = None


@dataclass(frozen=True)
class Disassembly:
    """A disassembled function."""

    path: str
    goarch: str
    function: Function
    instructions: list[Instruction]

    def to_dict(self) -> dict:
        return asdict(self)

    def text(self) -> str:
        """The listing as ``gopluginemu disasm`` prints it."""
        f = self.function
        lines = [f"{f.name}  {f.addr:#x}  {f.size} bytes  ({self.goarch})"]
        for ins in self.instructions:
            lines.append(f"  {ins.addr:#x}  {ins.bytes:<20}  {ins.mnemonic} {ins.operands}".rstrip())
        return "\n".join(lines)


class FunctionTable:
    """The functions of an object file: Go's function table (pclntab, present even when stripped) and the
    symbol table (C functions; exact sizes on ELF, where a symbol's size excludes the padding after it)."""

    def __init__(self, obj: ObjectFile) -> None:
        self.obj = obj
        self.go = GoBinary(obj)
        syms = sorted((s for s in obj.symbols.values() if s.kind == "func" and s.size > 0), key=lambda s: s.value)
        self._symbols = {s.name: s for s in syms}
        self._by_addr = syms
        self._starts = [s.value for s in syms]

    @cached_property
    def pclntab(self) -> FuncTable | None:
        """Go's function table, or None when the file has none that can be read (not Go, unknown release)."""
        try:
            return self.go.functions
        except GoPluginError:
            return None

    def _symbol_at(self, addr: int) -> Symbol | None:
        i = bisect.bisect_right(self._starts, addr) - 1
        if i >= 0 and addr < self._by_addr[i].value + self._by_addr[i].size:
            return self._by_addr[i]
        return None

    def _function(self, name: str, addr: int, size: int) -> Function:
        """``size`` narrowed to the symbol's at the same address when that is smaller (ELF's exact sizes)."""
        sym = self._symbol_at(addr)
        if sym is not None and sym.value == addr and sym.size < size:
            size = sym.size
        return Function(name, addr, size)

    def _lookup(self, name: str) -> Function | None:
        """By symbol first (unambiguous: Go's table names an ABI wrapper like the function it wraps), with Go's
        extent where the symbol starts a Go function; else by Go's table alone (stripped Mach-O)."""
        sym = self._symbols.get(name)
        if sym is not None:
            go = self.pclntab.at(sym.value) if self.pclntab is not None else None
            return self._function(name, sym.value, go.size if go is not None and go.entry == sym.value else sym.size)
        go = self.pclntab.by_name(name) if self.pclntab is not None else None
        return self._function(go.name, go.entry, go.size) if go is not None else None

    def find(self, name: str) -> Function:
        """The function ``name``: a full Go name, or an exported name of the plugin's own package."""
        fn = self._lookup(name)
        if fn is None and "." not in name and self.pclntab is not None:
            fn = self._lookup(f"{self.go.moduledata.pluginpath}.{name}")
        if fn is None:
            raise FunctionNotFoundError(self.obj.path, name)
        return fn

    def name_of(self, addr: int) -> str | None:
        """``name`` or ``name+0xoff`` for an address inside a known function, ``import@stub`` for a call stub,
        else ``section+0xoff``."""
        stub = self.obj.stubs.get(addr)
        if stub is not None:
            return f"{stub}@stub"
        go = self.pclntab.at(addr) if self.pclntab is not None else None
        sym = self._symbol_at(addr)
        if sym is not None and (go is None or sym.value == go.entry):  # symbols keep ABI suffixes (.abi0)
            base: tuple[str, int] | None = (sym.name, sym.value)
        else:
            base = (go.name, go.entry) if go is not None else None
        if base is None:
            base = next(((s.name, s.addr) for s in self.obj.sections if s.name and s.addr <= addr < s.addr + s.size), None)
        if base is None:
            return None
        return base[0] if addr == base[1] else f"{base[0]}+{addr - base[1]:#x}"


def capstone_for(arch: Arch) -> capstone.Cs:
    """A Capstone decoder of ``arch``'s instructions, with operand details."""
    mode = 0
    for name in arch.capstone_mode:
        mode |= getattr(capstone, name)
    cs = capstone.Cs(getattr(capstone, arch.capstone_arch), mode)
    cs.detail = True
    return cs


def _capstone(obj: ObjectFile) -> capstone.Cs:
    cs = capstone_for(obj.arch)
    cs.skipdata = True  # undecodable bytes (padding) come out as ".byte" and decoding goes on
    return cs


_BRANCH_GROUPS = (capstone.CS_GRP_CALL, capstone.CS_GRP_JUMP, capstone.CS_GRP_BRANCH_RELATIVE)
_UNGROUPED_CALLS = frozenset({"bras", "brasl"})  # Capstone 5 puts s390x's relative calls in no group


def _direct_target(ins: capstone.CsInsn) -> int | None:
    """The target of a direct call or branch: its last operand when that is an address (Capstone prints
    targets as absolute addresses on every arch)."""
    if ins.id == 0 or (ins.mnemonic not in _UNGROUPED_CALLS and not any(ins.group(g) for g in _BRANCH_GROUPS)):
        return None
    try:
        return int(_last_operand(ins.op_str).lstrip("#"), 0) & 0xFFFFFFFFFFFFFFFF
    except ValueError:
        return None


def _last_operand(op_str: str) -> str:
    return op_str.rsplit(",", 1)[-1].strip()


def _named(op_str: str, name: str) -> str:
    """``op_str`` with its last operand (a branch target) replaced by ``name``."""
    head, sep, _ = op_str.rpartition(",")
    return f"{head}{sep} {name}" if sep else name


def disassemble_function(obj: ObjectFile, table: FunctionTable, fn: Function) -> Disassembly:
    """Disassemble ``fn`` of ``obj``, naming direct targets outside it through ``table``."""
    code = obj.read(fn.addr, fn.size)
    out = []
    for ins in _capstone(obj).disasm(code, fn.addr):
        operands = ins.op_str
        target = _direct_target(ins)
        name = None
        if target is not None and not fn.addr <= target < fn.addr + fn.size:
            name = table.name_of(target)
            if name is not None:
                operands = _named(operands, name)
        out.append(Instruction(ins.address, ins.bytes.hex(), ins.mnemonic, operands, target, name))
    return Disassembly(obj.path, obj.arch.goarch, fn, out)


def disassemble(path: str | os.PathLike[str], name: str) -> Disassembly:
    """Disassemble the function ``name`` (a Go name, or a bare exported name) of the file at ``path``."""
    obj = open_object(path)
    table = FunctionTable(obj)
    return disassemble_function(obj, table, table.find(name))
