"""Speed-up of a test plan on local Dask workers, and the client's memory.

    .venv/bin/python benchmarks/scale_out.py              # workers = 2
    .venv/bin/python benchmarks/scale_out.py --workers 4 --seconds 60

1. A plan whose sequential run takes at least ``--seconds`` (30 by default):
   scenarios that each run a nested test plan (``run_tests`` with ten
   ``daily_loop`` scenarios inside), so every scenario is real work. The plan
   runs sequentially, then on a ``LocalCluster`` of ``--workers`` processes
   that is already started (its start-up is reported on its own); the
   speed-up is the ratio of the two times (target: at least 1.6 with 2
   workers), and both runs must give the same ``test_run_hash``.
2. The client's peak memory for a 10,000-scenario plan on the workers,
   measured in a fresh process (peak RSS, and the traced Python peak during
   the run), next to the same plan run sequentially in a fresh process and the
   size of the result both hold.

Needs lifeos-core[dask] and the standard packs.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
import tracemalloc

from lifeos_core import (
    DaskExecutor,
    MissionCall,
    MissionExpectation,
    ScenarioDefinition,
    ScenarioSuiteDefinition,
    SuiteExpectationsDefinition,
    run_test_run,
)


def tasks(count: int, seed: int) -> list[dict]:
    return [{"id": f"t{seed}-{index}", "title": f"task {index} of {seed}", "priority": ("high", "medium", "low")[
        (index + seed) % 3], "due": f"2026-11-{10 + (index * 7 + seed) % 20:02d}", "estimate_minutes": 10 + index % 50}
        for index in range(count)]


def nested_plan(seed: int) -> dict:
    """A small test plan for run_tests: ten daily_loop scenarios."""
    return {"suite_name": f"inner-{seed}", "scenarios": [
        {"scenario_name": f"day-{index}", "initial_state": {"tasks": tasks(30, seed + index)},
         "missions": [{"name": "daily_loop", "params": {"capacity_minutes": 60 + index * 10}}],
         "expectations": [{"mission_name": "daily_loop", "path": "success", "op": "eq", "expected": True}]}
        for index in range(10)]}


def heavy_plan(count: int) -> tuple[ScenarioSuiteDefinition, SuiteExpectationsDefinition]:
    scenarios = [ScenarioDefinition(f"s{index}", {}, [MissionCall("run_tests", {"target": "inner",
                                                                                "suite": nested_plan(index)})])
                 for index in range(count)]
    expectations = [MissionExpectation(f"e{index}", f"s{index}", "run_tests", "final_state.run_tests.passed", "eq",
                                       True) for index in range(count)]
    return ScenarioSuiteDefinition("heavy", scenarios), SuiteExpectationsDefinition(expectations)


def light_plan(count: int) -> tuple[ScenarioSuiteDefinition, SuiteExpectationsDefinition]:
    scenarios, expectations = [], []
    for index in range(count):
        name = "echo" if index % 2 else "daily_loop"
        params = {"n": index} if index % 2 else {"capacity_minutes": 30 + index % 90}
        state = {"seen": index} if index % 2 else {"tasks": tasks(8, index)}
        scenarios.append(ScenarioDefinition(f"s{index}", state, [MissionCall(name, params)]))
        expectations.append(MissionExpectation(f"e{index}", f"s{index}", name, "success", "eq", True))
    return ScenarioSuiteDefinition("light", scenarios), SuiteExpectationsDefinition(expectations)


def timed(function) -> tuple[float, object]:
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def speed_up(workers: int, seconds: float) -> bool:
    sample_suite, sample_expectations = heavy_plan(40)
    run_test_run(sample_suite, sample_expectations)  # warm up
    per_scenario, _ = timed(lambda: run_test_run(sample_suite, sample_expectations))
    count = math.ceil(seconds * 1.05 / (per_scenario / 40))
    suite, expectations = heavy_plan(count)
    sequential_time, sequential = timed(lambda: run_test_run(suite, expectations))
    print(f"plan: {count} scenarios, each a nested plan of 10 daily_loop scenarios", flush=True)
    print(f"sequential run                 {sequential_time:8.2f} s", flush=True)
    start_time, executor = timed(lambda: DaskExecutor(workers=workers).start())
    with executor:
        run_test_run(*heavy_plan(workers * 4), executor=executor)  # workers import and load their packs
        parallel_time, parallel = timed(lambda: run_test_run(suite, expectations, executor=executor))
    same = parallel.metadata["test_run_hash"] == sequential.metadata["test_run_hash"]
    ratio = sequential_time / parallel_time
    passed = ratio >= 1.6 and same and sequential_time >= seconds
    print(f"cluster start-up ({workers} workers)    {start_time:8.2f} s (not counted)")
    print(f"run on {workers} workers                {parallel_time:8.2f} s")
    print(f"{'PASS' if passed else 'FAIL'}  speed-up {ratio:.2f}x (target >= 1.6x with 2 workers); "
          f"same test_run_hash: {same}", flush=True)
    return passed


def peak_rss() -> int:
    """This process's peak resident memory in bytes. (On Linux ru_maxrss keeps
    the peak of the parent that started it, so the kernel's VmHWM is read.)"""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def client_memory(workers: int, executor_kind: str) -> None:
    """Run in a fresh process: its memory for a 10,000-scenario plan, run on
    Dask workers or here (for comparison)."""
    suite, expectations = light_plan(10_000)
    executor = DaskExecutor(workers=workers).start() if executor_kind == "dask" else None
    try:
        run_test_run(*light_plan(100), executor=executor)
        tracemalloc.start()
        result = run_test_run(suite, expectations, executor=executor)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = peak_rss()
    finally:
        if executor is not None:
            executor.close()
    held = len(json.dumps(result.to_dict()))
    print(json.dumps({"peak": peak, "rss": rss, "result_json": held}))


def memory_figures(workers: int, executor_kind: str) -> dict:
    measured = subprocess.run([sys.executable, __file__, "--memory-only", executor_kind, "--workers", str(workers)],
                              capture_output=True, text=True, check=True)
    return json.loads(measured.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description="Measure the speed-up of test plans on Dask workers.")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=30.0, help="the sequential run lasts at least this long")
    parser.add_argument("--memory-only", choices=["dask", "sequential"], help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.memory_only:
        client_memory(arguments.workers, arguments.memory_only)
        return
    passed = speed_up(arguments.workers, arguments.seconds)
    mib = 2**20
    for kind in ("dask", "sequential"):
        figures = memory_figures(arguments.workers, kind)
        where = f"client, on {arguments.workers} workers" if kind == "dask" else "run here, sequentially"
        print(f"10,000-scenario plan, {where:<28} peak RSS {figures['rss'] / mib:6.1f} MiB, traced Python peak "
              f"{figures['peak'] / mib:5.1f} MiB (the result: {figures['result_json'] / mib:.1f} MiB as JSON)")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
