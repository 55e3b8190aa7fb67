"""The engine's front door: runs a workflow inside the Anti-Failure limits and the envelope.

:meth:`Orchestrator.run_workflow` is pure. It checks the whole workflow before
the first step (limits, step kinds, operations, approvals, nesting), then runs
the steps in order (see :mod:`lifeos_core.engine.steps`) and returns a frozen
:class:`OrchestrationResult` with a receipt and a lineage whose every hash
comes from the one canonical hash. Time comes from the context's clock; the
engine reads no wall clock, randomness or environment.

The engine knows nothing of plugins: it is given where operations come from,
an :class:`OperationSource` (the registry of installed plugins is one) or a
plain mapping of names to functions. ``lifeos_core.Orchestrator`` is this
engine bound to the installed plugins (see :mod:`lifeos_core.missions`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from .context import ExecutionContext, StepContext
from .decisions import Decision
from ..errors import AntiFailureViolation, EnvelopeViolation, WorkflowInputError
from .steps import Run, refuse_deep_nesting
from .result import OrchestrationResult
from .workflow import HUMAN, STEP_KINDS, WorkflowDefinition
from ..values.clock import FixedClock

Operation = Callable[[dict, dict, StepContext], Mapping[str, Any]]


class OperationSource(Protocol):
    """Where a run finds its operations."""

    def find_operation(self, name: str) -> Operation | None:
        """The function of operation ``name``, or ``None`` when there is none."""
        ...

    def unknown_operation(self, name: str) -> str:
        """Why there is no operation ``name``, for the error (what there is instead)."""
        ...


class OperationTable:
    """An :class:`OperationSource` made of a fixed mapping of names to functions."""

    __slots__ = ("_functions",)

    def __init__(self, functions: Mapping[str, Operation]) -> None:
        self._functions = dict(functions)

    def find_operation(self, name: str) -> Operation | None:
        return self._functions.get(name)

    def unknown_operation(self, name: str) -> str:
        return f"unknown operation {name!r}; known: {', '.join(sorted(self._functions)) or 'none'}"


class Orchestrator:
    """Runs workflows, with the operations of ``operations``: an
    :class:`OperationSource` or a mapping of names to functions (a fixed set,
    e.g. in unit tests of an operation)."""

    def __init__(self, operations: OperationSource | Mapping[str, Operation]) -> None:
        self._source = OperationTable(operations) if isinstance(operations, Mapping) else operations

    def run_workflow(
        self,
        workflow: WorkflowDefinition,
        context: ExecutionContext | None = None,
        *,
        verify: bool = False,
    ) -> OrchestrationResult:
        """Check ``workflow`` as a whole, then run it step by step.

        Raises :class:`AntiFailureViolation` or :class:`EnvelopeViolation`
        before anything runs; a step that fails (or leaves the envelope) ends
        the run with ``success=False`` instead of raising. With ``verify``,
        every runtime step runs twice on independent copies, and a step whose
        two runs disagree fails the run, naming the first differing path.
        """
        if not isinstance(workflow, WorkflowDefinition):
            raise WorkflowInputError(f"run_workflow needs a WorkflowDefinition, got {type(workflow).__name__}")
        if context is None:
            context = ExecutionContext()
        elif not isinstance(context, ExecutionContext):
            raise WorkflowInputError(f"run_workflow needs an ExecutionContext, got {type(context).__name__}")
        if workflow.limits_problem:
            raise AntiFailureViolation(workflow.limits_problem)
        operations = self._operations_of(workflow)
        _check_approvals(workflow, context.decisions)
        refuse_deep_nesting(workflow.id)
        return Run(workflow, context, operations, verify=verify).execute()

    def resume_workflow(
        self,
        workflow: WorkflowDefinition,
        paused: OrchestrationResult,
        approvals: Mapping[str, bool | Decision] | None = None,
        *,
        clock: Any = None,
        pause_at_undecided: bool = True,
        verify: bool = False,
        max_state_bytes: int | None = None,
        effects: Any = None,
    ) -> OrchestrationResult:
        """Go on with ``paused``, a run of ``workflow`` that paused at a human
        step, given decisions on that step (and on later ones, if known).

        Nothing that ran before the pause runs again: the run continues from
        the waiting step with the recorded state, lineage and receipt, with the
        run's own start time and random seeds. So the result equals that of one
        uninterrupted run given the same decisions (and the same clock: by
        default a fixed clock at the paused run's start time). Decisions for
        later human steps are given here too (a paused result keeps only the
        decisions of the steps it reached). It pauses again at a later
        undecided human step unless ``pause_at_undecided`` is false.

        Raises :class:`WorkflowInputError` when ``paused`` did not pause, was
        not a run of ``workflow``, or when a decision is given for a step that
        was decided already.
        """
        if not isinstance(workflow, WorkflowDefinition):
            raise WorkflowInputError(f"resume_workflow needs a WorkflowDefinition, got {type(workflow).__name__}")
        if not isinstance(paused, OrchestrationResult):
            raise WorkflowInputError(f"resume_workflow needs the paused OrchestrationResult, got "
                                     f"{type(paused).__name__}")
        receipt = paused.receipt
        waiting = receipt.get("paused_at")
        if waiting is None:
            raise WorkflowInputError(f"the run of {paused.id!r} did not pause (it {paused.status}); "
                                     "only a paused run can be resumed")
        if receipt.get("workflow_hash") != workflow.hash():
            raise WorkflowInputError(
                f"the paused run ran workflow {receipt.get('workflow_id')!r} with hash "
                f"{str(receipt.get('workflow_hash'))[:12]}, not this one ({workflow.id!r}, {workflow.hash()[:12]}); "
                "resume it with the workflow it ran")
        executed = paused.executed_steps
        lineage = paused.lineage
        planned = [step.id for step in workflow.steps]
        if (not executed or executed[-1].id != waiting or not lineage or lineage[-1]["step_id"] != waiting
                or [step.id for step in executed] != planned[:len(executed)] or paused.success
                or paused.failed_step_id is not None or lineage[-1]["input_hash"] != paused._values[3].digest):
            raise WorkflowInputError(f"the paused run of {paused.id!r} is not consistent: its steps "
                                     f"{[step.id for step in executed]} do not end at the step it waits at "
                                     f"({waiting!r}) as workflow {workflow.id!r} runs them")
        decided = {entry["id"]: entry for entry in receipt["human_steps"]
                   if entry.get("status") in ("approved", "rejected")}
        context = ExecutionContext(paused._values[3], approvals,
                                   FixedClock(receipt.get("local_time", receipt["start_time"]))
                                   if clock is None else clock,
                                   **({} if max_state_bytes is None else {"max_state_bytes": max_state_bytes}),
                                   pause_at_undecided=pause_at_undecided, effects=effects)
        for step_id in context.decisions:
            if step_id in decided:
                entry = decided[step_id]
                who = f" by {entry['by']} at {entry['at']}" if entry.get("by") else ""
                raise WorkflowInputError(f"step {step_id!r} was {entry['status']}{who} already; "
                                         "a human step is decided once")
        _check_approvals(workflow, context.decisions)
        operations = self._operations_of(workflow)
        refuse_deep_nesting(workflow.id)
        return Run(workflow, context, operations, verify=verify).resuming(paused).execute()

    def _operations_of(self, workflow: WorkflowDefinition) -> dict[str, Operation]:
        """Check every step against the envelope and find its operation."""
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
            if name not in found:
                function = self._source.find_operation(name)
                if function is None:
                    raise EnvelopeViolation(f"step {step.id!r}: {self._source.unknown_operation(name)}")
                found[name] = function
        return found


def _check_approvals(workflow: WorkflowDefinition, approvals: Mapping[str, Any]) -> None:
    """A decision for a step that is not a human step is almost surely a typo."""
    if not approvals:
        return
    human = [step.id for step in workflow.human_steps]
    for step_id in approvals:
        if step_id not in human:
            known = ", ".join(human) if human else "none"
            raise WorkflowInputError(
                f"a decision was given for step {step_id!r}, which is not a human step of "
                f"workflow {workflow.id!r} (its human steps: {known})"
            )
