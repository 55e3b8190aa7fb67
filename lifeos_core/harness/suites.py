"""Suites: named collections of scenarios, run in order into one result.

Results are keyed by scenario name. Two scenarios with the same name are
allowed and the later one's result is the one kept: a deterministic rule that
callers rely on to override a scenario. Give scenarios distinct names when
both results matter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..errors import DefinitionError
from .executors import Executor, resolve_executor
from .scenarios import ScenarioDefinition, ScenarioResult
from ..values.canonical import stable_hash
from ..values.jsonvalue import freeze_mapping, readonly
from ..values.frozen import Frozen, require_text


class ScenarioSuiteDefinition(Frozen):
    """A named, ordered collection of scenarios."""

    __slots__ = _fields = ("suite_name", "scenarios")

    def __init__(self, suite_name: str, scenarios: Sequence[ScenarioDefinition] = ()) -> None:
        require_text(suite_name, "Field 'suite_name'", DefinitionError, "suite_name")
        if isinstance(scenarios, (str, bytes, Mapping)) or not isinstance(scenarios, Sequence):
            raise DefinitionError(f"scenarios of suite {suite_name!r} must be a list of ScenarioDefinition",
                                  "scenarios")
        scenarios = tuple(scenarios)
        for scenario in scenarios:
            if not isinstance(scenario, ScenarioDefinition):
                raise DefinitionError(f"scenarios of suite {suite_name!r} must be ScenarioDefinition objects, "
                                      f"got {type(scenario).__name__}", "scenarios")
        self._set(suite_name=suite_name, scenarios=scenarios)


class ScenarioSuiteResult(Frozen):
    """The frozen outcome of a suite: scenario results by name, and metadata."""

    __test__ = False
    __slots__ = ("suite_name", "scenario_results", "metadata")
    _fields = __slots__

    def __init__(
        self,
        suite_name: str,
        scenario_results: Mapping[str, ScenarioResult],
        metadata: Mapping[str, Any],
    ) -> None:
        self._set(
            suite_name=suite_name,
            scenario_results=readonly(scenario_results),
            metadata=freeze_mapping(metadata, "suite metadata"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "suite_name": self.suite_name,
            "scenario_results": {name: result.to_dict() for name, result in self.scenario_results.items()},
            "metadata": dict(self.metadata),
        }

    def __repr__(self) -> str:
        return f"<ScenarioSuiteResult {self.suite_name!r}: {len(self.scenario_results)} scenario(s)>"


def suite_hash(suite_name: str, scenario_results: Mapping[str, ScenarioResult]) -> str:
    """The hash of a suite's outcome, composed from its scenarios' hashes."""
    return stable_hash(
        {
            "suite_name": suite_name,
            "scenario_results": {
                name: result.metadata["scenario_hash"] for name, result in scenario_results.items()
            },
        }
    )


def run_suite(defn: ScenarioSuiteDefinition, *, verify: bool = False,
              executor: Executor | None = None) -> ScenarioSuiteResult:
    """Run every scenario of ``defn``; plan errors propagate.

    ``executor`` says where the scenarios run (see :mod:`lifeos_core.harness.executors`):
    in this process, one after the other, by default. Results are merged in
    plan order whatever ran them, so the result is the same.
    """
    if not isinstance(defn, ScenarioSuiteDefinition):
        raise DefinitionError(f"run_suite needs a ScenarioSuiteDefinition, got {type(defn).__name__}")
    return collect_suite_result(defn.suite_name,
                                resolve_executor(executor).map_scenarios(defn.scenarios, verify=verify))


def collect_suite_result(suite_name: str, scenario_results: Iterable[ScenarioResult]) -> ScenarioSuiteResult:
    """Gather scenario results, in plan order, into a suite result with its hash.

    For runners that run scenarios one at a time (to show progress, or to stop
    early); a repeated scenario name keeps the later result, as in run_suite.
    """
    results: dict[str, ScenarioResult] = {}
    for result in scenario_results:
        results[result.scenario_name] = result  # a repeated name: the later result, in the first place
    return ScenarioSuiteResult(
        suite_name=suite_name,
        scenario_results=results,
        metadata={"suite_name": suite_name, "suite_hash": suite_hash(suite_name, results)},
    )
