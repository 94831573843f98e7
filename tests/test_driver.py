"""Calls through the driver loop in emulated code (amd64 and arm64; ppc64le and s390x end calls
in a code hook): a batch gives what the same calls one by one give, panics name the call that
panicked, also past the first run of a long batch, and goroutines still end as Go ends them."""

from __future__ import annotations

import pytest

from gopluginemu import GoPanic
from gopluginemu.api import Session
from gopluginemu.engines.emulate.driver import BUFFER
from tests.conftest import DETAIL_GO, EMULATED_TARGETS, built_plugin

CASES = [(go, target) for go in DETAIL_GO for target in EMULATED_TARGETS]
DRIVER_ARCHES = ("amd64", "arm64")

# (function, items): register-only signatures, stack arguments and results (ManyInts and
# ManyFloats on amd64, SumBig everywhere), floats, bools and strings
BATCHES = [
    ("Negate", [-(2**63), -1, 0, 1, 2**63 - 1]),
    ("Widen", [(-128, -32768, -(2**31), 255, 65535, 2**32 - 1), (1, 2, 3, 4, 5, 6)]),
    ("AddU64", [(2**64 - 1, 1), (2, 3)]),
    ("Not", [True, False]),
    ("Halve", [3.0, -1.5]),
    ("Swap", [("a", "b"), ("héllo", "")]),
    ("ManyInts", [tuple(range(12)), tuple(range(-12, 0))]),
    ("ManyFloats", [tuple(float(i) for i in range(17)), tuple(-0.5 * i for i in range(17))]),
    ("ManyResults", [1, 2, 3]),
    ("MakeBig", [1, 2]),
]


@pytest.fixture(params=CASES, ids=[f"{go}-{target}" for go, target in CASES])
def case(request):
    return request.param


def _open(go, target, name):
    return Session().open(str(built_plugin(go, target, name)))


def test_driver_where_the_cpu_has_one(case):
    go, target = case
    machine = _open(go, target, "hello").machine
    assert (machine.host.driver is not None) == (machine.arch.goarch in DRIVER_ARCHES)


def test_batch_equals_calls_one_by_one(case):
    go, target = case
    p = _open(go, target, "funcs")
    for name, items in BATCHES:
        f = p.lookup(name)
        one_by_one = [f(*item) if isinstance(item, tuple) else f(item) for item in items]
        assert f.map(items) == one_by_one, name
    sum_big, big = p.lookup("SumBig"), p.lookup("MakeBig")
    bigs = [big(1), big(2)]
    assert sum_big.map(bigs) == [sum_big(b) for b in bigs]


def test_panic_index_past_the_first_run(case):
    go, target = case
    p = _open(go, target, "panics")
    f = p.lookup("IndexOutOfRange")
    n = BUFFER // 8  # more calls than one run of the driver takes
    items = [1] * n
    items[n - 5] = 9
    with pytest.raises(GoPanic) as info:
        f.map(items)
    assert info.value.index == n - 5 and str(info.value) == "runtime error: index out of range [9] with length 3"
    assert f.map([0, 1, 2]) == [f(0), f(1), f(2)]


def test_goroutines_end_as_in_go(case):
    go, target = case
    p = _open(go, target, "concurrency")
    assert p.lookup("ParallelSum").map([(100, 4), (10, 1)]) == [5050, 55]
    assert p.lookup("Goroutines").map([8, 3]) == [8, 3]


def test_string_signatures(case):
    go, target = case
    greet = _open(go, target, "hello").lookup("Greet")
    assert [greet(""), greet("héllo"), greet(b"x")] == ["hello, ", "hello, héllo", "hello, x"]
    with pytest.raises(TypeError, match="argument 1 wants string"):
        greet(5)
    funcs = _open(go, target, "funcs")
    assert funcs.lookup("RuneInfo")(0xE9) == ("é", 2, 0xE9)
    assert funcs.lookup("Swap")("a", "") == ("", "a")


def test_batch_argument_errors_are_the_single_calls(case):
    go, target = case
    p = _open(go, target, "funcs")
    for name, items, error in [
        ("Negate", [1, "x"], TypeError),
        ("Negate", [1, True], TypeError),
        ("Negate", [2**63], OverflowError),
        ("IncInt8", [127, 128], OverflowError),
        ("Not", [True, 1], TypeError),
        ("AddU64", [(1, 2), (3,)], TypeError),
    ]:
        f = p.lookup(name)
        bad = items[-1]
        with pytest.raises(error) as single:
            f(*bad) if isinstance(bad, tuple) else f(bad)
        with pytest.raises(error) as batch:
            f.map(items)
        assert str(batch.value) == str(single.value), name
    assert p.lookup("Negate").map([]) == []
