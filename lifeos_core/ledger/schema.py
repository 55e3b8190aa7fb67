"""The ledger's schema, version by version, written once for every store.

Each store runs the same statements in the same order and counts the same
versions; only three column types are its own (``types``): the sequence
number (SQLite's rowid alias, PostgreSQL's BIGINT), the record id (in
PostgreSQL "C"-collated, so an id prefix is an index range) and bytes
(BLOB, BYTEA).
"""

from __future__ import annotations

from collections.abc import Mapping

_VERSIONS: tuple[tuple[str, ...], ...] = (
    (  # version 1: the records
        """CREATE TABLE records (
               seq {seq} PRIMARY KEY,
               id {id} NOT NULL UNIQUE,
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
    (  # version 3: paused runs, and the one record that resumes each (a human step is decided once)
        "ALTER TABLE records ADD COLUMN status TEXT",
        "ALTER TABLE records ADD COLUMN resumes TEXT",
        "CREATE UNIQUE INDEX records_by_resumed ON records (resumes) WHERE resumes IS NOT NULL",
        "CREATE INDEX records_paused ON records (seq) WHERE status = 'paused'",
    ),
    (  # version 4: what effects brought in, by SHA-256, and the deferred writes still to apply
        "CREATE TABLE blobs (sha256 TEXT PRIMARY KEY, body {bytes} NOT NULL)",
        """CREATE TABLE writes (
               record TEXT NOT NULL,
               position INTEGER NOT NULL,
               path TEXT NOT NULL,
               applied_at TEXT,
               PRIMARY KEY (record, position)
           )""",
        "CREATE INDEX writes_pending ON writes (record) WHERE applied_at IS NULL",
    ),
    (  # version 5: who is deciding a paused run right now (so the steps after the pause run once)
        "CREATE TABLE claims (paused TEXT PRIMARY KEY, holder TEXT NOT NULL, host TEXT NOT NULL, "
        "pid INTEGER NOT NULL, since TEXT NOT NULL)",
    ),
)

SCHEMA_VERSION = len(_VERSIONS)


def migrations(types: Mapping[str, str]) -> tuple[tuple[str, ...], ...]:
    """The statements of each version, in a store's column ``types`` (``seq``, ``id``, ``bytes``)."""
    return tuple(tuple(statement.format(**types) for statement in version) for version in _VERSIONS)
