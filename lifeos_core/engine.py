"""The engine: runs a workflow inside the Anti-Failure limits and the envelope.

:meth:`Orchestrator.run_workflow` is pure. It checks the whole workflow before
the first step (limits, step kinds, operations, approvals, nesting), then runs
the steps in order (see :mod:`lifeos_core.execution`) and returns a frozen
:class:`OrchestrationResult` with a receipt and a lineage whose every hash
comes from the one canonical hash. Time comes from the context's clock; the
engine reads no wall clock, randomness or environment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .context import ExecutionContext, StepContext
from .errors import AntiFailureViolation, EnvelopeViolation, WorkflowInputError
from .execution import Run, refuse_deep_nesting
from .limits import anti_failure_problem
from .result import OrchestrationResult
from .workflow import HUMAN, STEP_KINDS, WorkflowDefinition

__all__ = ["ExecutionContext", "OrchestrationResult", "Orchestrator", "StepContext"]

Operation = Callable[[dict, dict, StepContext], Mapping[str, Any]]


class Orchestrator:
    """Runs workflows.

    By default operations come from the installed plugins (the active
    registry); pass ``operations`` (name to function) to run against a fixed
    set instead, e.g. in unit tests of an operation.
    """

    def __init__(self, operations: Mapping[str, Operation] | None = None) -> None:
        self._operations = dict(operations) if operations is not None else None

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
        problem = workflow.__dict__.get("_limits")  # a workflow is immutable: check it once
        if problem is None:
            problem = anti_failure_problem(workflow.id, workflow.steps) or ""
            object.__setattr__(workflow, "_limits", problem)
        if problem:
            raise AntiFailureViolation(problem)
        operations = self._resolve_operations(workflow)
        _check_approvals(workflow, context.approvals)
        refuse_deep_nesting(workflow.id)
        return Run(workflow, context, operations, verify=verify).execute()

    def _resolve_operations(self, workflow: WorkflowDefinition) -> dict[str, Operation]:
        """Check every step against the envelope and find its operation.

        What was found for a workflow is kept on it, per registry: a workflow
        is immutable, and a registry is too.
        """
        source: Any = self._operations
        if source is None:
            from .plugins import active_registry

            source = active_registry()
        cached = workflow.__dict__.get("_operations")
        if cached is not None and cached[0] is source:
            return cached[1]
        found = self._find_operations(workflow, None if source is self._operations else source)
        object.__setattr__(workflow, "_operations", (source, found))
        return found

    def _find_operations(self, workflow: WorkflowDefinition, registry: Any) -> dict[str, Operation]:
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
