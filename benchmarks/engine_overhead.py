"""Engine overhead in units of the hashing a run cannot avoid.

One unit is `stable_hash(state)`: canonical JSON plus SHA-256 of the state.
Every run must hash its state at least before and after each step, so a run
costs a few units at the very least; everything above that is overhead.
Both are timed in alternating blocks in one process, and the ratio is printed.

    .venv/bin/python benchmarks/engine_overhead.py
"""

from __future__ import annotations

import time

from lifeos_core import ExecutionContext, Orchestrator, StepSpec, WorkflowDefinition, run_mission, stable_hash


def make_state(target_bytes: int) -> dict:
    item = {"id": 0, "title": "water the plants", "done": False, "tags": ["home", "daily"], "minutes": 15}
    per_item = len(str(item))
    return {"tasks": [dict(item, id=index) for index in range(max(1, target_bytes // per_item))]}


def per_call(function, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        function()
    return (time.perf_counter() - start) / repeat


def measure(label: str, state: dict, run, repeat: int, blocks: int = 5) -> None:
    units, runs = [], []
    for _ in range(blocks):
        units.append(per_call(lambda: stable_hash(state), repeat))
        runs.append(per_call(run, repeat))
    unit, cost = min(units), min(runs)
    print(f"{label:<34} unit {unit * 1e6:9.1f} us   run {cost * 1e6:10.1f} us   ratio {cost / unit:5.1f} units")


def main() -> None:
    noop_workflow = WorkflowDefinition("wf-noop", [StepSpec(f"s{index}", "runtime") for index in range(5)])
    engine = Orchestrator()
    for size, repeat in ((1_000, 300), (1_000_000, 3)):
        state = make_state(size)
        measure(f"run_mission('echo'), ~{size:,} B", state, lambda: run_mission("echo", {"n": 1}, state), repeat)
        context = ExecutionContext(initial_state=state)
        measure(f"5-step noop workflow, ~{size:,} B", state, lambda: engine.run_workflow(noop_workflow, context), repeat)


if __name__ == "__main__":
    main()
