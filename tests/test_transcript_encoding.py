"""The reference host's value encoding (gopluginemu.transcript) against Go itself.

Float formatting, float32 parsing and json.Marshal bytes are checked against vectors printed
by Go 1.27.3 (strconv.FormatFloat(f, 'g', -1, 64|32), strconv.ParseFloat(s, 32),
json.Marshal); encode/decode against the values in the recorded funcs transcript: every
result Go wrote decodes into a Go value of its declared type that encodes back to the same
JSON (over tests.fake_machine.FakeMachine, whose map runtime is a Python stand-in).
"""

from __future__ import annotations

import json
import math
import random
import struct

import pytest

from gopluginemu.gometa.types import GoType, Name
from gopluginemu.transcript import (
    TranscriptDecodeError,
    decode,
    encode,
    encode_top,
    format_float,
    json_marshal,
    parse_float,
)
from gopluginemu.values import GoValue, from_python
from tests.conftest import transcript
from tests.fake_machine import _install_error_string, machine, sig  # noqa: F401

# (float64 bits, FormatFloat(f, 'g', -1, 64), FormatFloat(float64(float32(f)), 'g', -1, 32))
FLOAT_VECTORS = [
    ("0000000000000000", "0", "0"),
    ("3ff0000000000000", "1", "1"),
    ("412e848000000000", "1e+06", "1e+06"),
    ("444b1ae4d6e2ef50", "1e+21", "1e+21"),
    ("3e7ad7f29abcaf48", "1e-07", "1e-07"),
    ("40fe240000000000", "123456", "123456"),
    ("4132d68700000000", "1.234567e+06", "1.234567e+06"),
    ("0000000000000001", "5e-324", "0"),
    ("7fefffffffffffff", "1.7976931348623157e+308", "+Inf"),
    ("36a0000000000000", "1.401298464324817e-45", "1e-45"),
    ("47efffffe0000000", "3.4028234663852886e+38", "3.4028235e+38"),
    ("3fb999999999999a", "0.1", "0.1"),
    ("3fd5555555555555", "0.3333333333333333", "0.33333334"),
    ("3efa36e2eb1c432d", "2.5e-05", "2.5e-05"),
    ("412e847fcccccccd", "999999.9", "999999.9"),
    ("412e847f00000000", "999999.5", "999999.5"),
    ("40f86a0000000000", "100000", "100000"),
    ("42000004b0400000", "8.589973e+09", "8.589974e+09"),
    ("7fefffffffffffff", "1.7976931348623157e+308", "+Inf"),
    ("0010000000000000", "2.2250738585072014e-308", "0"),
    ("381000000b3aeeab", "1.1754944e-38", "1.1754944e-38"),
    ("759e421e454dfff3", "3.634632067643165e+258", ""),
    ("40f61dc400000000", "90588.25", "90588.25"),
    ("4270f68ae4d25241", "1.1656923906931409e+12", "1.1656924e+12"),
    ("44725a5440000000", "5.416804656911573e+21", "5.4168047e+21"),
    ("970addd8077b5a61", "-1.1231692494820505e-197", "-0"),
    ("40f53ace00000000", "86956.875", "86956.875"),
    ("c225bae15232fc9a", "-4.666482101749336e+10", "-4.6664823e+10"),
    ("457a3793e0000000", "5.071124684610894e+26", "5.0711247e+26"),
    ("f89f6ef48cd59bf4", "-1.062790615881931e+273", ""),
    ("40e67f2600000000", "46073.1875", "46073.188"),
    ("c237cb0ddefdd720", "-1.0219093170984033e+11", "-1.0219093e+11"),
    ("c329f92020000000", "-3.655395394453504e+15", "-3.6553954e+15"),
    ("0c4d6d98fe36afcc", "2.055114666540428e-249", "0"),
    ("40f39f6500000000", "80374.3125", "80374.31"),
    ("3f762128cfb9af57", "0.005402717036854763", "0.005402717"),
    ("bb317d8380000000", "-1.4467626960219214e-23", "-1.4467627e-23"),
    ("7565eb81e75addf8", "3.291288008912802e+257", ""),
    ("40eeb7da00000000", "62910.8125", "62910.812"),
    ("3f75d0608b7359a0", "0.005325677039954263", "0.005325677"),
    ("bc635c6da0000000", "-8.396516010581834e-18", "-8.396516e-18"),
    ("f1570ec70fe4c40c", "-9.384109053447327e+237", ""),
    ("40f8d74200000000", "101748.125", "101748.125"),
    ("404a17a39cae77ab", "52.184680543126284", "52.18468"),
    ("c62fdb1e20000000", "-1.2619433369916925e+30", "-1.2619433e+30"),
    ("7a7864ea0bb2d68a", "8.856099193925864e+281", ""),
    ("40d820cc00000000", "24707.1875", "24707.188"),
    ("433d6686254a5917", "8.275500661889303e+15", "8.2755006e+15"),
    ("43a11f5ba0000000", "6.169027828378501e+17", "6.169028e+17"),
    ("eb8d08b4eab002a3", "-1.1931471981860569e+210", ""),
    ("40fcf28f00000000", "118568.9375", "118568.94"),
    ("3d8208c8d3e9e772", "2.050264173346089e-12", "2.0502643e-12"),
    ("390ba42da0000000", "6.6544060209152935e-34", "6.654406e-34"),
    ("746f7610efe44e76", "7.208113341325551e+252", ""),
    ("40faeb8600000000", "110264.375", "110264.375"),
    ("bfa78fd2b549b2b4", "-0.046019158010357414", "-0.04601916"),
    ("386c3944e0000000", "6.635361674360095e-37", "6.6353617e-37"),
    ("599edc825360d5b3", "5.1002721552308856e+123", ""),
    ("40f475fb00000000", "83807.6875", "83807.69"),
    ("3d0e1266a1349e44", "1.3354596764029533e-14", "1.3354597e-14"),
    ("c420d751a0000000", "-1.5533163164624067e+20", "-1.5533163e+20"),
    ("3160719b4e6f4bbb", "7.44547793193073e-71", "0"),
    ("40ea6ba400000000", "54109.125", "54109.125"),
    ("3f55f725f3337400", "0.0013406630139833897", "0.0013406631"),
    ("c79c81e280000000", "-9.473196035625966e+36", "-9.473196e+36"),
    ("b41a01bf65aaf37e", "-1.0357816327864828e-57", "-0"),
    ("40b2467000000000", "4678.4375", "4678.4375"),
    ("404f980ec5cabc74", "63.187950824730166", "63.18795"),
    ("c0a76e96a0000000", "-2999.294189453125", "-2999.2942"),
    ("d0d6fb6cfe13d673", "-2.7250166387473894e+81", ""),
    ("40f43b8500000000", "82872.3125", "82872.31"),
    ("c352c9a947d6ed8f", "-2.1153113890862652e+16", "-2.1153113e+16"),
    ("3f894c83e0000000", "0.01235297229140997", "0.012352972"),
    ("a1ec7c1751a1bc9c", "-2.851439902056116e-145", "-0"),
    ("40e873c200000000", "50078.0625", "50078.062"),
    ("3f402bb91b2e2908", "0.0004934934462295379", "0.00049349345"),
    ("3e71425f60000000", "6.42957829199986e-08", "6.429578e-08"),
    ("9c0b7eaef573a272", "-1.3895813553246095e-173", "-0"),
    ("40f01a3e00000000", "65955.875", "65955.875"),
    ("c0a5ee86bb2950d6", "-2807.263146678083", "-2807.2632"),
    ("c4ce004980000000", "-2.833525814385023e+23", "-2.8335258e+23"),
    ("b044b26b39b41f98", "-3.5748467388673225e-76", "-0"),
    ("40f1186d00000000", "70022.8125", "70022.81"),
    ("40bbd8f1f4fbb35d", "7128.945144397058", "7128.9453"),
    ("c25e81aae0000000", "-5.24097912832e+11", "-5.240979e+11"),
    ("32204e2afd96d50e", "3.023994017039614e-67", "0"),
    ("40f3d41000000000", "81217", "81217"),
    ("c0d202706cb4d608", "-18441.75663491155", "-18441.756"),
    ("3c586117e0000000", "5.286411619562587e-18", "5.2864116e-18"),
    ("ee16dc63981f702b", "-2.0659035425796816e+222", ""),
    ("40fd13b100000000", "119099.0625", "119099.06"),
    ("bfff2e36980de812", "-1.9487825336095779", "-1.9487826"),
    ("4113076560000000", "311769.34375", "311769.34"),
    ("e7ff0e9b67e6b1bf", "-8.855999159822665e+192", ""),
    ("40f2ef6800000000", "77558.5", "77558.5"),
    ("c084427291e4652a", "-648.3059423297284", "-648.30597"),
    ("4502bdd320000000", "2.832135823396031e+24", "2.8321358e+24"),
    ("660aab0737736cde", "3.541107470378388e+183", ""),
    ("40e58dd200000000", "44142.5625", "44142.562"),
    ("c21376b72887ce70", "-2.08990233939516e+10", "-2.0899023e+10"),
    ("c4625c2620000000", "-2.709451385693987e+21", "-2.7094514e+21"),
    ("5985c8915fd2298d", "1.8000114622775176e+123", ""),
    ("40e1897a00000000", "35915.8125", "35915.812"),
    ("3bd6542cf4a6b5ab", "1.891323856381313e-20", "1.8913239e-20"),
    ("bd55126400000000", "-2.9944883378485443e-13", "-2.9944883e-13"),
    ("712201582821b410", "9.159795860747338e+236", ""),
    ("40f82b9800000000", "99001.5", "99001.5"),
    ("bcd1882289880dae", "-9.732091241966206e-16", "-9.732091e-16"),
    ("421ac98240000000", "2.8762476544e+10", "2.8762477e+10"),
    ("7f213f90a309895a", "2.3656579449827815e+304", ""),
    ("406baa0000000000", "221.3125", "221.3125"),
    ("c343acf52e2f8c78", "-1.1076387198671088e+16", "-1.1076387e+16"),
    ("3aae56bb60000000", "4.901496946994964e-26", "4.901497e-26"),
    ("43c389acb9d21061", "2.8156925452464133e+18", "2.8156926e+18"),
    ("40f70ed600000000", "94445.375", "94445.375"),
    ("43dee9fd882d8820", "8.910361008130785e+18", "8.910361e+18"),
    ("4284f3c080000000", "2.879642402816e+12", "2.8796424e+12"),
    ("4cc2f7fcd0bfeedc", "6.096305588315163e+61", ""),
    ("40fc005f00000000", "114693.9375", "114693.94"),
    ("416d4b66d1019e9f", "1.5358774531447707e+07", "1.5358775e+07"),
    ("42745acd20000000", "1.398763814912e+12", "1.3987638e+12"),
    ("68fad187d5d57373", "5.01177211216899e+197", ""),
    ("40e9e22200000000", "53009.0625", "53009.062"),
    ("3e93e43a14496fa3", "2.964066150629027e-07", "2.9640663e-07"),
    ("44cc0ca000000000", "2.649183033285613e+23", "2.649183e+23"),
    ("32e78e10115ab156", "1.7893396716997083e-63", "0"),
    ("40db49dc00000000", "27943.4375", "27943.438"),
    ("c19d0069a659cf95", "-1.2164157758770593e+08", "-1.21641576e+08"),
    ("3a84fc4c40000000", "8.475991492600981e-27", "8.4759915e-27"),
    ("17704903857090ff", "8.714373897635611e-196", "0"),
    ("40d536e400000000", "21723.5625", "21723.562"),
    ("bba170ba3a9be39f", "-1.846567996299686e-21", "-1.846568e-21"),
    ("bad6523ac0000000", "-2.8849486399024857e-25", "-2.8849486e-25"),
    ("5a180ea768fe8af7", "1.0178037376521256e+126", ""),
    ("40a9c28000000000", "3297.25", "3297.25"),
    ("3db1372d28f78b9a", "1.5657435903749264e-11", "1.5657435e-11"),
    ("4671337940000000", "2.180494528798417e+31", "2.1804945e+31"),
    ("bd25085c7d08689d", "-3.736151168200077e-14", "-3.7361512e-14"),
    ("40eadeaa00000000", "55029.3125", "55029.312"),
    ("c1247605e5012346", "-670466.9472743056", "-670466.94"),
    ("c0592efd20000000", "-100.73419952392578", "-100.7342"),
    ("1059bc125ed8b892", "6.630429735826729e-230", "0"),
    ("40f1d5f100000000", "73055.0625", "73055.06"),
    ("42407478795f99ad", "1.413470583672006e+11", "1.4134706e+11"),
    ("bf10931300000000", "-6.322673289105296e-05", "-6.322673e-05"),
    ("c8b3299cd4324aea", "-1.6692934711015354e+42", ""),
    ("40e9df1400000000", "52984.625", "52984.625"),
    ("3c456fbae2553387", "2.3241440646215944e-18", "2.324144e-18"),
    ("43d3336340000000", "5.534234548247724e+18", "5.5342345e+18"),
    ("be3f7ee960105766", "-7.333175401134007e-09", "-7.3331754e-09"),
    ("40d1a50c00000000", "18068.1875", "18068.188"),
    ("438b39f866136199", "2.452340287490097e+17", "2.4523403e+17"),
    ("40e38d8520000000", "40044.16015625", "40044.16"),
    ("6b3e4559eed16668", "3.887428377965893e+208", ""),
    ("40f184c100000000", "71756.0625", "71756.06"),
]


def test_format_float_matches_go_vectors():
    for bits_hex, s64, s32 in FLOAT_VECTORS:
        f = struct.unpack("<d", bytes.fromhex(bits_hex)[::-1])[0]
        assert format_float(f, 64) == s64, bits_hex
        if s32:
            assert format_float(f, 32) == s32, bits_hex


def test_format_float_named_cases():
    assert format_float(1e6) == "1e+06" and format_float(123456.0) == "123456"
    assert format_float(3.4028234663852886e38, 32) == "3.4028235e+38"
    assert format_float(0.1, 32) == "0.1" and format_float(struct.unpack("<f", struct.pack("<f", 0.1))[0], 64) == "0.10000000149011612"
    assert format_float(5e-324) == "5e-324" and format_float(1e-5) == "1e-05" and format_float(1e-4) == "0.0001"
    assert format_float(math.nan) == "NaN" and format_float(math.inf, 32) == "+Inf" and format_float(-math.inf) == "-Inf"
    assert format_float(-0.0) == "-0" and format_float(0.0, 32) == "0"
    assert format_float(1e21) == "1e+21" and format_float(1e300) == "1e+300" and format_float(-2.5) == "-2.5"
    assert format_float(12.566370614359172) == "12.566370614359172" and format_float(1e100 / 3) == "3.333333333333333e+99"


def test_format_float64_is_shortest_and_exact():
    rng = random.Random(1)
    for _ in range(3000):
        f = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        if not math.isfinite(f):
            continue
        text = format_float(f)
        assert float(text) == f
        digits = text.lstrip("-").split("e")[0].replace(".", "").lstrip("0").rstrip("0")
        ref = repr(f).lstrip("-").split("e")[0].replace(".", "").lstrip("0").rstrip("0")
        assert len(digits) == len(ref) and digits == ref, (f, text)


def test_parse_float_matches_go():
    bits32 = lambda f: struct.unpack("<I", struct.pack("<f", f))[0]  # noqa: E731
    go = {  # strconv.ParseFloat(s, 32): float32 bits, or a range error
        "0.1": 0x3DCCCCCD,
        "3.4028235e38": 0x7F7FFFFF,
        "1e-46": 0,
        "1.00000005960464477550": 0x3F800001,  # a double rounding would give 0x3f800000
        "16777217": 0x4B800000,
        "0x1.fffffep127": 0x7F7FFFFF,
        "-0": 0x80000000,
        "7.006492321624085e-46": 0,
    }
    for s, want in go.items():
        assert bits32(parse_float(s, 32)) == want, s
    for s in ("3.4028236e38", "1e39", "abc", "1_0", " 1", "0x1p"):
        with pytest.raises(ValueError):
            parse_float(s, 32)
    assert parse_float("1e308") == 1e308 and math.isinf(parse_float("-Inf")) and math.isnan(parse_float("NaN"))
    with pytest.raises(ValueError):
        parse_float("1e309")


def test_json_marshal_matches_go():
    keys = ["a<b", "x&y", "\u2028", "\b\f\x01", "é", {"V": 1, "T": "int"}, ["1", "2"], -5, True, None]
    go = ['"a\\u003cb"', '"x\\u0026y"', '"\\u2028"', '"\\b\\f\\u0001"', '"é"', '{"T":"int","V":1}', '["1","2"]', "-5", "true", "null"]
    assert [json_marshal(k).decode() for k in keys] == go
    assert json_marshal("\b", go_release=(1, 21)) == b'"\\u0008"'


def test_results_of_the_funcs_transcript_decode_and_encode_back(machine, sig):
    events = transcript("1.27.3", "linux/amd64", "funcs").events
    checked = 0
    kinds = set()
    for e in events:
        if e["op"] != "call" or "symbol" not in e or "results" not in e:
            continue
        for want, typ in zip(e["results"], sig[e["symbol"]].results):
            assert want["T"] == typ.string
            try:
                v = decode(json.dumps(want["V"]), typ, machine)
            except TranscriptDecodeError:
                assert typ.kind in ("Func", "Chan", "Interface"), (e["symbol"], want)
                continue
            assert encode_top(v) == want, e["symbol"]
            checked += 1
            kinds.add(typ.kind)
    assert checked > 100
    assert {"Int", "Int8", "Float32", "Float64", "Complex64", "Complex128", "String", "Slice", "Array", "Map", "Struct", "Pointer", "Interface", "Bool", "Uint64", "Uint8"} <= kinds


def test_arguments_of_the_funcs_transcript_decode(machine, sig):
    events = transcript("1.27.3", "linux/amd64", "funcs").events
    by_args = {}
    for e in events:
        if e["op"] == "call" and "symbol" in e and e["symbol"] in ("Describe", "Echo", "Halve", "Transpose", "UpperBytes", "Birthday", "Sum"):
            ft = sig[e["symbol"]]
            for i, raw in enumerate(e.get("args", [])):
                t = ft.params[-1].elem if ft.variadic and i >= len(ft.params) - 1 else ft.params[i]
                by_args.setdefault(e["symbol"], []).append(encode(decode(json.dumps(raw), t, machine)))
    assert by_args["Describe"] == [
        {"T": "int", "V": 12},
        {"T": "float64", "V": "2.5"},
        {"T": "string", "V": "text"},
        {"T": "bool", "V": False},
        None,
        {"T": "[]int", "V": [1, 2, 3]},
        {"T": "uint8", "V": 200},
    ]
    assert {"T": "float64", "V": "1e+300"} in by_args["Echo"]
    assert {"T": "map[string]int", "V": [["a", 1], ["b", 2]]} in by_args["Echo"]
    assert by_args["Halve"][:3] == ["3", "0.1", "-Inf"]
    assert by_args["UpperBytes"] == [{"hex": "68656c6c6f00ff"}, None]
    assert by_args["Birthday"][1]["Boss"] == {"*": {"Name": "Cy", "Age": 60, "Tags": None, "Home": {"City": "", "Zip": ""}, "Boss": None}}


def test_decode_rejects_what_the_host_rejects(machine, sig):
    int8 = sig["IncInt8"].params[0]
    for raw in ("128", "1.5", '"1"', "true", "[1]"):
        with pytest.raises(TranscriptDecodeError):
            decode(raw, int8, machine)
    assert decode("-128", int8, machine).to_python() == -128
    u64 = sig["AddU64"].params[0]
    assert decode("18446744073709551615", u64, machine).to_python() == 2**64 - 1
    with pytest.raises(TranscriptDecodeError):
        decode("-1", u64, machine)
    with pytest.raises(TranscriptDecodeError):
        decode('{"Nope": 1}', sig["Birthday"].params[0], machine)
    with pytest.raises(TranscriptDecodeError):
        decode('{"T": "int8", "V": 1}', sig["Echo"].params[0], machine)  # not in ifaceTypes
    with pytest.raises(TranscriptDecodeError):
        decode('"x"', sig["Sqrt"].results[1], machine)  # error: a string is not assignable
    # an integral number into any is int; a larger one becomes float64, as ParseInt fails
    big = decode("99999999999999999999", sig["Echo"].params[0], machine)
    assert encode(big) == {"T": "float64", "V": "1e+20"}
    # float32 parameters are parsed straight to float32 (one rounding)
    f32 = sig["Halve"].results[0]
    assert decode("1.00000005960464477550", f32, machine).data == struct.pack("<I", 0x3F800001)
    # complex parts are parsed as float64, then converted
    c64 = sig["Conj64"].params[0]
    assert encode(decode('["1.5", "-0.25"]', c64, machine)) == ["1.5", "-0.25"]


def test_encode_special_values(machine, sig):
    s = sig["Reverse"].params[0]
    assert encode(from_python(machine, s, b"ok\xff")) == {"utf8_hex": "6f6bff"}
    ss = sig["Split"].results[0]
    assert encode(from_python(machine, ss, None)) is None and encode(from_python(machine, ss, [])) == []
    inv = sig["Invert"].results[0]  # map[int]string: keys sorted by their JSON bytes
    m = from_python(machine, inv, {10: "a", 2: "b", -1: "c", 100: "d"})
    assert encode(m) == [[-1, "c"], [10, "a"], [100, "d"], [2, "b"]]
    assert encode(from_python(machine, inv, None)) is None
    ft = sig["Apply"].params[0]
    assert encode(GoValue(ft, (0x55).to_bytes(8, "little"), machine)) == "func" and encode(GoValue.zero(machine, ft)) is None
    ct = sig["Chan"].results[0]
    h = machine.alloc(96)
    machine.write(h, (0).to_bytes(8, "little") + (3).to_bytes(8, "little"))
    assert encode_top(GoValue(ct, h.to_bytes(8, "little"), machine)) == {"T": "chan int", "V": {"chan": 3}}
    assert encode_top(None) is None


def test_encode_errors_and_depth(machine, sig):
    itab = _install_error_string(machine)
    s = machine.alloc(16)
    machine.write(s, b"".join(x.to_bytes(8, "little") for x in machine.put_string(b"negative input")))
    errt = sig["Sqrt"].results[1]
    v = GoValue(errt, itab.to_bytes(8, "little") + s.to_bytes(8, "little"), machine)
    # exactly the ErrNegative event of the transcript
    want = next(e for e in transcript("1.27.3", "linux/amd64", "funcs").events if e.get("symbol") == "ErrNegative" and e["op"] == "load")
    assert encode_top(v) == want["result"]
    # below an unexported field the host cannot call Error(): no "Error" key
    hidden = GoType(0, "Struct", "main.wrap", 32, True, fields=[(Name("err", exported=False), errt, 0), (Name("Err", exported=True), errt, 16)])
    w = encode(GoValue(hidden, v.data + v.data, machine))
    assert "Error" not in w["err"] and w["Err"]["Error"] == "negative input"
    # depth: a chain of 40 pointers ends in "..." after 32 levels
    person = sig["NewPerson"].results[0]
    p = None
    for i in range(40):
        p = from_python(machine, person, {"Name": str(i), "Boss": p})
    enc = encode(p)
    depth = 0
    while isinstance(enc["*"], dict):
        enc = enc["*"]["Boss"]
        depth += 1
    # pointers sit at depths 0, 2, ..., 32; the struct below the last one (depth 33) is cut
    assert enc == {"*": "..."} and depth == 16
