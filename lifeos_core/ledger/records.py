"""What a ledger record holds, and the values the ledger hands out.

A record is one canonical JSON document (its *body*): what ran, its inputs,
the versions involved, the full result and its hash, when it was recorded,
and the id of the record before it. :func:`record_problem` is the one
description of what a well-formed body holds: writing, reading, verifying and
replaying all judge bodies by it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import LifeosError
from ..values.frozen import Frozen

RECORD_FORMAT = "lifeos-ledger-record/1"
MISSION_RUN = "mission_run"
TEST_RUN = "test_run"


class LedgerError(LifeosError):
    """The ledger cannot be opened, read or written, or a record is not found or damaged."""


class NoLedgerYet(LedgerError):
    """There is no ledger there yet: nothing was recorded (a team's empty database)."""


#
# The shape every body this lifeos writes has, checked when a record is
# written, read and verified: one description, so that whatever can be
# written can be read, and whatever is read can be used without a KeyError.

_BODY_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("format", ("string",)),
    ("seq", ("integer",)),
    ("previous", ("string", "null")),
    ("recorded_at", ("string",)),
    ("kind", ("string",)),
    ("name", ("string",)),
    ("success", ("boolean",)),
    ("inputs", ("object",)),
    ("versions", ("object",)),
    ("result_hash", ("string",)),
    ("result", ("object",)),
)
# What replaying each kind of run needs from its inputs (required, then optional).
_INPUT_FIELDS: dict[str, tuple[tuple[tuple[str, tuple[str, ...]], ...], tuple[tuple[str, tuple[str, ...]], ...]]] = {
    MISSION_RUN: (
        (("mission", ("string",)), ("params", ("object",)), ("initial_state", ("object",)),
         ("approvals", ("object",)), ("clock", ("string",))),
        (("verify", ("boolean",)), ("decisions", ("object",)), ("pause", ("boolean",)), ("grants", ("array",))),
    ),
    TEST_RUN: (
        (("plan", ("object",)), ("expectations", ("object", "null"))),
        (("source", ("string", "null")), ("fail_fast", ("boolean",)), ("verify", ("boolean",))),
    ),
}
# Optional fields of a run that paused, resumed, or names who started it.
_RUN_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("status", ("string",)),
    ("resumes", ("string",)),
    ("decision", ("object",)),
    ("started_by", ("string",)),
    ("allow_upgrade", ("boolean",)),
    ("paused_state", ("string",)),
)
PAUSED = "paused"
STATUSES = ("succeeded", "failed", PAUSED)
_ARTICLES = {"object": "an object", "array": "an array", "integer": "an integer"}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "boolean"
    if isinstance(value, str):
        return "string"
    if isinstance(value, int) and not isinstance(value, bool):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return type(value).__name__


def _a(kind: str) -> str:
    return _ARTICLES.get(kind, kind if kind == "null" else f"a {kind}")


def _field_problem(fields: Mapping[str, Any], key: str, kinds: tuple[str, ...], owner: str) -> str | None:
    found = _json_type(fields[key])
    if found in kinds or (found == "integer" and "number" in kinds):
        return None
    return f"{owner} {key!r} is {_a(found)}, not {' or '.join(_a(kind) for kind in kinds)}"


def inputs_problem(kind: str, inputs: Mapping[str, Any]) -> str | None:
    """What a run of ``kind`` cannot be replayed without, in its ``inputs``, or None.

    Kinds this lifeos does not know are not judged (a later lifeos may
    record others); replaying them is refused by :func:`~lifeos_core.ledger.replay.replay`.
    """
    if kind not in _INPUT_FIELDS:
        return None
    required, optional = _INPUT_FIELDS[kind]
    for key, kinds in required:
        if key not in inputs:
            return f"its inputs lack {key!r}"
    for key, kinds in (*required, *optional):
        if key in inputs:
            problem = _field_problem(inputs, key, kinds, "its inputs'")
            if problem:
                return problem
    return None


def record_problem(body: Any) -> str | None:
    """What makes ``body`` something other than a record this lifeos writes, or None."""
    if not isinstance(body, Mapping):
        return f"its content is {_a(_json_type(body))}, not a JSON object"
    for key, kinds in _BODY_FIELDS:
        if key not in body:
            return f"its content lacks {key!r}"
        problem = _field_problem(body, key, kinds, "its")
        if problem:
            return problem
    if body["format"] != RECORD_FORMAT:
        return f"its format is {body['format']!r}, which this lifeos does not read (upgrade lifeos-core)"
    if "executor" in body and not isinstance(body["executor"], Mapping):
        return f"its 'executor' is {_a(_json_type(body['executor']))}, not an object"
    for key, kinds in _RUN_FIELDS:
        if key in body:
            problem = _field_problem(body, key, kinds, "its")
            if problem:
                return problem
    status = body.get("status")
    if status is not None and (status not in STATUSES or (status == "succeeded") != body["success"]):
        return f"its status {status!r} is not one of {', '.join(STATUSES)}, or disagrees with its success"
    if status == PAUSED and not isinstance(body["result"].get("receipt"), Mapping):
        return "it is paused, but its result has no receipt saying where"
    decision = body.get("decision")
    if decision is not None and not (isinstance(decision.get("step"), str)
                                     and isinstance(decision.get("approved"), bool)):
        return "its 'decision' lacks the step (text) or whether it was approved (true or false)"
    plugins = body["versions"].get("plugins", [])
    if not isinstance(plugins, (list, tuple)) or not all(
            isinstance(plugin, Mapping) and isinstance(plugin.get("distribution"), str)
            and isinstance(plugin.get("version", ""), (str, type(None))) for plugin in plugins):
        return "its versions' 'plugins' is not a list of {distribution, version} objects"
    return inputs_problem(body["kind"], body["inputs"])


class LedgerRecord(Frozen):
    """One stored run: its id, position in the chain, and body (a dict)."""

    __slots__ = _fields = ("seq", "id", "body")

    def __init__(self, seq: int, id: str, body: Mapping[str, Any]) -> None:
        self._set(seq=seq, id=id, body=body)

    @property
    def kind(self) -> str:
        return self.body["kind"]

    @property
    def name(self) -> str:
        return self.body["name"]

    @property
    def success(self) -> bool:
        return bool(self.body["success"])

    @property
    def recorded_at(self) -> str:
        return self.body["recorded_at"]

    @property
    def status(self) -> str:
        """``succeeded``, ``failed`` or ``paused`` (records from before pauses: by ``success``)."""
        status = self.body.get("status")
        if isinstance(status, str):
            return status
        return "succeeded" if self.success else "failed"

    @property
    def paused_at(self) -> str | None:
        """The human step a paused run waits at."""
        if self.status != PAUSED:
            return None
        return self.body["result"]["receipt"].get("paused_at")

    def verdict(self, resumed: bool = False) -> str:
        """How the record's run ended, in the words every listing uses: success,
        FAILED, waiting at STEP (paused, not decided yet), or paused at STEP,
        resumed (``resumed``: a later record goes on from it)."""
        if self.status == PAUSED:
            return f"paused at {self.paused_at}, resumed" if resumed else f"waiting at {self.paused_at}"
        return "success" if self.success else "FAILED"


class ExpectedHead(Frozen):
    """Where a head kept elsewhere (``--expect-head``) stands in the chain now.

    ``given`` is the id or prefix asked for; ``id`` and ``seq`` name the record
    it matched (None when the chain does not hold it); ``added_after`` counts
    the records recorded after it.
    """

    __slots__ = _fields = ("given", "id", "seq", "added_after")

    def __init__(self, given: str, id: str | None = None, seq: int | None = None, added_after: int = 0) -> None:
        self._set(given=given, id=id, seq=seq, added_after=added_after)

    @property
    def found(self) -> bool:
        return self.id is not None

    @property
    def message(self) -> str:
        if not self.found:
            return (f"the chain does not contain {self.given}: records were removed from its end, "
                    "or it is another ledger")
        if not self.added_after:
            return f"{self.given} is the head of the chain"
        added = "1 record was" if self.added_after == 1 else f"{self.added_after} records were"
        return f"{self.given} is record #{self.seq}; {added} added after it"


class Verification(Frozen):
    """The outcome of checking every record: ``problems`` names each broken one
    (and a head kept elsewhere that the chain no longer holds); ``unapplied``
    names the deferred writes of recorded runs that were not applied yet
    (``lifeos runs apply`` finishes them)."""

    __slots__ = _fields = ("records", "head", "problems", "expected_head", "unapplied")

    def __init__(self, records: int, head: str | None, problems: tuple[str, ...] = (),
                 expected_head: ExpectedHead | None = None, unapplied: tuple[str, ...] = ()) -> None:
        self._set(records=records, head=head, problems=tuple(problems), expected_head=expected_head,
                  unapplied=tuple(unapplied))

    @property
    def intact(self) -> bool:
        return not self.problems

