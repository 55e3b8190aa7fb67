"""The hashes of record stay what they are: optimisations change no result.

These are the test-run hashes of the example plans and of a generated plan of
500 scenarios (echo, daily_loop and run_tests, states small and big), pinned.
A change here changes every hash a user has recorded: it must be deliberate,
bump lifeos-core's minor version and be described in docs/ledger.md (as
0.4.0 did when a state's hash became a Merkle map of its top-level values).
The plans' own missions change them too: daily_loop 0.3.0 (reasons and sources
for each chosen task, the local date) and run_tests 0.4.0 (its pytest-mode
params, resolved in every plan-mode workflow) were re-pinned here, while the
hashing itself stayed as it was (an echo run hashes as under 0.4.0).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lifeos_core import load_registry, load_test_plan, parse_test_plan
from lifeos_core.values import stateview

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

PINNED = {
    "smoke.lifeos.yaml": "466dc40f0d821d913369b3c0892980fbbd6c3e2d8d18490672a733af96432d3a",
    "daily-plan.lifeos.yaml": "70decd7833cf5d0c214579b3bdb459619d31681c233b5199311a96168849eef3",
    "failing-plan.toml": "ae2548fc73da3e360b14ce45331a22a808f1150d7c3cf60ea02db5aff3f0b425",
    "generated-500": "f0c757f5ecd6592255f96cbdb309ccf5a776ab19b893b3b2b892e7cfb5e3145f",
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
