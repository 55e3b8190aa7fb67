"""The hashes of record stay what they are: optimisations change no result.

These are the test-run hashes of the example plans and of a generated plan of
500 scenarios (echo, daily_loop and run_tests, states small and big), pinned.
A change here changes every hash a user has recorded: it must be deliberate,
bump lifeos-core's minor version and be described in docs/ledger.md (as
0.4.0 did when a state's hash became a Merkle map of its top-level values).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lifeos_core import load_registry, load_test_plan, parse_test_plan
from lifeos_core.values import stateview

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

PINNED = {
    "smoke.lifeos.yaml": "a86089afc1c892ba51e2dc3040c98a6dae38c0c6eef27b3889a064c17a4fb101",
    "daily-plan.lifeos.yaml": "6b593f6606625735ba2bb01ca6967dd8a2e421077aced8232b070215b952d921",
    "failing-plan.toml": "a88e2f3dc9e1b2ff88b4bfe8a8ad99fa01e540908ee9fdf1404914865f2f3223",
    "generated-500": "b1475426e7e99053233454d417327087cfc96263432583d7835c5a29a51a4893",
}


def generated_plan(count: int = 500) -> dict:
    """A plan of ``count`` scenarios, the same every time: every mission, several
    state shapes, and a few states with values big enough to be read lazily."""
    scenarios = []
    for index in range(count):
        kind = index % 5
        tasks = [{"id": f"t{index}-{n}", "title": f"task {n} of {index}", "priority": ["high", "medium", "low"][n % 3],
                  "estimate_minutes": 5 + (index * 7 + n) % 90, "due": f"2026-11-{10 + n % 19:02d}"}
                 for n in range(index % 9)]
        if kind == 0:
            call = {"name": "echo", "params": {"message": f"m{index}", "n": index}}
            state, path, expected = {"seen": index, "ratio": index / 8}, "final_state.echo.n", index
        elif kind in (1, 2):
            call = {"name": "daily_loop", "params": {"capacity_minutes": 30 + index % 200},
                    "approvals": {"confirm-plan": kind == 1}}
            state, path, expected = {"tasks": tasks}, "success", kind == 1
        elif kind == 3:
            notes = {f"note-{n}": "x" * 50 for n in range(1500 if index % 50 == 3 else 3)}  # some over 64 KiB
            call = {"name": "echo", "params": {"message": "big"}}
            state, path, expected = {"notes": notes, "tasks": tasks}, "final_state.echo.message", "big"
        else:
            inner = {"suite_name": f"inner-{index}", "scenarios": [{
                "scenario_name": "one", "missions": [{"name": "echo", "params": {"v": index}}],
                "expectations": [{"mission_name": "echo", "path": "final_state.echo.v", "op": "eq",
                                  "expected": index}]}]}
            call = {"name": "run_tests", "params": {"target": f"t{index}", "suite": inner}}
            state, path, expected = {}, "final_state.run_tests.passed", True
        scenarios.append({
            "scenario_name": f"s{index}", "initial_state": state, "missions": [call],
            "clock": f"2026-11-{1 + index % 28:02d}T08:00:00Z",
            "expectations": [{"id": f"e{index}", "mission_name": call["name"], "path": path, "op": "eq",
                              "expected": expected}],
        })
    return {"suite_name": "generated", "scenarios": scenarios}


def _plan(name: str):
    if name == "generated-500":
        return parse_test_plan(generated_plan())
    return load_test_plan(EXAMPLES / name)


def _standard_packs() -> None:
    if not {"echo", "daily_loop", "run_tests"} <= set(load_registry().missions):
        pytest.skip("the standard packs are not installed")


@pytest.mark.parametrize("name", sorted(PINNED))
def test_the_hash_of_each_plan_is_pinned(name):
    _standard_packs()
    assert _plan(name).run().metadata["test_run_hash"] == PINNED[name]


def test_the_generated_plan_reads_some_states_lazily():
    plan = generated_plan()
    big = [s["scenario_name"] for s in plan["scenarios"] if len(str(s["initial_state"])) > stateview.LAZY_BYTES]
    assert 5 <= len(big) < 50


@pytest.mark.parametrize("lazy_bytes", [0, 1 << 40])
def test_reading_every_value_lazily_or_none_gives_the_same_hashes(monkeypatch, lazy_bytes):
    _standard_packs()
    from lifeos_core.values import snapshot

    monkeypatch.setattr(snapshot, "LAZY_BYTES", lazy_bytes)
    monkeypatch.setattr(stateview, "QUIET_GC_BYTES", lazy_bytes)
    assert _plan("generated-500").run().metadata["test_run_hash"] == PINNED["generated-500"]
