"""The Anti-Failure limits, stated once.

A workflow may have at most :data:`MAX_STEPS` steps, of which at most
:data:`MAX_HUMAN_STEPS` are ``human``. The engine checks them before running
(raising ``AntiFailureViolation``) and the builder checks them while planning
(raising ``AntiFailurePlanningError``); both use :func:`anti_failure_problem`
so the rule and its wording cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence

from .workflow import HUMAN, StepSpec

MAX_STEPS = 5
MAX_HUMAN_STEPS = 2


def anti_failure_problem(workflow_id: str, steps: Sequence[StepSpec]) -> str | None:
    """Describe how ``steps`` break the limits, or return ``None`` if they do not."""
    if len(steps) > MAX_STEPS:
        return (
            f"workflow {workflow_id!r} has {len(steps)} steps; "
            f"the Anti-Failure limit is {MAX_STEPS} steps"
        )
    human = [step.id for step in steps if step.kind == HUMAN]
    if len(human) > MAX_HUMAN_STEPS:
        return (
            f"workflow {workflow_id!r} has {len(human)} human steps ({', '.join(human)}); "
            f"the Anti-Failure limit is {MAX_HUMAN_STEPS} human steps"
        )
    return None
