"""Workflows and their steps, and the Anti-Failure limits they must keep.

A :class:`StepSpec` and a :class:`WorkflowDefinition` freeze what they are
given at construction (payloads and metadata become read-only, lists become
tuples), so a workflow can be shared, hashed and snapshotted without copies,
and nothing a caller changes afterwards can alter a run or its record. What
the engine needs to know about a workflow (its hash, its human steps, whether
it keeps the limits) is worked out once, at construction.

The limits are stated here, once: at most :data:`MAX_STEPS` steps, of which
at most :data:`MAX_HUMAN_STEPS` are ``human``. The engine refuses a workflow
that breaks them before running it (``AntiFailureViolation``) and the planner
refuses to plan one (``AntiFailurePlanningError``); both use
:func:`anti_failure_problem`, so the rule and its wording cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import WorkflowInputError
from ..values.canonical import encode, sha256_hex
from ..values.frozen import Frozen, require_text
from ..values.jsonvalue import freeze_mapping, thaw

RUNTIME = "runtime"
HUMAN = "human"
STEP_KINDS = (RUNTIME, HUMAN)
NOOP = "noop"
MAX_STEPS = 5
MAX_HUMAN_STEPS = 2


class StepSpec(Frozen):
    """One step of a workflow.

    ``kind`` is ``"runtime"`` (runs the registered operation named by
    ``payload["operation"]``, ``noop`` when absent) or ``"human"`` (an
    attestation point). Other kinds can be constructed but are refused by the
    engine before anything runs, with an :class:`EnvelopeViolation`.
    ``operation`` is the operation a runtime step runs (``None`` for other kinds).
    """

    __slots__ = ("id", "kind", "payload", "operation", "_payload_json")
    _fields = ("id", "kind", "payload")

    def __init__(self, id: str, kind: str, payload: Mapping[str, Any] | None = None) -> None:
        require_text(id, "step id", WorkflowInputError)
        require_text(kind, f"kind of step {id!r}", WorkflowInputError)
        payload = freeze_mapping(payload, f"payload of step {id!r}")
        self._set(id=id, kind=kind, payload=payload,
                  operation=payload.get("operation", NOOP) if kind == RUNTIME else None,
                  _payload_json=encode(payload)[0])

    def payload_copy(self) -> dict[str, Any]:
        """A fresh, plain, mutable copy of the payload (what an operation receives)."""
        import orjson  # imported on first use (see values.canonical); cheap after that

        return orjson.loads(self._payload_json)

    @property
    def description(self) -> str:
        """What the step is for, from ``payload["description"]`` when given."""
        text = self.payload.get("description")
        return text if isinstance(text, str) else ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "payload": thaw(self.payload)}


class WorkflowDefinition(Frozen):
    """An ordered, immutable list of steps with an id and free-form metadata.

    Workflows are hashable: two equal workflows have the same canonical hash
    (:meth:`hash`), which is also what ``hash()`` uses, so a workflow can key
    a cache kept beside it.
    """

    __slots__ = ("id", "steps", "metadata", "name", "human_steps", "limits_problem", "_digest")
    _fields = ("id", "steps", "metadata", "name")

    def __init__(self, id: str, steps: Sequence[StepSpec], metadata: Mapping[str, Any] | None = None,
                 name: str | None = None) -> None:
        require_text(id, "workflow id", WorkflowInputError)
        if name is not None and not isinstance(name, str):
            raise WorkflowInputError(f"name of workflow {id!r} must be a string or None")
        if isinstance(steps, (str, bytes, Mapping)) or not isinstance(steps, Sequence):
            raise WorkflowInputError(f"steps of workflow {id!r} must be a list of StepSpec")
        steps = tuple(steps)
        seen: set[str] = set()
        for index, step in enumerate(steps):
            if not isinstance(step, StepSpec):
                raise WorkflowInputError(
                    f"step {index} of workflow {id!r} is a {type(step).__name__}, expected a StepSpec")
            if step.id in seen:
                raise WorkflowInputError(f"workflow {id!r} has two steps with id {step.id!r}; step ids must be unique")
            seen.add(step.id)
        metadata = freeze_mapping(metadata, f"metadata of workflow {id!r}")
        self._set(id=id, steps=steps, metadata=metadata, name=name,
                  human_steps=tuple(step for step in steps if step.kind == HUMAN),
                  limits_problem=anti_failure_problem(id, steps))
        self._set(_digest=sha256_hex(encode(self.to_dict())[1]))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "steps": [step.to_dict() for step in self.steps],
            "metadata": thaw(self.metadata),
        }

    def hash(self) -> str:
        """The canonical hash of :meth:`to_dict`, as recorded in receipts."""
        return self._digest

    def __hash__(self) -> int:
        return hash(self._digest)


def anti_failure_problem(workflow_id: str, steps: Sequence[StepSpec]) -> str | None:
    """Describe how ``steps`` break the limits, or return ``None`` if they do not."""
    if len(steps) > MAX_STEPS:
        return f"workflow {workflow_id!r} has {len(steps)} steps; the Anti-Failure limit is {MAX_STEPS} steps"
    human = [step.id for step in steps if step.kind == HUMAN]
    if len(human) > MAX_HUMAN_STEPS:
        return (f"workflow {workflow_id!r} has {len(human)} human steps ({', '.join(human)}); "
                f"the Anti-Failure limit is {MAX_HUMAN_STEPS} human steps")
    return None

