"""Workflows and their steps: immutable descriptions of what a run will do.

A :class:`StepSpec` and a :class:`WorkflowDefinition` freeze what they are
given at construction (payloads and metadata become read-only, lists become
tuples), so a workflow can be shared, hashed and snapshotted without copies,
and nothing a caller changes afterwards can alter a run or its record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import WorkflowInputError
from .hashing import stable_hash
from .jsonvalue import FrozenMap, freeze_mapping, thaw

RUNTIME = "runtime"
HUMAN = "human"
STEP_KINDS = (RUNTIME, HUMAN)
NOOP = "noop"


def _require_name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise WorkflowInputError(f"{what} must be a non-empty string, got {value!r}")
    return value


@dataclass(frozen=True)
class StepSpec:
    """One step of a workflow.

    ``kind`` is ``"runtime"`` (runs the registered operation named by
    ``payload["operation"]``, ``noop`` when absent) or ``"human"`` (an
    attestation point). Other kinds can be constructed but are refused by the
    engine before anything runs, with an :class:`EnvelopeViolation`.
    """

    id: str
    kind: str
    payload: Mapping[str, Any] = field(default_factory=FrozenMap)
    operation: str | None = field(init=False, compare=False, repr=False)
    """The operation a runtime step runs (``noop`` when the payload names
    none; ``None`` for other kinds)."""

    def __post_init__(self) -> None:
        _require_name(self.id, "step id")
        _require_name(self.kind, f"kind of step {self.id!r}")
        object.__setattr__(self, "payload", freeze_mapping(self.payload, f"payload of step {self.id!r}"))
        object.__setattr__(self, "operation", self.payload.get("operation", NOOP) if self.kind == RUNTIME else None)

    def payload_copy(self) -> dict[str, Any]:
        """A fresh, plain, mutable copy of the payload (what an operation receives)."""
        import orjson  # imported on first use (see hashing._dumps); cheap after that

        encoded = self.__dict__.get("_payload_json")
        if encoded is None:
            encoded = orjson.dumps(self.payload)
            object.__setattr__(self, "_payload_json", encoded)
        return orjson.loads(encoded)

    @property
    def description(self) -> str:
        """What the step is for, from ``payload["description"]`` when given."""
        text = self.payload.get("description")
        return text if isinstance(text, str) else ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "payload": thaw(self.payload)}


@dataclass(frozen=True)
class WorkflowDefinition:
    """An ordered, immutable list of steps with an id and free-form metadata."""

    id: str
    steps: Sequence[StepSpec]
    metadata: Mapping[str, Any] | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        _require_name(self.id, "workflow id")
        if self.name is not None and not isinstance(self.name, str):
            raise WorkflowInputError(f"name of workflow {self.id!r} must be a string or None")
        if isinstance(self.steps, (str, bytes, Mapping)) or not isinstance(self.steps, Sequence):
            raise WorkflowInputError(f"steps of workflow {self.id!r} must be a list of StepSpec")
        steps = tuple(self.steps)
        seen: set[str] = set()
        for index, step in enumerate(steps):
            if not isinstance(step, StepSpec):
                raise WorkflowInputError(
                    f"step {index} of workflow {self.id!r} is a {type(step).__name__}, expected a StepSpec"
                )
            if step.id in seen:
                raise WorkflowInputError(
                    f"workflow {self.id!r} has two steps with id {step.id!r}; step ids must be unique"
                )
            seen.add(step.id)
        object.__setattr__(self, "steps", steps)
        object.__setattr__(self, "metadata", freeze_mapping(self.metadata, f"metadata of workflow {self.id!r}"))

    @property
    def human_steps(self) -> tuple[StepSpec, ...]:
        found = self.__dict__.get("_human_steps")
        if found is None:
            found = tuple(step for step in self.steps if step.kind == HUMAN)
            object.__setattr__(self, "_human_steps", found)
        return found

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "steps": [step.to_dict() for step in self.steps],
            "metadata": thaw(self.metadata),
        }

    def __getstate__(self) -> dict[str, Any]:
        """The fields, without what was worked out from them and kept on the
        object (its hash, its checks, the engine's operations for it)."""
        return {key: value for key, value in self.__dict__.items() if not key.startswith("_")}

    def hash(self) -> str:
        """The canonical hash of :meth:`to_dict`, as recorded in receipts (computed once)."""
        digest = self.__dict__.get("_hash")
        if digest is None:
            digest = stable_hash(self.to_dict())
            object.__setattr__(self, "_hash", digest)
        return digest
