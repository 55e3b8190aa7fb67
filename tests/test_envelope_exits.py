"""A step that raises SystemExit, GeneratorExit or any BaseException fails; the process goes on.

Only KeyboardInterrupt (the user's Ctrl-C) still stops the caller.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from lifeos_core import ExecutionContext, Orchestrator, StepSpec, WorkflowDefinition, run_mission
from lifeos_core.engine.guard import inside_step


class Meltdown(BaseException):
    """A pack's own BaseException subclass."""


def raising(exc: BaseException):
    def operation(state, payload, context):
        raise exc
    return operation


def run(operation, *, verify=False):
    workflow = WorkflowDefinition("wf-exit", [StepSpec("x", "runtime", {"operation": "op"}),
                                              StepSpec("after", "runtime", {"operation": "mark"})])
    operations = {"op": operation, "mark": lambda state, payload, context: {**state, "after": True}}
    return Orchestrator(operations).run_workflow(workflow, ExecutionContext({"kept": True}), verify=verify)


@pytest.mark.parametrize("verify", [False, True])
@pytest.mark.parametrize(("exc", "message"), [
    (SystemExit(0), "SystemExit: 0"),
    (SystemExit("bye"), "SystemExit: bye"),
    (GeneratorExit("closed"), "GeneratorExit: closed"),
    (Meltdown("core"), "Meltdown: core"),
])
def test_a_base_exception_fails_its_step_and_the_run_returns(exc, message, verify):
    result = run(raising(exc), verify=verify)  # reaching the next line proves the process did not end
    assert result.success is False
    assert result.failed_step_id == "x"
    assert result.error_message == f"step 'x' failed: {message}"
    assert result.lineage[-1]["status"] == "failed"
    assert [step.id for step in result.executed_steps] == ["x"]  # the run stopped there, as on any failure
    assert result.final_state == {"kept": True}
    assert result.receipt["violation"] is None
    assert inside_step() is False


def test_keyboard_interrupt_still_stops_the_caller():
    with pytest.raises(KeyboardInterrupt):
        run(raising(KeyboardInterrupt()))
    assert inside_step() is False


def test_a_breach_caught_and_turned_into_system_exit_is_still_a_breach(tmp_path):
    def sneaky(state, payload, context):
        try:
            open(tmp_path / "out.txt", "w")
        except BaseException:
            raise SystemExit(0) from None

    result = run(sneaky)
    assert result.receipt["violation"] == {"step_id": "x", "event": "open", "action": "to write to the file system"}
    assert not (tmp_path / "out.txt").exists()


def test_a_step_of_a_nested_run_that_exits_fails_only_that_run(registry_with, pack):
    from lifeos_core import Mission

    def outer(state, payload, context):
        inner = run_mission("quitter")
        state["inner"] = [inner.success, inner.error_message]
        return state

    registry_with(p=pack([
        Mission("quitter", "Exit.", lambda params: [StepSpec("q", "runtime", {"operation": "quit"})]),
        Mission("host", "Run quitter.", lambda params: [StepSpec("h", "runtime", {"operation": "outer"})]),
    ], {"quit": raising(SystemExit(0)), "outer": outer}))
    result = run_mission("host")
    assert result.success is True
    assert result.final_state["inner"] == [False, "step 'q' failed: SystemExit: 0"]


def test_sys_exit_in_a_step_leaves_the_interpreter_running():
    # In a child interpreter, so that were the step to end the process, the test would see it.
    program = textwrap.dedent("""\
        import sys
        from lifeos_core import ExecutionContext, Orchestrator, StepSpec, WorkflowDefinition
        def leave(state, payload, context):
            sys.exit(0)
        workflow = WorkflowDefinition("wf", [StepSpec("x", "runtime", {"operation": "leave"})])
        result = Orchestrator({"leave": leave}).run_workflow(workflow, ExecutionContext())
        print("still here:", result.error_message)
        sys.exit(7)
        """)
    completed = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 7, completed.stderr
    assert completed.stdout.strip() == "still here: step 'x' failed: SystemExit: 0"
