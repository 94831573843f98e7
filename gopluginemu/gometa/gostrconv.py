"""Go's ``strconv.Quote`` / ``strconv.Unquote`` / ``QuotedPrefix`` for the strings build info carries."""

from __future__ import annotations

import unicodedata

_ESCAPES = {"\a": r"\a", "\b": r"\b", "\f": r"\f", "\n": r"\n", "\r": r"\r", "\t": r"\t", "\v": r"\v", "\\": "\\\\", '"': '\\"'}
_UNESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\", '"': '"', "'": "'"}


def _printable(ch: str) -> bool:
    # strconv.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space
    return ch == " " or unicodedata.category(ch)[0] in "LMNPS"


def quote(s: str) -> str:
    """``strconv.Quote(s)``."""
    out = ['"']
    for ch in s:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif _printable(ch):
            out.append(ch)
        elif ord(ch) < 0x80 or (0xDC80 <= ord(ch) <= 0xDCFF):
            out.append(f"\\x{(ord(ch) & 0xFF):02x}")  # control byte, or an invalid byte kept by surrogateescape
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def quoted_prefix(s: str) -> str | None:
    """``strconv.QuotedPrefix(s)``: the quoted string at the start of ``s``, or None."""
    if not s or s[0] not in "\"`":
        return None
    q = s[0]
    i = 1
    while i < len(s):
        if s[i] == q:
            return s[: i + 1]
        if q == '"' and s[i] == "\\":
            i += 1
        elif q == '"' and s[i] == "\n":
            return None
        i += 1
    return None


def unquote(s: str) -> str | None:
    """``strconv.Unquote(s)`` for double- and back-quoted strings; None if ``s`` is not valid."""
    if len(s) < 2 or s[0] != s[-1] or s[0] not in "\"`":
        return None
    body = s[1:-1]
    if s[0] == "`":
        return None if "`" in body else body.replace("\r", "")
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == '"' or ch == "\n":
            return None
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= len(body):
            return None
        esc = body[i + 1]
        if esc in _UNESCAPES and esc != "'":
            out.append(_UNESCAPES[esc])
            i += 2
            continue
        width = {"x": 2, "u": 4, "U": 8}.get(esc)
        try:
            if width:
                out.append(chr(int(body[i + 2 : i + 2 + width], 16)))
                i += 2 + width
            elif esc in "01234567":
                out.append(chr(int(body[i + 1 : i + 4], 8)))
                i += 4
            else:
                return None
        except ValueError:
            return None
    return "".join(out)
