"""pytest collects lifeos test plans: one test item per expectation.

lifeos-core registers this module with pytest (a ``pytest11`` entry point
named ``lifeos-plans``), so in any project with lifeos-core installed, plan
files next to the tests are collected like test modules:

- a plan file (``lifeos_*.yaml``, ``*.lifeos.yaml``, ``*.lifeos.yml``,
  ``*.lifeos.toml``, ``*.lifeos.json``; the ``lifeos_plan_files`` ini option
  changes the patterns) is a collector, each scenario a collector below it,
  and each expectation an item: ``plan.lifeos.yaml::monday::overdue-first``;
- a scenario runs once, when the first of its items runs, and every item of
  it is judged against that one result, so selecting one item runs one
  scenario, and a whole file runs each scenario once;
- a plan is checked by the same rules as ``lifeos validate`` and ``lifeos
  test``: one that cannot be read, names a mission nobody installed, gives a
  mission params it refuses, or has an expectation naming a scenario or
  mission the plan does not have is a collection error listing what is wrong
  where; the warnings of those checks are pytest warnings, and a plan with no
  expectations warns that it tests nothing; a failing expectation is
  reported as expected against actual, never as a traceback.

A mission whose run paused at a human step (a call with ``expect_pause``)
did not finish: the items judging it are reported as their own outcome,
``PAUSED`` (``P`` in the progress line, "N paused" in the summary) when
they hold, and as failures that say where the run waits when they do not.

``--lifeos-verify`` runs every runtime step twice and fails a mission whose
two runs differ; ``--lifeos-no-plans`` turns plan collection off (as does
``-p no:lifeos-plans``). With pytest-xdist, ``--dist loadfile`` keeps each
plan file on one worker.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .expectations import ExpectationResult, MissionExpectation
    from .scenarios import ScenarioDefinition

PLAN_FILES = ["lifeos_*.yaml", "*.lifeos.yaml", "*.lifeos.yml", "*.lifeos.toml", "*.lifeos.json"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lifeos", "lifeos test plans")
    group.addoption("--lifeos-verify", action="store_true", default=False,
                    help="run every runtime step of the plans twice and fail a mission whose two runs differ")
    group.addoption("--lifeos-no-plans", action="store_true", default=False,
                    help="do not collect lifeos test plan files")
    parser.addini("lifeos_plan_files", type="args", default=PLAN_FILES,
                  help="glob patterns of the lifeos test plan files to collect (default: %s)" % " ".join(PLAN_FILES))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> PlanFile | None:
    config = parent.config
    if config.getoption("lifeos_no_plans"):
        return None
    if any(_matches(file_path, pattern) for pattern in config.getini("lifeos_plan_files")):
        return PlanFile.from_parent(parent, path=file_path)
    return None


def _matches(path: Path, pattern: str) -> bool:
    """A pattern with a folder in it matches the path's tail; one without, the file name."""
    return path.match(pattern) if "/" in pattern else fnmatch.fnmatch(path.name, pattern)


class LifeosPlanWarning(pytest.PytestWarning):
    """Something in a lifeos test plan that may be a mistake (see `lifeos validate`)."""


class PlanFile(pytest.File):
    """A plan file: its scenarios, in file order, each with its expectations.

    Collecting needs the names and the verdict of the checks, not the
    definitions: with pytest's cache on, a plan that passed its checks is
    remembered by its content's SHA-256 and the versions of lifeos-core and
    of every plugin in use, and collected again from that memory alone; its
    definitions are read when its first scenario runs.
    """

    def collect(self) -> Iterator[ScenarioNode]:
        import warnings

        shown = _shown(self.path)
        outline = self._outline(shown)
        for warning in outline["warnings"]:
            warnings.warn(LifeosPlanWarning(warning), stacklevel=1)
        if outline["nothing_to_test"]:
            warnings.warn(LifeosPlanWarning(f"{shown}: {outline['nothing_to_test']}"), stacklevel=1)
        unselectable = [f"{shown}: {what} {name!r} cannot be part of a pytest node id (it holds '::' or '['); "
                        "rename it, or run this plan with `lifeos test`"
                        for scenario, ids in outline["scenarios"]
                        for what, name in (("scenario name", scenario), *(("expectation id", id) for id in ids))
                        if "::" in name or "[" in name]
        if unselectable:
            raise self.CollectError(_plan_problem(shown, unselectable))
        for name, ids in outline["scenarios"]:
            if ids:
                yield ScenarioNode.from_parent(self, name=name, expectation_ids=ids)

    def _outline(self, shown: str) -> dict[str, Any]:
        """What collecting needs of the plan, from pytest's cache or from reading and checking it."""
        cache = getattr(self.config, "cache", None)
        key = "lifeos/plans/" + hashlib.sha256(str(self.path.resolve()).encode()).hexdigest()[:32]
        stamp = _stamp(self.path) if cache is not None else None
        if stamp is not None:
            remembered = cache.get(key, None)  # type: ignore[union-attr]
            if isinstance(remembered, dict) and remembered.get("stamp") == stamp:
                return remembered["outline"]
        from .checks import validate_plan_files

        plan, report = validate_plan_files(shown)  # the rules of `lifeos validate` and `lifeos test`
        if report.errors:
            raise self.CollectError(_plan_problem(shown, report.errors))
        self._plan = plan
        by_scenario: dict[str, list[str]] = {}
        for scenario in plan.suite.scenarios:  # a repeated name is one node: the last one counts, as in lifeos test
            by_scenario.setdefault(scenario.scenario_name, [])
        for expectation in plan.expectations.expectations:
            by_scenario.setdefault(expectation.scenario_name, []).append(expectation.id)
        outline = {"scenarios": [[name, ids] for name, ids in by_scenario.items()],
                   "warnings": list(report.warnings),
                   "nothing_to_test": report.nothing_to_test_reason() if report.nothing_to_test else None}
        if stamp is not None and _stamp(self.path) == stamp:  # the file did not change while it was read
            cache.set(key, {"stamp": stamp, "outline": outline})  # type: ignore[union-attr]
        return outline

    def plan(self) -> Any:
        """The plan's definitions (read once, when the first of its scenarios runs)."""
        plan = getattr(self, "_plan", None)
        if plan is None:
            from ..values.reading import read_data_file
            from .plans import parse_test_plan

            shown = _shown(self.path)
            plan = parse_test_plan(read_data_file(shown, "test plan"), source=shown)
            if plan.grants:
                from ..values.trust import is_trusted

                if not is_trusted(self.path):  # a cloned repository grants nothing until its owner trusts the plan
                    self.warn(LifeosPlanWarning(f"{shown} grants {', '.join(plan.grants)}, but it is not trusted, so "
                                                f"those grants do not count (lifeos trust {shown})"))
                    plan = plan.without_grants()
            self._plan = plan
        return plan


def _stamp(path: Path) -> dict[str, Any] | None:
    """What a remembered outline of the plan at ``path`` holds for: the file's
    content, and the versions and names of everything that judged it (``None``: unreadable)."""
    from ..plugins.active import active_registry

    try:
        content = path.read_bytes()
    except OSError:
        return None
    registry = active_registry()
    return {"sha256": hashlib.sha256(content).hexdigest(), "versions": registry.installed_versions(),
            "missions": {name: f"{entry.distribution} {entry.version} {entry.plugin}"
                         for name, entry in sorted(registry.missions.items())},
            "operations": sorted(registry.operations)}


def _shown(path: Path) -> str:
    """``path`` as messages show it: relative to the current folder when it is below it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive
        return str(path)
    return str(path) if relative.startswith("..") else relative


def _plan_problem(path: str, errors: list[str]) -> str:
    lines = [f"lifeos test plan {path} cannot run:", *(f"  {error}" for error in errors)]
    lines.append(f"  (fix the plan, `lifeos validate {path}` checks it; pip install the pack of a missing mission)")
    return "\n".join(lines)


class ScenarioNode(pytest.Collector):
    """A scenario of a plan; runs once, through the harness's one door to run a
    plan (:func:`~lifeos_core.harness.testrun.run_plan`), for all its expectations."""

    def __init__(self, *, expectation_ids: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.expectation_ids = expectation_ids
        self._outcome: tuple[Mapping[str, ExpectationResult] | None, BaseException | None] | None = None
        self.paused: dict[str, str] = {}  # mission key -> the human step its run waits at

    def collect(self) -> Iterator[ExpectationItem]:
        for expectation_id in self.expectation_ids:
            yield ExpectationItem.from_parent(self, name=expectation_id)

    def parts(self) -> tuple[Any, ScenarioDefinition, dict[str, MissionExpectation]]:
        """The plan, this scenario's definition (the last of its name) and its expectations by id."""
        from ..errors import ConfigError

        plan = self.parent.plan()  # type: ignore[union-attr]
        definitions = [scenario for scenario in plan.suite.scenarios if scenario.scenario_name == self.name]
        expectations = {item.id: item for item in plan.expectations.expectations if item.scenario_name == self.name}
        if not definitions or list(expectations) != self.expectation_ids:
            raise ConfigError(f"the plan {self.parent.name} changed since it was collected; run pytest again")
        return plan, definitions[-1], expectations

    def judge(self, expectation_id: str) -> ExpectationResult:
        """The verdict on one expectation of this scenario, running the scenario on first use."""
        if self._outcome is None:
            from .expectations import SuiteExpectationsDefinition
            from .suites import ScenarioSuiteDefinition
            from .testrun import run_plan

            try:
                plan, definition, expectations = self.parts()
                execution = run_plan(ScenarioSuiteDefinition(plan.suite.suite_name, [definition]),
                                     SuiteExpectationsDefinition(list(expectations.values())),
                                     verify=self.config.getoption("lifeos_verify"))
                self._outcome = (execution.result.expectations_result.expectation_results, None)
                scenario = execution.result.suite_result.scenario_results.get(definition.scenario_name)
                for key, result in (scenario.mission_results.items() if scenario is not None else ()):
                    if result.paused_at is not None:
                        self.paused[key] = result.paused_at
            except Exception as exc:  # kept, so the scenario is not run again for each of its items
                self._outcome = (None, exc)
        verdicts, error = self._outcome
        if error is not None:
            raise error
        return verdicts[expectation_id]  # type: ignore[index]


class ExpectationFailed(AssertionError):
    """An expectation that did not hold; carries its verdict for the report."""

    def __init__(self, result: ExpectationResult) -> None:
        super().__init__(result.details.get("message", "expectation failed"))
        self.result = result


class ExpectationItem(pytest.Item):
    """One expectation of a plan, judged against its scenario's results."""

    def runtest(self) -> None:
        result = self.parent.judge(self.name)  # type: ignore[union-attr]
        waiting = self.parent.paused.get(self.expectation.mission_name)  # type: ignore[union-attr]
        if waiting is not None:
            self.user_properties.append((PAUSED_PROPERTY, waiting))
        if not result.passed:
            raise ExpectationFailed(result)

    @property
    def expectation(self) -> MissionExpectation:
        return self.parent.parts()[2][self.name]  # type: ignore[union-attr]

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        from ..errors import LifeosError

        if isinstance(excinfo.value, ExpectationFailed):
            waiting = self.parent.paused.get(self.expectation.mission_name)  # type: ignore[union-attr]
            return describe_pause(_describe_failure(self.expectation, excinfo.value.result), waiting)
        if isinstance(excinfo.value, LifeosError):
            return f"scenario {self.parent.name!r} could not run: {excinfo.value}"  # type: ignore[union-attr]
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.parent.name}::{self.name}"  # type: ignore[union-attr]


PAUSED_PROPERTY = "lifeos_paused_at"
"""The user property naming the human step an item's mission run waits at
(it travels with the report, to xdist's controller and into JUnit XML)."""


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> tuple[str, str, str] | None:
    """A judged mission that paused is reported as such, not as a silent pass."""
    if report.when != "call":
        return None
    waiting = next((value for name, value in getattr(report, "user_properties", ()) if name == PAUSED_PROPERTY), None)
    if waiting is None:
        return None
    if report.passed:
        return "paused", "P", f"PAUSED at {waiting}"
    if report.failed:
        return "failed", "F", f"FAILED (paused at {waiting})"
    return None


def _describe_failure(expectation: MissionExpectation, result: ExpectationResult) -> str:
    """A failed expectation as a person reads an assertion: what was expected, what was found, why."""
    from .expectations import OPERATORS, show_value

    details = result.details
    reason = details.get("reason", "")
    lines = [f"expectation {expectation.id!r} failed: {expectation.mission_name}: "
             f"{expectation.path} {OPERATORS[expectation.op]} {show_value(expectation.expected)}"]
    if reason.endswith("_mismatch") or reason == "type_error":
        lines.append(f"  expected: {show_value(expectation.expected)} ({expectation.op})")
        lines.append(f"  actual:   {show_value(result.actual)}")
    lines.append(f"  reason:   {reason}: {details.get('message', '')}")
    if "mission_error" in details:
        lines.append(f"  mission {expectation.mission_name} failed: {details['mission_error']}")
    return "\n".join(lines)


def describe_pause(lines: str, waiting: str | None) -> str:
    """A failure report, plus where the mission's run waits, when it paused."""
    return lines if waiting is None else f"{lines}\n  the run paused at human step {waiting!r} (it did not finish)"
