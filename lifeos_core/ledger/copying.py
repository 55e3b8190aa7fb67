"""Moving a whole ledger between stores: SQLite to PostgreSQL, and back.

A copy is the same chain, byte for byte: each record keeps its sequence
number, id, body and recording time, the stored bodies their digests, each
deferred write whether it was applied. So it is checked, not trusted: the
source must verify before anything is copied, the destination must be empty
(a copy never merges two chains), everything goes in one transaction, and the
destination must verify, with the same head, afterwards.
"""

from __future__ import annotations

from ..values.frozen import Frozen
from .records import LedgerError
from .store import EFFECTS_SINCE, Ledger, _read_body


class Copied(Frozen):
    """What a copy copied: records, stored bodies, and the head both chains end at."""

    __slots__ = _fields = ("records", "bodies", "head")

    def __init__(self, records: int, bodies: int, head: str | None) -> None:
        self._set(records=records, bodies=bodies, head=head)


def copy_ledger(source: Ledger, destination: Ledger) -> Copied:
    """Copy every record of ``source`` into the empty ``destination``; raises
    :class:`LedgerError` saying why when it cannot (nothing is copied then)."""
    checked = source.verify()
    if not checked.intact:
        raise LedgerError(f"the ledger {source.path} does not verify ({checked.problems[0]}); nothing was copied: "
                          "lifeos runs verify names every problem")
    if destination.read_only:
        raise LedgerError(f"the ledger {destination.path} was opened for reading; nothing was copied")
    rows = source._rows(f"SELECT {source._store.RECORD_COLUMNS} FROM records ORDER BY seq")
    bodies, writes = [], []
    if source.schema_version >= EFFECTS_SINCE:
        bodies = [(str(digest), bytes(body)) for digest, body in source._rows("SELECT sha256, body FROM blobs")]
        writes = [(str(record), position, str(path), applied)
                  for record, position, path, applied in source._rows(
                      "SELECT record, position, path, applied_at FROM writes ORDER BY record, position")]
    store = destination._store
    try:
        store.begin_write()
        held = store.execute("SELECT COUNT(*) FROM records").fetchone()[0]
        if held:
            raise LedgerError(f"the ledger {destination.path} already holds {held} record(s); a copy goes into an "
                              "empty ledger only (two chains are never merged): give another --to")
        for seq, raw_id, raw_body in rows:
            content, _ = _read_body(raw_body)
            body = bytes(raw_body).decode("utf-8")
            store.execute("INSERT INTO records (seq, id, kind, name, success, recorded_at, body, status, resumes) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          (seq, bytes(raw_id).decode("utf-8"), content["kind"], content["name"],
                           int(content["success"]), content["recorded_at"], body, content.get("status"),
                           content.get("resumes")))
        if bodies:
            store.executemany(store.INSERT_BLOBS, bodies)
        if writes:
            store.executemany("INSERT INTO writes (record, position, path, applied_at) VALUES (?, ?, ?, ?)", writes)
        store.commit()
    except store.Error as exc:
        store.rollback()
        raise destination._fail(exc, "copy into") from None
    except BaseException:
        store.rollback()
        raise
    copied = destination.verify()
    if not copied.intact or copied.head != checked.head:
        raise LedgerError(f"the copy in {destination.path} does not verify ({'; '.join(copied.problems[:1]) or 'its head differs'})")
    return Copied(records=len(rows), bodies=len(bodies), head=copied.head)
