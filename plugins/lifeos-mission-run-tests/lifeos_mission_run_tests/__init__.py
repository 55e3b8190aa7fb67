"""The ``run_tests`` mission: run a declared test plan and record its verdict.

Three runtime steps, all reading the plan from the mission's params (it arrives
already parsed; the mission does no file I/O):

- ``tests-discover`` checks the plan (shape, known missions, their params and
  limits; a plan that calls ``run_tests`` itself is refused) and lists it;
- ``tests-execute`` runs the suite through the lifeos harness and keeps the
  serialised results and the ``suite_hash``;
- ``tests-report`` judges the expectations, writes the verdict, counts and
  ``test_run_hash`` (the same hash ``run_test_run`` gives for this plan) and
  drops the bulky results. A failing plan fails the mission here, naming the
  failed expectation ids, with the verdict still recorded in the state.
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
    """Check the plan and list its scenarios, mission calls and expectations."""
    from lifeos_core import LifeosError, get_mission

    plan = _plan(context)
    calls = 0
    for index, scenario in enumerate(plan.suite.scenarios):
        for position, call in enumerate(scenario.missions):
            where = f"scenarios[{index}].missions[{position}] (mission {call.name!r})"
            if call.name == NAME:
                raise StepFailed(f"{where}: a test plan may not run {NAME} itself (no recursion)")
            try:
                get_mission(call.name).build(call.params, strict=True)
            except LifeosError as exc:
                raise StepFailed(f"{where}: {exc}") from None
            calls += 1
    if not plan.suite.scenarios or not plan.expectations.expectations:
        what = "no scenarios" if not plan.suite.scenarios else "no expectations"
        raise StepFailed(f"the test plan {plan.suite.suite_name!r} has {what}: nothing to test")
    state["run_tests"] = {
        "target": context.params.get("target"),
        "suite_name": plan.suite.suite_name,
        "scenarios": [scenario.scenario_name for scenario in plan.suite.scenarios],
        "mission_calls": calls,
        "expectations": len(plan.expectations.expectations),
    }
    return state


def execute(state: dict[str, Any], payload: dict[str, Any], context: StepContext) -> dict[str, Any]:
    """Run the suite and keep its serialised results for the report."""
    from lifeos_core import run_suite

    record = _record(state)
    suite_result = run_suite(_plan(context).suite)
    record["suite_hash"] = suite_result.metadata["suite_hash"]
    record["results"] = {
        name: {key: result.to_dict() for key, result in scenario.mission_results.items()}
        for name, scenario in suite_result.scenario_results.items()
    }
    record["missions_failed"] = sorted(
        f"{name}/{key}"
        for name, scenario in suite_result.scenario_results.items()
        for key, result in scenario.mission_results.items()
        if not result.success
    )
    return state


def report(state: dict[str, Any], payload: dict[str, Any], context: StepContext) -> dict[str, Any]:
    """Judge the expectations and write the verdict; fail when any expectation failed."""
    from lifeos_core.expectations import finder_for_dicts, judge_all
    from lifeos_core.testrun import hash_test_run

    record = _record(state)
    if "results" not in record:
        raise StepFailed("there are no results to judge: run tests-execute first")
    verdict = judge_all(_plan(context).expectations, finder_for_dicts(record.pop("results")))
    failed = verdict.failed_ids
    record.update(
        {
            "passed": verdict.passed,
            "counts": {
                "expectations": len(verdict.expectation_results),
                "passed": len(verdict.expectation_results) - len(failed),
                "failed": len(failed),
            },
            "failures": [
                {"id": key, "message": verdict.expectation_results[key].details.get("message", "")} for key in failed
            ],
            "expectations_hash": verdict.metadata["expectations_hash"],
            "test_run_hash": hash_test_run(record["suite_hash"], verdict.metadata["expectations_hash"], verdict.passed),
        }
    )
    if failed:
        raise StepFailed(f"{len(failed)} of {len(verdict.expectation_results)} expectations failed: "
                         f"{', '.join(failed)}", state=state)
    return state


def plan(params: Mapping[str, Any]) -> list[StepSpec]:
    return [
        StepSpec("tests-discover", "runtime", {
            "operation": "run_tests.discover", "description": "Check the plan and list what it runs"}),
        StepSpec("tests-execute", "runtime", {
            "operation": "run_tests.execute", "description": "Run the suite through the harness"}),
        StepSpec("tests-report", "runtime", {
            "operation": "run_tests.report", "description": "Judge the expectations and record the verdict"}),
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
