"""Go build info: the toolchain version and module/build-setting lines ``go version -m`` prints.

Found as ``debug/buildinfo`` finds it: the ``.go.buildinfo`` section, else a
scan of the file, for the 16-byte aligned magic; the inline format (Go 1.18+)
then holds two varint-prefixed strings. The module text is parsed like
``runtime/debug.ParseBuildInfo``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gopluginemu.errors import CorruptFileError, NotAPluginError
from gopluginemu.formats.base import ObjectFile
from gopluginemu.gometa import gostrconv

MAGIC = b"\xff Go buildinf:"
ALIGN = 16
# header: magic (14 bytes), pointer size (1), flags (1: bit 0 big-endian, bit 1 inline strings),
# then 16 bytes unused in the inline format (Go 1.18+)
HEADER_SIZE = 32
FLAGS_AT = 15
FLAG_INLINE = 0x2
# cmd/go/internal/modload: sentinels around the module text
MODINFO_START = bytes.fromhex("3077af0c9274080241e1c107e6d618e6")
MODINFO_END = bytes.fromhex("f932433186182072008242104116d8f2")


@dataclass(frozen=True)
class Module:
    """A module line: ``path``, ``version``, ``sum`` and the module replacing it, if any."""

    path: str
    version: str
    sum: str = ""
    replace: Module | None = None

    def to_json(self) -> dict:
        out = {"path": self.path, "version": self.version, "sum": self.sum}
        out["replace"] = self.replace.to_json() if self.replace else None
        return out


@dataclass(frozen=True)
class BuildInfo:
    """What ``debug/buildinfo.Read`` returns for a file."""

    go_version: str
    path: str = ""
    main: Module | None = None
    deps: tuple[Module, ...] = ()
    settings: tuple[tuple[str, str], ...] = field(default=())

    @property
    def settings_dict(self) -> dict[str, str]:
        """The ``build`` lines as a dict (a repeated key keeps its last value, as ``go`` reads it)."""
        return dict(self.settings)

    def module_text(self) -> str:
        """``BuildInfo.String()`` without the go line, as ``go version -m`` uses it."""
        lines = []
        if self.path:
            lines.append(f"path\t{self.path}")

        def mod(word: str, m: Module) -> None:
            if m.replace is None:
                lines.append(f"{word}\t{m.path}\t{m.version}\t{m.sum}")
            else:
                lines.append(f"{word}\t{m.path}\t{m.version}")
                mod("=>", m.replace)

        if self.main is not None:
            mod("mod", self.main)
        for dep in self.deps:
            mod("dep", dep)
        for key, value in self.settings:
            if _quote_key(key):
                key = gostrconv.quote(key)
            if _quote_value(value):
                value = gostrconv.quote(value)
            lines.append(f"build\t{key}={value}")
        return "".join(line + "\n" for line in lines)

    def version_m(self, filename: str) -> str:
        """Exactly what ``go version -m filename`` prints for this file."""
        out = f"{filename}: {self.go_version}\n"
        mod = self.module_text()
        if mod:
            out += "\t" + mod[:-1].replace("\n", "\n\t") + "\n"
        return out


def _quote_key(key: str) -> bool:
    return not key or any(c in key for c in "= \t\r\n\"`")


def _quote_value(value: str) -> bool:
    return any(c in value for c in " \t\r\n\"`")


def find_blob(obj: ObjectFile) -> bytes:
    """The bytes from the build info magic to the end of its section (or of the file)."""
    sec = obj.section(".go.buildinfo")
    if sec is not None and sec.offset is not None:
        data = obj.data[sec.offset : sec.offset + sec.size]
        start = _find_aligned(data)
        if start >= 0:
            return data[start:]
    start = _find_aligned(obj.data)
    if start < 0:
        raise NotAPluginError(obj.path, "not a Go binary (no build info): not built with -buildmode=plugin")
    return obj.data[start:]


def _find_aligned(data: bytes) -> int:
    i = data.find(MAGIC)
    while i >= 0 and i % ALIGN:
        i = data.find(MAGIC, i + 1)
    return i


def _uvarint_string(path: str, data: bytes, pos: int) -> tuple[bytes, int]:
    value, shift = 0, 0
    while True:
        if pos >= len(data) or shift > 63:
            raise CorruptFileError(path, "truncated build info")
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            break
        shift += 7
    if pos + value > len(data):
        raise CorruptFileError(path, "truncated build info")
    return data[pos : pos + value], pos + value


def read_buildinfo(obj: ObjectFile) -> BuildInfo:
    """Decode the file's build info (Go 1.18+ inline format)."""
    blob = find_blob(obj)
    if len(blob) < HEADER_SIZE:
        raise CorruptFileError(obj.path, "truncated build info header")
    if not blob[FLAGS_AT] & FLAG_INLINE:
        raise CorruptFileError(obj.path, "build info in the pre-Go 1.18 format is not supported")
    version, pos = _uvarint_string(obj.path, blob, HEADER_SIZE)
    modinfo, _ = _uvarint_string(obj.path, blob, pos)
    if len(modinfo) >= 33 and modinfo[-17] == ord("\n"):
        modinfo = modinfo[16:-16]
    else:
        modinfo = b""
    text = modinfo.decode("utf-8", "surrogateescape")
    return parse_modinfo(obj.path, version.decode("utf-8", "surrogateescape"), text)


def parse_modinfo(path: str, go_version: str, data: str) -> BuildInfo:
    """``runtime/debug.ParseBuildInfo`` (``path`` only names the file in errors)."""
    bi_path = ""
    main: Module | None = None
    deps: list[Module] = []
    settings: list[tuple[str, str]] = []
    last: str | None = None  # "main" or "dep": the module a "=>" line replaces

    def fail(line_no: int, why: str) -> CorruptFileError:
        return CorruptFileError(path, f"could not parse Go build info: line {line_no}: {why}")

    def module(elem: list[str], line_no: int) -> Module:
        if len(elem) not in (2, 3):
            raise fail(line_no, f"expected 2 or 3 columns; got {len(elem)}")
        return Module(elem[0], elem[1], elem[2] if len(elem) == 3 else "")

    lines = data.split("\n")[:-1]  # a last line without "\n" is ignored, as Go does
    for line_no, line in enumerate(lines, 1):
        if line.startswith("path\t"):
            bi_path = line[5:]
        elif line.startswith("mod\t"):
            main = module(line[4:].split("\t"), line_no)
            last = "main"
        elif line.startswith("dep\t"):
            deps.append(module(line[4:].split("\t"), line_no))
            last = "dep"
        elif line.startswith("=>\t"):
            elem = line[3:].split("\t")
            if len(elem) != 3:
                raise fail(line_no, f"expected 3 columns for replacement; got {len(elem)}")
            if last is None:
                raise fail(line_no, "replacement with no module on previous line")
            rep = Module(elem[0], elem[1], elem[2])
            if last == "main" and main is not None:
                main = Module(main.path, main.version, main.sum, rep)
            else:
                d = deps[-1]
                deps[-1] = Module(d.path, d.version, d.sum, rep)
            last = None
        elif line.startswith("build\t"):
            settings.append(_build_setting(line[6:], lambda why, n=line_no: fail(n, why)))
    return BuildInfo(go_version, bi_path, main, tuple(deps), tuple(settings))


def _build_setting(kv: str, fail) -> tuple[str, str]:
    if not kv:
        raise fail("build line missing '='")
    if kv[0] == "=":
        raise fail("build line with missing key")
    if kv[0] in "`\"":
        raw_key = gostrconv.quoted_prefix(kv)
        if raw_key is None:
            raise fail("invalid quoted key in build line")
        if len(kv) == len(raw_key) or kv[len(raw_key)] != "=":
            raise fail("build line missing '=' after quoted key")
        key = gostrconv.unquote(raw_key) or ""
        raw_value = kv[len(raw_key) + 1 :]
    else:
        key, sep, raw_value = kv.partition("=")
        if not sep:
            raise fail("build line missing '=' after key")
        if _quote_key(key):
            raise fail(f"unquoted key {key!r} must be quoted")
    value = raw_value
    if raw_value and raw_value[0] in "`\"":
        unq = gostrconv.unquote(raw_value)
        if unq is None:
            raise fail("invalid quoted value in build line")
        value = unq
    elif _quote_value(value):
        raise fail(f"unquoted value {value!r} must be quoted")
    return key, value
