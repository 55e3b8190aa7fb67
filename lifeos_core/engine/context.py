"""The inputs of a run besides its workflow, and what an operation is given.

:class:`ExecutionContext` carries the initial state, the decisions on human
steps, the clock and the state size limit. :class:`StepContext` is what an
operation receives besides its private copies of state and payload: the only
sanctioned sources of time (``now()``) and randomness (``random``), and the
mission's params.
"""

from __future__ import annotations

import hashlib
import random as _random
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..values.clock import LOGICAL_CLOCK, Clock, FixedClock, is_clock
from ..errors import WorkflowInputError
from ..values.jsonvalue import FrozenMap, freeze
from ..values.frozen import Frozen
from ..values.snapshot import Snapshot
from .decisions import Decision, decisions_of
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when a run takes an effect: commands that run nothing do not pay for them
    from .effects import EffectPolicy, EffectSession, Effects

MAX_STATE_BYTES = 16 * 1024 * 1024
"""The largest state a run may hold, in bytes of canonical JSON (16 MiB)."""


class ExecutionContext(Frozen):
    """The inputs of a run besides the workflow.

    ``initial_state`` is the state the first step sees; ``approvals`` maps
    human step ids to a decision: ``True`` approves, ``False`` rejects, and a
    :class:`~lifeos_core.engine.decisions.Decision` also says who decided,
    when and why (recorded in the receipt). A human step without a decision is
    recorded as awaiting attestation and the run goes on, unless
    ``pause_at_undecided``: then the run *pauses* there, nothing after it
    runs, and the result can be resumed with a decision
    (:meth:`~lifeos_core.engine.orchestrator.Orchestrator.resume_workflow`).
    ``effects`` (an :class:`~lifeos_core.engine.effects.EffectPolicy`) says
    what the run's effects may touch: nothing, by default.
    ``clock`` is the run's only source of time; ``max_state_bytes`` bounds
    the state (canonical JSON) before and after every step, and may be set
    below :data:`MAX_STATE_BYTES`, never above.

    The initial state is encoded once, here (see :class:`Snapshot`); reading
    ``initial_state`` gives a read-only copy of it.
    """

    __slots__ = _fields = ("snapshot", "decisions", "clock", "max_state_bytes", "pause_at_undecided", "effects")

    def __init__(
        self,
        initial_state: Mapping[str, Any] | Snapshot | None = None,
        approvals: Mapping[str, bool | Decision] | None = None,
        clock: Clock | None = None,
        max_state_bytes: int = MAX_STATE_BYTES,
        pause_at_undecided: bool = False,
        effects: EffectPolicy | None = None,
    ) -> None:
        snapshot = Snapshot.of({} if initial_state is None else initial_state, "initial state")
        decisions = decisions_of(approvals)
        clock = LOGICAL_CLOCK if clock is None else clock
        if type(clock) is not FixedClock and not is_clock(clock):
            raise WorkflowInputError(f"clock must have a now() method, got {type(clock).__name__}")
        if max_state_bytes is not MAX_STATE_BYTES and (isinstance(max_state_bytes, bool) or not isinstance(
                max_state_bytes, int) or not 1 <= max_state_bytes <= MAX_STATE_BYTES):
            raise WorkflowInputError(
                f"max_state_bytes must be a whole number from 1 to {MAX_STATE_BYTES} (16 MiB), got {max_state_bytes!r}"
            )
        if not isinstance(pause_at_undecided, bool):
            raise WorkflowInputError(f"pause_at_undecided must be true or false, got {pause_at_undecided!r}")
        if effects is not None:
            from .effects import EffectPolicy

            if not isinstance(effects, EffectPolicy):
                raise WorkflowInputError(f"effects must be an EffectPolicy, got {type(effects).__name__}")
        self._set(snapshot=snapshot, decisions=decisions, clock=clock, max_state_bytes=max_state_bytes,
                  pause_at_undecided=pause_at_undecided, effects=effects)

    @property
    def approvals(self) -> FrozenMap:
        """The decisions as the seed has them: step id to ``True`` (approved) or ``False``."""
        return FrozenMap._trusted({step_id: decision.approved for step_id, decision in self.decisions.items()})

    @property
    def initial_state(self) -> FrozenMap:
        """The initial state, read-only (made from the snapshot when asked for:
        the engine itself reads only the snapshot)."""
        return freeze(self.snapshot.load(), "initial state")

    def __deepcopy__(self, memo: dict[int, Any]) -> "ExecutionContext":
        return self  # immutable: a copy would be the same thing

    def __repr__(self) -> str:
        return (f"ExecutionContext(initial_state={self.snapshot!r}, approvals={dict(self.decisions)!r}, "
                f"clock={self.clock!r}, max_state_bytes={self.max_state_bytes}, "
                f"pause_at_undecided={self.pause_at_undecided})")


class StepContext(Frozen):
    """What an operation may know about its run besides state and payload, and
    its one way to the world (``effects``).

    ``params`` are the mission params the workflow was planned with (its
    ``metadata["resolved_params"]``; empty for hand-built workflows). ``now()``
    and ``random`` are the only sanctioned sources of time and randomness:
    both are inputs of the run, so a run stays reproducible. Read-only.
    """

    __slots__ = ("workflow_id", "step_id", "clock", "params", "seed_text", "_random", "_session", "_effects")
    _fields = ("workflow_id", "step_id", "clock", "params", "seed_text")

    def __init__(self, workflow_id: str, step_id: str, clock: Clock, params: Mapping[str, Any] | None = None,
                 seed_text: str = "", session: EffectSession | None = None) -> None:
        setattr_ = object.__setattr__  # built for every step, so kept cheap
        setattr_(self, "workflow_id", workflow_id)
        setattr_(self, "step_id", step_id)
        setattr_(self, "clock", clock)
        setattr_(self, "params", FrozenMap() if params is None else params)
        setattr_(self, "seed_text", seed_text)
        setattr_(self, "_random", None)
        setattr_(self, "_session", session)
        setattr_(self, "_effects", None)

    def now(self) -> datetime:
        """The run's time."""
        return self.clock.now()

    @property
    def random(self) -> _random.Random:
        """A random generator seeded from the run's inputs and this step's id:
        the same run gives the same numbers, every time. It is made when the
        operation first asks for it (most never do: seeding costs more than
        the rest of a step), and is the step's own, not a cache."""
        return self._derived("_random", self._seeded_random)

    @property
    def effects(self) -> Effects:
        """The step's way to the world: reads, commands, HTTP and (deferred)
        writes, each granted by the user and recorded (see docs/effects.md)."""
        return self._derived("_effects", self._make_effects)

    def _make_effects(self) -> Effects:
        from .effects import NO_EFFECTS, EffectSession, Effects

        return Effects(self._session if self._session is not None else EffectSession(NO_EFFECTS))

    def _seeded_random(self) -> _random.Random:
        return _random.Random(int(hashlib.sha256(self.seed_text.encode()).hexdigest(), 16))

    def __repr__(self) -> str:
        return f"StepContext(workflow_id={self.workflow_id!r}, step_id={self.step_id!r}, clock={self.clock!r})"
