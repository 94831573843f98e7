"""The emulator's answers equal Go's: every corpus scenario, run by the Python port of the
reference host (``gopluginemu.scenario``) on the emulated plugins, gives the transcript Go's
own ``plugin`` package gave for the same files, entry by entry — also with the emulator's heap
collected before every call. A darwin plugin (built with -w only) must give the transcript of
the linux plugin of the same source on the same CPU."""

from __future__ import annotations

import json

import pytest

from tests.conftest import EMULATED_GO, EMULATED_TARGETS, built_plugin, reference_target, transcript
from corpus import builds, matrix
from gopluginemu.api import Session
from gopluginemu.scenario import run_scenario

CASES = [
    (go, target, scenario, stripped)
    for go in EMULATED_GO
    for target in EMULATED_TARGETS
    for scenario in matrix.scenarios()
    if builds.scenario_runs_on(scenario, reference_target(target))
    and all(builds.built_for(name, matrix.TARGETS[target]) for name in builds.scenario_plugins(scenario))
    for stripped in matrix.TARGETS[target].stripped_variants
]


@pytest.mark.parametrize(
    "go,target,scenario,stripped", CASES, ids=[f"{g}-{t}-{s}{'-stripped' if x else ''}" for g, t, s, x in CASES]
)
def test_emulator_transcript_equals_go(go, target, scenario, stripped):
    recorded = transcript(go, reference_target(target), scenario, stripped)
    assert recorded.fatal is None, "the reference host died; nothing to compare entry by entry"
    ops = json.loads(builds.scenario_file(scenario).read_text())["ops"]
    paths = {name: str(built_plugin(go, target, name, stripped)) for name in builds.scenario_plugins(scenario)}
    # unstripped runs collect the heap before every call, so a root the collector missed shows
    with Session(gc_trigger=None if stripped else 0) as session:
        events = run_scenario(ops, paths, session)
    assert len(events) == len(recorded.events)
    for i, (mine, gos) in enumerate(zip(events, recorded.events)):
        assert mine == gos, f"event {i} ({ops[i]['op']} {ops[i].get('symbol', ops[i].get('plugin', ''))})"


@pytest.mark.parametrize("target", EMULATED_TARGETS)
def test_a_translation_buffer_flushed_again_and_again_changes_no_answer(target, monkeypatch):
    """The engines' code buffer (``cpu.TCG_BUFFER``) filled and flushed many times over: blocks are
    translated again as they run, and every answer is still Go's."""
    from gopluginemu.engines.emulate import cpu

    # Unicorn's least: the stdlib scenario then translates 2.5 times as much as with cpu.TCG_BUFFER
    # (arm64, callgrind), its blocks again after each flush
    monkeypatch.setattr(cpu, "TCG_BUFFER", 1 << 20)
    go = EMULATED_GO[-1]
    recorded = transcript(go, reference_target(target), "stdlib", False)
    ops = json.loads(builds.scenario_file("stdlib").read_text())["ops"]
    paths = {name: str(built_plugin(go, target, name)) for name in builds.scenario_plugins("stdlib")}
    with Session() as session:
        events = run_scenario(ops, paths, session)
        engines = [p.machine.cpu.uc for p in session.plugins.values() if hasattr(p, "machine")]
        assert engines and all(uc.ctl_get_tcg_buffer_size() == 1 << 20 for uc in engines)
    assert events == recorded.events
