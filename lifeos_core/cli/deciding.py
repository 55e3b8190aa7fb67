"""Deciding a waiting run's human step: the one way, for ``lifeos runs approve``/``reject`` and ``lifeos ui``.

Both record exactly the same: the decision (who, when, the note), the run
resumed from the waiting step with the recorded state, its record linked to
the paused one, and its deferred writes applied once it is recorded.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

MAX_NOTE = 10_000
"""The longest note a decision keeps (characters): a note says why, it is not a document."""


class Decided:
    """What deciding did: the resumption, the record written (``None`` when it was
    not), ``code`` (an exit code when recording failed) and ``written`` (an exit
    code when a deferred write was refused)."""

    __slots__ = ("resumption", "record", "code", "written")

    def __init__(self, resumption: Any, record: Any, code: int | None, written: int | None) -> None:
        self.resumption, self.record, self.code, self.written = resumption, record, code, written


def decide(approved: bool, record_id: str, step: str, who: str, note: str | None, *, clock: str | None = None,
           allow_upgrade: bool = False, ledger: str | None = None, allow: list[str] | None = None) -> Decided:
    """Decide ``step`` of the run ``record_id`` (any of its records), resume it and
    record it; raises :class:`~lifeos_core.ledger.records.LedgerError` when it
    cannot be decided (decided already, waiting elsewhere, versions changed)."""
    from ..engine.decisions import Decision
    from ..ledger.resuming import record_resumption, resume_recorded
    from ..values.clock import format_instant, parse_instant
    from .grants import known_scopes, run_grants
    from .recording import open_for_recording, record_run
    from .running import apply_recorded_writes, resolved_grants

    if note is not None and len(note) > MAX_NOTE:
        from ..errors import WorkflowInputError

        raise WorkflowInputError(f"the note is {len(note)} characters; a decision's note is at most {MAX_NOTE}")
    moment = parse_instant(clock) if clock else datetime.now(timezone.utc).replace(microsecond=0)
    decision = Decision(approved, who, format_instant(moment), note)
    recorder = open_for_recording(ledger, create=False)
    try:
        grants = tuple(resolved_grants(run_grants(allow, known_scopes())))  # --allow and the config files
        resumption = resume_recorded(recorder.book, record_id, step, decision, allow_upgrade=allow_upgrade,
                                     grants=grants)
        code = record_run(recorder, lambda book: record_resumption(book, resumption))
        written = apply_recorded_writes(recorder) if code is None else None
    finally:
        recorder.close()
    return Decided(resumption, recorder.record, code, written)
