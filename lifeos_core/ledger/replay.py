"""Replaying a recorded run: run it again from its recorded inputs, with the
plugins installed now, and say whether the result is the same, where it
differs, and which versions changed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import LifeosError
from ..harness.plans import parse_test_plan
from ..harness.testrun import run_plan
from ..missions import plan_mission, run_planned
from ..plugins.active import active_registry
from ..plugins.registry import version_changes
from ..values.canonical import stable_hash
from ..values.clock import FixedClock
from ..values.frozen import Frozen
from ..values.jsonvalue import differences
from .recording import recorded_test_result
from .records import MISSION_RUN, TEST_RUN, LedgerError, LedgerRecord, record_problem


class Replay(Frozen):
    """A recorded run run again: is the result the same, and if not, where and why."""

    __slots__ = _fields = ("record", "result", "result_hash", "differences", "version_changes")

    def __init__(self, record: LedgerRecord, result: dict[str, Any], result_hash: str,
                 differences: tuple[str, ...], version_changes: tuple[str, ...]) -> None:
        self._set(record=record, result=result, result_hash=result_hash, differences=tuple(differences),
                  version_changes=tuple(version_changes))

    @property
    def same(self) -> bool:
        return self.result_hash == self.record.body["result_hash"]


def replay(record: LedgerRecord, registry: Any = None) -> Replay:
    """Run ``record`` again from its recorded inputs with the plugins installed now.

    A record that does not hold what a replay needs (see
    :func:`~lifeos_core.ledger.records.record_problem`: a record read from the ledger
    has been checked already, one built by hand may not) raises
    :class:`LedgerError` naming what it lacks.
    """
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
        changes = changes_since(record, registry)
        if not changes:
            raise
        raise LedgerError(f"record {record.id[:12]} cannot be replayed with the versions installed now "
                          f"({'; '.join(changes)}): {exc}") from None
    return Replay(
        record=record,
        result=result,
        result_hash=stable_hash(result),
        differences=tuple(differences(record.body["result"], result)),
        version_changes=tuple(changes_since(record, registry)),
    )


def _unusable(record_id: str, exc: Exception) -> LedgerError:
    """The error for recorded inputs that the checks let through but the run cannot start from."""
    return LedgerError(f"record {record_id[:12]} cannot be replayed: its inputs are not usable "
                       f"({type(exc).__name__}: {exc})")


def _replay_mission(inputs: Mapping[str, Any], record_id: str) -> dict[str, Any]:
    try:
        workflow = plan_mission(inputs["mission"], inputs["params"])
        clock = FixedClock(inputs["clock"])
    except LifeosError:
        raise
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise _unusable(record_id, exc) from None
    approvals = {**inputs["approvals"], **inputs.get("decisions", {})}
    return run_planned(workflow, inputs["initial_state"], approvals=approvals, clock=clock,
                       verify=inputs.get("verify", False), pause_at_undecided=inputs.get("pause", False)).to_dict()


def _replay_test(inputs: Mapping[str, Any], record_id: str) -> dict[str, Any]:
    try:
        plan = parse_test_plan(inputs["plan"], inputs["expectations"], source=inputs.get("source"))
    except LifeosError:
        raise
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise _unusable(record_id, exc) from None
    execution = run_plan(plan.suite, plan.expectations, fail_fast=inputs.get("fail_fast", False),
                         verify=inputs.get("verify", False))
    return recorded_test_result(execution)


def changes_since(record: LedgerRecord, registry: Any) -> list[str]:
    """Each version the record names that differs now: ``dist 1.0 -> 2.0``."""
    return [f"{distribution} {then} -> {now if now is not None else 'not installed'}"
            for distribution, then, now in version_changes(record.body["versions"], registry.installed_versions())]
