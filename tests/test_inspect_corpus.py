"""inspect() and check() on every corpus build, against Go itself.

- build info equals `go version -m` (the toolchain that built the file) for every plugin;
- every successful `lookup` of the reference host's transcripts has the export and Go's `%T`;
  darwin plugins (no host runs there) are compared with the linux/amd64 transcript;
- every `open` of a transcript: check() refuses exactly where Go refused, with Go's message,
  and the cross-version pairs end as check() predicts: Go's error, fatal error or panic.

Corpus products come from `python -m corpus build`; a missing one fails (tests.conftest.require).
"""

from __future__ import annotations

import subprocess
from functools import cache

import pytest

from corpus import builds, matrix, toolchains
from gopluginemu import check, inspect
from gopluginemu.inspection import load
from tests.conftest import as_transcribed, built_plugin, go_outcome, require, transcript

PLUGINS = [
    (go, target, name, stripped)
    for go in matrix.GO_VERSIONS
    for target, spec in matrix.TARGETS.items()
    for name in matrix.plugins()
    for stripped in spec.stripped_variants
]
LINUX = [t for t, spec in matrix.TARGETS.items() if spec.goos == "linux"]
DARWIN = [t for t, spec in matrix.TARGETS.items() if spec.goos == "darwin"]
TRANSCRIPTS = [
    (go, target, scenario, stripped)
    for go in matrix.GO_VERSIONS
    for target in LINUX
    for scenario in matrix.scenarios()
    if builds.scenario_plugins(scenario) and builds.scenario_runs_on(scenario, target)
    for stripped in (False, True)
]


@cache
def info(go: str, target: str, name: str, stripped: bool):
    return inspect(built_plugin(go, target, name, stripped))


def go_message(error: str) -> str:
    """Go's plugin.Open error without its `plugin.Open("path"): ` prefix."""
    return error.split('"): ', 1)[-1]


@pytest.mark.parametrize("go,target,name,stripped", PLUGINS)
def test_buildinfo_equals_go_version_m(go: str, target: str, name: str, stripped: bool) -> None:
    path = built_plugin(go, target, name, stripped)
    expected = subprocess.run(
        [str(toolchains.go_binary(go)), "version", "-m", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert load(path).buildinfo.version_m(str(path)) == expected
    got = info(go, target, name, stripped)
    assert (got.goos, got.goarch, got.go_version) == (*target.split("/"), f"go{go}")


def _lookups(go: str, target: str, scenario: str, stripped: bool) -> list[dict]:
    return [e for e in transcript(go, target, scenario, stripped).events if e["op"] == "lookup"]


@pytest.mark.parametrize("go,target,scenario,stripped", TRANSCRIPTS)
def test_exports_equal_the_hosts_lookups(go: str, target: str, scenario: str, stripped: bool) -> None:
    for event in _lookups(go, target, scenario, stripped):
        exports = info(go, target, event["plugin"], stripped).exports
        if "error" in event:
            assert event.get("symbol") not in exports
        else:
            assert exports[event["symbol"]].type == event["type"], event


@pytest.mark.parametrize("go", matrix.GO_VERSIONS)
@pytest.mark.parametrize("target", DARWIN)
@pytest.mark.parametrize("scenario", [s for s in matrix.scenarios() if builds.scenario_plugins(s)])
def test_darwin_exports_equal_the_linux_hosts_lookups(go: str, target: str, scenario: str) -> None:
    for event in _lookups(go, "linux/amd64", scenario, False):
        if "error" not in event:
            assert info(go, target, event["plugin"], False).exports[event["symbol"]].type == event["type"], event


@pytest.mark.parametrize("go,target,scenario,stripped", TRANSCRIPTS)
def test_check_agrees_with_every_open(go: str, target: str, scenario: str, stripped: bool) -> None:
    host = require(builds.host_path(go, target))
    opened: list = []  # plugins loaded so far, in order
    refusals: dict = {}  # plugin -> check()'s Go error for it
    for event in transcript(go, target, scenario, stripped).events:
        if event["op"] != "open" or event.get("same"):
            continue
        plugin = built_plugin(go, target, event["plugin"], stripped)
        if plugin in opened:
            assert "error" not in event, event
            continue
        if plugin in refusals:  # Go remembers the failure of a path and repeats it
            assert go_message(event["error"]) == go_message(refusals[plugin]) + " (previous failure)"
            continue
        results = [check(host, plugin)] + [check(earlier, plugin) for earlier in opened]
        refused = [r for r in results if not r.compatible]
        if "error" in event:
            assert refused, event
            assert go_message(refused[0].go_error) == go_message(event["error"])
            refusals[plugin] = refused[0].go_error
        else:
            assert not refused, [r.to_json() for r in refused]
            opened.append(plugin)


@pytest.mark.parametrize(
    "host_go,plugin_go", [(h, p) for h in matrix.GO_VERSIONS for p in matrix.GO_VERSIONS if h != p]
)
@pytest.mark.parametrize("stripped", [False, True])
def test_check_predicts_cross_version_pairs(host_go: str, plugin_go: str, stripped: bool) -> None:
    target, scenario = matrix.CROSS_VERSION_TARGET, matrix.CROSS_VERSION_SCENARIO
    require(builds.transcript_path(host_go, target, scenario, stripped, plugin_go))
    recorded = builds.load_transcript(host_go, target, scenario, stripped, plugin_go)
    (name,) = builds.scenario_plugins(scenario)
    plugin = built_plugin(plugin_go, target, name, stripped)
    result = check(require(builds.host_path(host_go, target)), plugin)
    assert not result.compatible
    assert as_transcribed(result.go_error, plugin, name) == go_outcome(recorded)
