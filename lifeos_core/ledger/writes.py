"""Applying the deferred writes of a recorded run: the outbox.

A run's ``write_text`` effects touch nothing while it runs; they are intents
in its receipt (``writes``: path, the SHA-256 of the new text, and of what the
file held when the run read it). Once the run has succeeded and its record is
committed, each write is applied, in order: the text (kept in the ledger by
its digest) goes to a temporary file beside the target, which is renamed over
it, and the ledger notes the write as applied. So a run that failed, was
rejected or waits applies nothing, and a run applies its writes once:

- a file that already holds the intended bytes is left alone (applying again,
  after an interruption, finishes what is left and repeats nothing);
- a file that changed since the run read it is refused, naming it: the run
  planned its write on what it saw, and overwriting would lose the change.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from ..engine.effects import file_digest
from ..values.frozen import Frozen
from .records import LedgerRecord
from .store import Ledger


class Applied(Frozen):
    """What applying one write came to: ``written``, ``unchanged`` (it held the
    bytes already), or ``refused`` with the reason."""

    __slots__ = _fields = ("path", "outcome", "reason")

    def __init__(self, path: str, outcome: str, reason: str = "") -> None:
        self._set(path=path, outcome=outcome, reason=reason)


def _writes_of(record: LedgerRecord) -> list[dict[str, Any]]:
    receipt = record.body["result"].get("receipt")
    return list(receipt.get("writes", [])) if isinstance(receipt, dict) else []


def apply_writes(ledger: Ledger, record: LedgerRecord) -> list[Applied]:
    """Apply the writes of ``record`` that are not applied yet (see above)."""
    writes = _writes_of(record)
    outcomes = []
    with ledger.exclusive():  # one applier at a time: a write is found unapplied, applied, noted, by one
        for _, position, _ in ledger.unapplied_writes(record.id):
            write = writes[position]
            outcome = _apply(ledger, write)
            if outcome.outcome != "refused":
                ledger.mark_applied(record.id, position)
            outcomes.append(outcome)
    return outcomes


def _apply(ledger: Ledger, write: dict[str, Any]) -> Applied:
    if write.get("kind", "write_text") != "write_text":
        return _apply_plugin_write(write)
    path = write["path"]
    if os.path.realpath(path) != path:  # a symlink appeared on the way since the run: it could lead anywhere
        return Applied(path, "refused", f"{path} now resolves to {os.path.realpath(path)} (a symlink on the way); "
                                        "not written")
    current = file_digest(path)
    if current == write["sha256"]:
        return Applied(path, "unchanged")
    if current != write.get("before_sha256"):
        return Applied(path, "refused", f"{path} changed since the run read it; not overwritten (run the mission "
                                        "again on the file as it is now)")
    data = ledger.blob(write["sha256"])
    if data is None or hashlib.sha256(data).hexdigest() != write["sha256"]:
        return Applied(path, "refused", f"the text to write to {path} ({write['sha256'][:12]}) is missing from "
                                        "the ledger or was altered there (lifeos runs verify)")
    from ..values.writing import write_text_atomically

    try:
        write_text_atomically(path, data.decode("utf-8"))
    except Exception as exc:  # noqa: BLE001 - a folder gone, a disk full: this write is refused, the others go on
        reason = str(exc)  # the writer's own message names the file already; other errors get it here
        return Applied(path, "refused", reason if path in reason else f"cannot write {path}: {reason}")
    return Applied(path, "written")


def _apply_plugin_write(write: dict[str, Any]) -> Applied:
    from ..plugins.active import active_registry

    kinds = {kind.name: kind for kind in active_registry().effect_kinds()}
    kind = kinds.get(write["kind"])
    shown = f"{write['kind']} effect"
    if kind is None:
        return Applied(shown, "refused", f"no installed plugin provides effect kind {write['kind']!r}")
    try:
        kind.perform(write["request"])
    except Exception as exc:  # noqa: BLE001 - the plugin's failure, reported for this write
        return Applied(shown, "refused", f"{type(exc).__name__}: {exc}")
    return Applied(shown, "written")
