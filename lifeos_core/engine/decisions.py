"""Decisions on human steps: what a person said, and, when it is an attestation,
who said it, when, and why.

A human step is a point where a person vouches for the run so far. The engine
takes a decision as ``True``/``False`` (the seed's approvals) or as a
:class:`Decision` that also names who decided (``by``), when (``at``, an
instant: an input of the run like its clock, never read from the machine) and
an optional ``note``. An attested decision is written into the receipt beside
the step's status, so the record of a run says who let it go on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import WorkflowInputError
from ..values.clock import format_instant, parse_instant
from ..values.frozen import Frozen
from ..values.jsonvalue import FrozenMap

_FIELDS = ("approved", "by", "at", "note")


class Decision(Frozen):
    """A decision on one human step: approve (``approved=True``) or reject.

    ``by`` names who decided and ``at`` when (an ISO 8601 instant, kept as
    receipts write it); ``note`` is free text. A decision with ``by`` is an
    attestation, recorded in the receipt with all three; a bare decision
    (``Decision(True)``, or just ``True``) records only the step's status.
    """

    __slots__ = _fields = _FIELDS

    def __init__(self, approved: bool, by: str | None = None, at: Any = None, note: str | None = None) -> None:
        if not isinstance(approved, bool):
            raise WorkflowInputError(f"a decision is true (approve) or false (reject), got {approved!r}")
        if by is not None and (not isinstance(by, str) or not by.strip()):
            raise WorkflowInputError(f"who decided ('by') must be a non-empty name, got {by!r}")
        if note is not None and not isinstance(note, str):
            raise WorkflowInputError(f"a decision's note must be text, got {type(note).__name__}")
        if at is not None:
            at = format_instant(parse_instant(at))
        if by is None and (at is not None or note is not None):
            raise WorkflowInputError("a decision with a time or a note must also say who decided ('by')")
        self._set(approved=approved, by=by, at=at, note=note)

    @property
    def attested(self) -> bool:
        """Whether the decision names who made it (and so goes into the receipt)."""
        return self.by is not None

    @property
    def status(self) -> str:
        return "approved" if self.approved else "rejected"

    def to_dict(self) -> dict[str, Any]:
        return {"approved": self.approved, "by": self.by, "at": self.at, "note": self.note}

    @classmethod
    def of(cls, value: Any, step_id: str) -> "Decision":
        """``value`` as a decision: a :class:`Decision`, a bool, or a mapping
        with ``approved`` and optionally ``by``, ``at``, ``note``."""
        if isinstance(value, Decision):
            return value
        if isinstance(value, bool):
            return cls(value)
        if isinstance(value, Mapping):
            unknown = sorted(set(value) - set(_FIELDS))
            if unknown:
                raise WorkflowInputError(f"decision for step {step_id!r} has unknown field {unknown[0]!r}; "
                                         f"its fields are: {', '.join(_FIELDS)}")
            if "approved" not in value:
                raise WorkflowInputError(f"decision for step {step_id!r} lacks 'approved' (true or false)")
            return cls(**{key: value[key] for key in _FIELDS if key in value})
        raise WorkflowInputError(
            f"approval for step {step_id!r} must be true (approve) or false (reject), got {value!r}")


def decisions_of(approvals: Mapping[str, Any] | None, where: str = "approvals") -> FrozenMap:
    """``approvals`` (step id to bool, :class:`Decision` or mapping) as a
    read-only map of step id to :class:`Decision`."""
    if approvals is None:
        return FrozenMap()
    if not isinstance(approvals, Mapping):
        raise WorkflowInputError(f"{where} must be a mapping of step ids to decisions, "
                                 f"got {type(approvals).__name__}")
    decided = {}
    for step_id, value in approvals.items():
        if not isinstance(step_id, str):
            raise WorkflowInputError(f"{where}: step ids are strings, got {step_id!r}")
        decided[step_id] = Decision.of(value, step_id)
    return FrozenMap._trusted(decided)


def receipt_entry(step_id: str, status: str, decision: Decision | None) -> dict[str, Any]:
    """How the receipt lists one human step: its status and, when an attested
    decision decided it, who made it, when, and the note (a decision given
    for a step the run did not reach attests nothing yet)."""
    entry: dict[str, Any] = {"id": step_id, "status": status}
    if decision is not None and decision.attested and status in ("approved", "rejected"):
        entry.update(by=decision.by, at=decision.at, note=decision.note)
    return entry


def decision_of_entry(entry: Mapping[str, Any]) -> Decision | None:
    """The decision a receipt's human-step entry records (``None`` when undecided)."""
    status = entry.get("status")
    if status not in ("approved", "rejected"):
        return None
    if entry.get("by") is None:
        return Decision(status == "approved")
    return Decision(status == "approved", entry["by"], entry.get("at"), entry.get("note"))
