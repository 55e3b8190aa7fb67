"""The run ledger: every recorded run in an embedded SQLite store, hash-chained.

Each record is one canonical JSON document (its *body*) holding everything
needed to reproduce and judge a run: what ran, its inputs, the versions of
lifeos-core and of the plugins involved, the full result and its hash, when it
was recorded, and the id of the record before it. A record's id is the SHA-256
of its body, so each record vouches for the whole chain before it: changing
any stored byte, or removing a record from the middle, breaks a hash or a link
that :meth:`Ledger.verify` reports, naming the record.

Appends take SQLite's write lock (``BEGIN IMMEDIATE``) before reading the
chain head, so processes recording at once form one unbroken chain; a
transaction is all or nothing, so a process killed mid-write leaves a whole
record or none. The database uses WAL mode and carries its schema version in
``PRAGMA user_version``; older ledgers are migrated forward, and a file that
is not a lifeos ledger (or is damaged) is reported, never overwritten.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .clock import format_instant
from .errors import LifeosError
from .hashing import canonical_json, sha256_hex, stable_hash

RECORD_FORMAT = "lifeos-ledger-record/1"
LEDGER_FILE = "ledger.sqlite3"
MISSION_RUN = "mission_run"
TEST_RUN = "test_run"
BUSY_TIMEOUT_MS = 30_000


class LedgerError(LifeosError):
    """The ledger cannot be opened, read or written, or a record is not found."""


def default_ledger_path(explicit: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """Where the ledger lives: ``explicit`` (``--ledger``), else ``$LIFEOS_LEDGER``,
    else ``ledger.sqlite3`` in the user data directory (XDG on Linux)."""
    if explicit:
        return Path(explicit).expanduser()
    environ = os.environ if environ is None else environ
    if environ.get("LIFEOS_LEDGER"):
        return Path(environ["LIFEOS_LEDGER"]).expanduser()
    from platformdirs import user_data_path

    return user_data_path("lifeos", appauthor=False) / LEDGER_FILE


# --- the schema, version by version ------------------------------------------------------

_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # version 1: the records
        """CREATE TABLE records (
               seq INTEGER PRIMARY KEY,
               id TEXT NOT NULL UNIQUE,
               kind TEXT NOT NULL,
               name TEXT NOT NULL,
               success INTEGER NOT NULL,
               recorded_at TEXT NOT NULL,
               body TEXT NOT NULL
           )""",
    ),
    (  # version 2: what `lifeos runs list` filters on
        "CREATE INDEX records_by_name ON records (name, seq)",
        "CREATE INDEX records_by_success ON records (success, seq)",
    ),
)
SCHEMA_VERSION = len(_MIGRATIONS)


@dataclass(frozen=True)
class LedgerRecord:
    """One stored run: its id, position in the chain, and body (a dict)."""

    seq: int
    id: str
    body: Mapping[str, Any]

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


@dataclass(frozen=True)
class Verification:
    """The outcome of checking every record: ``problems`` names each broken one."""

    records: int
    head: str | None
    problems: tuple[str, ...]

    @property
    def intact(self) -> bool:
        return not self.problems


class Ledger:
    """An open ledger. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = Path(path)
        if not self.path.exists() and not create:
            raise LedgerError(f"there is no ledger at {self.path} yet; record a run first (lifeos run ...)")
        if self.path.is_dir():
            raise LedgerError(f"ledger path {self.path} is a directory; give a file path (e.g. {self.path / LEDGER_FILE})")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise LedgerError(f"cannot open the ledger {self.path}: {exc}") from None
        try:
            self._prepare()
        except BaseException:
            self._db.close()
            raise

    def _fail(self, exc: sqlite3.Error, doing: str) -> LedgerError:
        damaged = "not a database" in str(exc) or "malformed" in str(exc)
        if isinstance(exc, sqlite3.DatabaseError) and damaged:
            return LedgerError(f"{self.path} is not a readable lifeos ledger ({exc}); it was left untouched: "
                               "move it aside, or use another ledger with --ledger PATH")
        return LedgerError(f"cannot {doing} the ledger {self.path}: {exc}")

    def _prepare(self) -> None:
        """Check the file is a lifeos ledger, and bring its schema up to date."""
        try:
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.Error as exc:
            raise self._fail(exc, "read") from None
        if version > SCHEMA_VERSION:
            raise LedgerError(f"the ledger {self.path} has schema version {version}, newer than this lifeos "
                              f"understands ({SCHEMA_VERSION}); upgrade lifeos-core to read it")
        if version == 0 and tables:
            raise LedgerError(f"{self.path} is an SQLite database but not a lifeos ledger (it has tables "
                              f"{', '.join(sorted(tables))}); it was left untouched: use another --ledger PATH")
        if version < SCHEMA_VERSION:
            self._migrate(version)
        try:
            self._db.execute("PRAGMA journal_mode = WAL")
        except sqlite3.Error as exc:
            raise self._fail(exc, "open") from None

    def _migrate(self, version: int) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            current = self._db.execute("PRAGMA user_version").fetchone()[0]  # another process may have done it
            for number in range(current, SCHEMA_VERSION):
                for statement in _MIGRATIONS[number]:
                    self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise self._fail(exc, "upgrade") from None

    def _rollback(self) -> None:
        try:
            self._db.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def close(self) -> None:
        self._db.close()

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
    ) -> LedgerRecord:
        """Add a record at the head of the chain and return it.

        ``now`` gives the recording time (the wall clock by default) and
        ``executor`` what ran a test run; both are stored in the record,
        outside the result and its hash.
        """
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
        try:
            self._db.execute("BEGIN IMMEDIATE")  # the write lock first, then the head: one chain
            head = self._db.execute("SELECT seq, id FROM records ORDER BY seq DESC LIMIT 1").fetchone()
            seq = head[0] + 1 if head else 1
            moment = (now or (lambda: datetime.now(timezone.utc)))()
            body = {**content, "seq": seq, "previous": head[1] if head else None,
                    "recorded_at": format_instant(moment)}
            encoded = canonical_json(body)
            record_id = sha256_hex(encoded)
            self._db.execute(
                "INSERT INTO records (seq, id, kind, name, success, recorded_at, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (seq, record_id, kind, name, int(bool(success)), body["recorded_at"], encoded.decode("utf-8")),
            )
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise self._fail(exc, "write to") from None
        return LedgerRecord(seq, record_id, body)

    # --- reading ------------------------------------------------------------------------

    def _rows(self, query: str, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(query, parameters).fetchall()
        except sqlite3.Error as exc:
            raise self._fail(exc, "read") from None

    @staticmethod
    def _record(row: tuple[Any, ...]) -> LedgerRecord:
        seq, record_id, body = row
        return LedgerRecord(seq, record_id, json.loads(body))

    def records(self, *, name: str | None = None, failed: bool = False, limit: int | None = None) -> list[LedgerRecord]:
        """Records, newest first, optionally only for one mission or plan, or only failed ones."""
        clauses, parameters = [], []
        if name is not None:
            clauses.append("name = ?")
            parameters.append(name)
        if failed:
            clauses.append("success = 0")
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        tail = " LIMIT ?" if limit is not None else ""
        if limit is not None:
            parameters.append(limit)
        rows = self._rows(f"SELECT seq, id, body FROM records {where} ORDER BY seq DESC{tail}", tuple(parameters))
        return [self._record(row) for row in rows]

    def get(self, prefix: str) -> LedgerRecord:
        """The record whose id starts with ``prefix`` (at least 4 characters, like git)."""
        prefix = prefix.strip().lower()
        if len(prefix) < 4 or any(c not in "0123456789abcdef" for c in prefix):
            raise LedgerError(f"{prefix!r} is not a record id; give at least 4 hex characters of one "
                              "(see lifeos runs list)")
        rows = self._rows("SELECT seq, id, body FROM records WHERE id LIKE ? ORDER BY seq LIMIT 3", (prefix + "%",))
        if not rows:
            raise LedgerError(f"no record in {self.path} has an id starting with {prefix!r} (see lifeos runs list)")
        if len(rows) > 1:
            ids = ", ".join(row[1][:12] for row in rows)
            raise LedgerError(f"{prefix!r} is ambiguous: it starts the ids {ids}...; give more characters")
        return self._record(rows[0])

    def count(self) -> int:
        return self._rows("SELECT COUNT(*) FROM records")[0][0]

    def verify(self) -> Verification:
        """Recompute every record's hash and link; report each record that does not hold."""
        problems: list[str] = []
        previous: str | None = None
        expected_seq = 1
        rows = self._rows("SELECT seq, id, kind, name, success, recorded_at, body FROM records ORDER BY seq")
        for seq, record_id, kind, name, success, recorded_at, body in rows:
            label = f"record #{seq} ({str(record_id)[:12]})"
            if seq != expected_seq:
                problems.append(f"{label}: expected record #{expected_seq} here; records are missing before it")
            expected_seq = seq + 1
            problem = _check_record(seq, record_id, kind, name, success, recorded_at, body, previous)
            if problem:
                problems.append(f"{label}: {problem}")
            previous = record_id
        return Verification(records=len(rows), head=previous, problems=tuple(problems))


def _check_record(seq: int, record_id: str, kind: str, name: str, success: int, recorded_at: str, body: Any,
                  previous: str | None) -> str | None:
    """What is wrong with one stored record, judged against the one before it."""
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    if sha256_hex(raw) != record_id:
        return "its content does not match its id (the record was altered)"
    try:
        content = json.loads(raw)
    except ValueError:
        return "its content is not JSON"
    if canonical_json(content) != raw:
        return "its content is not in canonical form (the record was altered)"
    if content.get("previous") != previous:
        return "it does not follow the record before it (a record was removed or reordered)"
    if (content.get("seq"), content.get("kind"), content.get("name"), content.get("success"),
            content.get("recorded_at")) != (seq, kind, name, bool(success), recorded_at):
        return "its index columns differ from its content (the record was altered)"
    if stable_hash(content.get("result")) != content.get("result_hash"):
        return "its result does not match its result hash"
    return None


def open_ledger(path: str | Path | None = None, *, create: bool = True) -> Ledger:
    """Open the ledger at ``path`` (or the default one, see :func:`default_ledger_path`)."""
    return Ledger(default_ledger_path(path), create=create)
