"""The inputs of a run besides its workflow, and what an operation is given.

:class:`ExecutionContext` carries the initial state, the decisions on human
steps, the clock and the state size limit. :class:`StepContext` is what an
operation receives besides its private copies of state and payload: the only
sanctioned sources of time (``now()``) and randomness (``random``), and the
mission's params.
"""

from __future__ import annotations

import random as _random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .clock import Clock, FixedClock
from .errors import WorkflowInputError
from .jsonvalue import FrozenMap, freeze_mapping

MAX_STATE_BYTES = 16 * 1024 * 1024
"""The largest state a run may hold, in bytes of canonical JSON (16 MiB)."""


@dataclass(frozen=True)
class ExecutionContext:
    """The inputs of a run besides the workflow.

    ``initial_state`` is the state the first step sees; ``approvals`` maps
    human step ids to a decision (``True`` approves, ``False`` rejects; a
    human step without one is recorded as awaiting attestation); ``clock`` is
    the run's only source of time; ``max_state_bytes`` bounds the state
    (canonical JSON) before and after every step, and may be set below
    :data:`MAX_STATE_BYTES`, never above.
    """

    initial_state: Mapping[str, Any] = field(default_factory=FrozenMap)
    approvals: Mapping[str, bool] = field(default_factory=FrozenMap)
    clock: Clock = field(default_factory=FixedClock)
    max_state_bytes: int = MAX_STATE_BYTES

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
        limit = self.max_state_bytes
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_STATE_BYTES:
            raise WorkflowInputError(
                f"max_state_bytes must be a whole number from 1 to {MAX_STATE_BYTES} (16 MiB), got {limit!r}"
            )


@dataclass(frozen=True)
class StepContext:
    """What an operation may know about its run besides state and payload.

    ``params`` are the mission params the workflow was planned with (its
    ``metadata["resolved_params"]``; empty for hand-built workflows). ``now()``
    and ``random`` are the only sanctioned sources of time and randomness:
    both are inputs of the run, so a run stays reproducible.
    """

    workflow_id: str
    step_id: str
    clock: Clock
    params: Mapping[str, Any] = field(default_factory=FrozenMap)
    seed: int = 0
    _random: Any = field(default=None, compare=False, repr=False)

    def now(self) -> datetime:
        """The run's time."""
        return self.clock.now()

    @property
    def random(self) -> _random.Random:
        """A random generator seeded from the run's inputs and this step's id:
        the same run gives the same numbers, every time."""
        if self._random is None:
            object.__setattr__(self, "_random", _random.Random(self.seed))
        return self._random
