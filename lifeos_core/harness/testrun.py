"""Test runs: a suite run and the verdict of its expectations, as one record.

:func:`run_plan` is the one door that runs a test plan: the command line, the
ledger's replay, the pytest plugin (one scenario at a time), the
``run_tests`` mission and :func:`run_test_run` all go through it. It runs the
scenarios through an executor (here, or on Dask workers, which run each
scenario with :func:`~lifeos_core.harness.scenarios.run_scenario_parts`, the
same scenario runner), judges the expectations and, with ``fail_fast``,
stops after the first scenario whose expectations fail.
``aggregate_test_run`` combines a suite result and an expectations result
someone already has. Both give the same :class:`TestRunResult` for the same
inputs: ``passed`` is the expectations' verdict and ``test_run_hash`` covers
both parts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import DefinitionError
from .executors import Executor, resolve_executor
from .expectations import SuiteExpectationsDefinition, SuiteExpectationsResult, evaluate_expectations
from ..values.canonical import stable_hash
from ..values.jsonvalue import freeze_mapping
from ..values.frozen import Frozen
from .suites import ScenarioSuiteDefinition, ScenarioSuiteResult, collect_suite_result


class TestRunResult(Frozen):
    """The frozen record of a test run."""

    __test__ = False  # not a pytest test class, despite its name
    __slots__ = ("suite_result", "expectations_result", "passed", "metadata")
    _fields = __slots__

    def __init__(
        self,
        suite_result: ScenarioSuiteResult,
        expectations_result: SuiteExpectationsResult,
        passed: bool,
        metadata: Mapping[str, Any],
    ) -> None:
        self._set(
            suite_result=suite_result,
            expectations_result=expectations_result,
            passed=bool(passed),
            metadata=freeze_mapping(metadata, "test run metadata"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "suite_result": self.suite_result.to_dict(),
            "expectations_result": self.expectations_result.to_dict(),
            "passed": self.passed,
            "metadata": dict(self.metadata),
        }

    def __repr__(self) -> str:
        return f"<TestRunResult {self.suite_result.suite_name!r} {'passed' if self.passed else 'failed'}>"


def hash_test_run(suite_hash: str, expectations_hash: str, passed: bool) -> str:
    """The hash of a whole test run, composed from its parts' hashes."""
    return stable_hash({"suite_hash": suite_hash, "expectations_hash": expectations_hash, "passed": passed})


def aggregate_test_run(
    suite_result: ScenarioSuiteResult,
    expectations_result: SuiteExpectationsResult,
) -> TestRunResult:
    """Combine a suite result and the verdict on its expectations."""
    if not isinstance(suite_result, ScenarioSuiteResult):
        raise DefinitionError(f"aggregate_test_run needs a ScenarioSuiteResult, got {type(suite_result).__name__}")
    if not isinstance(expectations_result, SuiteExpectationsResult):
        raise DefinitionError(
            f"aggregate_test_run needs a SuiteExpectationsResult, got {type(expectations_result).__name__}"
        )
    suite_hash = suite_result.metadata["suite_hash"]
    expectations_hash = expectations_result.metadata["expectations_hash"]
    passed = expectations_result.passed
    return TestRunResult(
        suite_result=suite_result,
        expectations_result=expectations_result,
        passed=passed,
        metadata={
            "suite_name": suite_result.suite_name,
            "suite_hash": suite_hash,
            "expectations_hash": expectations_hash,
            "test_run_hash": hash_test_run(suite_hash, expectations_hash, passed),
        },
    )


def run_test_run(
    suite_def: ScenarioSuiteDefinition,
    expectations_def: SuiteExpectationsDefinition,
    *,
    verify: bool = False,
    executor: Executor | None = None,
) -> TestRunResult:
    """Run ``suite_def``, judge it with ``expectations_def``, and record both.

    ``executor`` says where the scenarios run (see :func:`run_suite`)."""
    return run_plan(suite_def, expectations_def, verify=verify, executor=executor).result


class PlanExecution(Frozen):
    """What :func:`run_plan` gives: a test run, possibly stopped early.

    ``result`` judges only the expectations whose scenario ran; ``skipped``
    lists the ids of the others when ``fail_fast`` stopped the run after
    ``stopped_after`` (a scenario name).
    """

    __test__ = False
    __slots__ = ("result", "skipped", "stopped_after")
    _fields = __slots__

    def __init__(self, result: TestRunResult, skipped: tuple[str, ...], stopped_after: str | None) -> None:
        self._set(result=result, skipped=tuple(skipped), stopped_after=stopped_after)


def run_plan(
    suite_def: ScenarioSuiteDefinition,
    expectations_def: SuiteExpectationsDefinition,
    *,
    fail_fast: bool = False,
    on_scenario: Callable[[int, int, str], None] | None = None,
    verify: bool = False,
    executor: Executor | None = None,
) -> PlanExecution:
    """Run a plan scenario by scenario and judge it, with a progress callback
    ``on_scenario(done, total, name)`` and, with ``fail_fast``, a stop after
    the first scenario (in plan order) whose expectations fail. ``executor``
    says where the scenarios run; ``verify`` runs every step twice."""
    if not isinstance(suite_def, ScenarioSuiteDefinition):
        raise DefinitionError(f"run_plan needs a ScenarioSuiteDefinition, got {type(suite_def).__name__}")
    if not isinstance(expectations_def, SuiteExpectationsDefinition):
        raise DefinitionError(
            f"run_plan needs a SuiteExpectationsDefinition, got {type(expectations_def).__name__}")

    expectations = expectations_def.expectations
    results = []
    stopped_after = None
    total = len(suite_def.scenarios)
    outcomes = resolve_executor(executor).map_scenarios(suite_def.scenarios, verify=verify)
    try:
        for done, result in enumerate(outcomes, 1):
            results.append(result)
            if on_scenario is not None:
                on_scenario(done, total, result.scenario_name)
            if fail_fast and done < total:
                own = SuiteExpectationsDefinition([e for e in expectations if e.scenario_name == result.scenario_name])
                if not evaluate_expectations(collect_suite_result(suite_def.suite_name, [result]), own).passed:
                    stopped_after = result.scenario_name
                    break
    finally:
        close = getattr(outcomes, "close", None)
        if close is not None:
            close()  # a stop abandons what the executor has not handed over yet
    suite_result = collect_suite_result(suite_def.suite_name, results)
    judged, skipped = expectations_def, ()
    if stopped_after is not None:
        ran = set(suite_result.scenario_results)
        judged = SuiteExpectationsDefinition([e for e in expectations if e.scenario_name in ran])
        skipped = tuple(e.id for e in expectations if e.scenario_name not in ran)
    result = aggregate_test_run(suite_result, evaluate_expectations(suite_result, judged))
    return PlanExecution(result, skipped, stopped_after)
