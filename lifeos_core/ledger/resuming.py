"""Runs that wait for a human, and deciding them from the ledger.

A run recorded as *paused* stopped at a human step nobody had decided; its
record holds what is needed to go on (inputs, versions, the result so far).
A decision resumes it: the run continues from the waiting step with the
recorded state (nothing that ran before runs again), and the outcome is a new
record that *resumes* the paused one. A run is thus a short chain of records,
each resuming the one before; the last says where the run stands.

A human step is decided once. The ledger refuses a second record resuming
the same paused record (under its write lock, and with a unique index), so of
two people deciding at the same moment exactly one is recorded and the other
is told who was first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..engine.decisions import Decision, decision_of_entry
from ..engine.effects import EffectPolicy
from ..engine.result import OrchestrationResult
from ..errors import LifeosError, WorkflowInputError
from ..missions import plan_mission, resume_planned, versions_used
from ..plugins.active import active_registry
from ..values.clock import FixedClock
from ..values.frozen import Frozen
from .recording import paused_state
from .records import MISSION_RUN, PAUSED, LedgerError, LedgerRecord
from .replay import changes_since
from .store import Ledger


class Waiting(Frozen):
    """A run waiting for a human: its paused record, the step, and what it asks."""

    __slots__ = _fields = ("record", "first", "step_id", "description")

    def __init__(self, record: LedgerRecord, first: LedgerRecord, step_id: str, description: str) -> None:
        self._set(record=record, first=first, step_id=step_id, description=description)

    @property
    def started_by(self) -> str | None:
        return self.first.body.get("started_by")

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.record.id, "run": self.first.id, "mission": self.record.name, "step": self.step_id,
                "description": self.description, "paused_since": self.record.recorded_at,
                "started_at": self.first.recorded_at, "started_by": self.started_by,
                "clock": self.record.body["inputs"].get("clock")}


def _step_description(record: LedgerRecord, step_id: str) -> str:
    for step in record.body["result"].get("executed_steps", []):
        if isinstance(step, Mapping) and step.get("id") == step_id:
            text = (step.get("payload") or {}).get("description")
            return text if isinstance(text, str) else ""
    return ""


def first_of_run(ledger: Ledger, record: LedgerRecord) -> LedgerRecord:
    """The record that started the run ``record`` belongs to."""
    while isinstance(record.body.get("resumes"), str):
        record = ledger.get(record.body["resumes"])
    return record


def waiting_runs(ledger: Ledger) -> list[Waiting]:
    """The runs waiting for a human, oldest first."""
    found = []
    for record in ledger.paused():
        step_id = record.paused_at or "?"
        found.append(Waiting(record, first_of_run(ledger, record), step_id, _step_description(record, step_id)))
    return found


def decided_in(records: list[LedgerRecord], step_id: str) -> tuple[Decision, LedgerRecord] | None:
    """The decision on ``step_id`` that one of ``records`` (one run) holds, and that record."""
    for record in records:
        receipt = record.body["result"].get("receipt")
        for entry in (receipt or {}).get("human_steps", []):
            if isinstance(entry, Mapping) and entry.get("id") == step_id:
                decision = decision_of_entry(entry)
                if decision is not None:
                    return decision, record
    return None


def _paused_result(record: LedgerRecord) -> dict[str, Any]:
    """The recorded result of a paused run, with the state exactly as it paused."""
    import orjson

    data = dict(record.body["result"])
    if isinstance(record.body.get("paused_state"), str):
        try:
            data["final_state"] = orjson.loads(record.body["paused_state"])
        except orjson.JSONDecodeError:
            raise LedgerError(f"record {record.id[:12]} is damaged: its paused state is not JSON") from None
    return data


def _later_decisions(inputs: Mapping[str, Any], paused: OrchestrationResult) -> dict[str, Any]:
    """The decisions the run was given for human steps it has not reached yet
    (``--approve``/``--reject`` up front): a paused result keeps only the
    decisions of the steps it reached, so they are given again on resume."""
    reached = {entry["id"] for entry in paused.receipt["human_steps"] if entry["status"] != "not_reached"}
    given = {**inputs.get("approvals", {}), **inputs.get("decisions", {})}
    return {step: decision for step, decision in given.items() if step not in reached}


class Resumption(Frozen):
    """A paused run taken up with a decision: what to record, not yet recorded."""

    __slots__ = _fields = ("paused", "workflow", "result", "inputs", "versions", "decision", "step_id", "upgraded")

    def __init__(self, paused: LedgerRecord, workflow: Any, result: OrchestrationResult, inputs: dict[str, Any],
                 versions: dict[str, Any], decision: Decision, step_id: str, upgraded: tuple[str, ...]) -> None:
        self._set(paused=paused, workflow=workflow, result=result, inputs=inputs, versions=versions,
                  decision=decision, step_id=step_id, upgraded=upgraded)


def resume_recorded(ledger: Ledger, run_id: str, step_id: str, decision: Decision, *,
                    allow_upgrade: bool = False, grants: tuple[str, ...] = (), ask: Any = None) -> Resumption:
    """Decide ``step_id`` of the recorded run ``run_id`` (any of its records, by
    id or unique prefix) and run it on from there. Nothing is recorded yet:
    :func:`record_resumption` does that, and refuses if someone else decided first.

    Raises :class:`LedgerError` when the run is not waiting at that step (it
    waits elsewhere, finished, or the step was decided, naming by whom and
    when), or when the mission or lifeos-core versions differ from the paused
    record's and ``allow_upgrade`` is false. The steps after the pause take
    effects with the run's recorded grants plus ``grants``; effects taken
    before the pause are not taken again.
    """
    start = ledger.get(run_id)
    if start.kind != MISSION_RUN:
        raise LedgerError(f"record {start.id[:12]} is a {start.kind.replace('_', ' ')}; only mission runs "
                          "wait for a human")
    run = ledger.run_of(first_of_run(ledger, start))
    latest = run[-1]
    earlier = decided_in(run, step_id)
    if earlier is None and step_id in latest.body["inputs"].get("approvals", {}) and latest.paused_at != step_id:
        given = {**latest.body["inputs"]["approvals"], **latest.body["inputs"].get("decisions", {})}
        earlier = Decision.of(given[step_id], step_id), run[0]  # decided up front, when the run started
    if earlier is not None:
        decided, where = earlier
        who = f" by {decided.by}" if decided.by else ""
        when = f" at {decided.at}" if decided.at else f" (recorded {where.recorded_at})"
        raise LedgerError(
            f"step {step_id!r} of run {run[0].id[:12]} was {decided.status} already{who}{when}; "
            "a human step is decided once")
    if latest.status != PAUSED:
        raise LedgerError(f"run {run[0].id[:12]} ({latest.name}) is not waiting for a human: it "
                          f"{latest.status} (record {latest.id[:12]})")
    waiting = latest.paused_at
    if waiting != step_id:
        raise LedgerError(f"run {run[0].id[:12]} ({latest.name}) waits at step {waiting!r}, not {step_id!r}; "
                          f"decide it with: lifeos runs approve {latest.id[:12]} {waiting}")
    registry = active_registry()
    changes = tuple(changes_since(latest, registry))
    if changes and not allow_upgrade:
        raise LedgerError(f"run {run[0].id[:12]} was paused with other versions than are installed now "
                          f"({'; '.join(changes)}); resuming would mix them: reinstall those versions, or "
                          "resume with --allow-upgrade to go on with the installed ones (recorded)")
    inputs = latest.body["inputs"]
    ledger.claim(latest.id, decision.by or "someone")  # from here on, this process alone runs the steps after the pause
    try:
        workflow = plan_mission(inputs["mission"], inputs["params"])
        paused = OrchestrationResult.from_dict(_paused_result(latest))
        result = resume_planned(workflow, paused, {**_later_decisions(inputs, paused), step_id: decision},
                                clock=FixedClock(inputs["clock"]), verify=inputs.get("verify", False),
                                effects=EffectPolicy([*inputs.get("grants", []), *grants], ask=ask,
                                                     folder=inputs.get("folder")))
    except BaseException as exc:
        ledger.release(latest.id)
        if not isinstance(exc, LifeosError):
            raise
        if isinstance(exc, WorkflowInputError):
            raise LedgerError(f"run {run[0].id[:12]} cannot be resumed: {exc}") from None
        if changes:
            raise LedgerError(f"run {run[0].id[:12]} cannot be resumed with the versions installed now "
                              f"({'; '.join(changes)}): {exc}") from None
        raise
    decided_inputs = dict(inputs)
    if grants:
        decided_inputs["grants"] = list(dict.fromkeys([*inputs.get("grants", []), *grants]))
    decided_inputs["approvals"] = {**inputs["approvals"], step_id: decision.approved}
    if decision.attested:
        decided_inputs["decisions"] = {**inputs.get("decisions", {}), step_id: decision.to_dict()}
    return Resumption(latest, workflow, result, decided_inputs, versions_used([workflow]), decision, step_id,
                      changes)


def record_resumption(ledger: Ledger, resumption: Resumption) -> LedgerRecord:
    """Record a resumed run, linked to the paused record it resumes; raises
    :class:`DecidedAlready` when another record resumed it first."""
    paused = resumption.paused
    extra: dict[str, Any] = {
        "status": resumption.result.status,
        **paused_state(resumption.result),
        "resumes": paused.id,
        "decision": {"step": resumption.step_id, **resumption.decision.to_dict()},
    }
    if isinstance(paused.body.get("started_by"), str):
        extra["started_by"] = paused.body["started_by"]
    if resumption.upgraded:
        extra["allow_upgrade"] = True
    try:
        return ledger.append(MISSION_RUN, paused.name, inputs=resumption.inputs, versions=resumption.versions,
                             result=resumption.result.to_dict(), success=resumption.result.success, extra=extra,
                             bodies=resumption.result.effect_bodies())
    finally:
        ledger.release(paused.id)
