"""The engine: runs a workflow inside the Anti-Failure limits and the envelope.

:meth:`Orchestrator.run_workflow` is pure. It checks the whole workflow before
the first step (limits, step kinds, operations, approvals), then runs the
steps in order on private copies of the state, and returns a frozen
:class:`OrchestrationResult` with a receipt and a lineage whose every hash
comes from :func:`~lifeos_core.hashing.stable_hash`. Time comes from the
context's clock; the engine reads no wall clock, randomness or environment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .clock import Clock, FixedClock, format_instant
from .errors import (
    AntiFailureViolation,
    EnvelopeViolation,
    NotJSONError,
    StepFailed,
    WorkflowInputError,
)
from .hashing import stable_hash
from .jsonvalue import FrozenMap, freeze, freeze_mapping, thaw
from .limits import anti_failure_problem
from .record import FrozenRecord
from .workflow import HUMAN, STEP_KINDS, StepSpec, WorkflowDefinition

Operation = Callable[[dict, dict, "StepContext"], Mapping[str, Any]]

APPROVED = "approved"
REJECTED = "rejected"
AWAITING = "awaiting_attestation"
NOT_REACHED = "not_reached"
COMPLETED = "completed"
FAILED = "failed"


@dataclass(frozen=True)
class ExecutionContext:
    """The inputs of a run besides the workflow.

    ``initial_state`` is the state the first step sees; ``approvals`` maps
    human step ids to a decision (``True`` approves, ``False`` rejects; a
    human step without one is recorded as awaiting attestation); ``clock`` is
    the run's only source of time.
    """

    initial_state: Mapping[str, Any] = field(default_factory=FrozenMap)
    approvals: Mapping[str, bool] = field(default_factory=FrozenMap)
    clock: Clock = field(default_factory=FixedClock)

    def __post_init__(self) -> None:
        object.__setattr__(self, "initial_state", freeze_mapping(self.initial_state, "initial state"))
        approvals = freeze_mapping(self.approvals, "approvals")
        for step_id, decision in approvals.items():
            if not isinstance(decision, bool):
                raise WorkflowInputError(
                    f"approval for step {step_id!r} must be true (approve) or false (reject), got {decision!r}"
                )
        object.__setattr__(self, "approvals", approvals)
        if not isinstance(self.clock, Clock):
            raise WorkflowInputError(f"clock must have a now() method, got {type(self.clock).__name__}")


@dataclass(frozen=True)
class StepContext:
    """What an operation may know about its run besides state and payload.

    ``params`` are the mission params the workflow was planned with (its
    ``metadata["resolved_params"]``; empty for hand-built workflows).
    """

    workflow_id: str
    step_id: str
    clock: Clock
    params: Mapping[str, Any] = field(default_factory=FrozenMap)

    def now(self) -> datetime:
        """The run's time: the only sanctioned source of time for an operation."""
        return self.clock.now()


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


class Orchestrator:
    """Runs workflows.

    By default operations come from the installed plugins (the active
    registry); pass ``operations`` (name to function) to run against a fixed
    set instead, e.g. in unit tests of an operation.
    """

    def __init__(self, operations: Mapping[str, Operation] | None = None) -> None:
        self._operations = dict(operations) if operations is not None else None

    def run_workflow(self, workflow: WorkflowDefinition, context: ExecutionContext | None = None) -> OrchestrationResult:
        """Check ``workflow`` as a whole, then run it step by step.

        Raises :class:`AntiFailureViolation` or :class:`EnvelopeViolation`
        before anything runs; a step that fails ends the run with
        ``success=False`` instead of raising.
        """
        if not isinstance(workflow, WorkflowDefinition):
            raise WorkflowInputError(f"run_workflow needs a WorkflowDefinition, got {type(workflow).__name__}")
        if context is None:
            context = ExecutionContext()
        elif not isinstance(context, ExecutionContext):
            raise WorkflowInputError(f"run_workflow needs an ExecutionContext, got {type(context).__name__}")
        problem = anti_failure_problem(workflow.id, workflow.steps)
        if problem is not None:
            raise AntiFailureViolation(problem)
        operations = self._resolve_operations(workflow)
        _check_approvals(workflow, context.approvals)
        return _Run(workflow, context, operations).execute()

    def _resolve_operations(self, workflow: WorkflowDefinition) -> dict[str, Operation]:
        """Check every step against the envelope and find its operation."""
        registry = None
        if self._operations is None:
            from .plugins import active_registry

            registry = active_registry()
        found: dict[str, Operation] = {}
        for step in workflow.steps:
            if step.kind not in STEP_KINDS:
                raise EnvelopeViolation(
                    f"step {step.id!r} has kind {step.kind!r}; the envelope allows only 'runtime' and 'human' steps"
                )
            if step.kind == HUMAN:
                if "operation" in step.payload:
                    raise EnvelopeViolation(
                        f"human step {step.id!r} names operation {step.payload['operation']!r}; "
                        "human steps run no operation (use a runtime step)"
                    )
                continue
            name = step.operation
            if not isinstance(name, str):
                raise EnvelopeViolation(f"step {step.id!r} has operation {name!r}; an operation name is a string")
            if name in found:
                continue
            if registry is None:
                function = self._operations.get(name)  # type: ignore[union-attr]
                if function is None:
                    known = ", ".join(sorted(self._operations)) or "none"  # type: ignore[arg-type]
                    raise EnvelopeViolation(f"step {step.id!r} uses unknown operation {name!r}; known: {known}")
            else:
                entry = registry.operation(name)
                if entry is None:
                    raise EnvelopeViolation(
                        f"step {step.id!r}: {registry.unknown_operation_message(name)}; "
                        "install the plugin that provides it"
                    )
                function = entry.function
            found[name] = function
        return found


def _check_approvals(workflow: WorkflowDefinition, approvals: Mapping[str, bool]) -> None:
    """A decision for a step that is not a human step is almost surely a typo."""
    human = [step.id for step in workflow.human_steps]
    for step_id in approvals:
        if step_id not in human:
            known = ", ".join(human) if human else "none"
            raise WorkflowInputError(
                f"a decision was given for step {step_id!r}, which is not a human step of "
                f"workflow {workflow.id!r} (its human steps: {known})"
            )


class _Run:
    """The state of one run in progress; used once by Orchestrator."""

    def __init__(self, workflow: WorkflowDefinition, context: ExecutionContext, operations: dict[str, Operation]):
        self.workflow = workflow
        self.context = context
        self.operations = operations
        self.state: FrozenMap = context.initial_state
        self.state_hash = stable_hash(self.state)
        self.executed: list[StepSpec] = []
        self.lineage: list[dict[str, Any]] = []
        self.human_status: dict[str, str] = {step.id: NOT_REACHED for step in workflow.human_steps}
        self.failed_step_id: str | None = None
        self.error_message: str | None = None
        params = workflow.metadata.get("resolved_params")
        self.params: FrozenMap = params if isinstance(params, FrozenMap) else FrozenMap()

    def execute(self) -> OrchestrationResult:
        start_time = format_instant(self.context.clock.now())
        initial_hash = self.state_hash
        for step in self.workflow.steps:
            self.executed.append(step)
            finished = self._human(step) if step.kind == HUMAN else self._runtime(step)
            if not finished:
                break
        end_time = format_instant(self.context.clock.now())
        success = self.failed_step_id is None
        receipt = {
            "workflow_id": self.workflow.id,
            "workflow_hash": self.workflow.hash(),
            "steps": [step.id for step in self.executed],
            "human_steps": [{"id": step_id, "status": status} for step_id, status in self.human_status.items()],
            "start_time": start_time,
            "end_time": end_time,
            "initial_state_hash": initial_hash,
            "final_state_hash": self.state_hash,
            "success": success,
            "failed_step_id": self.failed_step_id,
        }
        return OrchestrationResult(
            id=self.workflow.id,
            success=success,
            executed_steps=self.executed,
            final_state=self.state,
            failed_step_id=self.failed_step_id,
            error_message=self.error_message,
            lineage=self.lineage,
            receipt=receipt,
        )

    def _record(self, step: StepSpec, status: str, output_hash: str | None) -> None:
        self.lineage.append(
            {
                "step_id": step.id,
                "kind": step.kind,
                "operation": step.operation,
                "status": status,
                "input_hash": self.state_hash,
                "output_hash": output_hash,
            }
        )

    def _fail(self, step: StepSpec, message: str) -> bool:
        self.failed_step_id = step.id
        self.error_message = message
        return False

    def _human(self, step: StepSpec) -> bool:
        decision = self.context.approvals.get(step.id)
        status = AWAITING if decision is None else APPROVED if decision else REJECTED
        self.human_status[step.id] = status
        self._record(step, status, self.state_hash)
        if status == REJECTED:
            return self._fail(step, f"step {step.id!r} was rejected at human attestation")
        return True

    def _runtime(self, step: StepSpec) -> bool:
        operation = self.operations[step.operation]  # type: ignore[index]
        step_context = StepContext(self.workflow.id, step.id, self.context.clock, self.params)
        try:
            returned = operation(thaw(self.state), thaw(step.payload), step_context)
            if not isinstance(returned, Mapping):
                raise StepFailed(
                    f"operation {step.operation!r} returned {type(returned).__name__}; "
                    "an operation must return the new state as a dict"
                )
            new_state = freeze_mapping(returned, f"state returned by step {step.id!r}")
        except StepFailed as exc:
            return self._step_failed(step, f"step {step.id!r} failed: {exc}", exc.state)
        except NotJSONError as exc:
            return self._step_failed(step, f"step {step.id!r} failed: {exc}")
        except Exception as exc:  # an operation's own error ends the run, never the process
            return self._step_failed(step, f"step {step.id!r} failed: {type(exc).__name__}: {exc}")
        self._advance(step, COMPLETED, new_state)
        return True

    def _step_failed(self, step: StepSpec, message: str, reported: Any = None) -> bool:
        """End the run at ``step``; keep the state it reported, if it reported a valid one."""
        new_state = None
        if reported is not None:
            try:
                new_state = freeze_mapping(reported, f"state reported by failing step {step.id!r}")
            except NotJSONError as exc:
                message += f" (the state it reported was discarded: {exc})"
        if new_state is None:
            self._record(step, FAILED, None)
        else:
            self._advance(step, FAILED, new_state)
        return self._fail(step, message)

    def _advance(self, step: StepSpec, status: str, new_state: FrozenMap) -> None:
        output_hash = stable_hash(new_state)
        self._record(step, status, output_hash)
        self.state, self.state_hash = new_state, output_hash
