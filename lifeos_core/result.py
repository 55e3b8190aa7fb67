"""The frozen outcome of a run: :class:`OrchestrationResult`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .hashing import stable_hash
from .jsonvalue import freeze, freeze_mapping, thaw
from .record import FrozenRecord
from .workflow import StepSpec


class OrchestrationResult(FrozenRecord):
    """The frozen outcome of a run.

    ``executed_steps`` (a list of immutable step snapshots), ``final_state``,
    ``lineage`` and ``receipt`` are handed out as fresh plain copies on every
    access, so nothing a caller does to them can alter the record.
    """

    __slots__ = ("_fields", "_hash")

    def __init__(
        self,
        id: str,
        success: bool,
        executed_steps: tuple[StepSpec, ...] | list[StepSpec],
        final_state: Mapping[str, Any],
        failed_step_id: str | None,
        error_message: str | None,
        lineage: Any,
        receipt: Mapping[str, Any],
    ) -> None:
        object.__setattr__(
            self,
            "_fields",
            (
                id,
                bool(success),
                tuple(executed_steps),
                freeze_mapping(final_state, "final state"),
                failed_step_id,
                error_message,
                freeze(lineage, "lineage"),
                freeze_mapping(receipt, "receipt"),
            ),
        )
        object.__setattr__(self, "_hash", None)

    @property
    def id(self) -> str:
        return self._fields[0]

    @property
    def success(self) -> bool:
        return self._fields[1]

    @property
    def executed_steps(self) -> list[StepSpec]:
        return list(self._fields[2])

    @property
    def final_state(self) -> dict[str, Any]:
        return thaw(self._fields[3])

    @property
    def failed_step_id(self) -> str | None:
        return self._fields[4]

    @property
    def error_message(self) -> str | None:
        return self._fields[5]

    @property
    def lineage(self) -> list[dict[str, Any]]:
        return thaw(self._fields[6])

    @property
    def receipt(self) -> dict[str, Any]:
        return thaw(self._fields[7])

    def to_dict(self) -> dict[str, Any]:
        """The whole result as plain JSON values."""
        return {
            "id": self.id,
            "success": self.success,
            "executed_steps": [step.to_dict() for step in self._fields[2]],
            "final_state": self.final_state,
            "failed_step_id": self.failed_step_id,
            "error_message": self.error_message,
            "lineage": self.lineage,
            "receipt": self.receipt,
        }

    def result_hash(self) -> str:
        """The canonical hash of :meth:`to_dict`: the fingerprint of the whole result.

        Computed once; the harness composes scenario and suite hashes from it.
        """
        if self._hash is None:
            object.__setattr__(self, "_hash", stable_hash(self.to_dict()))
        return self._hash  # type: ignore[return-value]

    def receipt_hash(self) -> str:
        """The canonical hash of the receipt: a short fingerprint of the run."""
        return stable_hash(self._fields[7])

    def _arguments(self) -> tuple[Any, ...]:
        return self._fields

    def __repr__(self) -> str:
        state = "success" if self.success else f"failed at {self.failed_step_id!r}"
        return f"<OrchestrationResult {self.id!r} {state}, {len(self._fields[2])} step(s)>"
