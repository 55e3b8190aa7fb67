"""The performance targets of lifeos, each measured as a ratio in one run.

    .venv/bin/python benchmarks/run.py            # all targets
    .venv/bin/python benchmarks/run.py --quick    # fewer repetitions
    .venv/bin/python benchmarks/run.py --only resume   # one target (by its name in TARGETS; repeatable)

1. Engine overhead, in units of ``orjson.dumps(state, OPT_SORT_KEYS)`` plus
   SHA-256 of the same state (the hashing a run cannot avoid), timed in
   alternating blocks: ``run_mission("echo")`` on ~1 KB (<= 12 units) and
   ~1 MB (<= 8 units); a 5-step noop workflow reported the same way.
2. Scaling of a 5-step workflow over 10 KB, 1 MB and 10 MB states: the
   10 MB / 1 MB time ratio (<= 11) and peak memory against the state's
   canonical size (< 4x).
3. Canonical hashing (``stable_hash``, RFC 8785) against orjson + SHA-256 on a
   typical state: throughput ratio >= 0.5.
4. Harness throughput: a 10,000-scenario plan of echo and daily_loop against
   run_mission in a plain loop on the same inputs: speed ratio >= 0.6.
5. CLI start-up: ``lifeos missions list`` against ``python -c "import typer"``:
   <= 1.5x; ``lifeos run echo --no-record`` against ``lifeos missions list``:
   <= 1.5x (recording to a ledger reported).
6. Big states, 10 MB: a 4-step workflow whose steps each change one small key,
   in units of one orjson.dumps + SHA-256 of the state (<= 3); a step that
   rewrites the whole state against its floor, the same work done on plain
   dicts (orjson.loads, the same change, orjson.dumps + SHA-256): <= 2.
7. A 10,000-scenario plan (echo and daily_loop; benchmarks/bigplan.py):
   ``lifeos test`` of it as YAML against as JSON (<= 1.5; ``lifeos validate``
   reported); ``lifeos test`` of the YAML plan against pytest running the same
   checks as a parametrized file (<= 1: lifeos is faster).
8. pytest collecting that plan (the lifeos-plans plugin, from pytest's cache)
   against pytest collecting the parametrized file: <= 1.2 (the first
   collection, which reads and checks the plan, reported).
9. Pause and resume through the ledger: a daily_loop run (20 tasks) that
   pauses at its human step, is recorded, resumed from the ledger with a
   decision and recorded again, against one recorded run decided up front:
   < 3 (the milliseconds per run of each reported).
10. Effects: a one-step workflow whose operation reads a file through
    ``context.effects.read_text`` (granted, recorded: the response encoded as
    canonical JSON, hashed and kept) against opening and reading the same
    file and SHA-256 of its bytes in plain Python: 1 MB <= 2 (1 KB, dominated
    by the run's own overhead, reported; the microseconds per call of each
    side reported); ``effects.run(["true"])`` against ``subprocess.run`` of
    it, reported (the milliseconds per call of each reported).

11. Ledger appends a second, one writer and 8 processes appending at once,
    to an SQLite file and to a throwaway PostgreSQL server (tests/pg_server.py,
    fsync off; left out with a note when PostgreSQL or psycopg is missing):
    reported, and 8 writers must lose no append (the chain verifies, every
    record is there).

12. ``lifeos ui`` over a 100,000-record SQLite ledger (echo runs, recorded
    by ``record_mission_run`` in one transaction; the build time reported):
    the time to the first byte of ``GET /runs`` from a running ``lifeos ui``
    (median of repeated requests, each on a new connection): < 100 ms (the
    whole page, the first request after start-up, a page deep in the
    ledger, the filtered runs, /pending and /chain reported). Left out with
    a note when the ``ui`` extra is not installed.

Needs orjson (a dependency of lifeos-core) and the three standard packs.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from lifeos_core import (
    Decision,
    EffectPolicy,
    ExecutionContext,
    FixedClock,
    MissionCall,
    MissionExpectation,
    Orchestrator,
    ScenarioDefinition,
    ScenarioSuiteDefinition,
    StepSpec,
    SuiteExpectationsDefinition,
    WorkflowDefinition,
    canonical_json,
    open_ledger,
    plan_mission,
    run_mission,
    run_planned,
    run_test_run,
    stable_hash,
)
from lifeos_core.ledger.recording import record_mission_run
from lifeos_core.ledger.resuming import record_resumption, resume_recorded

RESULTS: list[tuple[str, float, str, bool]] = []


def report(name: str, value: float, target: str, passed: bool) -> None:
    RESULTS.append((name, value, target, passed))
    print(f"{'PASS' if passed else 'FAIL'}  {name:<52} {value:8.2f}   target {target}", flush=True)


def make_state(target_bytes: int) -> dict[str, Any]:
    """A typical state: a list of task-like objects (strings, integers, booleans, lists)."""
    item = {"id": 0, "title": "water the plants on the balcony", "done": False, "tags": ["home", "daily"],
            "minutes": 15, "owner": {"name": "Ada", "team": "ops"}}
    size = len(orjson.dumps(item)) + 1
    return {"tasks": [dict(item, id=index) for index in range(max(1, target_bytes // size))]}


def per_call(function: Callable[[], Any], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        function()
    return (time.perf_counter() - start) / repeat


def alternating(first: Callable[[], Any], second: Callable[[], Any], repeat: int, blocks: int,
                setup: Callable[[], Any] | None = None) -> tuple[float, float]:
    """Best block time per call of each, measured in alternating blocks
    (``setup``, untimed, before each pair of blocks)."""
    a, b = [], []
    for _ in range(blocks):
        if setup is not None:
            setup()
        a.append(per_call(first, repeat))
        b.append(per_call(second, repeat))
    return min(a), min(b)


def unit_of(state: dict[str, Any]) -> Callable[[], str]:
    return lambda: hashlib.sha256(orjson.dumps(state, option=orjson.OPT_SORT_KEYS)).hexdigest()


NOOP5 = WorkflowDefinition("wf-noop-5", [StepSpec(f"s{index}", "runtime") for index in range(5)])


def engine_overhead(quick: bool) -> None:
    blocks = 5 if quick else 11
    for label, size, repeat, limit in (("~1 KB", 1_000, 300, 12.0), ("~1 MB", 1_000_000, 4, 8.0)):
        state = make_state(size)
        unit, echo = alternating(unit_of(state), lambda: run_mission("echo", {"n": 1}, state), repeat, blocks)
        report(f"1. run_mission('echo'), {label} (units)", echo / unit, f"<= {limit:g}", echo / unit <= limit)
        unit, noop = alternating(unit_of(state), lambda: Orchestrator().run_workflow(NOOP5, ExecutionContext(state)),
                                 repeat, blocks)
        report(f"1. 5-step noop workflow, {label} (units, reported)", noop / unit, "-", True)


def scaling(quick: bool) -> None:
    states = {label: make_state(size) for label, size in (("10 KB", 10_000), ("1 MB", 1_000_000),
                                                          ("10 MB", 10_000_000))}

    def workflow_on(state: dict[str, Any]) -> Callable[[], Any]:
        return lambda: Orchestrator().run_workflow(NOOP5, ExecutionContext(state))

    # 1 MB and 10 MB in alternating blocks, as the other ratios, so both see the same machine.
    blocks = 5 if quick else 11
    one, ten = alternating(workflow_on(states["1 MB"]), workflow_on(states["10 MB"]), 2, blocks)
    report("2. 5-step workflow time, 10 MB / 1 MB", ten / one, "<= 11", ten / one <= 11)
    unit_one, unit_ten = alternating(unit_of(states["1 MB"]), unit_of(states["10 MB"]), 2, blocks)
    report("2. orjson + SHA-256 alone, 10 MB / 1 MB (reported)", unit_ten / unit_one, "-", True)
    for label, state in states.items():
        canonical = len(canonical_json(state))
        run = workflow_on(state)
        run()
        tracemalloc.start()
        run()
        peak = tracemalloc.get_traced_memory()[1] / canonical
        tracemalloc.stop()
        report(f"2. peak memory / canonical size, {label}", peak, "< 4", peak < 4)


def hashing(quick: bool) -> None:
    state = make_state(1_000_000)
    ours, theirs = alternating(lambda: stable_hash(state), unit_of(state), 3 if quick else 10, 5 if quick else 11)
    report("3. stable_hash throughput / (orjson + SHA-256)", theirs / ours, ">= 0.5", theirs / ours >= 0.5)


def harness(quick: bool) -> None:
    count = 2_000 if quick else 10_000
    tasks = make_state(2_000)["tasks"][:8]
    calls = []
    for index in range(count):
        if index % 2:
            calls.append(("echo", {"n": index}, {"seen": index}))
        else:
            calls.append(("daily_loop", {"date": "2026-11-23"}, {"tasks": tasks}))
    suite = ScenarioSuiteDefinition("bench", [
        ScenarioDefinition(f"s{index}", state, [MissionCall(name, params)]) for index, (name, params, state) in
        enumerate(calls)])
    expectations = SuiteExpectationsDefinition([
        MissionExpectation(f"e{index}", f"s{index}", name, "success", "eq", True)
        for index, (name, _, _) in enumerate(calls)])

    def plain_loop() -> None:
        for name, params, state in calls:
            run_mission(name, params, state)

    loop_time = min(per_call(plain_loop, 1) for _ in range(2 if quick else 3))
    plan_time = min(per_call(lambda: run_test_run(suite, expectations), 1) for _ in range(2 if quick else 3))
    report(f"4. {count}-scenario plan speed / plain run_mission loop", loop_time / plan_time, ">= 0.6",
           loop_time / plan_time >= 0.6)


def cli(quick: bool) -> None:
    runs = 7 if quick else 21
    lifeos = [sys.executable, "-c", "from lifeos_core.cli import main; main()", "missions", "list"]
    typer_only = [sys.executable, "-c", "import typer"]
    timed(lifeos), timed(typer_only)
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(timed(lifeos))
        theirs.append(timed(typer_only))
    ratio = statistics.median(ours) / statistics.median(theirs)
    report("5. `lifeos missions list` / `python -c 'import typer'`", ratio, "<= 1.5", ratio <= 1.5)


def run_startup(quick: bool) -> None:
    runs = 7 if quick else 21
    with tempfile.TemporaryDirectory() as folder:
        environment = {**os.environ, "LIFEOS_LEDGER": str(Path(folder) / "ledger.sqlite3")}
        base = [sys.executable, "-c", "from lifeos_core.cli import main; main()"]
        commands = {"list": [*base, "missions", "list"], "run": [*base, "run", "echo", "--no-record"],
                    "recorded": [*base, "run", "echo"]}
        times: dict[str, list[float]] = {name: [] for name in commands}
        for name, command in commands.items():
            timed(command, environment)  # warm the file cache
        for _ in range(runs):
            for name, command in commands.items():
                times[name].append(timed(command, environment))
    median = {name: statistics.median(values) for name, values in times.items()}
    ratio = median["run"] / median["list"]
    report("5. `lifeos run echo --no-record` / `lifeos missions list`", ratio, "<= 1.5", ratio <= 1.5)
    report("5. `lifeos run echo` (recorded) / `lifeos missions list`", median["recorded"] / median["list"], "-", True)


def timed(command: list[str], environment: dict[str, str] | None = None, cwd: str | Path | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment,
                   cwd=cwd)
    return time.perf_counter() - start


def big_states(quick: bool) -> None:
    state = dict(make_state(10_000_000), counter=0)
    blocks = 3 if quick else 7

    def bump(state: dict[str, Any], payload: dict[str, Any], context: Any) -> dict[str, Any]:
        state["counter"] += 1
        return state

    def rewrite(state: dict[str, Any], payload: Any = None, context: Any = None) -> dict[str, Any]:
        state["tasks"] = [dict(task, done=not task["done"]) for task in state["tasks"]]
        return state

    four = WorkflowDefinition("wf-bump-4", [StepSpec(f"s{index}", "runtime", {"operation": "bump"})
                                            for index in range(4)])
    unit, small = alternating(unit_of(state), lambda: Orchestrator({"bump": bump}).run_workflow(
        four, ExecutionContext(state)), 1, blocks)
    report("6. 4 steps changing one small key of 10 MB (units)", small / unit, "<= 3", small / unit <= 3)
    one = WorkflowDefinition("wf-rewrite", [StepSpec("all", "runtime", {"operation": "rewrite"})])
    context = ExecutionContext(state)
    stored = orjson.dumps(state)

    def floor() -> str:
        return hashlib.sha256(orjson.dumps(rewrite(orjson.loads(stored)), option=orjson.OPT_SORT_KEYS)).hexdigest()

    plain, whole = alternating(floor, lambda: Orchestrator({"rewrite": rewrite}).run_workflow(one, context), 1, blocks)
    report("6. a step rewriting all 10 MB / the same work on dicts", whole / plain, "<= 2", whole / plain <= 2)


def plans(quick: bool) -> None:
    import bigplan

    count = 2_000 if quick else 10_000
    repeats = 1 if quick else 3
    lifeos = [sys.executable, "-c", "from lifeos_core.cli import main; main()"]
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:hypothesispytest", "-p", "no:randomly"]
    with tempfile.TemporaryDirectory() as folder:
        paths = bigplan.write(Path(folder), count)
        environment = {**os.environ, "LIFEOS_LEDGER": str(Path(folder) / "ledger.sqlite3")}
        commands = {
            "test yaml": [*lifeos, "test", str(paths["yaml"]), "--no-record", "-q"],
            "test json": [*lifeos, "test", str(paths["json"]), "--no-record", "-q"],
            "validate yaml": [*lifeos, "validate", str(paths["yaml"])],
            "validate json": [*lifeos, "validate", str(paths["json"])],
            "pytest file": [*pytest, "-p", "no:lifeos-plans", "-p", "no:cacheprovider", str(paths["pytest"])],
            "collect plan": [*pytest, "--collect-only", str(paths["yaml"])],
            "collect plan cold": [*pytest, "-p", "no:cacheprovider", "--collect-only", str(paths["yaml"])],
            "collect file": [*pytest, "-p", "no:lifeos-plans", "--collect-only", str(paths["pytest"])],
        }
        timed(commands["collect plan"], environment, folder)  # fills pytest's cache
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(repeats):
            for name, command in commands.items():
                times[name].append(timed(command, environment, folder))
    best = {name: min(values) for name, values in times.items()}
    ratio = best["test yaml"] / best["test json"]
    report(f"7. `lifeos test` {count} scenarios, YAML / JSON", ratio, "<= 1.5", ratio <= 1.5)
    report(f"7. `lifeos validate` {count} scenarios, YAML / JSON", best["validate yaml"] / best["validate json"],
           "-", True)
    ratio = best["test yaml"] / best["pytest file"]
    report(f"7. `lifeos test` (YAML) / pytest parametrized, {count}", ratio, "<= 1", ratio <= 1)
    ratio = best["collect plan"] / best["collect file"]
    report("8. pytest collecting the plan / the parametrized file", ratio, "<= 1.2", ratio <= 1.2)
    report("8. the same, first collection (no cache)", best["collect plan cold"] / best["collect file"], "-", True)


def daily_tasks(count: int) -> list[dict[str, Any]]:
    """A task list as daily_loop reads it: priorities, ISO due dates (some
    overdue on 2026-11-23, some none), estimates, a few done."""
    tasks = []
    for index in range(count):
        task: dict[str, Any] = {"id": f"task-{index}", "title": f"Task number {index} on the list",
                                "priority": ("high", "medium", "low")[index % 3],
                                "estimate_minutes": 10 + 5 * (index % 7)}
        if index % 4:
            task["due"] = f"2026-11-{16 + index % 14:02d}"
        if index % 5 == 0:
            task["done"] = True
        tasks.append(task)
    return tasks


def pause_resume(quick: bool) -> None:
    repeat, blocks = (20, 7) if quick else (40, 11)
    state = {"tasks": daily_tasks(20), "journal": []}
    clock = "2026-11-23T08:00:00Z"
    decision = Decision(True, "bench", "2026-11-23T09:00:00Z")

    def run(ledger: Any, approvals: dict[str, Any]) -> Any:
        workflow = plan_mission("daily_loop", {})
        result = run_planned(workflow, state, approvals=approvals, clock=FixedClock(clock), pause_at_undecided=True)
        return record_mission_run(ledger, mission="daily_loop", params={}, initial_state=state, approvals=approvals,
                                  clock=clock, verify=False, workflow=workflow, result=result, pause=True,
                                  started_by="bench")

    def decided_up_front() -> Any:
        return run(ledgers["one"], {"confirm-plan": decision})

    def paused_then_resumed() -> Any:
        ledger = ledgers["resumed"]
        paused = run(ledger, {})
        return record_resumption(ledger, resume_recorded(ledger, paused.id, "confirm-plan", decision))

    # A fresh ledger per side for each pair of blocks, so every block starts from the same point (an empty
    # ledger and one untimed run, which creates the WAL file) and neither side pays for the records of earlier
    # blocks. Within a block the resumed side's ledger grows by two records a run (the paused one and the one
    # resuming it), the other by one: that is what pausing adds, and part of what is measured.
    ledgers: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        fresh = itertools.count()

        def setup() -> None:
            for ledger in ledgers.values():
                ledger.close()
            for side in ("one", "resumed"):
                ledgers[side] = open_ledger(Path(folder) / f"{side}-{next(fresh)}.sqlite3")
            decided_up_front(), paused_then_resumed()

        setup()
        one, resumed = decided_up_front(), paused_then_resumed()
        ends = [(record.body["status"], record.body["result"]["final_state"]) for record in (one, resumed)]
        if ends[0][0] != "succeeded" or ends[0] != ends[1]:
            raise SystemExit("9. the resumed daily_loop run does not end as the one decided up front")
        try:
            one_run, resumed_run = alternating(decided_up_front, paused_then_resumed, repeat, blocks, setup)
        finally:
            for ledger in ledgers.values():
                ledger.close()
    ratio = resumed_run / one_run
    report("9. daily_loop pause + resume via ledger / one run", ratio, "< 3", ratio < 3)
    report("9. one recorded daily_loop run (ms, reported)", one_run * 1000, "-", True)
    report("9. paused, resumed, both recorded (ms, reported)", resumed_run * 1000, "-", True)


def effects(quick: bool) -> None:
    blocks = 5 if quick else 11
    one_step = WorkflowDefinition("wf-effect", [StepSpec("s", "runtime", {"operation": "op"})])

    def read(state: dict[str, Any], payload: Any, context: Any) -> dict[str, Any]:
        state["length"] = len(context.effects.read_text(state["path"]))  # the text itself stays out of the state
        return state

    def run_true(state: dict[str, Any], payload: Any, context: Any) -> dict[str, Any]:
        state["exit_code"] = context.effects.run(["true"]).exit_code
        return state

    def through_effects(operation: Callable[..., Any], state: dict[str, Any], grant: str) -> Callable[[], Any]:
        return lambda: Orchestrator({"op": operation}).run_workflow(
            one_step, ExecutionContext(state, effects=EffectPolicy([grant])))

    with tempfile.TemporaryDirectory() as folder:
        folder = os.path.realpath(folder)
        line = "water the plants on the balcony, then answer the letters\n"  # plain ASCII, 57 bytes
        for label, size, repeat, limit in (("1 MB", 1_000_000, 10, 2.0), ("1 KB", 1_000, 300, None)):
            path = Path(folder) / f"{label.replace(' ', '')}.txt"
            path.write_text((line * (size // len(line) + 1))[:size], encoding="ascii")
            recorded = through_effects(read, {"path": str(path)}, f"read:{folder}")

            def direct(path: Path = path) -> str:
                with open(path, "rb") as handle:
                    return hashlib.sha256(handle.read()).hexdigest()

            result = recorded()  # the effect happened, was recorded, and its bytes kept
            digest = hashlib.sha256(canonical_json({"text": path.read_text(encoding="ascii")})).hexdigest()
            if (result.status != "succeeded" or result.final_state != {"path": str(path), "length": size}
                    or [effect["response_sha256"] for effect in result.lineage[0]["effects"]] != [digest]
                    or digest not in result.effect_bodies()):
                raise SystemExit(f"10. the recorded read_text of {label} did not run as expected")
            plain, effect = alternating(direct, recorded, repeat, blocks)
            ratio = effect / plain
            if limit is None:  # per-run overhead, not the I/O: reported
                report(f"10. the same, {label} (reported)", ratio, "-", True)
            else:
                report(f"10. read_text effect / read + SHA-256, {label}", ratio, f"<= {limit:g}", ratio <= limit)
            report(f"10. read_text effect, {label} (us, reported)", effect * 1e6, "-", True)
            report(f"10. read + SHA-256, {label} (us, reported)", plain * 1e6, "-", True)

    recorded = through_effects(run_true, {}, "run:true")
    result = recorded()
    if result.status != "succeeded" or result.final_state != {"exit_code": 0} or (
            [effect["kind"] for effect in result.lineage[0]["effects"]] != ["run"]):
        raise SystemExit("10. the recorded run(['true']) did not run as expected")
    plain, effect = alternating(lambda: subprocess.run(["true"], capture_output=True), recorded,
                                10 if quick else 20, blocks)
    report("10. run(['true']) effect / subprocess.run (reported)", effect / plain, "-", True)
    report("10. run(['true']) effect (ms, reported)", effect * 1000, "-", True)
    report("10. subprocess.run(['true']) (ms, reported)", plain * 1000, "-", True)


APPENDER = """
import sys, time
from lifeos_core.ledger.store import open_ledger
with open_ledger(sys.argv[1]) as book:
    start = time.time()
    for n in range(int(sys.argv[2])):
        book.append("mission_run", "bench", versions={}, result={"n": n}, success=True, inputs={
            "mission": "echo", "params": {"n": n}, "initial_state": {}, "approvals": {}, "clock": "2026-11-23T08:00:00Z"})
    print(start, time.time())
"""


def appends_per_second(location: str, writers: int, each: int) -> float:
    """``writers`` processes appending ``each`` records at once to a ledger (created first): appends a
    second, from the first writer's first append to the last one's end (start-up left out)."""
    open_ledger(location).close()
    processes = [subprocess.Popen([sys.executable, "-c", APPENDER, location, str(each)], stdout=subprocess.PIPE,
                                  text=True) for _ in range(writers)]
    spans = [[float(t) for t in process.communicate(timeout=600)[0].split()] for process in processes]
    if any(process.returncode for process in processes):
        raise SystemExit(f"11. a writer appending to {location} failed")
    with open_ledger(location, read_only=True) as book:
        checked = book.verify()
    if not checked.intact or checked.records != writers * each:
        raise SystemExit(f"11. {writers} writers lost appends: {checked.records} of {writers * each} recorded, "
                         f"intact: {checked.intact}")
    return writers * each / (max(end for _, end in spans) - min(start for start, _ in spans))


def ledger_appends(quick: bool) -> None:
    each = {1: 100 if quick else 400, 8: 25 if quick else 100}
    rates: dict[str, dict[int, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        rates["SQLite"] = {n: appends_per_second(str(Path(folder) / f"{n}.sqlite3"), n, each[n]) for n in each}
    import importlib.util

    spec = importlib.util.spec_from_file_location("pg_server", Path(__file__).parents[1] / "tests" / "pg_server.py")
    pg_server = sys.modules["pg_server"] = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(pg_server)  # type: ignore[union-attr]
    if pg_server.server_programs() is None or importlib.util.find_spec("psycopg") is None:
        print("note: 11. PostgreSQL left out: its server (apt-get install postgresql) or psycopg "
              "(pip install 'lifeos-core[postgres]') is not installed here")
    else:
        with pg_server.postgres_server() as server:  # a throwaway server, fsync off: an upper bound
            rates["PostgreSQL"] = {n: appends_per_second(server.new_database(), n, each[n]) for n in each}
    print(f"\n{'appends/s':<12}{'1 writer':>10}{'8 writers':>11}")
    for store, rate in rates.items():
        print(f"{store:<12}{rate[1]:>10.0f}{rate[8]:>11.0f}")
    print()
    for store, rate in rates.items():
        for writers, value in rate.items():
            report(f"11. {store} appends/s, {writers} writer(s) (reported)", value, "-", True)
        report(f"11. {store}: 8 writers, appends kept in one chain", 8 * each[8], "all kept", True)


def build_ledger(path: Path, count: int) -> float:
    """A ledger of ``count`` recorded echo runs (the same small run each time, in one transaction, so that
    100,000 take seconds, not minutes): the seconds it took."""
    clock = "2026-11-23T08:00:00Z"
    workflow = plan_mission("echo", {"n": 1})
    result = run_planned(workflow, {"seen": 1}, clock=FixedClock(clock))
    start = time.perf_counter()
    with open_ledger(path) as ledger:
        store = ledger._store
        begin, commit = store.begin_write, store.commit
        store.begin_write = store.commit = lambda: None  # every append in the one transaction begun here
        begin()
        try:
            for _ in range(count):
                record_mission_run(ledger, mission="echo", params={"n": 1}, initial_state={"seen": 1}, approvals={},
                                   clock=clock, verify=False, workflow=workflow, result=result, started_by="bench")
            commit()
        except BaseException:
            store.rollback()
            raise
    return time.perf_counter() - start


def first_byte(port: int, path: str, cookie: str) -> tuple[float, float]:
    """Seconds to the first byte of the response to ``GET path`` (on a new connection), and to its last."""
    import socket

    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n"
               "Connection: close\r\n\r\n").encode()
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
        connection.sendall(request)
        chunk = connection.recv(65536)
        first = time.perf_counter() - start
        received = [chunk]
        while chunk:
            chunk = connection.recv(65536)
            received.append(chunk)
    whole = time.perf_counter() - start
    head = b"".join(received).split(b"\r\n", 1)[0]
    if not head.startswith(b"HTTP/1.1 200"):
        raise SystemExit(f"12. GET {path} answered {head.decode(errors='replace')}")
    return first, whole


TOKEN = "benchmark-token-of-lifeos-ui"
OTHER_PAGES = ("/runs?before=50000", "/runs?mission=echo", "/runs?verdict=waiting", "/pending", "/chain")


def ui_runs_page(quick: bool) -> None:
    import importlib.util
    import re
    import selectors

    if importlib.util.find_spec("starlette") is None or importlib.util.find_spec("uvicorn") is None:
        print("note: 12. the web view left out: its extra is not installed (pip install 'lifeos-core[ui]')")
        return
    count, repeat = 100_000, 15 if quick else 41
    with tempfile.TemporaryDirectory() as folder:
        ledger = Path(folder) / "ledger.sqlite3"
        built = build_ledger(ledger, count)
        lifeos = Path(sys.executable).parent / "lifeos"
        environment = {**os.environ, "LIFEOS_LEDGER": str(ledger), "LIFEOS_UI_TOKEN": TOKEN}
        server = subprocess.Popen([str(lifeos), "ui", "--port", "0"], env=environment,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  text=True)
        try:
            selector = selectors.DefaultSelector()
            selector.register(server.stdout, selectors.EVENT_READ)  # type: ignore[arg-type]
            line = server.stdout.readline() if selector.select(timeout=60) else ""  # type: ignore[union-attr]
            address = re.match(r"lifeos ui: http://127\.0\.0\.1:(\d+)/\?token=", line)
            if address is None:
                raise SystemExit(f"12. lifeos ui did not print its address: {line!r}")
            port = int(address[1])
            cold, _ = first_byte(port, "/runs", f"lifeos_ui={TOKEN}")
            times = [first_byte(port, "/runs", f"lifeos_ui={TOKEN}") for _ in range(repeat)]
            others = {path: statistics.median(first_byte(port, path, f"lifeos_ui={TOKEN}")[0]
                                              for _ in range(max(5, repeat // 4)))
                      for path in OTHER_PAGES}
        finally:
            server.terminate()
            server.wait(timeout=30)
    median = statistics.median(first for first, _ in times) * 1000
    report(f"12. {count:,}-record ledger built (s, reported)", built, "-", True)
    report(f"12. lifeos ui, {count:,} records: /runs first byte (ms)", median, "< 100", median < 100)
    report("12. the same, the whole page (ms, reported)", statistics.median(whole for _, whole in times) * 1000,
           "-", True)
    report("12. the same, first request after start (ms, reported)", cold * 1000, "-", True)
    for path, seconds in others.items():
        report(f"12. {path} first byte (ms, reported)", seconds * 1000, "-", True)


TARGETS = {"engine": engine_overhead, "scaling": scaling, "hashing": hashing, "harness": harness, "cli": cli,
           "startup": run_startup, "states": big_states, "plans": plans, "resume": pause_resume,
           "effects": effects, "ledger-appends": ledger_appends, "ui-runs-page": ui_runs_page}


def main() -> None:
    parser = argparse.ArgumentParser(description="Measure the lifeos performance targets.")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (noisier)")
    parser.add_argument("--only", choices=list(TARGETS), action="append")
    arguments = parser.parse_args()
    for name in arguments.only or list(TARGETS):
        TARGETS[name](arguments.quick)
    failed = [name for name, _, _, passed in RESULTS if not passed]
    print(f"\n{len(RESULTS) - len(failed)} of {len(RESULTS)} targets met" + (f"; missed: {len(failed)}" if failed else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
