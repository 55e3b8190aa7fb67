"""The ``run_tests`` mission: plan a declared test suite and record what it runs.

Three runtime steps: ``tests-discover`` checks the inline suite and lists its
scenarios and mission calls, ``tests-execute`` records the calls in the order
they would run, and ``tests-report`` writes the counts and the verdict. The
suite arrives in params, already parsed: the mission does no file I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable

from lifeos_core import Mission, Param, StepContext, StepFailed, StepSpec, hookimpl

NAME = "run_tests"


def _read_suite(suite: Any) -> list[dict[str, Any]]:
    """The scenarios of an inline suite as ``{"scenario", "missions"}`` records."""
    if suite is None:
        return []
    if not isinstance(suite, dict):
        raise StepFailed(f"param 'suite' must be an object with 'suite_name' and 'scenarios', got {type(suite).__name__}")
    scenarios = suite.get("scenarios", [])
    if not isinstance(scenarios, list):
        raise StepFailed("suite.scenarios must be a list")
    planned = []
    for index, scenario in enumerate(scenarios):
        where = f"suite.scenarios[{index}]"
        if not isinstance(scenario, dict) or not isinstance(scenario.get("scenario_name"), str):
            raise StepFailed(f"{where} must be an object with a 'scenario_name' string")
        missions = scenario.get("missions", [])
        if not isinstance(missions, list):
            raise StepFailed(f"{where}.missions must be a list")
        names = []
        for position, call in enumerate(missions):
            if not isinstance(call, dict) or not isinstance(call.get("name"), str):
                raise StepFailed(f"{where}.missions[{position}] must be an object with a 'name' string")
            names.append(call["name"])
        planned.append({"scenario": scenario["scenario_name"], "missions": names})
    return planned


def discover(state: dict[str, Any], payload: dict[str, Any], context: StepContext) -> dict[str, Any]:
    """Check the suite and list its scenarios and mission calls."""
    suite = payload.get("suite")
    planned = _read_suite(suite)
    state["run_tests"] = {
        "target": payload.get("target"),
        "suite_name": suite.get("suite_name") if isinstance(suite, dict) else None,
        "planned": planned,
    }
    return state


def execute(state: dict[str, Any], payload: dict[str, Any], context: StepContext) -> dict[str, Any]:
    """Record, in order, the mission calls the suite asks for."""
    record = state.get("run_tests")
    if not isinstance(record, dict):
        raise StepFailed("there is nothing to execute: state 'run_tests' is missing (run tests-discover first)")
    record["calls"] = [f"{item['scenario']}/{mission}" for item in record["planned"] for mission in item["missions"]]
    return state


def report(state: dict[str, Any], payload: dict[str, Any], context: StepContext) -> dict[str, Any]:
    """Write the counts and the verdict."""
    record = state.get("run_tests")
    if not isinstance(record, dict) or "calls" not in record:
        raise StepFailed("there is nothing to report: run tests-discover and tests-execute first")
    record["counts"] = {"scenarios": len(record["planned"]), "mission_calls": len(record["calls"])}
    record["verdict"] = "planned"
    return state


def plan(params: Mapping[str, Any]) -> list[StepSpec]:
    common = {"target": params["target"], "suite": params["suite"]}
    return [
        StepSpec("tests-discover", "runtime", {
            "operation": "run_tests.discover", "description": "Check the suite and list what it runs", **common}),
        StepSpec("tests-execute", "runtime", {
            "operation": "run_tests.execute", "description": "Record the mission calls in order"}),
        StepSpec("tests-report", "runtime", {
            "operation": "run_tests.report", "description": "Write the counts and the verdict"}),
    ]


MISSION = Mission(
    name=NAME,
    description="Run a declared test plan and record the verdict.",
    plan=plan,
    params=(
        Param("target", str, default="default", help="a name for what the plan tests"),
        Param("suite", dict, default=None, help="the suite, inline: suite_name and scenarios"),
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
