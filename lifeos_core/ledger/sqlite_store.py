"""Where the ledger keeps its records on one machine: an SQLite file.

This is the storage half of :class:`~lifeos_core.ledger.store.Ledger` for
SQLite: connecting (read-only readers included), the schema and its
migrations, the write lock, and the few statements whose SQL differs from
PostgreSQL's (:mod:`lifeos_core.ledger.postgres_store`). What a record is,
how the chain is built and checked, lives in the ledger, once, for both.

Appends take SQLite's write lock (``BEGIN IMMEDIATE``) before reading the
chain head, so processes recording at once form one unbroken chain. The
database uses WAL mode and carries its schema version in ``PRAGMA
user_version``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from .records import LedgerError
from .schema import migrations

BUSY_TIMEOUT_MS = 30_000

MIGRATIONS = migrations({"seq": "INTEGER", "id": "TEXT", "bytes": "BLOB"})


def _cannot_share_reads(exc: sqlite3.Error) -> bool:
    """Whether reading failed only because SQLite cannot create the WAL side
    files (``-wal``, ``-shm``) beside the ledger: a folder this user cannot write."""
    name = getattr(exc, "sqlite_errorname", None)  # Python 3.11+
    if name is not None:
        return name in {"SQLITE_READONLY_DIRECTORY", "SQLITE_READONLY_CANTINIT", "SQLITE_READONLY",
                        "SQLITE_CANTOPEN", "SQLITE_READONLY_RECOVERY"}
    text = str(exc)
    return "readonly database" in text or "unable to open database file" in text


def _text(raw: bytes | None) -> str:
    return "" if raw is None else bytes(raw).decode("utf-8", "replace")


class SQLiteStore:
    """One SQLite ledger file, opened for writing or (``read_only``) for reading alone."""

    kind = "SQLite"
    kind_article = "an"
    option = "PATH"
    Error: type[Exception] = sqlite3.Error
    IntegrityError: type[Exception] = sqlite3.IntegrityError
    RECORD_COLUMNS = "seq, CAST(id AS BLOB), CAST(body AS BLOB)"
    """A record's seq, id and body as bytes: text that is not UTF-8 reaches the checks instead of failing."""
    INSERT_BLOBS = "INSERT OR IGNORE INTO blobs (sha256, body) VALUES (?, ?)"
    PUT_CLAIM = "INSERT OR REPLACE INTO claims (paused, holder, host, pid, since) VALUES (?, ?, ?, ?, ?)"
    migrations = MIGRATIONS

    def __init__(self, path: Path, *, read_only: bool) -> None:
        self.path = path
        self.location = str(path)
        self.read_only = read_only
        self._db = self._connect(immutable=False)

    def _connect(self, *, immutable: bool) -> sqlite3.Connection:
        try:
            if not self.read_only:
                return sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            uri = self.path.absolute().as_uri() + ("?mode=ro&immutable=1" if immutable else "?mode=ro")
            return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except (OSError, ValueError, sqlite3.Error) as exc:
            raise LedgerError(f"cannot open the ledger {self.path}: {exc}") from None

    def fail(self, exc: BaseException, doing: str) -> LedgerError:
        """The one line for a database error while ``doing`` something to the ledger."""
        damaged = "not a database" in str(exc) or "malformed" in str(exc)
        if isinstance(exc, sqlite3.DatabaseError) and damaged:
            return LedgerError(f"{self.path} is not a readable lifeos ledger ({exc}); it was left untouched: "
                               "move it aside, or use another ledger with --ledger PATH")
        return LedgerError(f"cannot {doing} the ledger {self.path}: {exc}")

    def unique_violation(self, exc: BaseException, column: str) -> bool:
        return isinstance(exc, sqlite3.IntegrityError) and column in str(exc)

    # --- the schema ------------------------------------------------------------------------------

    def _probe(self) -> tuple[int, set[str]]:
        self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        tables = {_text(row[0]) for row in
                  self._db.execute("SELECT CAST(name AS BLOB) FROM sqlite_master WHERE type = 'table'")}
        return version, tables

    def probe(self) -> tuple[int, set[str]]:
        """The schema version and the tables; a reader that cannot create the WAL
        side files reads the file as one that does not change (``immutable=1``)."""
        try:
            return self._probe()
        except sqlite3.Error as exc:
            if not (self.read_only and _cannot_share_reads(exc)):
                raise
            self._db.close()
            self._db = self._connect(immutable=True)
            try:
                return self._probe()
            except sqlite3.Error:
                raise exc from None

    def empty_file(self) -> bool:
        try:
            return self.path.stat().st_size == 0
        except OSError:
            return False

    def migrate(self, to_version: int) -> None:
        """Bring the schema to ``to_version``, under the write lock, in one transaction."""
        self.begin_write()
        try:
            current = self._db.execute("PRAGMA user_version").fetchone()[0]  # another process may have done it
            for number in range(current, to_version):
                for statement in self.migrations[number]:
                    self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version = {to_version}")
            self.commit()
        except BaseException:
            self.rollback()
            raise

    def opened_for_writing(self) -> None:
        self._db.execute("PRAGMA journal_mode = WAL")

    # --- statements and transactions -------------------------------------------------------------

    def execute(self, query: str, parameters: tuple[Any, ...] = ()) -> Any:
        return self._db.execute(query, parameters)

    def executemany(self, query: str, rows: list[tuple[Any, ...]]) -> None:
        self._db.executemany(query, rows)

    def begin_write(self) -> None:
        """The write lock first (then the head is read): one chain, however many write."""
        self._db.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self._db.execute("COMMIT")

    def rollback(self) -> None:
        try:
            self._db.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def hold(self, record_id: str) -> None:
        """SQLite has no session locks: a claim's process is looked for instead (see Ledger.claim)."""
        return None

    def let_go(self, record_id: str) -> None:
        pass

    def prefix_match(self, prefix: str) -> tuple[str, str]:
        # GLOB, not LIKE: it is case-sensitive, as the id index is, so SQLite finds
        # the prefix in the index instead of scanning every record.
        return "id GLOB ?", prefix + "*"

    def as_bytes(self, column: str) -> str:
        """A text column as its bytes: text that is not UTF-8 reaches the checks instead of failing the query."""
        return f"CAST({column} AS BLOB)"

    def typed(self, column: str) -> str:
        """A column as (its stored type, its bytes), for verify to judge whatever was stored there."""
        return f"typeof({column}), CAST({column} AS BLOB)"

    def close(self) -> None:
        self._db.close()
