"""The run ledger: every recorded run, hash-chained, in SQLite or PostgreSQL.

Each record is one canonical JSON document (its *body*) holding everything
needed to reproduce and judge a run: what ran, its inputs, the versions of
lifeos-core and of the plugins involved, the full result and its hash, when it
was recorded, and the id of the record before it. A record's id is the SHA-256
of its body, so each record vouches for the whole chain before it: changing
any stored byte, or removing a record from the middle, breaks a hash or a link
that :meth:`Ledger.verify` reports, naming the record.

Appends take the store's write lock before reading the chain head, so
processes recording at once, on one machine or many, form one unbroken
chain; a transaction is all or nothing, so a process killed mid-write leaves
a whole record or none. The store carries its schema version; a ledger
opened for writing is migrated forward, one opened for reading
(``read_only=True``) is read as it is and never written, and a database that
is not a lifeos ledger (or is damaged) is reported, never overwritten.

Where the records are kept is a *store*: an SQLite file
(:mod:`.sqlite_store`, the default) or a PostgreSQL database
(:mod:`.postgres_store`, for a team). Both keep the very same records; this
module holds everything else, once: building a record, the chain, reading
and verifying it.

Reading trusts nothing it reads: a record whose stored body is not a record
this lifeos writes (altered, truncated, of another type) is reported as
damaged, naming it, and never makes a reader fail in any other way.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..values.clock import format_instant
from ..errors import NotJSONError
from .records import (
    RECORD_FORMAT,
    ExpectedHead,
    LedgerError,
    LedgerRecord,
    NoLedgerYet,
    Verification,
    record_problem,
)
from .schema import SCHEMA_VERSION
from ..values.canonical import canonical_json, loads_canonical, sha256_hex, stable_hash

LEDGER_FILE = "ledger.sqlite3"


# --- where the ledger lives ----------------------------------------------------------------


def default_ledger_path(explicit: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """Where the ledger lives: ``explicit`` (``--ledger``), else ``$LIFEOS_LEDGER``,
    else ``ledger.sqlite3`` in the user data directory (XDG on Linux). A
    ``postgresql://`` URL in either is a PostgreSQL ledger
    (:class:`~lifeos_core.ledger.locations.DatabaseURL`); anything else a file.

    The one place a ledger path is decided. A path the user chose must be in
    a folder that exists (a typo in a folder name should not silently create
    folders, as ``--output`` does not either): otherwise :class:`LedgerError`
    names the folder. The user data directory is created when a run is first
    recorded, never here.
    """
    from .locations import DatabaseURL, is_database_url

    if isinstance(explicit, DatabaseURL):
        return explicit  # type: ignore[return-value]
    if explicit is not None and not str(explicit).strip():
        raise LedgerError("--ledger is empty; give a ledger file or a postgresql:// URL (or leave the option out)")
    if explicit:
        if is_database_url(str(explicit)):
            return DatabaseURL(str(explicit))  # type: ignore[return-value]
        path = Path(explicit).expanduser()
        _require_folder(path, "choose another --ledger")
        return path
    environ = os.environ if environ is None else environ
    if environ.get("LIFEOS_LEDGER"):
        if is_database_url(environ["LIFEOS_LEDGER"]):
            return DatabaseURL(environ["LIFEOS_LEDGER"])  # type: ignore[return-value]
        path = Path(environ["LIFEOS_LEDGER"]).expanduser()
        _require_folder(path, "set LIFEOS_LEDGER to another path", " (from $LIFEOS_LEDGER)")
        return path
    return _user_data_ledger()


def _user_data_ledger() -> Path:
    from platformdirs import user_data_path

    return user_data_path("lifeos", appauthor=False) / LEDGER_FILE


def _is_default_folder(folder: Path) -> bool:
    return folder.absolute() == _user_data_ledger().parent.absolute()


def _require_folder(path: Path, fix: str, origin: str = "", *, create_default: bool = False) -> None:
    """Refuse a ledger ``path`` whose folder does not exist, unless it is the
    default folder (created here when ``create_default``)."""
    folder = path.parent
    if folder.is_dir():
        return
    if folder.exists():
        raise LedgerError(f"{folder}{origin} is not a folder, so it cannot hold the ledger {path.name}; {fix}")
    if not _is_default_folder(folder):
        raise LedgerError(f"the folder {folder}{origin} does not exist; create it or {fix}")
    if create_default:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LedgerError(f"cannot create the folder {folder} for the ledger: {exc}") from None


# --- the schema, version by version (the statements are each store's own) ---------------------

CLAIMS_SINCE = 5
STALE_CLAIM_HOURS = 24
"""A claim of another machine older than this is taken as abandoned."""
EFFECTS_SINCE = 4
"""The schema version that added the ``blobs`` and ``writes`` tables."""
RUN_COLUMNS_SINCE = 3
"""The schema version that added the ``status`` and ``resumes`` columns."""


def _id_prefix(prefix: str) -> str:
    """A record id or prefix as typed, checked: at least 4 hex characters, like git."""
    normal = prefix.strip().lower()
    if len(normal) < 4 or any(c not in "0123456789abcdef" for c in normal):
        raise LedgerError(f"{prefix!r} is not a record id; give at least 4 hex characters of one "
                          "(see lifeos runs list)")
    return normal


def _text(raw: bytes | None) -> str:
    """A stored text column read as bytes (the store's ``as_bytes``), as text to show."""
    return "" if raw is None else bytes(raw).decode("utf-8", "replace")


def _label(seq: Any, record_id: str) -> str:
    return f"record #{seq} ({record_id[:12]})"


def _read_body(raw: bytes | None) -> tuple[Any, str | None]:
    """A stored body (as bytes) read back, and what is wrong with it, if anything."""
    if raw is None:
        return None, "it has no content"
    try:
        content = loads_canonical(raw)
    except NotJSONError as exc:
        return None, f"its content is not JSON ({exc})"
    return content, record_problem(content)


# Every stored column is read as its stored type and bytes, so that a column of
# an unexpected type, or text that is not UTF-8, reaches the checks instead of
# failing the whole query.
_CHECKED_COLUMNS = ("id", "kind", "name", "success", "recorded_at", "status", "resumes", "body")


def _verify_query(store: Any, schema_version: int) -> str:
    """Every record's columns, by type and bytes; ``status`` and ``resumes`` read
    as null from a ledger older than the columns (read as it is, never migrated)."""
    columns = []
    for column in _CHECKED_COLUMNS:
        if column in ("status", "resumes") and schema_version < RUN_COLUMNS_SINCE:
            columns.append("'null', NULL")
        else:
            columns.append(store.typed(column))
    return "SELECT seq, " + ", ".join(columns) + " FROM records ORDER BY seq"


def _stored(kind: str, raw: bytes | None) -> Any:
    """A column's value from its stored type and bytes; text that is not UTF-8 stays bytes."""
    if kind == "integer":
        return int(raw)  # type: ignore[arg-type]
    if kind == "real":
        return float(raw)  # type: ignore[arg-type]
    if kind == "text":
        try:
            return bytes(raw).decode("utf-8")  # type: ignore[arg-type]
        except UnicodeDecodeError:
            return bytes(raw)  # type: ignore[arg-type]
    return None if raw is None else bytes(raw)


class Ledger:
    """An open ledger. Use as a context manager, or call :meth:`close`.

    ``location`` is a file path (SQLite) or a ``postgresql://`` URL (see
    :mod:`.locations`). ``read_only=True`` opens an existing ledger for
    reading alone: nothing is created, migrated or written, and it works for a
    user who may not write the file or its folder. Otherwise a missing SQLite
    ledger is created when ``create`` (its folder must exist, except the
    default one).
    """

    def __init__(self, location: Any, *, create: bool = True, read_only: bool = False) -> None:
        from .locations import DatabaseURL, as_location

        location = as_location(location)
        self.read_only = read_only
        self._create = create
        if isinstance(location, DatabaseURL):
            from .postgres_store import PostgresStore

            self._store: Any = PostgresStore(location, read_only=read_only)
            self.path: Any = location
        else:
            from .sqlite_store import SQLiteStore

            self.path = location
            if not self.path.exists():
                if read_only or not create:
                    raise LedgerError(f"there is no ledger at {self.path} yet; record a run first (lifeos run ...)")
                _require_folder(self.path, "choose another --ledger", create_default=True)
            if self.path.is_dir():
                raise LedgerError(f"ledger path {self.path} is a directory; give a file path "
                                  f"(e.g. {self.path / LEDGER_FILE})")
            self._store = SQLiteStore(self.path, read_only=read_only)
        try:
            self._prepare()
        except BaseException:
            self._store.close()
            raise

    def _fail(self, exc: BaseException, doing: str) -> LedgerError:
        return self._store.fail(exc, doing)

    def _prepare(self) -> None:
        """Check the store holds a lifeos ledger, and (when writing) bring its schema up to date."""
        store = self._store
        try:
            version, tables = store.probe()
        except store.Error as exc:
            raise self._fail(exc, "read") from None
        self.schema_version = version
        if version > SCHEMA_VERSION:
            raise LedgerError(f"the ledger {self.path} has schema version {version}, newer than this lifeos "
                              f"understands ({SCHEMA_VERSION}); upgrade lifeos-core to read it")
        if version == 0 and tables:
            raise LedgerError(f"{self.path} is {store.kind_article} {store.kind} database but not a lifeos ledger "
                              f"(it has tables {', '.join(sorted(tables))}); it was left untouched: use another "
                              f"--ledger {store.option}")
        if version == 0 and not tables and store.kind == "PostgreSQL" and (self.read_only or not self._create):
            raise NoLedgerYet(f"there is no ledger in {self.path} yet (the database has no tables); record a run "
                              "into it first (lifeos run ... --ledger URL)")
        if self.read_only:
            if version == 0:
                what = ("an empty file (0 bytes)" if store.empty_file() else
                        f"{store.kind_article} {store.kind} database with no tables")
                raise LedgerError(f"{self.path} is {what}, not a lifeos ledger; it was left untouched: record a run "
                                  f"into it first, or give another --ledger {store.option}")
            return  # an older schema is read as it is: reading never migrates
        try:
            if version < SCHEMA_VERSION:
                store.migrate(SCHEMA_VERSION)
                self.schema_version = SCHEMA_VERSION
            store.opened_for_writing()
        except store.Error as exc:
            raise self._fail(exc, "upgrade" if version < SCHEMA_VERSION else "open") from None

    def _rollback(self) -> None:
        self._store.rollback()

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # --- writing ------------------------------------------------------------------------

    def append(
        self,
        kind: str,
        name: str,
        *,
        inputs: Mapping[str, Any],
        versions: Mapping[str, Any],
        result: Mapping[str, Any],
        success: bool,
        now: Callable[[], datetime] | None = None,
        executor: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
        bodies: Mapping[str, bytes] | None = None,
    ) -> LedgerRecord:
        """Add a record at the head of the chain and return it.

        ``now`` gives the recording time (the wall clock by default) and
        ``executor`` what ran a test run; both are stored in the record,
        outside the result and its hash. ``extra`` adds the optional fields
        of a run that pauses or resumes (``status``, ``resumes``,
        ``decision``, ``started_by``, ``allow_upgrade``; see
        :func:`record_problem`). A record that resumes a paused one is
        written only if no other record resumes it already (checked under the
        write lock, and by a unique index): otherwise :class:`DecidedAlready`
        names the record that did. ``bodies`` (digest to bytes: what the run's
        effects brought in) are stored content-addressed in the same
        transaction, and the deferred writes of a run that succeeded (its
        receipt's ``writes``) are entered as not applied yet. A record that a
        reader could not use is refused before anything is written.
        """
        if self.read_only:
            raise LedgerError(f"the ledger {self.path} was opened for reading; open it without read_only to record")
        content = {
            "format": RECORD_FORMAT,
            "kind": kind,
            "name": name,
            "success": bool(success),
            "inputs": inputs,
            "versions": versions,
            "result_hash": stable_hash(result),
            "result": result,
        }
        if executor is not None:
            content["executor"] = dict(executor)
        content.update(extra or {})
        problem = record_problem({**content, "seq": 1, "previous": None, "recorded_at": ""})
        if problem:
            raise LedgerError(f"refusing to record this {kind} of {name!r}: {problem}")
        resumes = content.get("resumes")
        run_columns = self.schema_version >= RUN_COLUMNS_SINCE
        if (resumes is not None or content.get("status") == "paused") and not run_columns:
            raise LedgerError(f"the ledger {self.path} has schema version {self.schema_version}, too old to hold "
                              "paused runs; open it with this lifeos without read_only to upgrade it")
        receipt = result.get("receipt") if isinstance(result, Mapping) else None
        writes = list(receipt.get("writes", [])) if success and isinstance(receipt, Mapping) else []
        if (bodies or writes) and self.schema_version < EFFECTS_SINCE:
            raise LedgerError(f"the ledger {self.path} has schema version {self.schema_version}, too old to hold "
                              "effects; open it with this lifeos without read_only to upgrade it")
        for digest, data in (bodies or {}).items():
            if sha256_hex(bytes(data)) != digest:
                raise LedgerError(f"refusing to record this {kind} of {name!r}: a body does not match its digest")
        db = self._store
        try:
            db.begin_write()  # the write lock first, then the head: one chain
            if resumes is not None:
                taken = db.execute(f"SELECT {db.RECORD_COLUMNS} FROM records WHERE resumes = ?",
                                         (resumes,)).fetchone()
                if taken is not None:
                    raise DecidedAlready(self._record(taken))  # rolled back below
            head = db.execute("SELECT seq, id FROM records ORDER BY seq DESC LIMIT 1").fetchone()
            seq = head[0] + 1 if head else 1
            moment = (now or (lambda: datetime.now(timezone.utc)))()
            body = {**content, "seq": seq, "previous": head[1] if head else None,
                    "recorded_at": format_instant(moment)}
            encoded = canonical_json(body)
            record_id = sha256_hex(encoded)
            row = (seq, record_id, kind, name, int(bool(success)), body["recorded_at"], encoded.decode("utf-8"))
            if run_columns:
                db.execute("INSERT INTO records (seq, id, kind, name, success, recorded_at, body, status, "
                                 "resumes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 (*row, content.get("status"), resumes))
            else:
                db.execute("INSERT INTO records (seq, id, kind, name, success, recorded_at, body) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?)", row)
            if bodies:
                db.executemany(db.INSERT_BLOBS,
                                     [(digest, bytes(data)) for digest, data in bodies.items()])
            if writes:
                db.executemany("INSERT INTO writes (record, position, path) VALUES (?, ?, ?)",
                                     [(record_id, position, str(write.get("path", write.get("kind"))))
                                      for position, write in enumerate(writes)])
            db.commit()
        except db.Error as exc:
            self._rollback()
            if resumes is not None and db.unique_violation(exc, "resumes"):
                raise DecidedAlready(self._resumer(resumes)) from None
            raise self._fail(exc, "write to") from None
        except BaseException:  # anything else (a clock that fails, Ctrl-C): never keep the write lock
            self._rollback()
            raise
        return LedgerRecord(seq, record_id, body)

    # --- reading ------------------------------------------------------------------------

    def _rows(self, query: str, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._store.execute(query, parameters).fetchall()
        except self._store.Error as exc:
            raise self._fail(exc, "read") from None

    @staticmethod
    def _record(row: tuple[Any, ...]) -> LedgerRecord:
        """A stored row as a record; :class:`LedgerError` naming it when it is damaged."""
        seq, raw_id, raw_body = row
        record_id = _text(raw_id)
        content, problem = _read_body(raw_body)
        if problem:
            raise LedgerError(f"{_label(seq, record_id)} is damaged: {problem}; "
                              "lifeos runs verify checks every record")
        return LedgerRecord(seq, record_id, content)

    def records(
        self,
        *,
        name: str | None = None,
        failed: bool = False,
        limit: int | None = None,
        on_damaged: Callable[[str], Any] | None = None,
    ) -> list[LedgerRecord]:
        """Records, newest first, optionally only for one mission or plan, or only failed ones
        (a paused run has not failed: it waits).

        A damaged record raises :class:`LedgerError`; with ``on_damaged`` it is
        left out instead, and ``on_damaged`` is called with the line naming it.
        """
        clauses, parameters = [], []
        if name is not None:
            clauses.append("name = ?")
            parameters.append(name)
        if failed:  # failed, not merely paused (waiting for a human)
            clauses.append("success = 0" if self.schema_version < RUN_COLUMNS_SINCE
                           else "success = 0 AND (status IS NULL OR status != 'paused')")
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        tail = " LIMIT ?" if limit is not None else ""
        if limit is not None:
            parameters.append(limit)
        rows = self._rows(f"SELECT {self._store.RECORD_COLUMNS} FROM records {where} ORDER BY seq DESC{tail}",
                          tuple(parameters))
        found = []
        for row in rows:
            try:
                found.append(self._record(row))
            except LedgerError as exc:
                if on_damaged is None:
                    raise
                on_damaged(str(exc))
        return found

    def get(self, prefix: str) -> LedgerRecord:
        """The record whose id starts with ``prefix`` (at least 4 characters, like git)."""
        prefix = _id_prefix(prefix)
        clause, pattern = self._store.prefix_match(prefix)  # found in the id index, not by a scan
        rows = self._rows(f"SELECT {self._store.RECORD_COLUMNS} FROM records WHERE {clause} ORDER BY seq LIMIT 3",
                          (pattern,))
        if not rows:
            raise LedgerError(f"no record in {self.path} has an id starting with {prefix!r} (see lifeos runs list)")
        if len(rows) > 1:
            ids = ", ".join(_text(row[1])[:12] for row in rows)
            raise LedgerError(f"{prefix!r} is ambiguous: it starts the ids {ids}...; give more characters")
        return self._record(rows[0])

    def count(self) -> int:
        return self._rows("SELECT COUNT(*) FROM records")[0][0]

    # --- effects: bodies and deferred writes -----------------------------------------------------

    def blob(self, digest: str) -> bytes | None:
        """The bytes an effect brought in (or a write's text), by SHA-256; ``None`` when absent."""
        if self.schema_version < EFFECTS_SINCE:
            return None
        rows = self._rows("SELECT body FROM blobs WHERE sha256 = ?", (digest,))
        return bytes(rows[0][0]) if rows else None

    def unapplied_writes(self, record_id: str | None = None) -> list[tuple[str, int, str]]:
        """``(record id, position, path)`` of each deferred write not applied yet, oldest first."""
        if self.schema_version < EFFECTS_SINCE:
            return []
        where, parameters = ("AND w.record = ?", (record_id,)) if record_id else ("", ())
        rows = self._rows("SELECT w.record, w.position, w.path FROM writes AS w JOIN records AS r ON r.id = w.record "
                          f"WHERE w.applied_at IS NULL {where} ORDER BY r.seq, w.position", parameters)
        return [(_text(row[0]) if isinstance(row[0], bytes) else row[0], row[1], row[2]) for row in rows]

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the ledger's write lock for the enclosed code: applying a run's
        writes happens under it, so two processes applying at once apply each
        write once (the second finds it applied)."""
        if self.read_only:
            raise LedgerError(f"the ledger {self.path} was opened for reading; open it without read_only to apply")
        try:
            self._store.begin_write()
        except self._store.Error as exc:
            raise self._fail(exc, "write to") from None
        try:
            yield
        except BaseException:
            self._rollback()
            raise
        try:
            self._store.commit()
        except self._store.Error as exc:
            self._rollback()
            raise self._fail(exc, "write to") from None

    def mark_applied(self, record_id: str, position: int, moment: datetime | None = None) -> None:
        """Note that deferred write ``position`` of record ``record_id`` was applied."""
        if self.read_only:
            raise LedgerError(f"the ledger {self.path} was opened for reading; open it without read_only to apply")
        when = format_instant(moment or datetime.now(timezone.utc))
        try:
            self._store.execute("UPDATE writes SET applied_at = ? WHERE record = ? AND position = ?",
                                (when, record_id, position))
        except self._store.Error as exc:
            raise self._fail(exc, "write to") from None

    def damaged_blobs(self) -> list[str]:
        """The digests of stored bodies whose bytes no longer hash to them."""
        if self.schema_version < EFFECTS_SINCE:
            return []
        return [_text(digest) if isinstance(digest, bytes) else str(digest)
                for digest, body in self._rows("SELECT sha256, body FROM blobs")
                if body is None or sha256_hex(bytes(body)) != digest]

    # --- paused runs ------------------------------------------------------------------------

    def _resumer(self, record_id: str) -> LedgerRecord:
        rows = self._rows(f"SELECT {self._store.RECORD_COLUMNS} FROM records WHERE resumes = ?", (record_id,))
        return self._record(rows[0])

    def resumed_by(self, record_id: str) -> LedgerRecord | None:
        """The record that resumed the paused record ``record_id`` (``None`` while it waits)."""
        if self.schema_version < RUN_COLUMNS_SINCE:
            return None
        rows = self._rows(f"SELECT {self._store.RECORD_COLUMNS} FROM records WHERE resumes = ?", (record_id,))
        return self._record(rows[0]) if rows else None

    def claim(self, record_id: str, holder: str) -> None:
        """Take the paused record ``record_id`` for deciding: the steps after its
        pause run in one process only. Refused with :class:`DecidedAlready` when
        a record resumed it, and with :class:`LedgerError` naming the holder when
        another process is deciding it now (a claim whose process is gone, on
        this machine, or older than a day, from another, is taken over)."""
        import socket

        if self.read_only:
            raise LedgerError(f"the ledger {self.path} was opened for reading; open it without read_only to decide")
        host, pid = socket.gethostname(), os.getpid()
        db = self._store
        try:
            db.begin_write()
            taken = db.execute(f"SELECT {db.RECORD_COLUMNS} FROM records WHERE resumes = ?",
                                     (record_id,)).fetchone()
            if taken is not None:
                raise DecidedAlready(self._record(taken))
            held = db.execute("SELECT holder, host, pid, since FROM claims WHERE paused = ?",
                                    (record_id,)).fetchone()
            session = db.hold(record_id)  # a store with session locks knows for sure (None: it has none)
            if session is False or (session is None and held is not None and not _abandoned(*held[1:])
                                    and (held[1], held[2]) != (host, pid)):
                who = (f"{held[0]} (since {held[3]}, process {held[2]} on {held[1]})" if held is not None
                       else "another process")
                raise LedgerError(f"run {record_id[:12]} is being decided right now by {who}; wait for it, then see "
                                  "lifeos runs show")
            db.execute(db.PUT_CLAIM, (record_id, holder, host, pid, format_instant(datetime.now(timezone.utc))))
            db.commit()
        except db.Error as exc:
            self._rollback()
            db.let_go(record_id)
            raise self._fail(exc, "write to") from None
        except BaseException:
            self._rollback()
            db.let_go(record_id)
            raise

    def release(self, record_id: str) -> None:
        """Give up this process's claim on ``record_id`` (decided, or failed to)."""
        import socket

        try:
            self._store.execute("DELETE FROM claims WHERE paused = ? AND host = ? AND pid = ?",
                                (record_id, socket.gethostname(), os.getpid()))
            self._store.let_go(record_id)
        except self._store.Error:
            pass  # a claim left behind is taken over once its process is gone

    def resumed_ids(self) -> set[str]:
        """The ids of the paused records that another record resumed."""
        if self.schema_version < RUN_COLUMNS_SINCE:
            return set()
        return {_text(row[0]) for row in self._rows(f"SELECT {self._store.as_bytes('resumes')} FROM records "
                                                    "WHERE resumes IS NOT NULL")}

    def run_of(self, record: LedgerRecord) -> list[LedgerRecord]:
        """The records of one run, from ``record`` on: each resumes the one before
        it, and the last one is where the run stands now."""
        records = [record]
        while (following := self.resumed_by(records[-1].id)) is not None:
            records.append(following)
        return records

    def paused(self) -> list[LedgerRecord]:
        """The paused records that nothing resumed yet: the runs waiting for a
        human, oldest first."""
        if self.schema_version < RUN_COLUMNS_SINCE:
            return []
        rows = self._rows(f"SELECT {self._store.RECORD_COLUMNS} FROM records AS waiting WHERE status = 'paused' AND NOT EXISTS "
                          "(SELECT 1 FROM records AS later WHERE later.resumes = waiting.id) ORDER BY seq")
        return [self._record(row) for row in rows]

    def verify(self, *, expect_head: str | None = None) -> Verification:
        """Recompute every record's hash and link; report each record that does not hold.

        ``expect_head`` (an id or a unique prefix, kept elsewhere from an
        earlier verify) must be in the chain: a chain that no longer holds it
        lost records from its end, or is another ledger.
        """
        wanted = _id_prefix(expect_head) if expect_head is not None else None
        problems: list[str] = []
        matches: list[tuple[int, Any, str]] = []
        previous: str | None = None
        expected_seq = 1
        rows = self._rows(_verify_query(self._store, self.schema_version))
        waits = _Waits()
        named: dict[str, str] = {}  # the stored bodies records name (responses, texts to write), by digest
        for index, (seq, *columns) in enumerate(rows):
            stored = [(columns[i], _stored(columns[i], columns[i + 1])) for i in range(0, len(columns) - 2, 2)]
            body_type, raw_body = columns[-2:]
            record_id = stored[0][1]
            shown = record_id if isinstance(record_id, str) else _text(columns[1])
            label = _label(seq, shown)
            if type(seq) is not int:
                problems.append(f"{label}: its sequence number is not an integer (the record was altered)")
            else:
                if seq != expected_seq:
                    problems.append(f"{label}: expected record #{expected_seq} here; records are missing before it")
                expected_seq = seq + 1
            problem = _check_record(seq, stored, body_type, raw_body, previous)
            if problem:
                problems.append(f"{label}: {problem}")
            else:
                content = loads_canonical(bytes(raw_body))
                problem = waits.check(shown, content)
                if problem:
                    problems.append(f"{label}: {problem}")
                for digest in _bodies_named(content):
                    named.setdefault(digest, label)
            if wanted is not None and shown.startswith(wanted):
                matches.append((index, seq, shown))
            previous = shown
        expected = None
        if wanted is not None:
            if len(matches) > 1:
                ids = ", ".join(match[2][:12] for match in matches[:3])
                raise LedgerError(f"{wanted!r} is ambiguous: it starts the ids {ids}...; give more characters")
            if matches:
                index, seq, full = matches[0]
                expected = ExpectedHead(wanted, full, seq, len(rows) - index - 1)
            else:
                expected = ExpectedHead(wanted)
                problems.append(expected.message)
        problems.extend(f"stored body {digest[:12]}: its bytes do not match its digest (it was altered)"
                        for digest in self.damaged_blobs())
        if named and self.schema_version >= EFFECTS_SINCE:
            stored = {_text(row[0]) if isinstance(row[0], bytes) else row[0]
                      for row in self._rows("SELECT sha256 FROM blobs")}
            problems.extend(f"{label}: what one of its effects brought in ({digest[:12]}) is missing from the "
                            "ledger" for digest, label in named.items() if digest not in stored)
        unapplied = tuple(f"{path} (record {record[:12]}, write {position + 1})"
                          for record, position, path in self.unapplied_writes())
        return Verification(records=len(rows), head=previous, problems=tuple(problems), expected_head=expected,
                            unapplied=unapplied)


def _check_record(seq: Any, stored: list[tuple[str, Any]], body_type: str, raw: bytes | None,
                  previous: str | None) -> str | None:
    """What is wrong with one stored record, judged against the one before it.

    ``stored`` holds the SQLite type and value of each index column (id, kind,
    name, success, recorded_at, status, resumes); ``body_type`` and ``raw`` are
    the body's type and bytes.
    """
    (id_type, record_id), (_, kind), (_, name), (_, success), (_, recorded_at), (_, status), (_, resumes) = stored
    if id_type != "text" or not isinstance(record_id, str):
        return f"its id is stored as {id_type}, not as text (the record was altered)"
    if raw is None:
        return "it has no content (the record was altered)"
    if sha256_hex(bytes(raw)) != record_id:
        return "its content does not match its id (the record was altered)"
    if body_type != "text":
        return f"its content is stored as {body_type}, not as text (the record was altered)"
    content, problem = _read_body(raw)
    if content is None:
        return problem
    try:
        canonical = canonical_json(content)
    except NotJSONError as exc:
        return f"its content holds a value lifeos never writes ({exc})"
    if canonical != bytes(raw):
        return "its content is not in canonical form (the record was altered)"
    if problem:
        return problem
    if content["previous"] != previous:
        return "it does not follow the record before it (a record was removed or reordered)"
    if type(success) is not int or success not in (0, 1) or (
            (content["seq"], content["kind"], content["name"], content["success"], content["recorded_at"])
            != (seq, kind, name, bool(success), recorded_at)) or (
            (status, resumes) != (content.get("status"), content.get("resumes")) and not (
                status is None and resumes is None and _older_record(content))):
        return "its index columns differ from its content (the record was altered)"
    if stable_hash(content["result"]) != content["result_hash"]:
        return "its result does not match its result hash"
    return None


def _bodies_named(content: Mapping[str, Any]) -> list[str]:
    """The digests of the stored bodies a record names: its effects' responses
    and the texts of its writes."""
    result = content.get("result")
    if not isinstance(result, Mapping):
        return []
    digests = [effect.get("response_sha256") for entry in result.get("lineage", []) if isinstance(entry, Mapping)
               for effect in entry.get("effects", []) if isinstance(effect, Mapping)]
    receipt = result.get("receipt")
    if isinstance(receipt, Mapping):
        digests += [write.get("sha256") for write in receipt.get("writes", [])
                    if isinstance(write, Mapping) and write.get("kind", "write_text") == "write_text"]
    return [digest for digest in digests if isinstance(digest, str)]


class _Waits:
    """What verification knows of paused runs so far, in chain order: each record
    that resumes one must resume an earlier paused record that nothing resumed
    yet, of the same mission, deciding the step it waits at."""

    def __init__(self) -> None:
        self.paused: dict[str, tuple[str, Any]] = {}  # paused record id -> (mission, the step it waits at)
        self.resumed: set[str] = set()

    def check(self, record_id: str, content: Mapping[str, Any]) -> str | None:
        problem = None
        resumes = content.get("resumes")
        if isinstance(resumes, str):
            decision = content.get("decision") or {}
            if resumes in self.resumed:
                problem = f"it resumes {resumes[:12]}, which another record resumed already (decided twice)"
            elif resumes not in self.paused:
                problem = f"it resumes {resumes[:12]}, which is not an earlier paused record of this ledger"
            elif self.paused[resumes] != (content["name"], decision.get("step")):
                problem = (f"its decision ({decision.get('step')!r} of {content['name']!r}) is not on the step "
                           f"that {resumes[:12]} waits at")
            self.resumed.add(resumes)
        if content.get("status") == "paused":
            self.paused[record_id] = (content["name"], content["result"]["receipt"].get("paused_at"))
        return problem


def _abandoned(host: str, pid: int, since: str) -> bool:
    """Whether a claim's process is gone (this machine) or the claim is too old (another)."""
    import socket

    if host == socket.gethostname():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except (PermissionError, OSError, ValueError):
            return False
        return False
    try:
        then = datetime.fromisoformat(since.replace("Z", "+00:00"))
    except ValueError:
        return True
    return (datetime.now(timezone.utc) - then).total_seconds() > STALE_CLAIM_HOURS * 3600


def _older_record(content: Mapping[str, Any]) -> bool:
    """Whether ``content`` may stand in a ledger older than the status columns,
    where they read as null: a record written before them (no ``status``)."""
    return "status" not in content and content.get("resumes") is None


class DecidedAlready(LedgerError):
    """A paused record was resumed already: its human step was decided, by the
    record :attr:`record`."""

    def __init__(self, record: LedgerRecord) -> None:
        self.record = record
        decision = record.body.get("decision") or {}
        who = f" by {decision['by']}" if decision.get("by") else ""
        when = f" at {decision['at']}" if decision.get("at") else ""
        verdict = "approved" if decision.get("approved") else "rejected"
        super().__init__(f"step {decision.get('step', '?')!r} was {verdict} already{who}{when} "
                         f"(record {record.id[:12]}); a human step is decided once")


def open_ledger(path: str | Path | None = None, *, create: bool = True, read_only: bool = False) -> Ledger:
    """Open the ledger at ``path`` (or the default one, see :func:`default_ledger_path`);
    ``read_only`` to read it without writing anything (see :class:`Ledger`)."""
    return Ledger(default_ledger_path(path), create=create, read_only=read_only)
