"""The ``run_tests`` mission: run tests and record the verdict, in one of two modes.

- **pytest mode** (no ``suite`` given): run a project's own pytest suite with
  the ``python`` param's interpreter, through a ``run`` effect the user grants,
  and record every test's outcome from pytest's JUnit XML report
  (:mod:`.pytest_mode`, :mod:`.junit`). A replay needs neither the project
  nor pytest: the report is in the effect's recorded response.
- **plan mode** (a ``suite``, or ``plan``, given): run a declared lifeos test
  plan through the harness (:mod:`.plan_mode`), as this pack always did.

This module holds what the two share: the mission, its params, the summary,
and the plugin hooks. Only public names of ``lifeos_core`` are used, as any
pack would.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lifeos_core import Mission, MissionParamsError, Param, StepSpec, hookimpl

from . import plan_mode, pytest_mode

NAME = plan_mode.NAME
PYTEST_ONLY = ("args", "python", "signoff")
"""Params that only pytest mode reads: given with a plan, they are a mistake."""


def plan(params: Mapping[str, Any]) -> list[StepSpec]:
    if plan_mode.suite_of(params) is None:
        return pytest_mode.steps(params)
    given = [name for name in PYTEST_ONLY if params.get(name)]
    if given:
        raise MissionParamsError(f"mission {NAME!r}: param {given[0]!r} is for pytest mode, which runs when no "
                                 "'suite' is given; a test plan does not take it")
    return plan_mode.steps()


def summary(state: Mapping[str, Any], step_id: str | None) -> str:
    """The verdict so far, in a few lines: shown at the sign-off (``step_id``
    ``"tests-signoff"``) and after a finished run (``step_id`` ``None``)."""
    record = state.get("run_tests")
    if not isinstance(record, Mapping):
        return ""  # nothing ran (a refused effect, a bad plan): the error says why
    if record.get("mode") == "pytest":
        return "\n".join(pytest_mode.summary_lines(record, step_id))
    if "counts" in record:
        counts = record["counts"]
        lines = [(f"test plan {record.get('suite_name')!r}: {counts['passed']} of {counts['expectations']} "
                  "expectations passed")]
        lines += [f"  FAILED {failure['id']}: {str(failure['message']).splitlines()[0] if failure['message'] else ''}"
                  for failure in record.get("failures", [])[:pytest_mode.SHOWN]]
        return "\n".join(lines)
    return f"test plan {record.get('suite_name')!r} checked; it has not run yet."


def _strings(value: Any) -> None:
    if not all(isinstance(item, str) for item in value):
        raise ValueError("must be a list of strings, e.g. [\"-x\", \"-q\"]")


MISSION = Mission(
    name=NAME,
    description="Run a project's pytest suite (or a declared lifeos test plan) and record the verdict.",
    plan=plan,
    params=(
        Param("target", str, default=None,
              help="pytest: a folder, file or node id (tests/test_x.py::test_y), relative to where lifeos runs; "
                   "'.' when not given. Plan mode: a name for what the plan tests ('default')"),
        Param("args", list, default=[], check=_strings,
              help="pytest: more arguments for pytest, e.g. [\"-x\", \"-k\", \"fast\"]"),
        Param("python", str, default=None,
              help="pytest: the interpreter to run pytest with (it needs pytest installed); "
                   "the one lifeos runs with when not given. Grant it: --allow run:PYTHON"),
        Param("timeout", float, default=pytest_mode.DEFAULT_TIMEOUT, minimum=1,
              help="pytest: seconds the run may take before it is stopped and the step fails"),
        Param("signoff", bool, default=False,
              help="pytest: add a human sign-off after the report; approving it accepts a red run "
                   "(a known flaky test), with who, when and a note in the receipt"),
        Param("suite", dict, default=None,
              help="plan mode: the lifeos test plan (suite_name, scenarios with inline expectations, "
                   "optional expectations); given, the mission runs it instead of pytest"),
        Param("plan", dict, default=None, help="plan mode: another name for suite"),
        Param("expectations", dict, default=None, help="plan mode: more expectations: {expectations: [...]}"),
    ),
    summary=summary,
    effects={"run": "python -m pytest on the target, with the python param's interpreter "
                    "(the one lifeos runs with by default); plan mode takes no effect"},
)


@hookimpl
def lifeos_register_missions(register: Callable[[Mission], None]) -> None:
    register(MISSION)


@hookimpl
def lifeos_register_operations(register: Callable[..., None]) -> None:
    register("run_tests.discover", plan_mode.discover)
    register("run_tests.execute", plan_mode.execute)
    register("run_tests.report", plan_mode.report)
    register("run_tests.pytest", pytest_mode.run)
    register("run_tests.verdict", pytest_mode.report)
