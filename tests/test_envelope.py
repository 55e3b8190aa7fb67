"""The envelope at run time: what a step may not do, and that nothing it tried took effect."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from lifeos_core import (
    ExecutionContext,
    Mission,
    Orchestrator,
    Param,
    StepSpec,
    WorkflowDefinition,
    WorkflowInputError,
    run_mission,
)
from lifeos_core.engine.guard import THREAD_EVENTS_AUDITED, inside_step


def attempt(state, payload, context):
    """Try the action named in the payload."""
    ACTIONS[payload["action"]](Path(payload["sentinel"]))
    state["done"] = payload["action"]
    return state


ATTEMPT = Mission("attempt", "Try something.", lambda params: [StepSpec("try", "runtime", {
    "operation": "attempt", "action": params["action"], "sentinel": params["sentinel"]})],
    params=(Param("action", str, default="read"), Param("sentinel", str, default="")))


def _swallow(action):
    """The same action, with the operation catching every Exception (it must not help)."""
    def run(sentinel):
        try:
            action(sentinel)
        except Exception:
            pass
    return run


def _thread(sentinel):
    worker = threading.Thread(target=lambda: None)
    worker.start()
    worker.join()


ACTIONS = {
    "read": lambda sentinel: Path(__file__).read_text(),
    "import": lambda sentinel: __import__("colorsys"),
    "socket": lambda sentinel: socket.socket(socket.AF_INET, socket.SOCK_STREAM),
    "lookup": lambda sentinel: socket.getaddrinfo("localhost", 80),
    "connect": lambda sentinel: socket.create_connection(("127.0.0.1", int(sentinel.name)), timeout=1),
    "subprocess": lambda sentinel: subprocess.run(["touch", str(sentinel)]),
    "system": lambda sentinel: os.system(f"touch {sentinel}"),
    "posix_spawn": lambda sentinel: os.posix_spawn("/usr/bin/touch", ["touch", str(sentinel)], dict(os.environ)),
    "write": lambda sentinel: open(sentinel, "w").write("x"),
    "append": lambda sentinel: open(sentinel, "a").write("x"),
    "write_text": lambda sentinel: sentinel.write_text("x"),
    "os_open": lambda sentinel: os.open(sentinel, os.O_WRONLY | os.O_CREAT),
    "remove": lambda sentinel: os.remove(sentinel),
    "rename": lambda sentinel: os.rename(sentinel, str(sentinel) + ".moved"),
    "mkdir": lambda sentinel: os.mkdir(sentinel),
    "tempfile": lambda sentinel: __import__("tempfile").mkstemp(dir=sentinel.parent),
    "ctypes": lambda sentinel: __import__("ctypes").CDLL(None),
    "thread": _thread,
    "swallowed_write": _swallow(lambda sentinel: open(sentinel, "w").write("x")),
}


@pytest.fixture(autouse=True)
def installed(registry_with, pack):
    registry_with(tester=pack([ATTEMPT], {"attempt": attempt}))


def run(action, sentinel):
    return run_mission("attempt", {"action": action, "sentinel": str(sentinel)})


@pytest.mark.parametrize("action", ["read", "import"])
def test_reading_and_importing_are_allowed(action, tmp_path):
    result = run(action, tmp_path / "unused")
    assert result.success is True, result.error_message


@pytest.mark.parametrize(("action", "what", "event"), [
    ("socket", "network access", "socket.__new__"),
    ("lookup", "network access", "socket.getaddrinfo"),
    ("subprocess", "to start a process", "subprocess.Popen"),
    ("system", "to start a process", "os.system"),
    ("posix_spawn", "to start a process", "os.posix_spawn"),
    ("write", "to write to the file system", "open"),
    ("append", "to write to the file system", "open"),
    ("write_text", "to write to the file system", "open"),
    ("os_open", "to write to the file system", "open"),
    ("tempfile", "to write to the file system", "tempfile.mkstemp"),
    ("mkdir", "to write to the file system", "os.mkdir"),
    ("ctypes", "to load a native library", "ctypes.dlopen"),
    ("swallowed_write", "to write to the file system", "open"),
])
def test_each_blocked_action_is_a_violation_and_takes_no_effect(action, what, event, tmp_path):
    sentinel = tmp_path / "sentinel"
    result = run(action, sentinel)
    assert result.success is False
    assert result.failed_step_id == "try"
    assert result.error_message == f"step 'try' tried {what} ({event}) — operations may not leave the envelope"
    assert result.receipt["violation"] == {"step_id": "try", "event": event, "action": what}
    assert result.lineage[-1]["status"] == "envelope_violation"
    assert "done" not in result.final_state
    time.sleep(0.05)  # a child process, had one started, would have touched the sentinel by now
    assert not sentinel.exists()


@pytest.mark.parametrize(("action", "event"), [("remove", "os.remove"), ("rename", "os.rename")])
def test_existing_files_are_not_removed_or_renamed(action, event, tmp_path):
    sentinel = tmp_path / "sentinel"
    sentinel.write_text("keep me")
    result = run(action, sentinel)
    assert result.error_message.endswith(f"({event}) — operations may not leave the envelope")
    assert sentinel.read_text() == "keep me"
    assert not Path(str(sentinel) + ".moved").exists()


def test_no_connection_reaches_a_listening_socket(tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.3)
    port = server.getsockname()[1]
    try:
        result = run("connect", tmp_path / str(port))
        assert result.receipt["violation"]["action"] == "network access"
        with pytest.raises(socket.timeout):
            server.accept()
    finally:
        server.close()


def test_a_thread_started_in_a_step_fails_it(tmp_path):
    result = run("thread", tmp_path / "unused")
    assert result.success is False
    assert result.receipt["violation"]["action"] == "to start a thread"
    expected = "_thread.start" if THREAD_EVENTS_AUDITED else "threading.Thread.start"
    assert result.receipt["violation"]["event"].startswith(expected)


def test_outside_steps_nothing_is_blocked(tmp_path):
    before = tmp_path / "before.txt"
    before.write_text("written before the run")
    subprocess.run(["touch", str(tmp_path / "child-before")], check=True)
    assert run("write", tmp_path / "blocked").success is False
    after = tmp_path / "after.txt"
    after.write_text("written after the run")
    subprocess.run(["touch", str(tmp_path / "child-after")], check=True)
    assert (tmp_path / "child-before").exists() and (tmp_path / "child-after").exists()
    assert after.read_text() == "written after the run"
    assert not (tmp_path / "blocked").exists()
    assert inside_step() is False


DANGEROUS = textwrap.dedent("""\
    import json, multiprocessing, os, sys
    from lifeos_core import Mission, Param, StepSpec, load_registry, run_mission, use_registry
    from lifeos_core.testing import Plugin

    def attempt(state, payload, context):
        action = payload["action"]
        if action == "fork":
            if os.fork() == 0:
                os._exit(0)
        elif action == "exec":
            os.execv("/bin/true", ["true"])
        elif action == "multiprocessing":
            multiprocessing.Process(target=print).start()
        return state

    mission = Mission("danger", "Try.", lambda p: [StepSpec("try", "runtime", {"operation": "attempt", "action": p["action"]})],
                      params=(Param("action", str),))
    with use_registry(load_registry([Plugin([mission], {"attempt": attempt})], discover=False)):
        results = {a: run_mission("danger", {"action": a}).receipt["violation"] for a in ("fork", "exec", "multiprocessing")}
    print(json.dumps(results))
    """)


def test_fork_exec_and_multiprocessing_are_refused():
    # Run in a child interpreter: were the guard to fail, the damage would stay there.
    output = subprocess.run([sys.executable, "-c", DANGEROUS], capture_output=True, text=True, timeout=60)
    assert output.returncode == 0, output.stderr
    results = json.loads(output.stdout.strip().splitlines()[-1])
    assert results["fork"]["event"] == "os.fork"
    assert results["exec"]["event"] == "os.exec"
    assert results["multiprocessing"]["action"] == "to start a process"


# --- the state and the nesting of runs are bounded -----------------------------------------------------


def grow(state, payload, context):
    state["blob"] = "x" * payload["size"]
    return state


def test_a_state_over_the_limit_fails_the_step(registry_with, pack):
    registry_with(p=pack(operations={"grow": grow}))
    workflow = WorkflowDefinition("wf", [StepSpec("grow", "runtime", {"operation": "grow", "size": 500})])
    result = Orchestrator().run_workflow(workflow, ExecutionContext(max_state_bytes=200))
    assert result.success is False
    assert result.error_message == "step 'grow' failed: its state is 511 bytes of canonical JSON; the limit is 200 bytes"
    assert Orchestrator().run_workflow(workflow, ExecutionContext(max_state_bytes=600)).success is True


def test_the_state_limit_can_be_lowered_not_raised():
    with pytest.raises(WorkflowInputError, match="max_state_bytes must be a whole number from 1 to 16777216"):
        ExecutionContext(max_state_bytes=32 * 1024 * 1024)
    with pytest.raises(WorkflowInputError, match="the initial state is 18 bytes of canonical JSON; the limit is 10 bytes"):
        Orchestrator({}).run_workflow(WorkflowDefinition("wf", []), ExecutionContext({"k": "0123456789"}, max_state_bytes=10))


def nest(state, payload, context):
    result = run_mission("nesting", {"depth": payload["depth"] + 1})
    state["inner"] = {"success": result.success, "error": result.error_message}
    return state


NESTING = Mission("nesting", "Run myself inside myself.", lambda params: [
    StepSpec("nest", "runtime", {"operation": "nest", "depth": params["depth"]})] if params["depth"] < 5 else [],
    params=(Param("depth", int, default=0),))


def test_a_step_may_run_missions_but_their_steps_may_not(registry_with, pack):
    registry_with(p=pack([NESTING], {"nest": nest}))
    outer = run_mission("nesting")
    assert outer.success is True
    inner = outer.final_state["inner"]
    assert inner["success"] is False
    assert inner["error"] == (
        "step 'nest' failed: EnvelopeViolation: run of 'wf-nesting' refused: it would start inside "
        "step 'nest' of 'wf-nesting' inside step 'nest' of 'wf-nesting'; a step may start mission runs, "
        "but their steps may not start more")


# --- deterministic inputs, and proving determinism ------------------------------------------------------


def stamp_time(state, payload, context):
    state["stamp"] = time.time()
    return state


def roll_dice(state, payload, context):
    state["roll"] = __import__("random").random()
    return state


def seeded_roll(state, payload, context):
    state["rolls"] = [context.random.randint(1, 6) for _ in range(5)]
    state["today"] = context.now().date().isoformat()
    return state


def one_step(operation):
    return Mission(operation, f"Run {operation}.", lambda params: [StepSpec("s", "runtime", {"operation": operation})])


@pytest.fixture
def chancy(registry_with, pack):
    return registry_with(p=pack([one_step("stamp_time"), one_step("roll_dice"), one_step("seeded_roll")],
                                {"stamp_time": stamp_time, "roll_dice": roll_dice, "seeded_roll": seeded_roll}))


@pytest.mark.parametrize(("mission", "path"), [("stamp_time", "stamp"), ("roll_dice", "roll")])
def test_verify_catches_the_wall_clock_and_unseeded_randomness(chancy, mission, path):
    assert run_mission(mission).success is True  # unverified, the problem goes unnoticed
    result = run_mission(mission, verify=True)
    assert result.success is False
    assert result.error_message == (f"step 's' is not deterministic: two runs of its operation differ "
                                    f"at state path {path!r}")


def test_the_step_context_gives_time_and_randomness_that_are_inputs(chancy):
    first = run_mission("seeded_roll", verify=True)
    assert first.success is True
    assert first.final_state == run_mission("seeded_roll").final_state
    assert first.final_state["today"] == "1970-01-01"
    other_inputs = run_mission("seeded_roll", initial_state={"x": 1})
    assert other_inputs.final_state["rolls"] != first.final_state["rolls"]  # the seed depends on the inputs
    assert all(1 <= roll <= 6 for roll in first.final_state["rolls"])


def test_verification_does_not_change_the_result(chancy):
    assert run_mission("seeded_roll", verify=True).to_dict() == run_mission("seeded_roll").to_dict()


def test_the_standard_missions_pass_verification():
    from lifeos_core import load_registry, use_registry

    installed = load_registry()
    if not {"echo", "daily_loop", "run_tests"} <= set(installed.missions):
        pytest.skip("the standard packs are not installed")
    state = {"tasks": [{"id": "a", "title": "A", "priority": "high", "due": "2026-01-01", "estimate_minutes": 30}]}
    suite = {"suite_name": "s", "scenarios": [{"scenario_name": "e", "missions": [{"name": "echo"}], "expectations": [
        {"mission_name": "echo", "path": "success", "op": "eq", "expected": True}]}]}
    with use_registry(installed):
        for mission, params, initial in (("echo", {"m": 1}, {}), ("daily_loop", {"date": "2026-01-02"}, state),
                                         ("run_tests", {"suite": suite}, {})):
            result = run_mission(mission, params, initial, verify=True)
            assert result.success is True, result.error_message


def test_verify_on_the_command_line(chancy, tmp_path):
    from typer.testing import CliRunner

    from lifeos_core.cli import app

    runner = CliRunner()
    assert runner.invoke(app, ["run", "stamp_time"]).exit_code == 0
    caught = runner.invoke(app, ["run", "stamp_time", "--verify"])
    assert caught.exit_code == 1
    assert "step 's' is not deterministic: two runs of its operation differ at state path 'stamp'" in caught.stdout
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"suite_name": "s", "scenarios": [{"scenario_name": "a", "missions": [
        {"name": "roll_dice"}], "expectations": [{"mission_name": "roll_dice", "path": "success", "op": "eq",
                                                 "expected": True}]}]}))
    assert runner.invoke(app, ["test", str(plan)]).exit_code == 0
    verified = runner.invoke(app, ["test", str(plan), "--verify"])
    assert verified.exit_code == 1
    assert "mission roll_dice: FAILED at s: step 's' is not deterministic" in verified.stdout


def test_a_thread_that_is_quick_to_finish_is_caught_all_the_same(tmp_path):
    def sprint(state, payload, context):
        worker = threading.Thread(target=lambda: None)
        worker.start()
        worker.join()  # gone before the step ends: the guard must have seen it start
        return state

    workflow = WorkflowDefinition("wf-sprint", [StepSpec("go", "runtime", {"operation": "sprint"})])
    result = Orchestrator({"sprint": sprint}).run_workflow(workflow, ExecutionContext())
    assert result.receipt["violation"]["action"] == "to start a thread"


def test_a_threading_profile_hook_set_by_the_user_still_reaches_new_threads():
    profiled = []

    def hook(frame, event, arg):
        if event == "call":
            profiled.append(threading.current_thread().name)

    threading.setprofile(hook)
    try:
        workflow = WorkflowDefinition("wf-calm", [StepSpec("rest", "runtime", {"operation": "set", "values": {}})])
        assert Orchestrator().run_workflow(workflow, ExecutionContext()).success
        worker = threading.Thread(target=lambda: None, name="after-the-run")
        worker.start()
        worker.join()
        assert "after-the-run" in profiled  # lifeos's own hook handed the thread on
    finally:
        threading.setprofile(None)


def test_another_librarys_wrapper_of_thread_start_keeps_working():
    # In a fresh process: the guard is installed once per process, at the first step.
    program = textwrap.dedent("""\
        import threading
        seen = []
        original = threading.Thread.start
        def instrumented(self):
            seen.append(self.name)
            return original(self)
        threading.Thread.start = instrumented
        from lifeos_core import ExecutionContext, Orchestrator, StepSpec, WorkflowDefinition
        workflow = WorkflowDefinition("wf", [StepSpec("rest", "runtime")])
        assert Orchestrator().run_workflow(workflow, ExecutionContext()).success
        worker = threading.Thread(target=lambda: None, name="after")
        worker.start()
        worker.join()
        print(seen)
        """)
    completed = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "['after']"
