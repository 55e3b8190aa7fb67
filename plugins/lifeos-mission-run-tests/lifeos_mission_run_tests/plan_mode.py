"""Plan mode: run a declared lifeos test plan (the ``suite`` param) inside the mission.

Three runtime steps, all reading the plan from the mission's params (it arrives
already parsed; this mode does no file I/O):

- ``tests-discover`` checks the plan by the rules of ``lifeos validate``
  (a plan that calls ``run_tests`` itself, or tests nothing, is refused too)
  and lists it;
- ``tests-execute`` runs it with ``lifeos_core.run_test_run`` and records the
  verdict, counts, failures and hashes (``test_run_hash`` is the one
  ``run_test_run`` gives for this plan);
- ``tests-report`` fails the mission when an expectation failed, naming the
  failed expectation ids, with the verdict still recorded in the state.

This is the mode the pack had before pytest mode existed, unchanged; ``plan``
is accepted as another name for ``suite``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lifeos_core import StepFailed, StepSpec

if TYPE_CHECKING:
    from lifeos_core import StepContext, TestPlan

# The harness is imported inside the operations, when a plan actually runs:
# listing missions should not pay for it.

NAME = "run_tests"
DEFAULT_TARGET = "default"
"""What ``target`` records in this mode when none was given."""


def suite_of(params: Mapping[str, Any]) -> Any:
    """The plan the params give, under ``suite`` or its other name ``plan`` (``None``: none)."""
    suite = params.get("suite")
    return params.get("plan") if suite is None else suite


def _plan(context: StepContext) -> TestPlan:
    from lifeos_core import ConfigError, parse_test_plan

    suite = suite_of(context.params)
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
        "target": DEFAULT_TARGET if context.params.get("target") is None else context.params.get("target"),
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


def steps() -> list[StepSpec]:
    return [
        StepSpec("tests-discover", "runtime", {
            "operation": "run_tests.discover", "description": "Check the plan and list what it runs"}),
        StepSpec("tests-execute", "runtime", {
            "operation": "run_tests.execute", "description": "Run the plan through the harness and record the verdict"}),
        StepSpec("tests-report", "runtime", {
            "operation": "run_tests.report", "description": "Report the verdict; fail when an expectation failed"}),
    ]
