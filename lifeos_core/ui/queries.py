"""The few ledger queries the UI needs that :class:`~lifeos_core.ledger.store.Ledger` does not offer.

A page of the runs list must come quickly out of a ledger of 100,000
records, so each query here is one indexed ``... ORDER BY seq DESC LIMIT``
(or a count over an index): paging goes by ``seq < before``, never by offset,
and nothing reads every record. Rows become records through the ledger's own
reader, so a damaged record is reported as ``runs list`` reports it.

(These reach into the ledger's query helpers; should ``Ledger.records`` gain
``before``, ``kind`` and ``verdict`` filters, :func:`page` becomes a call to it.)
"""

from __future__ import annotations

from typing import Any

from ..ledger.records import LedgerError, LedgerRecord
from ..ledger.store import RUN_COLUMNS_SINCE, Ledger

VERDICTS = ("success", "failed", "waiting")
WAITING_CAP = 100
"""The nav counts the waiting runs up to this many (and then says so: 100+)."""
_NOT_RESUMED = "NOT EXISTS (SELECT 1 FROM records AS later WHERE later.resumes = r.id)"


class Page:
    """One page of records, newest first: the records, a line naming each
    damaged record left out, and ``older``: the ``before`` of the next page
    (None when this is the last)."""

    __slots__ = ("damaged", "older", "records")

    def __init__(self, records: list[LedgerRecord], damaged: list[str], older: int | None) -> None:
        self.records, self.damaged, self.older = records, damaged, older


def page(ledger: Ledger, *, name: str | None = None, kind: str | None = None, verdict: str | None = None,
         before: int | None = None, limit: int = 50) -> Page:
    """Up to ``limit`` records, newest first, older than record ``before``, of one
    mission or plan (``name``), kind, and verdict (one of :data:`VERDICTS`)."""
    runs_columns = ledger.schema_version >= RUN_COLUMNS_SINCE
    clauses, parameters = [], []
    if name is not None:
        clauses.append("r.name = ?")
        parameters.append(name)
    if kind is not None:
        clauses.append("r.kind = ?")
        parameters.append(kind)
    if before is not None:
        clauses.append("r.seq < ?")
        parameters.append(before)
    if verdict == "success":
        clauses.append("r.success = 1")
    elif verdict == "failed":  # failed, not waiting for a human
        clauses.append("r.success = 0 AND (r.status IS NULL OR r.status != 'paused')" if runs_columns
                       else "r.success = 0")
    elif verdict == "waiting":
        clauses.append(f"r.status = 'paused' AND {_NOT_RESUMED}" if runs_columns else "1 = 0")
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = ledger._rows(f"SELECT {ledger._store.RECORD_COLUMNS} FROM records AS r {where} ORDER BY r.seq DESC LIMIT ?",
                        (*parameters, limit + 1))  # one more tells whether there is an older page
    older = rows[limit - 1][0] if len(rows) > limit else None
    found, damaged = [], []
    for row in rows[:limit]:
        try:
            found.append(ledger._record(row))
        except LedgerError as exc:
            damaged.append(str(exc))
    return Page(found, damaged, older)


def resumed_among(ledger: Ledger, ids: list[str]) -> set[str]:
    """Which of the records ``ids`` another record resumed (their run went on)."""
    if not ids or ledger.schema_version < RUN_COLUMNS_SINCE:
        return set()
    marks = ", ".join("?" for _ in ids)
    rows = ledger._rows(f"SELECT {ledger._store.as_bytes('resumes')} FROM records WHERE resumes IN ({marks})",
                        tuple(ids))
    return {_text(row[0]) for row in rows}


def waiting_count(ledger: Ledger, cap: int = WAITING_CAP) -> int:
    """How many runs wait for a human (paused, and nothing resumed them), counting
    at most ``cap`` of them: the nav of every page shows it, and must stay quick
    on a ledger where thousands wait."""
    if ledger.schema_version < RUN_COLUMNS_SINCE:
        return 0
    return int(ledger._rows(f"SELECT COUNT(*) FROM (SELECT 1 FROM records AS r WHERE r.status = 'paused' AND "
                            f"{_NOT_RESUMED} LIMIT ?) AS waiting", (cap,))[0][0])


def waiting(ledger: Ledger, *, after: int | None = None, limit: int = 50) -> tuple[list[Any], int | None]:
    """Up to ``limit`` runs waiting for a human, oldest first (as
    :func:`~lifeos_core.ledger.resuming.waiting_runs` gives them all), after
    record ``after``; and the ``after`` of the next page (None when this is the last)."""
    from ..ledger.resuming import Waiting, first_of_run

    if ledger.schema_version < RUN_COLUMNS_SINCE:
        return [], None
    since, parameters = ("AND r.seq > ? ", (after,)) if after is not None else ("", ())
    rows = ledger._rows(f"SELECT {ledger._store.RECORD_COLUMNS} FROM records AS r WHERE r.status = 'paused' AND "
                        f"{_NOT_RESUMED} {since}ORDER BY r.seq LIMIT ?", (*parameters, limit + 1))
    found = []
    for row in rows[:limit]:
        record = ledger._record(row)
        step = record.paused_at or "?"
        found.append(Waiting(record, first_of_run(ledger, record), step, _asks(record, step)))
    return found, (rows[limit - 1][0] if len(rows) > limit else None)


def _asks(record: LedgerRecord, step: str) -> str:
    """What the waiting step asks: its description in the plan."""
    for planned in record.body["result"].get("executed_steps", []):
        if isinstance(planned, dict) and planned.get("id") == step:
            text = (planned.get("payload") or {}).get("description")
            return text if isinstance(text, str) else ""
    return ""


def head(ledger: Ledger) -> tuple[int, str] | None:
    """The newest record's seq and id (the head of the chain), or None when there is none."""
    rows = ledger._rows(f"SELECT seq, {ledger._store.as_bytes('id')} FROM records ORDER BY seq DESC LIMIT 1")
    return (rows[0][0], _text(rows[0][1])) if rows else None


def _text(raw: Any) -> str:
    return bytes(raw).decode("utf-8", "replace") if isinstance(raw, (bytes, bytearray, memoryview)) else str(raw)
