"""Running a checked workflow, step by step: the inside of ``run_workflow``.

Each runtime step's operation runs on private copies of the state and its
payload, inside the envelope guard (:mod:`lifeos_core.engine.guard`); its output is
checked (a mapping, JSON, within the state size limit) and hashed once. With
``verify`` every runtime step runs twice on independent copies and the two
outcomes must agree. Whatever happens, the run ends with a result: failures
are recorded, never raised.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..values.clock import FixedClock, clock_text
from .context import ExecutionContext, StepContext
from .decisions import Decision, decision_of_entry, receipt_entry
from ..values.canonical import stable_hash
from ..errors import EnvelopeViolation, NotJSONError, StepFailed
from .guard import EnvelopeBreach, enclosing_steps, guarded, inside_step
from .operations import noop
from ..values.jsonvalue import FrozenMap, first_difference
from .result import OrchestrationResult
from ..values.snapshot import Snapshot
from .workflow import HUMAN, StepSpec, WorkflowDefinition

APPROVED = "approved"
REJECTED = "rejected"
AWAITING = "awaiting_attestation"
PAUSED = "paused"  # the run's status when it stopped at an undecided human step
NOT_REACHED = "not_reached"
COMPLETED = "completed"
FAILED = "failed"
VIOLATION = "envelope_violation"
NONDETERMINISTIC = "nondeterministic"

MAX_NESTING = 1
"""How many runs may be started from inside steps, one inside the other (one:
a step may run missions, as run_tests does, but their steps may not)."""

def refuse_deep_nesting(workflow_id: str) -> None:
    """Raise if a run of ``workflow_id`` would nest deeper than :data:`MAX_NESTING`."""
    if not inside_step():
        return
    active = enclosing_steps()
    if len(active) > MAX_NESTING:
        outer = " inside ".join(f"step {step!r} of {workflow!r}" for workflow, step in active)
        raise EnvelopeViolation(
            f"run of {workflow_id!r} refused: it would start inside {outer}; a step may start mission runs, "
            "but their steps may not start more"
        )


_STATE_OF_STEP = "state {} by step {!r}"


class _Outcome:
    """What one call of an operation came to."""

    __slots__ = ("state", "error", "breach", "effects")

    def __init__(self, state: Snapshot | None = None, error: str | None = None,
                 breach: EnvelopeBreach | None = None, effects: list[dict[str, Any]] | None = None) -> None:
        self.state = state  # the new state (also a failing step's reported state)
        self.error = error  # why the step failed
        self.breach = breach
        self.effects = effects or []  # what the step took from the world, for its lineage entry

    def describe(self) -> str:
        if self.breach is not None:
            return f"left the envelope ({self.breach.event})"
        return f"failed ({self.error})" if self.error else "succeeded"



class Run:
    """One run in progress; built and executed once by the Orchestrator.

    A run that pauses (see :class:`ExecutionContext`'s ``pause_at_undecided``)
    ends with a result that holds everything needed to go on: the state so
    far, the lineage and the receipt up to the waiting step. :meth:`resuming`
    rebuilds the run from such a result, so :meth:`execute` continues at the
    waiting step and no step before it runs again.
    """

    def __init__(
        self,
        workflow: WorkflowDefinition,
        context: ExecutionContext,
        operations: Mapping[str, Callable[..., Any]],
        *,
        verify: bool = False,
    ) -> None:
        self.workflow = workflow
        self.context = context
        self.operations = operations
        self.verify = verify
        self.state: Snapshot = context.snapshot
        self._check_size(self.state.size, "the initial state")
        self.state_hash = self.state.digest
        self.executed: list[StepSpec] = []
        self.lineage: list[dict[str, Any]] = []
        self.human_status: dict[str, str] = {step.id: NOT_REACHED for step in workflow.human_steps}
        self.decisions: dict[str, Decision] = dict(context.decisions)
        self.failed_step_id: str | None = None
        self.error_message: str | None = None
        self.violation: dict[str, str] | None = None
        self.paused_at: str | None = None
        from .effects import NO_EFFECTS, EffectSession

        self.session = EffectSession(context.effects or NO_EFFECTS)
        self.earlier_writes: list[dict[str, Any]] = []  # intended before a pause
        self.earlier_grants: list[str] = []
        self.first_step = 0
        self.started: tuple[str, str] | None = None  # (start time, initial state hash) of a resumed run
        params = workflow.metadata.get("resolved_params")
        self.params: FrozenMap = params if isinstance(params, FrozenMap) else FrozenMap()

    def resuming(self, paused: OrchestrationResult) -> "Run":
        """Take up ``paused`` (a result of this workflow that paused) where it stopped."""
        receipt = paused.receipt
        waiting = receipt["paused_at"]
        self.first_step = [step.id for step in self.workflow.steps].index(waiting)
        self.executed = list(paused._values[2][:-1])  # the waiting step is run (decided) again
        self.lineage = paused.lineage[:-1]
        self.state = paused._values[3]
        self.state_hash = self.state.digest
        self.started = (receipt["start_time"], receipt["initial_state_hash"])
        earlier = {}
        for entry in receipt["human_steps"]:
            if entry["id"] == waiting:
                continue
            self.human_status[entry["id"]] = entry["status"]
            decision = decision_of_entry(entry)
            if decision is not None:
                earlier[entry["id"]] = decision
        self.decisions = {**earlier, **self.decisions}
        self.session.bodies.update(paused._bodies or {})  # what the first part brought in is recorded with the whole
        self.earlier_writes = list(receipt.get("writes", []))
        self.session.read_digests = dict(receipt.get("reads", {}))
        self.earlier_grants = list(receipt.get("grants", []))
        return self

    def _check_size(self, size: int, what: str) -> None:
        if size > self.context.max_state_bytes:
            from ..errors import WorkflowInputError

            raise WorkflowInputError(
                f"{what} is {size} bytes of canonical JSON; the limit is {self.context.max_state_bytes} bytes"
            )

    def execute(self) -> OrchestrationResult:
        clock = self.context.clock
        if self.started is None:
            start_time = clock.text() if type(clock) is FixedClock else clock_text(clock)
            initial_hash = self.state_hash
        else:
            start_time, initial_hash = self.started
        workflow_hash = self.workflow.hash()
        self.inputs = f"{workflow_hash}:{initial_hash}:{start_time}"  # what seeds each step's random
        for step in self.workflow.steps[self.first_step:]:
            self.executed.append(step)
            finished = self._human(step) if step.kind == HUMAN else self._runtime(step)
            if not finished:
                break
        end_time = start_time if type(clock) is FixedClock else clock_text(clock)
        success = self.failed_step_id is None and self.paused_at is None
        receipt = {
            "workflow_id": self.workflow.id,
            "workflow_hash": workflow_hash,
            "steps": [step.id for step in self.executed],
            "human_steps": [receipt_entry(step_id, status, self.decisions.get(step_id))
                            for step_id, status in self.human_status.items()],
            "start_time": start_time,
            "end_time": end_time,
            "initial_state_hash": initial_hash,
            "final_state_hash": self.state_hash,
            "success": success,
            "failed_step_id": self.failed_step_id,
            "violation": self.violation,
        }
        if getattr(clock, "zone", None) is not None:  # only for clocks in a zone: UTC receipts keep their hashes
            receipt["local_time"] = clock.input_text()  # where the run ran: resuming it reads the same local time
        if self.paused_at is not None:
            receipt["paused_at"] = self.paused_at  # only in paused results: other receipts keep their hashes
        taken = [effect for entry in self.lineage for effect in entry.get("effects", ())]
        if taken:  # only in runs that took effects, for the same reason
            receipt["effects_sha256"] = stable_hash(taken)
            receipt["grants"] = sorted(set(self.earlier_grants) | self.session.used)
        writes = _last_write_wins([*self.earlier_writes, *self.session.writes])
        if writes:
            receipt["writes"] = writes
        if self.paused_at is not None and taken:
            reads = self.session.read_record()
            if reads:
                receipt["reads"] = reads  # what a write after the resume is checked against
        result = OrchestrationResult._of_run(self.workflow.id, success, tuple(self.executed), self.state,
                                             self.failed_step_id, self.error_message, self.lineage, receipt)
        result._set(_bodies=self.session.bodies)
        return result

    # --- recording ---------------------------------------------------------------------

    def _record(self, step: StepSpec, status: str, output_hash: str | None,
                effects: list[dict[str, Any]] | None = None) -> None:
        entry = {
            "step_id": step.id,
            "kind": step.kind,
            "operation": step.operation,
            "status": status,
            "input_hash": self.state_hash,
            "output_hash": output_hash,
        }
        if effects:
            entry["effects"] = effects  # only for steps that took effects: other lineages keep their hashes
        self.lineage.append(entry)

    def _fail(self, step: StepSpec, message: str) -> bool:
        self.failed_step_id = step.id
        self.error_message = _text(message)
        return False

    def _advance(self, step: StepSpec, status: str, state: Snapshot,
                 effects: list[dict[str, Any]] | None = None) -> None:
        self._record(step, status, state.digest, effects)
        self.state, self.state_hash = state, state.digest

    # --- human steps -------------------------------------------------------------------

    def _human(self, step: StepSpec) -> bool:
        decision = self.decisions.get(step.id)
        status = AWAITING if decision is None else decision.status
        self.human_status[step.id] = status
        self._record(step, status, self.state_hash)
        if status == REJECTED:
            return self._fail(step, f"step {step.id!r} was rejected at human attestation")
        if status == AWAITING and self.context.pause_at_undecided:
            self.paused_at = step.id
            return False
        return True

    # --- runtime steps -----------------------------------------------------------------

    def _step_context(self, step: StepSpec) -> StepContext:
        return StepContext(self.workflow.id, step.id, self.context.clock, self.params, f"{self.inputs}:{step.id}",
                           self.session)

    def _attempt(self, step: StepSpec, again: bool = False) -> _Outcome:
        """Call the step's operation once, inside the envelope, and judge what it
        returned (``again``: a second time, on the effects' responses of the first)."""
        operation = self.operations[step.operation]  # type: ignore[index]
        if operation is noop:
            return _Outcome(state=self.state)  # nothing to run: the snapshot passes through as it is
        self.session.begin(step.id, again)
        outcome = self._call(step, operation)
        outcome.effects = self.session.end()
        if self.session.refusal is not None and outcome.breach is None:
            outcome.error = self.session.refusal  # refused, even if the operation caught it
            outcome.state = None  # and what it returned after that is not its outcome
        return outcome

    def _call(self, step: StepSpec, operation: Callable[..., Any]) -> _Outcome:
        reported: Any = None
        error: str | None = None
        with guarded((self.workflow.id, step.id)) as guard:
            try:
                returned = operation(self.state.for_operation(), step.payload_copy(), self._step_context(step))
            except EnvelopeBreach:
                returned = None  # the guard kept it
            except StepFailed as exc:
                returned, error, reported = None, str(exc), exc.state
            except KeyboardInterrupt:
                raise  # the user's Ctrl-C stops the whole command, as anywhere else
            except BaseException as exc:  # SystemExit, GeneratorExit, CancelledError too: the step fails, not the process
                returned, error = None, f"{type(exc).__name__}: {exc}"
        if guard.breach is not None:
            return _Outcome(breach=guard.breach)
        if error is None and type(returned) is not dict and not isinstance(returned, Mapping):
            error = (f"operation {step.operation!r} returned {type(returned).__name__}; "
                     "an operation must return the new state as a dict")
        candidate = returned if error is None else reported
        if candidate is None:
            return _Outcome(error=error)
        try:
            state = self.state.after(candidate, _STATE_OF_STEP, error is None and "returned" or "reported", step.id)
        except NotJSONError as exc:
            return _Outcome(error=str(exc) if error is None else f"{error} (the state it reported was discarded: {exc})")
        if state.size > self.context.max_state_bytes:
            return _Outcome(error=f"its state is {state.size} bytes of canonical JSON; "
                                  f"the limit is {self.context.max_state_bytes} bytes")
        return _Outcome(state=state, error=error)

    def _runtime(self, step: StepSpec) -> bool:
        outcome = self._attempt(step)
        if self.verify and outcome.breach is None and self.session.refusal is None:
            difference = _disagreement(outcome, self._attempt(step, again=True))
            if difference is not None:
                self._record(step, NONDETERMINISTIC, None)
                return self._fail(step, f"step {step.id!r} is not deterministic: two runs of its operation "
                                        f"differ {difference}")
        if outcome.breach is not None:
            self._record(step, VIOLATION, None)
            self.violation = {"step_id": step.id, "event": outcome.breach.event, "action": outcome.breach.what}
            return self._fail(step, f"step {step.id!r} tried {outcome.breach.what} ({outcome.breach.event}) "
                                    "— operations may not leave the envelope")
        if outcome.error is not None:
            if outcome.state is None:
                self._record(step, FAILED, None, outcome.effects)
            else:
                self._advance(step, FAILED, outcome.state, outcome.effects)
            return self._fail(step, f"step {step.id!r} failed: {outcome.error}")
        self._advance(step, COMPLETED, outcome.state, outcome.effects)  # type: ignore[arg-type]
        return True


def _last_write_wins(writes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One write per file: the last text, checked against what the file held
    before the first (a file written before a pause and again after it)."""
    kept: dict[Any, dict[str, Any]] = {}
    for write in writes:
        path = write.get("path")
        if path is None:
            kept[len(kept), "plugin"] = write
        elif path in kept:
            kept[path] = {**write, "before_sha256": kept[path]["before_sha256"]}
        else:
            kept[path] = write
    return list(kept.values())


def _text(message: str) -> str:
    """``message`` as valid Unicode: an operation's exception may carry lone
    surrogates (text decoded with ``surrogateescape``), which no JSON record
    can hold; each becomes U+FFFD, so the failure is still recorded."""
    try:
        message.encode("utf-8")
    except UnicodeEncodeError:
        return message.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return message


def _disagreement(first: _Outcome, second: _Outcome) -> str | None:
    """Where two outcomes of the same step differ (``None`` when they agree)."""
    if first.state is not None and second.state is not None:
        if first.state.digest != second.state.digest:
            return f"at state path {first_difference(first.state.load(), second.state.load())!r}"
    elif (first.state is None) != (second.state is None):
        return f"in outcome: the first {first.describe()}, the second {second.describe()}"
    if first.error != second.error or (first.breach is None) != (second.breach is None):
        return f"in outcome: the first {first.describe()}, the second {second.describe()}"
    return None
