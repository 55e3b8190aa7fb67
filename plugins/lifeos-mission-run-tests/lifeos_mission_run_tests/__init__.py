"""The ``run_tests`` mission: run a declared test plan and record its verdict.

Three runtime steps, all reading the plan from the mission's params (it arrives
already parsed; the mission does no file I/O):

- ``tests-discover`` checks the plan by the rules of ``lifeos validate``
  (a plan that calls ``run_tests`` itself, or tests nothing, is refused too)
  and lists it;
- ``tests-execute`` runs it with ``lifeos_core.run_test_run`` and records the
  verdict, counts, failures and hashes (``test_run_hash`` is the one
  ``run_test_run`` gives for this plan);
- ``tests-report`` fails the mission when an expectation failed, naming the
  failed expectation ids, with the verdict still recorded in the state.

Only public names of ``lifeos_core`` are used, as any pack would.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable

from lifeos_core import Mission, Param, StepFailed, StepSpec, hookimpl

if TYPE_CHECKING:
    from lifeos_core import StepContext, TestPlan

# The harness is imported inside the operations, when a plan actually runs:
# listing missions should not pay for it.

NAME = "run_tests"


def _plan(context: StepContext) -> TestPlan:
    from lifeos_core import ConfigError, parse_test_plan

    suite = context.params.get("suite")
    if suite is None:
        raise StepFailed("there is no test plan to run: pass one as the 'suite' param "
                         "(e.g. lifeos run run_tests --params plan.yaml, whose 'suite' holds the plan)")
    try:
        return parse_test_plan(suite, context.params.get("expectations"))
    except ConfigError as exc:
        raise StepFailed(f"the test plan is invalid: {'; '.join(exc.problems)}") from None


def _record(state: dict[str, Any]) -> dict[str, Any]:
    record = state.get("run_tests")
    if not isinstance(record, dict):
        raise StepFailed("state 'run_tests' is missing: run tests-discover first")
    return record


def discover(state: dict[str, Any], payload: dict[str, Any], context: StepContext) -> dict[str, Any]:
    """Check the plan (by the rules of ``lifeos validate``) and list what it runs."""
    plan = _plan(context)
    for index, scenario in enumerate(plan.suite.scenarios):
        for position, call in enumerate(scenario.missions):
            if call.name == NAME:
                raise StepFailed(f"scenarios[{index}].missions[{position}]: a test plan may not run {NAME} itself "
                                 "(no recursion)")
    problems = plan.problems()
    if problems:
        raise StepFailed("; ".join(problems))
    if not plan.suite.scenarios or not plan.expectations.expectations:
        what = "no scenarios" if not plan.suite.scenarios else "no expectations"
        raise StepFailed(f"the test plan {plan.suite.suite_name!r} has {what}: nothing to test")
    state["run_tests"] = {
        "target": context.params.get("target"),
        "suite_name": plan.suite.suite_name,
        "scenarios": [scenario.scenario_name for scenario in plan.suite.scenarios],
        "mission_calls": sum(len(scenario.missions) for scenario in plan.suite.scenarios),
        "expectations": len(plan.expectations.expectations),
    }
    return state


def execute(state: dict[str, Any], payload: dict[str, Any], context: StepContext) -> dict[str, Any]:
    """Run the plan through the harness and record its verdict."""
    from lifeos_core import run_test_run

    record = _record(state)
    plan = _plan(context)
    result = run_test_run(plan.suite, plan.expectations)
    verdicts = result.expectations_result
    failed = verdicts.failed_ids
    record.update({
        "passed": result.passed,
        "counts": {"expectations": len(verdicts.expectation_results),
                   "passed": len(verdicts.expectation_results) - len(failed), "failed": len(failed)},
        "failures": [{"id": key, "message": verdicts.expectation_results[key].details.get("message", "")}
                     for key in failed],
        "missions_failed": sorted(f"{name}/{key}" for name, scenario in result.suite_result.scenario_results.items()
                                  for key, run in scenario.mission_results.items() if not run.success),
        "suite_hash": result.metadata["suite_hash"],
        "expectations_hash": result.metadata["expectations_hash"],
        "test_run_hash": result.metadata["test_run_hash"],
    })
    return state


def report(state: dict[str, Any], payload: dict[str, Any], context: StepContext) -> dict[str, Any]:
    """Report the verdict: the mission fails, naming the failed expectations, when any failed."""
    record = _record(state)
    if "passed" not in record:
        raise StepFailed("there is no verdict to report: run tests-execute first")
    failed = [failure["id"] for failure in record["failures"]]
    if failed:
        raise StepFailed(f"{len(failed)} of {record['counts']['expectations']} expectations failed: "
                         f"{', '.join(failed)}", state=state)
    return state


def plan(params: Mapping[str, Any]) -> list[StepSpec]:
    return [
        StepSpec("tests-discover", "runtime", {
            "operation": "run_tests.discover", "description": "Check the plan and list what it runs"}),
        StepSpec("tests-execute", "runtime", {
            "operation": "run_tests.execute", "description": "Run the plan through the harness and record the verdict"}),
        StepSpec("tests-report", "runtime", {
            "operation": "run_tests.report", "description": "Report the verdict; fail when an expectation failed"}),
    ]


MISSION = Mission(
    name=NAME,
    description="Run a declared test plan and record the verdict.",
    plan=plan,
    params=(
        Param("target", str, default="default", help="a name for what the plan tests"),
        Param("suite", dict, default=None,
              help="the plan: suite_name, scenarios (with inline expectations) and optional expectations"),
        Param("expectations", dict, default=None, help="more expectations: {expectations: [...]}"),
    ),
)


@hookimpl
def lifeos_register_missions(register: Callable[[Mission], None]) -> None:
    register(MISSION)


@hookimpl
def lifeos_register_operations(register: Callable[..., None]) -> None:
    register("run_tests.discover", discover)
    register("run_tests.execute", execute)
    register("run_tests.report", report)
