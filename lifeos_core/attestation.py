"""Recorded runs as in-toto attestations (https://in-toto.io/Statement/v1).

The statement's subject is the run's result, identified by the SHA-256 digest
of its canonical JSON (the ``result_hash`` of the record), so any tool that
reads in-toto statements can tie the attestation to the exact result. The
predicate is the run's receipt (for a test run, the verdict and its hashes)
together with the ledger record it came from.
"""

from __future__ import annotations

from typing import Any

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://lifeos.dev/attestation/receipt/v1"


def in_toto_statement(record: Any) -> dict[str, Any]:
    """An in-toto Statement v1 for a ledger record."""
    body = record.body
    result = body["result"]
    if record.kind == "mission_run":
        receipt = result["receipt"]
    else:
        receipt = {"passed": result["passed"], "skipped": result.get("skipped", []), **result["metadata"]}
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
