"""Checking a test plan without running it, reporting every problem at once.

Loading a plan (:mod:`lifeos_core.config`) stops at the first problem, which
is right for running it; a person fixing a plan wants the whole list. This
walks the plan element by element with the same parsers, and adds what only a
look at the installed missions can tell: unknown missions, params a mission
refuses, plans over the Anti-Failure limits, and expectations that point at a
scenario or mission the plan does not have.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import _child, _list, _mapping, _parse_expectation, _parse_mission, _text
from .errors import ConfigError, LifeosError
from .expectations import MissionExpectation


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

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "errors": list(self.errors), "warnings": list(self.warnings),
                "scenarios": self.scenarios, "mission_calls": self.mission_calls, "expectations": self.expectations}


class _Checker:
    def __init__(self, report: PlanReport, source: str | None) -> None:
        self.report = report
        self.source = source

    def label(self, text: str) -> str:
        return f"{self.source}: {text}" if self.source else text

    def error(self, where: str, message: str) -> None:
        self.report.errors.append(self.label(f"{where}: {message}" if where else message))

    def attempt(self, parse: Callable[..., Any], *args: Any) -> Any:
        """Run one parser; record its complaint and return None instead of raising."""
        try:
            return parse(*args)
        except ConfigError as exc:
            self.report.errors.append(self.label(str(exc)))
            return None


def validate_plan(
    config: Any,
    expectations_config: Any = None,
    *,
    source: str | None = None,
    expectations_source: str | None = None,
) -> PlanReport:
    """Check a plan mapping (and an optional expectations mapping) without running it."""
    report = PlanReport()
    plan = _Checker(report, source)
    located: list[tuple[str, MissionExpectation]] = []
    keys_by_scenario: dict[str, list[str]] = {}
    if plan.attempt(_mapping, config, "", "the suite config") is None:
        return report
    plan.attempt(_text, config, "suite_name", "")
    scenarios = plan.attempt(_list, config, "scenarios", "") or []
    report.scenarios = len(scenarios)
    for index, scenario in enumerate(scenarios):
        _check_scenario(plan, scenario, _child("scenarios", index), keys_by_scenario, located)
    for index, item in enumerate(plan.attempt(_list, config, "expectations", "", None) or []):
        where = _child("expectations", index)
        parsed = plan.attempt(_parse_expectation, item, where)
        if parsed is not None:
            located.append((plan.label(where), parsed))
    if expectations_config is not None:
        extra = _Checker(report, expectations_source)
        if extra.attempt(_mapping, expectations_config, "", "the expectations config") is not None:
            for index, item in enumerate(extra.attempt(_list, expectations_config, "expectations", "") or []):
                where = _child("expectations", index)
                parsed = extra.attempt(_parse_expectation, item, where)
                if parsed is not None:
                    located.append((extra.label(where), parsed))
    _check_expectations(report, located, keys_by_scenario)
    return report


def _check_scenario(plan: _Checker, scenario: Any, where: str, keys_by_scenario: dict[str, list[str]],
                    located: list[tuple[str, MissionExpectation]]) -> None:
    from .clock import parse_instant
    from .jsonvalue import freeze_mapping

    if plan.attempt(_mapping, scenario, where, "a scenario") is None:
        return
    name = plan.attempt(_text, scenario, "scenario_name", where)
    state = scenario.get("initial_state")
    if state is not None:
        if not isinstance(state, Mapping):
            plan.error(_child(where, "initial_state"), f"Field 'initial_state' must be a dict or None, got {type(state).__name__}")
        else:
            _note(plan, _child(where, "initial_state"), freeze_mapping, state, "initial_state")
    clock = plan.attempt(_text, scenario, "clock", where, None)
    if clock is not None:
        _note(plan, _child(where, "clock"), parse_instant, clock)
    keys: list[str] = []
    for index, item in enumerate(plan.attempt(_list, scenario, "missions", where) or []):
        call_where = _child(_child(where, "missions"), index)
        call = plan.attempt(_parse_mission, item, call_where)
        if call is None:
            continue
        plan.report.mission_calls += 1
        if call.key in keys:
            plan.error(call_where, f"{call.key!r} runs twice in this scenario; give each call its own alias")
        keys.append(call.key)
        _check_call(plan, call, call_where)
    if name is not None:
        if name in keys_by_scenario:
            plan.report.warnings.append(plan.label(
                f"{where}: scenario name {name!r} is used again; the later scenario's result replaces the earlier"))
        keys_by_scenario[name] = keys
        inline = plan.attempt(_list, scenario, "expectations", where, None) or []
        for index, item in enumerate(inline):
            item_where = _child(_child(where, "expectations"), index)
            parsed = plan.attempt(_parse_expectation, item, item_where, name, index)
            if parsed is not None:
                located.append((plan.label(item_where), parsed))


def _check_call(plan: _Checker, call: Any, where: str) -> None:
    problem = call_problem(call)
    if problem is not None:
        plan.error(where, problem)


def call_problem(call: Any) -> str | None:
    """Why a :class:`MissionCall` cannot run with the installed missions (an
    unknown mission, params it refuses, a plan over the limits), or ``None``."""
    from .plugins import active_registry

    try:
        active_registry().mission(call.name).build(call.params)
    except LifeosError as exc:
        return f"(mission {call.name!r}) {exc}"
    return None


def _note(plan: _Checker, where: str, check: Callable[..., Any], *args: Any) -> None:
    try:
        check(*args)
    except LifeosError as exc:
        plan.error(where, str(exc))


def _check_expectations(report: PlanReport, located: list[tuple[str, MissionExpectation]],
                        keys_by_scenario: dict[str, list[str]]) -> None:
    report.expectations = len(located)
    seen: dict[str, str] = {}
    for where, expectation in located:
        if expectation.id in seen:
            report.errors.append(f"{where}: expectation id {expectation.id!r} is also used at {seen[expectation.id]}")
        seen.setdefault(expectation.id, where)
        keys = keys_by_scenario.get(expectation.scenario_name)
        if keys is None:
            known = ", ".join(keys_by_scenario) or "none"
            report.errors.append(f"{where}: expectation {expectation.id!r} names scenario "
                                 f"{expectation.scenario_name!r}, which the plan does not have (scenarios: {known})")
        elif expectation.mission_name not in keys:
            report.errors.append(f"{where}: expectation {expectation.id!r} names mission {expectation.mission_name!r}, "
                                 f"which scenario {expectation.scenario_name!r} does not run "
                                 f"(it runs: {', '.join(keys) or 'nothing'})")


def validate_plan_files(path: str | Path, expectations_path: str | Path | None = None) -> PlanReport:
    """Like :func:`validate_plan`, reading the files first (a file that cannot be
    read or parsed is the one problem reported)."""
    from .files import read_data_file

    try:
        config = read_data_file(path, "test plan")
        expectations = read_data_file(expectations_path, "expectations file") if expectations_path else None
    except ConfigError as exc:
        return PlanReport(errors=[str(exc)])
    return validate_plan(config, expectations, source=str(path),
                         expectations_source=str(expectations_path) if expectations_path else None)
