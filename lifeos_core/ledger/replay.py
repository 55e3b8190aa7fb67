"""Replaying a recorded run: run it again from its recorded inputs, with the
plugins installed now, and say whether the result is the same, where it
differs, and which versions changed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..engine.effects import EffectPolicy, describe
from ..errors import LifeosError
from ..values.canonical import loads_canonical, sha256_hex
from ..harness.plans import parse_test_plan, plan_data_without_grants
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

    __slots__ = _fields = ("record", "result", "result_hash", "differences", "version_changes", "changed_effects")

    def __init__(self, record: LedgerRecord, result: dict[str, Any], result_hash: str,
                 differences: tuple[str, ...], version_changes: tuple[str, ...],
                 changed_effects: tuple[str, ...] = ()) -> None:
        self._set(record=record, result=result, result_hash=result_hash, differences=tuple(differences),
                  version_changes=tuple(version_changes), changed_effects=tuple(changed_effects))

    @property
    def same(self) -> bool:
        return self.result_hash == self.record.body["result_hash"]


def replay(record: LedgerRecord, registry: Any = None, *, blob: Callable[[str], bytes | None] | None = None,
           live: bool = False) -> Replay:
    """Run ``record`` again from its recorded inputs with the plugins installed now.

    The effects of a mission run get their recorded responses back (``blob``
    finds each by its digest: the ledger's :meth:`~lifeos_core.ledger.store.Ledger.blob`),
    so a replay does no I/O at all, and reproduces the recorded result even
    when the files it read are gone. With ``live`` the effects are taken again
    (with the run's recorded grants; deferred writes are never applied) and
    ``changed_effects`` names each whose response changed.

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
    if record.kind not in (MISSION_RUN, TEST_RUN):
        raise LedgerError(f"record {record.id[:12]} is a {record.kind!r}, which this lifeos cannot replay")
    try:
        if record.kind == MISSION_RUN:
            policy = _live_policy(inputs) if live else _recorded_policy(record, blob)
            result = _replay_mission(inputs, record.id, policy)
        else:
            result = _replay_test(inputs, record.id, live)
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
        changed_effects=tuple(_changed_effects(record.body["result"], result)) if live else (),
    )


def _effects_by_step(result: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {entry["step_id"]: list(entry.get("effects", [])) for entry in result.get("lineage", [])
            if isinstance(entry, Mapping) and entry.get("effects")}


def _recorded_policy(record: LedgerRecord, blob: Callable[[str], bytes | None] | None) -> EffectPolicy | None:
    """The recorded responses of ``record``'s effects, to give back instead of performing them."""
    taken = _effects_by_step(record.body["result"])
    if not taken:
        return None
    recorded: dict[str, list[tuple[str, Any, Any]]] = {}
    for step_id, effects in taken.items():
        for effect in effects:
            data = blob(effect["response_sha256"]) if blob is not None else None
            if data is not None and sha256_hex(data) != effect["response_sha256"]:
                data = None  # altered in the ledger: not a recorded response
            if data is None:
                raise LedgerError(f"record {record.id[:12]} cannot be replayed: the response of its effect "
                                  f"{describe(effect['kind'], effect['request'])} is missing from the ledger or "
                                  "was altered there (lifeos runs verify)")
            recorded.setdefault(step_id, []).append((effect["kind"], effect["request"], loads_canonical(data)))
    return EffectPolicy(record.body["result"].get("receipt", {}).get("grants", []), recorded=recorded)


def _live_policy(inputs: Mapping[str, Any]) -> EffectPolicy:
    return EffectPolicy(inputs.get("grants", []), folder=inputs.get("folder"))


def _changed_effects(recorded: Mapping[str, Any], replayed: Mapping[str, Any]) -> list[str]:
    """Each effect whose response differs between two results of the same run."""
    before, after = _effects_by_step(recorded), _effects_by_step(replayed)
    changed = []
    for step_id, effects in before.items():
        again = after.get(step_id, [])
        for index, effect in enumerate(effects):
            shown = f"step {step_id}: {describe(effect['kind'], effect['request'])}"
            if index >= len(again):
                changed.append(f"{shown} was not taken again")
            elif again[index]["request"] != effect["request"]:
                changed.append(f"{shown} was taken with another request: "
                               f"{describe(again[index]['kind'], again[index]['request'])}")
            elif again[index]["response_sha256"] != effect["response_sha256"]:
                changed.append(f"{shown}: the response changed")
    return changed


def _unusable(record_id: str, exc: Exception) -> LedgerError:
    """The error for recorded inputs that the checks let through but the run cannot start from."""
    return LedgerError(f"record {record_id[:12]} cannot be replayed: its inputs are not usable "
                       f"({type(exc).__name__}: {exc})")


def _replay_mission(inputs: Mapping[str, Any], record_id: str, effects: EffectPolicy | None = None) -> dict[str, Any]:
    try:
        workflow = plan_mission(inputs["mission"], inputs["params"])
        clock = FixedClock(inputs["clock"])
    except LifeosError:
        raise
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise _unusable(record_id, exc) from None
    approvals = {**inputs["approvals"], **inputs.get("decisions", {})}
    return run_planned(workflow, inputs["initial_state"], approvals=approvals, clock=clock,
                       verify=inputs.get("verify", False), pause_at_undecided=inputs.get("pause", False),
                       effects=effects).to_dict()


def _replay_test(inputs: Mapping[str, Any], record_id: str, live: bool = False) -> dict[str, Any]:
    """A test run again. Its scenarios' responses are not recorded, so a plan's
    grants count only with ``live``: otherwise its effects are refused (and the
    result says where it differs) rather than taken a second time."""
    try:
        data = inputs["plan"] if live else plan_data_without_grants(inputs["plan"])
        plan = parse_test_plan(data, inputs["expectations"], source=inputs.get("source"))
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
