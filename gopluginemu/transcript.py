"""The reference Go host's JSON value encoding (``corpus/go/host/values.go``), ported exactly.

``encode_top(v)`` / ``encode(v)`` give what the host writes for a Go value, so the
emulator's answers compare equal to Go's transcripts; ``decode(raw, typ, machine)`` builds a
Go value from a transcript argument the way the host's ``fromJSON``/``fromJSONAny`` do.

The pieces of Go's standard library the encoding depends on are ported too:
``format_float`` is ``strconv.FormatFloat(f, 'g', -1, 32|64)`` (shortest digits that read
back exactly, closest to the exact value), ``parse_float`` is ``strconv.ParseFloat`` (a
float32 rounded once, from the decimal), and ``json_marshal`` is ``encoding/json.Marshal``
of the encoded values (sorted object keys, HTML-safe escapes, ``\\u2028``/``\\u2029``),
whose bytes order a map's pairs.
"""

from __future__ import annotations

import json
import math
import re
import struct
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from gopluginemu.gometa.types import GoType
from gopluginemu.values import (
    GoValue,
    box,
    chan_info,
    dynamic_type,
    error_message,
    go_slice,
    go_string,
    make_map,
    map_items,
)

if TYPE_CHECKING:  # pragma: no cover
    from gopluginemu.engines.machine import Machine

MAX_DEPTH = 32
IFACE_TYPES = ("int", "int64", "uint8", "float64", "string", "bool", "[]int", "[]string", "map[string]int")


class TranscriptDecodeError(ValueError):
    """A transcript argument cannot be a value of the parameter's type (the host panics with
    ``host: cannot decode ...`` or a failed type assertion)."""


# -- strconv.FormatFloat(f, 'g', -1, bits) ------------------------------------------------

_FLOATS = {64: (52, 11, -1023, "d", "Q"), 32: (23, 8, -127, "f", "I")}


def _shortest(mant: int, exp2: int, mantbits: int, bias: int, biased: int) -> tuple[str, int]:
    """Shortest decimal digits ``ds`` and point position ``dp`` (value = 0.ds × 10^dp) that read
    back as ``mant × 2^exp2``, the closest such when several have that length."""
    v = Fraction(mant) * Fraction(2) ** exp2
    if biased > 1 and mant == 1 << mantbits:  # the float below is closer: a quarter step
        lo = Fraction(4 * mant - 1) * Fraction(2) ** (exp2 - 2)
    else:
        lo = Fraction(2 * mant - 1) * Fraction(2) ** (exp2 - 1)
    hi = Fraction(2 * mant + 1) * Fraction(2) ** (exp2 - 1)
    inclusive = mant % 2 == 0
    dexp = math.floor(math.log10(mant) + exp2 * math.log10(2))
    while Fraction(10) ** dexp > v:
        dexp -= 1
    while Fraction(10) ** (dexp + 1) <= v:
        dexp += 1
    for n in range(1, 40):
        k = dexp - n + 1
        scale = Fraction(10) ** k
        lo_s, hi_s, v_s = lo / scale, hi / scale, v / scale
        dmin = math.ceil(lo_s)
        if dmin == lo_s and not inclusive:
            dmin += 1
        dmax = math.floor(hi_s)
        if dmax == hi_s and not inclusive:
            dmax -= 1
        if dmin > dmax:
            continue
        d = round(v_s)  # round half to even
        d = min(max(d, dmin), dmax)
        ds = str(d)
        dp = len(ds) + k
        return ds.rstrip("0"), dp
    raise AssertionError("no shortest decimal")  # pragma: no cover


def format_float(f: float, bits: int = 64) -> str:
    """``strconv.FormatFloat(f, 'g', -1, bits)``; a float32 is ``f`` rounded to float32 first."""
    mantbits, expbits, bias, fmt, ifmt = _FLOATS[bits]
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    if bits == 32:
        f = _f32_convert(f)
        if math.isinf(f):
            return "+Inf" if f > 0 else "-Inf"
    raw = struct.unpack("<" + ifmt, struct.pack("<" + fmt, f))[0]
    neg = raw >> (mantbits + expbits)
    biased = (raw >> mantbits) & ((1 << expbits) - 1)
    mant = raw & ((1 << mantbits) - 1)
    sign = "-" if neg else ""
    if biased == 0 and mant == 0:
        return sign + "0"
    if biased == 0:
        exp = 1 + bias
    else:
        exp = biased + bias
        mant |= 1 << mantbits
    ds, dp = _shortest(mant, exp - mantbits, mantbits, bias, biased)
    nd = len(ds)
    x = dp - 1
    if x < -4 or x >= 6:  # %e: shortest 'g' decides with precision 6
        out = ds[0]
        if nd > 1:
            out += "." + ds[1:]
        e = x
        esign = "+"
        if e < 0:
            esign, e = "-", -e
        return sign + out + "e" + esign + (f"{e:02d}")
    prec = max(nd - dp, 0)
    if dp > 0:
        ip = ds[:dp] + "0" * max(dp - nd, 0)
    else:
        ip = "0"
    if prec > 0:
        frac = "".join(ds[i] if 0 <= i < nd else "0" for i in range(dp, dp + prec))
        return sign + ip + "." + frac
    return sign + ip


# -- strconv.ParseFloat -------------------------------------------------------------------

_DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_HEX = re.compile(r"^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$")


def _round_to_float(x: Fraction, bits: int) -> float:
    """``x`` rounded once (half to even) to a float of ``bits``; OverflowError if it rounds past
    the largest finite one."""
    mantbits, expbits, bias, *_ = _FLOATS[bits]
    if x == 0:
        return 0.0
    neg = x < 0
    a = -x if neg else x
    e = math.floor(math.log2(a.numerator) - math.log2(a.denominator))
    while Fraction(2) ** e > a:
        e -= 1
    while Fraction(2) ** (e + 1) <= a:
        e += 1
    emin = bias + 1  # -126 / -1022
    q = max(e, emin) - mantbits
    n = a / Fraction(2) ** q
    N = round(n)
    val = Fraction(N) * Fraction(2) ** q
    emax = (1 << expbits) - 2 + bias
    if val >= Fraction(2) ** (emax + 1):
        raise OverflowError("value out of range")
    out = float(val)  # exact: a float32 is a float64 too
    return -out if neg else out


def parse_float(s: str, bits: int = 64) -> float:
    """``strconv.ParseFloat(s, bits)`` (decimal and hexadecimal forms, ``Inf``/``NaN``);
    ``ValueError`` where Go returns a syntax or range error."""
    low = s.lower()
    body = low.lstrip("+-")
    if body in ("inf", "infinity") and len(low) - len(body) <= 1:
        return -math.inf if low.startswith("-") else math.inf
    if low == "nan":
        return math.nan
    neg = s.startswith("-")
    m = _HEX.match(s)
    if m:
        digits = m.group(2) + m.group(3)
        if not digits:
            raise ValueError(f"strconv.ParseFloat: parsing {s!r}: invalid syntax")
        x = Fraction(int(digits, 16)) * Fraction(2) ** (int(m.group(4)) - 4 * len(m.group(3)))
    elif _DECIMAL.match(s):
        x = Fraction(s.lstrip("+"))
    else:
        raise ValueError(f"strconv.ParseFloat: parsing {s!r}: invalid syntax")
    if x == 0:
        return -0.0 if neg else 0.0
    try:
        f = _round_to_float(x, bits)
    except OverflowError:
        raise ValueError(f"strconv.ParseFloat: parsing {s!r}: value out of range") from None
    return f


# -- encoding/json.Marshal ----------------------------------------------------------------

_HEXDIGITS = "0123456789abcdef"


def _json_string(s: str, escape_html: bool = True, go_release: tuple[int, int] = (1, 27)) -> str:
    """Go's ``appendString`` (``encoding/json/encode.go``); invalid UTF-8 (surrogate-escaped
    bytes, lone surrogates) becomes ``\\ufffd``."""
    out = ['"']
    for ch in s:
        c = ord(ch)
        if c < 0x80:
            if ch in '\\"':
                out.append("\\" + ch)
            elif c >= 0x20 and not (escape_html and ch in "<>&"):
                out.append(ch)
            elif ch == "\n":
                out.append("\\n")
            elif ch == "\r":
                out.append("\\r")
            elif ch == "\t":
                out.append("\\t")
            elif ch == "\b" and go_release >= (1, 22):
                out.append("\\b")
            elif ch == "\f" and go_release >= (1, 22):
                out.append("\\f")
            else:
                out.append("\\u00" + _HEXDIGITS[c >> 4] + _HEXDIGITS[c & 0xF])
        elif 0xD800 <= c <= 0xDFFF:
            out.append("\\ufffd")
        elif c in (0x2028, 0x2029):
            out.append("\\u202" + _HEXDIGITS[c & 0xF])
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _json_float(f: float) -> str:
    """``encoding/json``'s float64 encoding (only reached for floats in non-transcript data)."""
    if math.isnan(f) or math.isinf(f):
        raise ValueError(f"json: unsupported value: {format_float(f)}")
    a = abs(f)
    if a != 0 and (a < 1e-6 or a >= 1e21):
        r = repr(f)
        r = re.sub(r"e([+-])0(\d)$", r"e\1\2", r)
        return r
    text = format_float(f, 64)
    if "e" in text:  # 'g' chose %e but Go's json uses %f in this range
        return f"{Fraction(f):f}"  # pragma: no cover
    return text


def json_marshal(x: Any, go_release: tuple[int, int] = (1, 27)) -> bytes:
    """``json.Marshal`` of a value built from dicts (string keys), lists, strings, ints,
    bools and None, byte for byte."""
    return _marshal(x, go_release).encode("utf-8")


def _key_bytes(k: str) -> bytes:
    return k.encode("utf-8", "surrogatepass")


def _marshal(x: Any, rel: tuple[int, int]) -> str:
    if x is None:
        return "null"
    if x is True:
        return "true"
    if x is False:
        return "false"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        return _json_float(x)
    if isinstance(x, str):
        return _json_string(x, True, rel)
    if isinstance(x, (list, tuple)):
        return "[" + ",".join(_marshal(i, rel) for i in x) + "]"
    if isinstance(x, dict):
        keys = sorted(x, key=_key_bytes)
        return "{" + ",".join(_json_string(k, True, rel) + ":" + _marshal(x[k], rel) for k in keys) + "}"
    raise TypeError(f"json: unsupported type {type(x).__name__}")


# -- encode ------------------------------------------------------------------------------


def _release(v: GoValue) -> tuple[int, int]:
    try:
        a, b = v.machine.layout.release.split(".")[:2]
        return int(a), int(b)
    except (AttributeError, ValueError):  # pragma: no cover
        return (1, 27)


def encode_top(v: GoValue | None) -> dict | None:
    """``encodeTop``: ``{"T": static type, "V": value}`` (None for no value)."""
    if v is None:
        return None
    return {"T": v.type.string, "V": encode(v)}


def _utf8_valid(b: bytes) -> bool:
    try:
        b.decode("utf-8", "strict")
    except UnicodeDecodeError:
        return False
    return True


def encode(v: GoValue, depth: int = 0, can_interface: bool = True) -> Any:
    """``encode``: the transcript form of a Go value by its kind. ``can_interface`` is False
    below an unexported struct field (reflect's read-only flag), where the host cannot call
    ``Error()`` and writes no ``"Error"``."""
    if depth > MAX_DEPTH:
        return "..."
    t = v.type
    k = t.kind
    if k in ("Bool", "Int", "Int8", "Int16", "Int32", "Int64", "Uint", "Uint8", "Uint16", "Uint32", "Uint64", "Uintptr"):
        return v.to_python()
    if k == "Float32":
        return format_float(v.to_python(), 32)
    if k == "Float64":
        return format_float(v.to_python(), 64)
    if k in ("Complex64", "Complex128"):
        c = v.to_python()
        bits = 32 if k == "Complex64" else 64
        return [format_float(c.real, bits), format_float(c.imag, bits)]
    if k == "String":
        b = v.string_bytes()
        if not _utf8_valid(b):
            return {"utf8_hex": b.hex()}
        return b.decode("utf-8")
    if k == "Slice":
        if v.is_nil:
            return None
        if t.elem.kind == "Uint8":
            return {"hex": v.to_python().hex()}
        return [encode(e, depth + 1, can_interface) for e in v.items()]
    if k == "Array":
        return [encode(e, depth + 1, can_interface) for e in v.items()]
    if k == "Map":
        if v.is_nil:
            return None
        rel = _release(v)
        pairs = []
        for key, elem in map_items(v):
            ke = encode(key, depth + 1, can_interface)
            pairs.append((json_marshal(ke, rel), [ke, encode(elem, depth + 1, can_interface)]))
        pairs.sort(key=lambda p: p[0])
        return [p for _, p in pairs]
    if k == "Struct":
        out = {}
        for name, exported, fv in v.fields():
            out[name] = encode(fv, depth + 1, can_interface and exported)
        return out
    if k == "Pointer":
        target = v.deref()
        if target is None:
            return None
        return {"*": encode(target, depth + 1, can_interface)}
    if k == "Interface":
        if v.is_nil:
            return None
        dyn = v.dynamic()
        out = {"T": dynamic_type(v).string, "V": encode(dyn, depth + 1, can_interface)}
        if can_interface:
            msg = error_message(v)
            if msg is not None:
                out["Error"] = msg
        return out
    if k == "Func":
        return None if v.is_nil else "func"
    if k == "Chan":
        return None if v.is_nil else {"chan": chan_info(v)[1]}
    if k == "UnsafePointer":
        return None if v.is_nil else "unsafe.Pointer"
    raise TypeError(f"host: cannot encode kind {k}")


# -- decode ------------------------------------------------------------------------------


class Number(str):
    """A JSON number kept as its text (Go's ``json.Number``: ``Decoder.UseNumber``)."""


def _no_constant(name: str) -> Any:
    raise TranscriptDecodeError(f"invalid JSON value {name}")


def parse_json(raw: str | bytes) -> Any:
    """Parse JSON text with numbers kept as ``Number`` (their exact text)."""
    return json.loads(raw, parse_int=Number, parse_float=Number, parse_constant=_no_constant)


def _as_numbers(x: Any) -> Any:
    """Already-parsed JSON with Python numbers: numbers become ``Number`` text."""
    if isinstance(x, bool) or x is None or isinstance(x, Number):
        return x
    if isinstance(x, int):
        return Number(str(x))
    if isinstance(x, float):
        if not math.isfinite(x):
            raise TranscriptDecodeError(f"invalid JSON number {x!r}")
        return Number(repr(x))
    if isinstance(x, list):
        return [_as_numbers(i) for i in x]
    if isinstance(x, dict):
        return {k: _as_numbers(i) for k, i in x.items()}
    return x


def _go_sprint(x: Any) -> str:
    """``fmt.Sprint`` of a decoded JSON value, for error messages."""
    if x is None:
        return "<nil>"
    if x is True:
        return "true"
    if x is False:
        return "false"
    if isinstance(x, list):
        return "[" + " ".join(_go_sprint(i) for i in x) + "]"
    if isinstance(x, dict):
        return "map[" + " ".join(f"{k}:{_go_sprint(x[k])}" for k in sorted(x)) + "]"
    return str(x)


def _bad(x: Any, t: GoType) -> TranscriptDecodeError:
    return TranscriptDecodeError(f"host: cannot decode {_go_sprint(x)} as {t.string}")


_SURROGATE = re.compile("[\ud800-\udfff]")


def decode(raw: Any, typ: GoType, machine: Machine) -> GoValue:
    """``decode``: a Go value of type ``typ`` from a transcript argument: JSON text (exact), or
    an already-parsed value (Python floats are read back from their shortest repr)."""
    if isinstance(raw, (str, bytes, bytearray)) and not isinstance(raw, Number):
        try:
            x = parse_json(raw)
        except json.JSONDecodeError as exc:
            raise TranscriptDecodeError(f"host: bad argument {raw!r}: {exc}") from None
    else:
        x = _as_numbers(raw)
    return from_json(x, typ, machine)


_INT_RE = re.compile(r"^[+-]?[0-9]+$")
_UINT_RE = re.compile(r"^[0-9]+$")
_SIGNED = ("Int", "Int8", "Int16", "Int32", "Int64")
_UNSIGNED = ("Uint", "Uint8", "Uint16", "Uint32", "Uint64", "Uintptr")


def _parse_float_arg(x: Any, t: GoType, bits: int) -> float:
    if not isinstance(x, str):  # Number is a str too: json.Number or string
        raise _bad(x, t)
    try:
        return parse_float(str(x), bits)
    except ValueError:
        raise _bad(x, t) from None


def _f32_convert(f: float) -> float:
    """Go's float64 -> float32 conversion (round to nearest; past the range gives ±Inf)."""
    try:
        return struct.unpack("<f", struct.pack("<f", f))[0]
    except OverflowError:
        return math.copysign(math.inf, f)


def from_json(x: Any, t: GoType, machine: Machine) -> GoValue:
    """``fromJSON``: ``x`` is decoded JSON (numbers as ``Number``)."""
    m = machine
    order = m.byte_order
    k = t.kind
    if x is None:
        return GoValue.zero(m, t)
    if k == "Bool":
        if not isinstance(x, bool):
            raise _bad(x, t)
        return GoValue(t, bytes([x]), m)
    if k in _SIGNED or k in _UNSIGNED:
        if not isinstance(x, Number) or not (_INT_RE if k in _SIGNED else _UINT_RE).match(x):
            raise _bad(x, t)
        n = int(x)
        bits = 8 * t.size
        if k in _SIGNED:
            ok = -(1 << 63) <= n < (1 << 63) and -(1 << (bits - 1)) <= n < (1 << (bits - 1))
        else:
            ok = n < (1 << 64) and n < (1 << bits)
        if not ok:
            raise _bad(x, t)
        return GoValue(t, n.to_bytes(t.size, order, signed=k in _SIGNED), m)
    if k in ("Float32", "Float64"):
        bits = 32 if k == "Float32" else 64
        f = _parse_float_arg(x, t, bits)
        fmt = ("<" if order == "little" else ">") + ("f" if bits == 32 else "d")
        return GoValue(t, struct.pack(fmt, f), m)
    if k in ("Complex64", "Complex128"):
        if not isinstance(x, list) or len(x) < 2:
            raise _bad(x, t)
        f64 = GoType(0, "Float64", "float64", 8, False)
        re_, im = _parse_float_arg(x[0], f64, 64), _parse_float_arg(x[1], f64, 64)
        if k == "Complex64":
            fmt = ("<" if order == "little" else ">") + "ff"
            return GoValue(t, struct.pack(fmt, _f32_convert(re_), _f32_convert(im)), m)
        fmt = ("<" if order == "little" else ">") + "dd"
        return GoValue(t, struct.pack(fmt, re_, im), m)
    if k == "String":
        if not isinstance(x, str) or isinstance(x, Number):
            raise _bad(x, t)
        return go_string(m, t, _SURROGATE.sub("\ufffd", x).encode("utf-8"))
    if k == "Slice":
        if isinstance(x, dict) and t.elem.kind == "Uint8":
            h = x.get("hex")
            try:
                data = bytes.fromhex(h) if isinstance(h, str) and len(h) % 2 == 0 and not re.search(r"\s", h) else None
            except ValueError:
                data = None
            if data is None:
                raise _bad(x, t)
            return go_slice(m, t, data)
        if not isinstance(x, list):
            raise _bad(x, t)
        if t.elem.kind == "Uint8" and not x:
            return go_slice(m, t, b"")
        return go_slice(m, t, [from_json(i, t.elem, m) for i in x])
    if k == "Array":
        if not isinstance(x, list):
            raise _bad(x, t)
        if len(x) > t.length:
            raise TranscriptDecodeError(f"reflect: array index out of range ({t.string} given {len(x)} elements)")
        data = bytearray(t.size)
        es = t.elem.size
        for i, item in enumerate(x):
            data[i * es : (i + 1) * es] = from_json(item, t.elem, m).data
        return GoValue(t, bytes(data), m)
    if k == "Map":
        if isinstance(x, dict):
            pairs = [(from_json(key, t.key, m), from_json(item, t.elem, m)) for key, item in x.items()]
        elif isinstance(x, list):
            pairs = []
            for p in x:
                if not isinstance(p, list) or len(p) < 2:
                    raise _bad(x, t)
                pairs.append((from_json(p[0], t.key, m), from_json(p[1], t.elem, m)))
        else:
            raise _bad(x, t)
        return make_map(m, t, pairs)
    if k == "Struct":
        if not isinstance(x, dict):
            raise _bad(x, t)
        data = bytearray(t.size)
        for name, item in x.items():
            found = _field_by_name(t, name)
            if found is None:
                raise _bad(x, t)
            ft, off, exported = found
            if not exported:
                raise TranscriptDecodeError(
                    f"reflect: reflect.Value.Set using value obtained using unexported field ({t.string}.{name})"
                )
            data[off : off + ft.size] = from_json(item, ft, m).data
        return GoValue(t, bytes(data), m)
    if k == "Pointer":
        if not isinstance(x, dict):
            raise _bad(x, t)
        elem = from_json(x.get("*"), t.elem, m)
        addr = m.alloc(max(t.elem.size, 1), t.elem if _has_ptrs(m, t.elem) else None)
        if elem.data:
            m.write(addr, elem.data)
        return GoValue(t, addr.to_bytes(m.ptr_size, order), m)
    if k == "Interface":
        return from_json_any(x, t, m)
    raise _bad(x, t)


def _has_ptrs(m: Machine, t: GoType) -> bool:
    from gopluginemu.values import has_pointers

    return has_pointers(m, t)


def _field_by_name(t: GoType, name: str, depth: int = 0) -> tuple[GoType, int, bool] | None:
    """``reflect.Value.FieldByName``: a direct field, else one promoted from an embedded struct
    (the shallowest; embedded pointers are not followed)."""
    for n, ft, off in t.fields:
        if n.name == name:
            return ft, off, n.exported
    if depth > 8:
        return None
    for n, ft, off in t.fields:
        if n.embedded and ft.kind == "Struct":
            found = _field_by_name(ft, name, depth + 1)
            if found is not None:
                return found[0], off + found[1], found[2] and n.exported
    return None


def from_json_any(x: Any, t: GoType, machine: Machine) -> GoValue:
    """``fromJSONAny``: JSON basics (an integral number is an ``int``, any other a ``float64``)
    or ``{"T": type, "V": value}`` for the types of ``IFACE_TYPES``, stored in ``t``."""
    m = machine

    def named(name: str) -> GoType:
        typ = m.type_named(name)
        if typ is None:
            raise TranscriptDecodeError(f"the plugin has no descriptor for {name}")
        return typ

    if isinstance(x, bool):
        dyn = from_json(x, named("bool"), m)
    elif isinstance(x, Number):
        if _INT_RE.match(x) and -(1 << 63) <= int(x) < (1 << 63):
            dyn = from_json(x, named("int"), m)
        else:
            f64 = named("float64")
            dyn = GoValue(f64, struct.pack("<d" if m.byte_order == "little" else ">d", _parse_float_arg(x, f64, 64)), m)
    elif isinstance(x, str):
        dyn = from_json(x, named("string"), m)
    elif isinstance(x, dict):
        name = _go_sprint(x.get("T"))
        if name not in IFACE_TYPES:
            raise _bad(x, t)
        dyn = from_json(x.get("V"), named(name), m)
    else:
        raise _bad(x, t)
    if t.methods:  # none of the decodable types has methods: not assignable
        raise _bad(x, t)
    return box(m, t, dyn)


__all__ = [
    "IFACE_TYPES",
    "MAX_DEPTH",
    "Number",
    "TranscriptDecodeError",
    "decode",
    "encode",
    "encode_top",
    "format_float",
    "from_json",
    "from_json_any",
    "json_marshal",
    "parse_float",
    "parse_json",
]
