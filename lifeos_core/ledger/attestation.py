"""Recorded runs as in-toto attestations (https://in-toto.io/Statement/v1).

The statement's subject is the run's result, identified by the SHA-256 digest
of its canonical JSON (the ``result_hash`` of the record), so any tool that
reads in-toto statements can tie the attestation to the exact result. The
predicate is the run's receipt (for a test run, the verdict and its hashes)
together with the ledger record it came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://lifeos.dev/attestation/receipt/v1"


def in_toto_statement(record: Any) -> dict[str, Any]:
    """An in-toto Statement v1 for a ledger record.

    Raises :class:`~lifeos_core.ledger.records.LedgerError` for a record whose result
    lacks what the statement carries (a receipt; for a test run its verdict
    and metadata), naming what is missing.
    """
    body = record.body
    result = body["result"]
    if record.kind == "mission_run":
        receipt = _part(record, result, "receipt", dict)
    else:
        receipt = {"passed": _part(record, result, "passed", bool), "skipped": result.get("skipped", []),
                   **_part(record, result, "metadata", dict)}
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": f"lifeos/{record.kind}/{record.name}", "digest": {"sha256": body["result_hash"]}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "kind": record.kind,
            "name": record.name,
            "success": body["success"],
            "receipt": receipt,
            "ledger_record": {"id": record.id, "seq": body["seq"], "previous": body["previous"],
                              "recorded_at": body["recorded_at"]},
            "versions": body["versions"],
        },
    }


def _part(record: Any, result: Mapping[str, Any], key: str, kind: type) -> Any:
    """``result[key]``, which must be a ``kind`` (a dict is any mapping)."""
    from .store import LedgerError

    value = result.get(key)
    if not isinstance(value, Mapping if kind is dict else kind):
        what = "lacks" if value is None else "has an unusable"
        raise LedgerError(f"record {record.id[:12]} cannot be exported: its result {what} {key!r}")
    return value
