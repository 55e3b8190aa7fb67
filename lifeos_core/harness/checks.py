"""Judging a parsed plan against the installed missions: the one rule for
``lifeos validate``, ``lifeos test`` and the pytest plugin.

Reading a plan (:mod:`lifeos_core.harness.plans`) checks its shape. What only the
installed missions can tell is checked here, on the parsed plan, every
problem at once: unknown missions, params a mission refuses or does not
declare, plans over the Anti-Failure limits, and expectations that name a
scenario or mission the plan does not have (always a mistake in the plan, so
an error before anything runs, never a failed expectation). Warnings are what
may be legitimate: a repeated scenario name, a state a mission will not read.
``lifeos test`` runs this before it runs anything, so a plan ``lifeos
validate`` refuses never runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, LifeosError, did_you_mean


@dataclass
class PlanReport:
    """What is wrong with a plan (``errors``) and what is suspicious (``warnings``)."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    scenarios: int = 0
    mission_calls: int = 0
    expectations: int = 0

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def nothing_to_test(self) -> bool:
        """A valid plan that judges nothing: no scenario, or no expectation."""
        return self.valid and (self.scenarios == 0 or self.expectations == 0)

    def nothing_to_test_reason(self) -> str:
        what = "no scenarios" if self.scenarios == 0 else "no expectations"
        return f"nothing to test: the plan has {what}"

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "nothing_to_test": self.nothing_to_test, "errors": list(self.errors),
                "warnings": list(self.warnings), "scenarios": self.scenarios, "mission_calls": self.mission_calls,
                "expectations": self.expectations}


def call_problem(call: Any, registry: Any = None) -> str | None:
    """Why a :class:`MissionCall` cannot run with the installed missions (an
    unknown mission, params it refuses or does not declare, a plan over the
    limits), or ``None``."""
    from ..missions import plan_mission

    try:
        workflow = plan_mission(call.name, call.params, strict=True, registry=registry)
    except LifeosError as exc:
        message = str(exc)  # it names the mission itself, unless it is about something else
        return message if f"mission {call.name!r}" in message else f"(mission {call.name!r}) {message}"
    human = [step.id for step in workflow.human_steps]
    for step_id in call.approvals or {}:
        if step_id not in human:
            return (f"mission {call.name!r} has no human step {step_id!r} to decide"
                    f"{did_you_mean(step_id, human)} (its human steps: {', '.join(human) or 'none'})")
    if call.expect_pause is not None and call.expect_pause not in human:
        return (f"mission {call.name!r} cannot pause at {call.expect_pause!r}: it is not one of its human steps"
                f"{did_you_mean(call.expect_pause, human)} (its human steps: {', '.join(human) or 'none'})")
    return None


def check_plan(plan: Any, registry: Any = None) -> PlanReport:
    """Every problem of a parsed :class:`~lifeos_core.TestPlan` that the
    installed missions reveal, and every warning."""
    report = check_parts(plan.parts, registry)
    report.scenarios, report.expectations = len(plan.suite.scenarios), len(plan.expectations.expectations)
    return report


def check_parts(parts: Any, registry: Any = None) -> PlanReport:
    """:func:`check_plan` on the parts of a plan that could be read (a
    :class:`~lifeos_core.harness.plans.PlanParts`), so a plan with shape problems is
    also judged on everything else, in one report."""
    from ..plugins.active import active_registry

    registry = registry or active_registry()
    report = PlanReport(scenarios=len(parts.scenarios), expectations=len(parts.expectations))
    seen: set[str] = set()
    for where, scenario in parts.scenarios:
        if scenario.scenario_name in seen:
            report.warnings.append(f"{where}: scenario name {scenario.scenario_name!r} is used again; "
                                   "the later scenario's result replaces the earlier")
        seen.add(scenario.scenario_name)
    for where, call, state in parts.calls:
        report.mission_calls += 1
        problem = call_problem(call, registry)
        if problem is not None:
            report.errors.append(f"{where}: {problem}")
            continue
        try:
            for warning in registry.mission(call.name).state_warnings(state):
                report.warnings.append(f"{where}: initial_state: {warning}")
        except LifeosError as exc:
            report.errors.append(f"{where}: {exc}")
    keys_by_scenario = parts.scenario_keys
    for where, expectation in parts.expectations:
        if expectation.scenario_name not in keys_by_scenario:
            known = ", ".join(keys_by_scenario) or "none"
            report.errors.append(f"{where}: expectation {expectation.id!r} names scenario "
                                 f"{expectation.scenario_name!r}, which the plan does not have"
                                 f"{did_you_mean(expectation.scenario_name, keys_by_scenario)} (scenarios: {known})")
            continue
        keys = keys_by_scenario[expectation.scenario_name]
        if keys is not None and expectation.mission_name not in keys:
            report.errors.append(f"{where}: expectation {expectation.id!r} names mission {expectation.mission_name!r}, "
                                 f"which scenario {expectation.scenario_name!r} does not run"
                                 f"{did_you_mean(expectation.mission_name, keys)} "
                                 f"(it runs: {', '.join(keys) or 'nothing'})")
    return report


def read_and_check(config: Any, expectations_config: Any = None, *, source: str | None = None,
                   expectations_source: str | None = None) -> tuple[Any, PlanReport]:
    """Read a plan and judge it, in one report: shape problems first, then what
    the installed missions tell about every part that could be read. Returns the
    plan (``None`` when there is any error) and the report."""
    from .plans import read_test_plan

    plan, problems, parts = read_test_plan(config, expectations_config, source=source,
                                           expectations_source=expectations_source)
    report = check_plan(plan) if plan is not None else check_parts(parts)
    report.errors[:0] = problems
    return (plan if report.valid else None), report


def validate_plan_files(path: str | Path, expectations_path: str | Path | None = None, *,
                        format: str | None = None) -> tuple[Any, PlanReport]:
    """Read a plan file (and an optional expectations file) and check it, as
    :func:`read_and_check` does; a file that cannot be read or parsed gives its
    problem and nothing else."""
    from ..values.reading import is_stdio, read_data_file

    try:  # ``format`` is the format of standard input; files go by their extension
        config = read_data_file(path, "test plan", format=format if is_stdio(path) else None)
        expectations = read_data_file(expectations_path, "expectations file",
                                      format=format if is_stdio(expectations_path) else None) \
            if expectations_path is not None else None
    except ConfigError as exc:
        return None, PlanReport(errors=list(exc.problems))
    return read_and_check(config, expectations, source=str(path),
                          expectations_source=str(expectations_path) if expectations_path is not None else None)
