"""What the envelope guard costs on the standard missions.

Runs echo, daily_loop (ten tasks) and run_tests (a two-scenario plan) with
the guard on and, for comparison only, off; the two are timed in alternating
blocks in one process and the ratio of their best blocks is reported. Target:
under 5% (ratio < 1.05). Needs the three standard packs installed.

It also reports what installing the guard costs once per process: the first
run of a one-step workflow in a fresh interpreter, against its second run.

    .venv/bin/python benchmarks/guard_overhead.py
"""

from __future__ import annotations

import subprocess
import sys
import time

from lifeos_core import FixedClock, run_mission
from lifeos_core.engine.guard import unguarded_for_benchmarks

TASKS = [{"id": f"t{i}", "title": f"Task {i}", "priority": ("high", "medium", "low")[i % 3],
          "due": f"2026-11-{10 + i:02d}", "estimate_minutes": 15 * (i % 4 + 1)} for i in range(10)]
PLAN = {"suite_name": "bench", "scenarios": [
    {"scenario_name": "echo", "missions": [{"name": "echo", "params": {"m": 1}}],
     "expectations": [{"mission_name": "echo", "path": "success", "op": "eq", "expected": True}]},
    {"scenario_name": "day", "initial_state": {"tasks": TASKS}, "missions": [{"name": "daily_loop"}],
     "expectations": [{"mission_name": "daily_loop", "path": "final_state.daily.priorities", "op": "len_eq",
                       "expected": 3}]},
]}
CASES = {
    "echo": ("echo", {"message": "hello"}, {}),
    "daily_loop": ("daily_loop", {"date": "2026-11-15"}, {"tasks": TASKS}),
    "run_tests": ("run_tests", {"suite": PLAN}, {}),
}
CLOCK = FixedClock("2026-11-15T08:00:00Z")


def block(mission: str, params: dict, state: dict, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        run_mission(mission, params, state, clock=CLOCK)
    return (time.perf_counter() - start) / repeat


FIRST_RUN = """\
import time
from lifeos_core import ExecutionContext, Orchestrator, StepSpec, WorkflowDefinition
workflow = WorkflowDefinition("wf", [StepSpec("x", "runtime", {"operation": "op"})])
orchestrator = Orchestrator({"op": lambda state, payload, context: state})
times = []
for _ in range(2):
    start = time.perf_counter()
    orchestrator.run_workflow(workflow, ExecutionContext())
    times.append(time.perf_counter() - start)
print(times[0], times[1])
"""


def install_cost(samples: int = 5) -> float:
    """The best, over fresh interpreters, of the first run's extra time over the second's."""
    costs = []
    for _ in range(samples):
        first, second = map(float, subprocess.run([sys.executable, "-c", FIRST_RUN], capture_output=True,
                                                  text=True, check=True).stdout.split())
        costs.append(first - second)
    return min(costs)


def main(blocks: int = 15, repeat: int = 60) -> None:
    for name, (mission, params, state) in CASES.items():
        guarded, unguarded = [], []
        block(mission, params, state, 5)  # warm up
        for _ in range(blocks):
            guarded.append(block(mission, params, state, repeat))
            with unguarded_for_benchmarks():
                unguarded.append(block(mission, params, state, repeat))
        on, off = min(guarded), min(unguarded)
        print(f"{name:<11} guard on {on * 1e6:8.1f} us   off {off * 1e6:8.1f} us   ratio {on / off:.3f}")
    print(f"install    once per process, at the first step: {install_cost() * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
