"""The frozen outcome of a run: :class:`OrchestrationResult`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import orjson

from ..errors import NotJSONError
from ..values.canonical import encode, encode_own, sha256_hex
from ..values.jsonvalue import freeze
from ..values.frozen import Frozen
from ..values.snapshot import Snapshot
from .workflow import StepSpec


class OrchestrationResult(Frozen):
    """The frozen outcome of a run.

    ``executed_steps`` (a list of immutable step snapshots), ``final_state``,
    ``lineage`` and ``receipt`` are handed out as fresh plain copies on every
    access, so nothing a caller does to them can alter the record. The final
    state, the lineage and the receipt are kept as encoded bytes: the record
    is its own immutable snapshot, and copies come from it at C speed.
    """

    __slots__ = ("_values", "_own", "_encoded", "_hash", "_bodies")
    _fields = ("id", "success", "executed_steps", "final_state", "failed_step_id", "error_message", "lineage",
               "receipt")

    def __init__(
        self,
        id: str,
        success: bool,
        executed_steps: tuple[StepSpec, ...] | list[StepSpec],
        final_state: Mapping[str, Any] | Snapshot,
        failed_step_id: str | None,
        error_message: str | None,
        lineage: Any,
        receipt: Mapping[str, Any],
    ) -> None:
        # Checked and encoded now, in full (the caller's values may hold anything,
        # and the caller may change them afterwards).
        try:
            stored_lineage = encode(lineage)[0]
            stored_receipt, canonical_receipt = encode(receipt)
            encode([id, failed_step_id, error_message])  # text the result's hash is made of
        except NotJSONError:
            freeze(lineage, "lineage"), freeze(receipt, "receipt")  # raise again, naming the element
            freeze([id, failed_step_id, error_message], "the id, failed step or error message")
            raise
        values = (id, bool(success), tuple(executed_steps), Snapshot.of(final_state, "final state"),
                  failed_step_id, error_message)
        self._set(_values=values, _own=None, _encoded=(stored_lineage, stored_receipt, sha256_hex(canonical_receipt)),
                  _hash=None, _bodies=None)

    @classmethod
    def _of_run(cls, *fields: Any) -> "OrchestrationResult":
        """A result from the engine, whose lineage and receipt it built for this
        result alone from strings, booleans, nulls and hashes, and hands over:
        they are encoded (by :func:`encode_own`, which need not look for
        floats) when first read, since a run whose receipt nobody reads (a
        quick ``run_mission`` from Python) should not pay for encoding it."""
        self = object.__new__(cls)
        self._set(_values=fields[:6], _own=fields[6:], _encoded=None, _hash=None, _bodies=None)
        return self

    def effect_bodies(self) -> dict[str, bytes]:
        """The bytes the run's effects brought in (responses as canonical JSON,
        and the texts of intended writes), by SHA-256: what the ledger stores,
        content-addressed, beside the record. Not part of ``to_dict()``: the
        lineage names each by its digest. Empty for a result read back."""
        return dict(self._bodies or {})

    def _lineage_and_receipt(self) -> tuple[bytes, bytes, str]:
        """The stored lineage, the stored receipt and the receipt's digest."""
        return self._derived("_encoded", self._encode_own)

    def _encode_own(self) -> tuple[bytes, bytes, str]:
        lineage, receipt = self._own  # type: ignore[misc]
        stored_receipt, canonical_receipt = encode_own(receipt)
        return encode_own(lineage)[0], stored_receipt, sha256_hex(canonical_receipt)

    @property
    def id(self) -> str:
        return self._values[0]

    @property
    def success(self) -> bool:
        return self._values[1]

    @property
    def executed_steps(self) -> list[StepSpec]:
        return list(self._values[2])

    @property
    def final_state(self) -> dict[str, Any]:
        return self._values[3].load()

    @property
    def failed_step_id(self) -> str | None:
        return self._values[4]

    @property
    def error_message(self) -> str | None:
        return self._values[5]

    @property
    def paused_at(self) -> str | None:
        """The human step a paused run waits at (``None`` when the run did not pause)."""
        if self._own is not None:
            return self._own[1].get("paused_at")
        return self.receipt.get("paused_at")

    @property
    def status(self) -> str:
        """``"succeeded"``, ``"failed"``, or ``"paused"``: the run stopped at an
        undecided human step and can be resumed (``success`` is then false:
        the run has not succeeded yet)."""
        if self.success:
            return "succeeded"
        return "paused" if self.paused_at is not None else "failed"

    def final_state_json(self) -> str:
        """The final state as JSON text exactly as the engine holds it: unlike
        canonical JSON, it keeps a whole-number float a float (``2.0``), so a
        paused run read back from it resumes on the very values it paused with."""
        return self._values[3].stored().decode("utf-8")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "OrchestrationResult":
        """The result whose :meth:`to_dict` is ``data`` (e.g. read back from a
        ledger record), checked as any result is; a paused one can be resumed
        (give ``final_state`` as read from :meth:`final_state_json` to keep
        its number types exact)."""
        from ..errors import WorkflowInputError

        if not isinstance(data, Mapping):
            raise WorkflowInputError(f"a result is a JSON object, got {type(data).__name__}")
        missing = [key for key in ResultView._KEYS if key not in data]
        if missing:
            raise WorkflowInputError(f"a result needs {', '.join(map(repr, missing))}")
        steps = data["executed_steps"]
        try:
            executed = [StepSpec(step["id"], step["kind"], step.get("payload")) for step in steps]
        except (TypeError, KeyError, AttributeError):
            raise WorkflowInputError("a result's 'executed_steps' must be a list of {id, kind, payload} "
                                     "objects") from None
        return cls(data["id"], data["success"], executed, data["final_state"], data["failed_step_id"],
                   data["error_message"], data["lineage"], data["receipt"])

    @property
    def lineage(self) -> list[dict[str, Any]]:
        return orjson.loads(self._lineage_and_receipt()[0])

    @property
    def receipt(self) -> dict[str, Any]:
        return orjson.loads(self._lineage_and_receipt()[1])

    def _as_dict(self, state_key: str, state: Any) -> dict[str, Any]:
        return {
            "id": self.id,
            "success": self.success,
            "executed_steps": [step.to_dict() for step in self._values[2]],
            state_key: state,
            "failed_step_id": self.failed_step_id,
            "error_message": self.error_message,
            "lineage": self.lineage,
            "receipt": self.receipt,
        }

    def to_dict(self) -> dict[str, Any]:
        """The whole result as plain JSON values."""
        return self._as_dict("final_state", self.final_state)

    def view(self) -> "ResultView":
        """:meth:`to_dict` as a read-only mapping that builds each part when it
        is first read: judging ``success`` need not decode the final state.
        Every reader of one view gets the same part objects, so treat them as
        read-only; :meth:`to_dict` gives copies to change."""
        return ResultView(self)

    def result_hash(self) -> str:
        """A fingerprint of the whole result, composed from digests.

        It covers the receipt (which names the workflow by its hash, so every
        executed step's payload, and lists the executed steps), the lineage,
        the final state, the verdict and the error, each by its digest: it
        changes exactly when the result does, and costs the same for a 10 MB
        state as for an empty one. The harness builds scenario and suite
        hashes from it.
        """
        return self._derived("_hash", self._work_out_hash)

    def _work_out_hash(self) -> str:
        return _result_hash(self._values, self._lineage_and_receipt())

    def receipt_hash(self) -> str:
        """The canonical hash of the receipt: a short fingerprint of the run."""
        return self._lineage_and_receipt()[2]

    def _arguments(self) -> tuple[Any, ...]:
        return (*self._values[:6], self.lineage, self.receipt)

    def __reduce__(self) -> tuple[Any, ...]:
        # As encoded: results sent back from Dask workers are not decoded and
        # checked again on arrival (the bytes were checked where they were made).
        return (_restore, (self._values, self._lineage_and_receipt(), self._hash))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OrchestrationResult):
            return NotImplemented
        return self._values[:6] == other._values[:6] and self._lineage_and_receipt() == other._lineage_and_receipt()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        state = ("success" if self.success else f"paused at {self.paused_at!r}" if self.paused_at is not None
                 else f"failed at {self.failed_step_id!r}")
        return f"<OrchestrationResult {self.id!r} {state}, {len(self._values[2])} step(s)>"


def _restore(fields: tuple[Any, ...], encoded: tuple[bytes, bytes, str], digest: str | None) -> OrchestrationResult:
    """A pickled :class:`OrchestrationResult`, as it was."""
    result = object.__new__(OrchestrationResult)
    result._set(_values=fields, _own=None, _encoded=encoded, _hash=digest, _bodies=None)
    return result


def _result_hash(values: tuple[Any, ...], encoded: tuple[bytes, bytes, str]) -> str:
    """The fingerprint :meth:`OrchestrationResult.result_hash` gives, from the parts of a result."""
    id, success, _, final_state, failed_step_id, error_message = values
    # Strings, booleans, nulls and digests: encode_own's canonical bytes are stable_hash's.
    return sha256_hex(encode_own({
        "id": id,
        "success": success,
        "failed_step_id": failed_step_id,
        "error_message": error_message,
        "final_state_sha256": final_state.digest,
        "lineage_sha256": sha256_hex(encoded[0]),
        "receipt_sha256": encoded[2],
    })[1])


class ResultView(Mapping):
    """The parts of a result's ``to_dict()``, each built when first read."""

    __slots__ = ("_result", "_parts")
    _KEYS = ("id", "success", "executed_steps", "final_state", "failed_step_id", "error_message", "lineage",
             "receipt")

    def __init__(self, result: OrchestrationResult) -> None:
        self._result = result
        self._parts: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key not in self._parts:
            if key not in self._KEYS:
                raise KeyError(key)
            value = getattr(self._result, key)
            if key == "executed_steps":
                value = [step.to_dict() for step in value]
            self._parts[key] = value
        return self._parts[key]

    def __contains__(self, key: object) -> bool:
        return key in self._KEYS

    def __iter__(self) -> Iterator[str]:
        return iter(self._KEYS)

    def __len__(self) -> int:
        return len(self._KEYS)
