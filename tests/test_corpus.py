"""The corpus itself: every build exists, every transcript comes from the real Go host and is
deterministic, so any difference between arches is a toolchain or qemu problem caught here."""

from __future__ import annotations

import json
import subprocess

import pytest

from corpus import build, builds, matrix
from corpus.zigcc import filtered
from gopluginemu.arch import ARCHES
from tests.conftest import (DARWIN_TARGETS, LINUX_TARGETS, built_plugin, built_program, go_tool_nm, go_version_m,
                            require, transcript)

VERSIONS = list(matrix.GO_VERSIONS)
SCENARIOS = matrix.scenarios()
PLUGINS = matrix.plugins()


def test_nothing_left_to_build():
    """After `python -m corpus build`, every product of the matrix is in the cache under its key."""
    phases = build.plan(VERSIONS, list(matrix.TARGETS), PLUGINS, SCENARIOS)
    missing = [job.label for jobs in phases for job in jobs if not job.out.exists()]
    assert missing == []
    assert sum(len(jobs) for jobs in phases) > len(VERSIONS) * len(PLUGINS) * len(matrix.TARGETS)


def test_every_plugin_is_exercised_by_a_scenario():
    used = {p for s in SCENARIOS for p in builds.scenario_plugins(s)}
    assert used == set(PLUGINS) | set(matrix.PLUGIN_VARIANTS)


@pytest.mark.parametrize("target", LINUX_TARGETS)
@pytest.mark.parametrize("go", VERSIONS)
def test_host_is_a_go_plugin_host_for_its_target(go, target):
    """The transcripts' host is a Go program of that version and arch that links the plugin package."""
    host = require(builds.host_path(go, target))
    info = go_version_m(go, host)
    goos, goarch = target.split("/")
    assert f"{host}: go{go}\n" in info
    assert "\tpath\texample.com/corpus/host\n" in info
    assert f"\tbuild\tGOARCH={goarch}\n" in info and f"\tbuild\tGOOS={goos}\n" in info
    symbols = go_tool_nm(go, host)
    assert " T plugin.open\n" in symbols and " T plugin.lastmoduleinit\n" in symbols


@pytest.mark.parametrize("go, target, stripped", [
    (go, target, stripped) for go in VERSIONS for target, spec in matrix.TARGETS.items()
    for stripped in spec.stripped_variants])
def test_plugins_are_go_plugins_for_their_target(go, target, stripped):
    goos, goarch = target.split("/")
    for name in PLUGINS:
        info = go_version_m(go, built_plugin(go, target, name, stripped))
        assert f": go{go}\n" in info
        assert "\tbuild\t-buildmode=plugin\n" in info
        assert f"\tbuild\tGOARCH={goarch}\n" in info and f"\tbuild\tGOOS={goos}\n" in info
        assert f"\tpath\texample.com/corpus/plugins/{name}\n" in info


@pytest.mark.parametrize("target", LINUX_TARGETS)
@pytest.mark.parametrize("go", VERSIONS)
def test_transcripts_are_what_the_host_prints(go, target):
    """Running the real host again gives each stored transcript event for event."""
    for scenario in [s for s in SCENARIOS if builds.scenario_runs_on(s, target)]:
        recorded = transcript(go, target, scenario)
        assert recorded.go == f"go{go}" and recorded.target == target
        assert recorded.host == builds.host_path(go, target).name
        cmd = build.host_invocation(go, target, scenario)
        again = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
        assert again["events"] == recorded.events, scenario


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("go", VERSIONS)
def test_linux_arches_and_strip_agree(go, scenario):
    """The plugins are deterministic: every linux arch, stripped or not, gives amd64's transcript."""
    reference = transcript(go, "linux/amd64", scenario).events
    assert reference and reference[0]["op"] == "open"
    for target in [t for t in LINUX_TARGETS if builds.scenario_runs_on(scenario, t)]:
        for stripped in (False, True):
            assert transcript(go, target, scenario, stripped).events == reference, (target, stripped)


@pytest.mark.parametrize("target", LINUX_TARGETS)
@pytest.mark.parametrize("go", VERSIONS)
def test_programs_are_what_the_matrix_says(go, target):
    goos, goarch = target.split("/")
    for name, mode in matrix.PROGRAMS.items():
        info = go_version_m(go, built_program(go, target, name))
        assert f": go{go}\n" in info and f"\tpath\texample.com/corpus/programs/{name}\n" in info
        assert f"\tbuild\t-buildmode={mode}\n" in info
        assert f"\tbuild\tGOARCH={goarch}\n" in info and f"\tbuild\tGOOS={goos}\n" in info


@pytest.mark.parametrize("target", LINUX_TARGETS)
@pytest.mark.parametrize("go", VERSIONS)
def test_plugin_variants_are_what_the_matrix_says(go, target):
    """A copy is its plugin byte for byte; a build with extra environment records it as a setting."""
    t = matrix.TARGETS[target]
    for name, variant in matrix.PLUGIN_VARIANTS.items():
        if not variant.built_for(t):
            continue
        for stripped in t.stripped_variants:
            path = built_plugin(go, target, name, stripped)
            if variant.copy:
                assert path.read_bytes() == built_plugin(go, target, variant.plugin, stripped).read_bytes()
                continue
            info = go_version_m(go, path)
            assert f"\tpath\texample.com/corpus/plugins/{variant.plugin}\n" in info
            assert all(f"\tbuild\t{k}={v}\n" in info for k, v in variant.env)


@pytest.mark.parametrize("go", VERSIONS)
def test_lookups_record_go_types(go):
    for scenario in SCENARIOS:
        for event in transcript(go, "linux/amd64", scenario).events:
            if event["op"] == "lookup":
                assert ("type" in event) != ("error" in event), event


@pytest.mark.parametrize("go", VERSIONS)
def test_skewed_package_is_refused_by_go(go):
    events = transcript(go, "linux/amd64", "skew").events
    opens = [e for e in events if e["op"] == "open"]
    assert "error" not in opens[0]
    assert opens[1]["error"].endswith(
        "plugin was built with a different version of package example.com/corpus/skewlib")


@pytest.mark.parametrize("target", DARWIN_TARGETS)
@pytest.mark.parametrize("go", VERSIONS)
def test_darwin_plugins_are_macho_for_their_cpu(go, target):
    cputype = ARCHES[matrix.TARGETS[target].goarch].macho_cputype
    for name in PLUGINS:
        head = built_plugin(go, target, name).read_bytes()[:8]
        assert head[:4] == b"\xcf\xfa\xed\xfe"
        assert int.from_bytes(head[4:8], "little") == cputype


def test_zig_wrapper_drops_only_the_flags_zig_rejects():
    args = ["-O2", "-Wl,-flat_namespace", "-framework", "CoreFoundation", "-arch", "arm64",
            "-Wl,-headerpad,1144", "-lresolv", "-Wl,-bind_at_load", "-o", "x.so", "a.o"]
    assert filtered(args) == ["-O2", "-o", "x.so", "a.o"]


@pytest.mark.parametrize("stripped", [False, True])
@pytest.mark.parametrize("go", VERSIONS)
def test_other_toolchains_plugins_are_refused(go, stripped):
    """A host of one Go version never runs a plugin of another: Go fails the open, panics in it
    (the host recovers) or throws."""
    for other in VERSIONS:
        if other == go:
            continue
        t = transcript(go, matrix.CROSS_VERSION_TARGET, matrix.CROSS_VERSION_SCENARIO, stripped, plugin_go=other)
        assert t.plugin_go == f"go{other}"
        refused = t.fatal is not None or "error" in t.events[0] or "panic" in t.events[0]
        assert refused, t
        assert all(e.get("skipped") == "plugin not open" for e in t.events[1:])
