"""The emulated heap: memory stays bounded over long series of calls, and what is still
reachable (from Go globals, goroutine stacks, or Python) survives collections."""

from __future__ import annotations

import pytest

from gopluginemu.api import Session
from gopluginemu.engines.emulate.runtime.heap import SIZE_CLASSES, size_class
from tests.conftest import DETAIL_GO, EMULATED_TARGETS, built_plugin

CASES = [(go, target) for go in DETAIL_GO for target in EMULATED_TARGETS]


@pytest.fixture(params=CASES, ids=[f"{g}-{t}" for g, t in CASES])
def case(request):
    return request.param


def test_size_classes():
    assert [size_class(n) for n in (1, 8, 9, 33, 32768, 32769)] == [8, 8, 16, 48, 32768, 40960]
    assert list(SIZE_CLASSES) == sorted(SIZE_CLASSES)


def test_memory_stays_bounded(case):
    go, target = case
    p = Session(gc_trigger=256 << 10).open(str(built_plugin(go, target, "hello")))
    greet, heap = p.lookup("Greet"), p.machine.heap
    sizes = []
    for i in range(4000):
        assert greet("x" * 200 + str(i)) == "hello, " + "x" * 200 + str(i)
        if i % 1000 == 999:
            sizes.append(heap.in_use)
    assert heap.collections >= 4
    assert sizes[-1] == sizes[1], f"heap grew across collections: {sizes}"
    assert heap.in_use < 2 << 20  # 4000 calls allocate several MiB without collection


def test_reachable_state_survives_collections(case):
    go, target = case
    p = Session(gc_trigger=0).open(str(built_plugin(go, target, "funcs")))  # collect before every call
    counter = p.lookup("MakeCounter")()  # closure state held only by Python
    adder = p.lookup("MakeAdder")(10)
    shape = p.lookup("NewShape")("circle", 1.0)  # an interface value held by Python
    for i in range(1, 30):
        assert counter() == i
        assert adder(i) == 10 + i
        p.lookup("Split")("a b c d " * 10, " ")  # garbage in between
    assert abs(shape.Area() - 3.141592653589793) < 1e-12
    assert p.machine.heap.collections >= 60
