"""The syscall policy seam: by default nothing the plugin does reaches the host. The sandbox
corpus plugin reaches for files, the network, processes, the environment and the clock; each
gets what Go code sees from a kernel that refuses ("permission denied") or a virtual clock."""

from __future__ import annotations

import time

import pytest

from gopluginemu import EmulationLimitError
from gopluginemu.api import Session
from gopluginemu.engines.emulate import Policy
from gopluginemu.engines.emulate.runtime.syscalls.policy import DEFAULT_EPOCH_NS
from gopluginemu.values import GoError
from tests.conftest import DETAIL_GO, EMULATED_TARGETS, built_plugin

CASES = [(go, target) for go in DETAIL_GO for target in EMULATED_TARGETS]
OPEN_CALL = {"linux": "openat", "darwin": "open"}  # what os.Open calls: a system call, a libSystem function


@pytest.fixture(params=CASES, ids=[f"{g}-{t}" for g, t in CASES])
def sandbox(request):
    go, target = request.param
    return str(built_plugin(go, target, "sandbox"))


def test_default_policy_refuses_the_host(sandbox, tmp_path):
    p = Session().open(sandbox)
    data, err = p.lookup("ReadFile")("/etc/hostname")
    assert data == "" and isinstance(err, GoError)
    assert str(err) == "open /etc/hostname: permission denied" and err.type == "*fs.PathError"
    target = tmp_path / "written"
    err = p.lookup("WriteFile")(str(target), "data")
    assert str(err) == f"open {target}: permission denied"
    assert not target.exists()
    assert str(p.lookup("Socket")()) == "permission denied"
    assert str(p.lookup("Run")("/bin/true")) == "fork/exec /bin/true: permission denied"
    assert p.lookup("Getenv")("HOME") == ""
    assert p.lookup("Hostname")() == ("gopluginemu", None)  # the emulated machine's, never the host's
    events = p.machine.kernel.trace
    assert any(e.name == OPEN_CALL[p.machine.goos] and e.result == -13 for e in events)


def test_output_and_clock_are_virtual(sandbox):
    p = Session().open(sandbox)
    p.lookup("Say")("hi")
    assert p.take_output() == ("hi\n", "err: hi\n")
    now = p.lookup("Now")()
    assert DEFAULT_EPOCH_NS <= now < DEFAULT_EPOCH_NS + 10**10
    started = time.monotonic()
    assert p.lookup("Slept")(5000) == 5000  # five virtual seconds
    assert time.monotonic() - started < 4


def test_policy_gives_the_environment(sandbox):
    p = Session(policy=Policy(env=["HOME=/home/emu", "LANG=C"])).open(sandbox)
    assert p.lookup("Getenv")("HOME") == "/home/emu"


def test_runaway_call_is_stopped(sandbox):
    p = Session(time_limit=1.0).open(sandbox)
    with pytest.raises(EmulationLimitError, match="longer than 1 s"):
        p.lookup("Spin")(1)


def test_deadlock_is_reported(sandbox):
    """A call that blocks forever with nothing left to run ends as Go's deadlock, not a hang."""
    p = Session(time_limit=30.0).open(sandbox)
    with pytest.raises(EmulationLimitError, match="all goroutines are asleep - deadlock!"):
        p.lookup("Wait")()
