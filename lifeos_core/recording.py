"""What goes into the ledger for a run, and replaying a recorded run.

A record keeps the inputs of a run exactly as they were given (params, initial
state, clock, human decisions, verification; for a test run the plan's data),
and the versions of lifeos-core and of the plugins involved, so that
:func:`replay` can run it again with the plugins installed now and say whether
the result is the same, where it differs, and which versions changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import LifeosError
from .hashing import stable_hash
from .jsonvalue import differences
from .ledger import MISSION_RUN, TEST_RUN, Ledger, LedgerError, LedgerRecord, record_problem
from .version import CORE_DISTRIBUTION, __version__


def involved_versions(registry: Any, missions: Iterable[str], operations: Iterable[str]) -> dict[str, Any]:
    """lifeos-core's version and the distribution and version of each plugin
    that provided one of ``missions`` or ``operations``."""
    plugins: dict[str, str] = {}
    for name in missions:
        entry = registry.missions.get(name)
        if entry is not None:
            plugins[entry.distribution] = entry.version
    for name in operations:
        entry = registry.operations.get(name)
        if entry is not None:
            plugins[entry.origin.distribution] = entry.origin.version
    return {
        CORE_DISTRIBUTION: __version__,
        "plugins": [{"distribution": dist, "version": version} for dist, version in sorted(plugins.items())],
    }


def _workflow_operations(workflows: Iterable[Any]) -> set[str]:
    return {step.operation for workflow in workflows for step in workflow.steps if step.operation}


def record_mission_run(
    ledger: Ledger,
    *,
    mission: str,
    params: Mapping[str, Any],
    initial_state: Mapping[str, Any],
    approvals: Mapping[str, bool],
    clock: str,
    verify: bool,
    workflow: Any,
    result: Any,
    registry: Any,
) -> LedgerRecord:
    """Record one mission run (``result`` is its OrchestrationResult)."""
    return ledger.append(
        MISSION_RUN,
        mission,
        inputs={"mission": mission, "params": dict(params), "initial_state": dict(initial_state),
                "approvals": dict(approvals), "clock": clock, "verify": verify},
        versions=involved_versions(registry, [mission], _workflow_operations([workflow])),
        result=result.to_dict(),
        success=result.success,
    )


def recorded_test_result(execution: Any) -> dict[str, Any]:
    """The recorded result of a test run: the run's ``to_dict()`` and what was skipped."""
    return {**execution.result.to_dict(), "skipped": list(execution.skipped)}


def record_test_run(
    ledger: Ledger,
    *,
    source: str,
    plan: Mapping[str, Any],
    expectations: Mapping[str, Any] | None,
    fail_fast: bool,
    verify: bool,
    test_plan: Any,
    execution: Any,
    registry: Any,
    executor: Mapping[str, Any] | None = None,
) -> LedgerRecord:
    """Record one test run of a plan (``plan``/``expectations`` are the files' data;
    ``executor`` says what ran it, and is kept outside the result and its hash)."""
    from .builder import MissionSpec, build_workflow

    calls = [call for scenario in test_plan.suite.scenarios for call in scenario.missions]
    workflows = [build_workflow(MissionSpec(call.name, call.params)) for call in calls]
    return ledger.append(
        TEST_RUN,
        test_plan.suite.suite_name,
        inputs={"source": source, "plan": dict(plan), "expectations": expectations, "fail_fast": fail_fast,
                "verify": verify},
        versions=involved_versions(registry, [call.name for call in calls], _workflow_operations(workflows)),
        result=recorded_test_result(execution),
        success=execution.result.passed and not execution.skipped,
        executor=executor or {"kind": "sequential"},
    )


@dataclass(frozen=True)
class Replay:
    """A recorded run run again: is the result the same, and if not, where and why."""

    record: LedgerRecord
    result: dict[str, Any]
    result_hash: str
    differences: tuple[str, ...]
    version_changes: tuple[str, ...]

    @property
    def same(self) -> bool:
        return self.result_hash == self.record.body["result_hash"]


def replay(record: LedgerRecord, registry: Any = None) -> Replay:
    """Run ``record`` again from its recorded inputs with the plugins installed now.

    A record that does not hold what a replay needs (see
    :func:`~lifeos_core.ledger.record_problem`: a record read from the ledger
    has been checked already, one built by hand may not) raises
    :class:`LedgerError` naming what it lacks.
    """
    from .plugins import active_registry

    problem = record_problem(record.body)
    if problem:
        raise LedgerError(f"record {record.id[:12]} cannot be replayed: {problem}")
    registry = registry or active_registry()
    inputs = record.body["inputs"]
    if record.kind == MISSION_RUN:
        rerun = _replay_mission
    elif record.kind == TEST_RUN:
        rerun = _replay_test
    else:
        raise LedgerError(f"record {record.id[:12]} is a {record.kind!r}, which this lifeos cannot replay")
    try:
        result = rerun(inputs, record.id)
    except LifeosError as exc:
        changes = _version_changes(record.body["versions"], registry)
        if not changes:
            raise
        raise LedgerError(f"record {record.id[:12]} cannot be replayed with the versions installed now "
                          f"({'; '.join(changes)}): {exc}") from None
    return Replay(
        record=record,
        result=result,
        result_hash=stable_hash(result),
        differences=tuple(differences(record.body["result"], result)),
        version_changes=tuple(_version_changes(record.body["versions"], registry)),
    )


def _unusable(record_id: str, exc: Exception) -> LedgerError:
    """The error for recorded inputs that the checks let through but the run cannot start from."""
    return LedgerError(f"record {record_id[:12]} cannot be replayed: its inputs are not usable "
                       f"({type(exc).__name__}: {exc})")


def _replay_mission(inputs: Mapping[str, Any], record_id: str) -> dict[str, Any]:
    from .builder import MissionSpec, build_workflow
    from .clock import FixedClock
    from .context import ExecutionContext
    from .engine import Orchestrator

    try:
        workflow = build_workflow(MissionSpec(inputs["mission"], inputs["params"]))
        context = ExecutionContext(initial_state=inputs["initial_state"], approvals=inputs["approvals"],
                                   clock=FixedClock(inputs["clock"]))
    except LifeosError:
        raise
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise _unusable(record_id, exc) from None
    return Orchestrator().run_workflow(workflow, context, verify=inputs.get("verify", False)).to_dict()


def _replay_test(inputs: Mapping[str, Any], record_id: str) -> dict[str, Any]:
    from .config import parse_test_plan
    from .testrun import execute_plan

    try:
        plan = parse_test_plan(inputs["plan"], inputs["expectations"], source=inputs.get("source"))
    except LifeosError:
        raise
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise _unusable(record_id, exc) from None
    execution = execute_plan(plan.suite, plan.expectations, fail_fast=inputs.get("fail_fast", False),
                             verify=inputs.get("verify", False))
    return recorded_test_result(execution)


def _version_changes(recorded: Mapping[str, Any], registry: Any) -> list[str]:
    installed = {info.origin.distribution: info.origin.version for info in registry.plugins}
    installed[CORE_DISTRIBUTION] = __version__
    then = {CORE_DISTRIBUTION: recorded.get(CORE_DISTRIBUTION)}
    then.update({plugin["distribution"]: plugin["version"] for plugin in recorded.get("plugins", [])})
    changes = []
    for distribution, version in then.items():
        now = installed.get(distribution)
        if now != version:
            changes.append(f"{distribution} {version} -> {now if now is not None else 'not installed'}")
    return changes
