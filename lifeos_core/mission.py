"""Missions as plugin authors write them, and as the registry hands them out.

An author describes a mission with :class:`Mission`: its name, a one-line
description, the params it declares (:class:`Param`) and a ``plan`` function
turning validated params into steps. The registry wraps each one in a
:class:`MissionRegistryEntry` that also records where it came from and knows
how to validate params and build the workflow, failing closed when a plan
would break the Anti-Failure limits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import AntiFailurePlanningError, LifeosError, MissionParamsError, PluginError, closest, did_you_mean
from .hashing import encode
from .jsonvalue import FrozenMap, freeze, freeze_mapping, thaw
from .limits import anti_failure_problem
from .workflow import StepSpec, WorkflowDefinition


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()
"""Marks a :class:`Param` without a default: callers must give it."""

_TYPE_WORDS: dict[type, str] = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "a list",
    dict: "an object",
}

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")


def _matches_type(value: Any, expected: type) -> bool:
    if expected is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is list:
        return isinstance(value, (list, tuple))
    if expected is dict:
        return isinstance(value, Mapping)
    return isinstance(value, expected)


@dataclass(frozen=True)
class Param:
    """A parameter a mission declares, with its type, default and bounds.

    ``check`` may add a rule the fields cannot express: it receives the value
    and raises ``ValueError`` with a message saying what is expected.
    """

    name: str
    type: type = str
    default: Any = REQUIRED
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] | None = None
    check: Callable[[Any], None] | None = None

    def __post_init__(self) -> None:
        if self.type not in _TYPE_WORDS:
            raise TypeError(f"Param {self.name!r}: type must be one of str, int, float, bool, list, dict")
        if self.choices is not None:
            object.__setattr__(self, "choices", tuple(self.choices))
        if self.default is not REQUIRED:
            object.__setattr__(self, "default", freeze(self.default, f"default of param {self.name!r}"))

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def describe(self) -> str:
        """A short human description of what the param accepts."""
        words = _TYPE_WORDS[self.type]
        if self.choices is not None:
            words = "one of " + ", ".join(repr(choice) for choice in self.choices)
        if self.minimum is not None and self.maximum is not None:
            words += f" from {self.minimum:g} to {self.maximum:g}"
        elif self.minimum is not None:
            words += f" >= {self.minimum:g}"
        elif self.maximum is not None:
            words += f" <= {self.maximum:g}"
        return words

    def validate(self, value: Any, mission: str) -> Any:
        """Return ``value`` if it is acceptable, else raise :class:`MissionParamsError`."""
        if value is None and self.default is None:
            return None
        fits = _matches_type(value, self.type)
        if fits and self.choices is not None:
            fits = value in self.choices
        if fits and self.minimum is not None:
            fits = value >= self.minimum
        if fits and self.maximum is not None:
            fits = value <= self.maximum
        if not fits:
            raise MissionParamsError(
                f"mission {mission!r}: param {self.name!r} must be {self.describe()}, got {thaw(value)!r}"
            )
        if self.check is not None:
            try:
                self.check(value)
            except ValueError as exc:
                raise MissionParamsError(f"mission {mission!r}: param {self.name!r}: {exc}") from None
        return value


PlanFunction = Callable[[Mapping[str, Any]], Sequence[StepSpec]]
StateCheck = Callable[[Mapping[str, Any]], Sequence[str]]


@dataclass(frozen=True)
class Mission:
    """What a plugin registers: a named, described, parameterised plan.

    ``plan(params)`` receives the validated params (declared ones with their
    defaults filled in, undeclared ones as given, all read-only) and returns
    the steps. It must be pure: the same params always give the same steps.

    ``reads`` names the top-level state keys the mission reads, each with a
    short description (``lifeos missions show`` lists them), so a state file
    whose ``taks:`` was meant to be ``tasks:`` is caught before a run.
    ``check_state(state)``, when given, looks deeper and returns warnings
    (each one line, e.g. a task field the mission does not know).
    """

    name: str
    description: str
    plan: PlanFunction
    params: Sequence[Param] = ()
    workflow_id: str | None = None
    reads: Mapping[str, str] = field(default_factory=dict)
    check_state: StateCheck | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise ValueError(
                f"mission name {self.name!r} must start with a letter and use only letters, digits, '_', '.', '-'"
            )
        if not isinstance(self.description, str) or not self.description.strip():
            raise ValueError(f"mission {self.name!r} needs a one-line description")
        if not callable(self.plan):
            raise TypeError(f"mission {self.name!r}: plan must be callable")
        params = tuple(self.params)
        for param in params:
            if not isinstance(param, Param):
                raise TypeError(f"mission {self.name!r}: params must be Param objects, got {type(param).__name__}")
        names = [param.name for param in params]
        if len(set(names)) != len(names):
            raise ValueError(f"mission {self.name!r} declares a param twice: {names}")
        object.__setattr__(self, "params", params)
        reads = dict(self.reads) if isinstance(self.reads, Mapping) else {key: "" for key in self.reads}
        for key, help_text in reads.items():
            if not isinstance(key, str) or not isinstance(help_text, str):
                raise TypeError(f"mission {self.name!r}: reads maps state keys to descriptions (strings)")
        object.__setattr__(self, "reads", FrozenMap._trusted(reads))
        if self.check_state is not None and not callable(self.check_state):
            raise TypeError(f"mission {self.name!r}: check_state must be callable")
        object.__setattr__(self, "description", self.description.strip().splitlines()[0])
        if self.workflow_id is None:
            object.__setattr__(self, "workflow_id", "wf-" + self.name.replace("_", "-"))


PLAN_CACHE_SIZE = 256
"""How many workflows a mission keeps, for the params it planned most recently
for the first time (the oldest is forgotten first)."""


def _sorted_params(key: bytes) -> Any:
    """The params a plan key was made from, keys sorted (``None`` for none)."""
    if key == b"{}":
        return None  # the common case, without importing the JSON reader
    import orjson

    return orjson.loads(key)


@dataclass(frozen=True)
class MissionRegistryEntry:
    """A mission as the registry knows it: the author's definition plus its origin."""

    name: str
    description: str
    distribution: str
    version: str
    mission: Mission
    plugin: str = ""
    _plans: dict[bytes, WorkflowDefinition] = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def params(self) -> tuple[Param, ...]:
        return tuple(self.mission.params)

    def validate(self, params: Mapping[str, Any] | None = None, *, strict: bool = False) -> FrozenMap:
        """Check ``params`` and return them resolved: declared params with defaults
        filled in, undeclared ones kept as given.

        Undeclared params are tolerated from Python (the seed's contract plans
        missions with params they do not declare, and keeps them for
        traceability); ``strict`` refuses them, with a suggestion, for a
        mission that declares its params: the command line and plan files
        read params strictly, so ``capacity=100`` for ``capacity_minutes``
        is an error, not a silent default."""
        given = freeze_mapping(params, f"params of mission {self.name!r}")
        if strict:
            self._refuse_undeclared(given)
        resolved: dict[str, Any] = dict(given)
        for param in self.mission.params:
            if param.name in given:
                resolved[param.name] = param.validate(given[param.name], self.name)
            elif param.required:
                raise MissionParamsError(
                    f"mission {self.name!r} needs param {param.name!r} ({param.describe()}); "
                    f"pass it as {param.name}=..."
                )
            else:
                resolved[param.name] = param.default
        return FrozenMap._trusted(resolved)

    def _refuse_undeclared(self, given: Mapping[str, Any]) -> None:
        declared = [param.name for param in self.mission.params]
        if not declared:
            return  # a mission that declares nothing takes anything (echo)
        unknown = [name for name in given if name not in declared]
        if unknown:
            name = unknown[0]
            raise MissionParamsError(
                f"mission {self.name!r} has no param {name!r}{did_you_mean(name, declared)}; "
                f"its params are: {', '.join(declared)}"
            )

    def state_warnings(self, state: Mapping[str, Any]) -> list[str]:
        """What looks wrong in ``state`` for this mission, one line each.

        A top-level key the mission does not read, when a key it reads is
        missing and the two are close (``taks`` and ``tasks``), or when the
        state holds nothing the mission reads at all; then whatever the
        mission's own ``check_state`` finds. A broken ``check_state`` is the
        pack's bug, reported as a :class:`PluginError`.
        """
        reads = self.mission.reads
        warnings: list[str] = []
        if reads and isinstance(state, Mapping):
            missing = [key for key in reads if key not in state]
            unread = [key for key in state if key not in reads]
            for key in unread:
                match = closest(key, missing)
                if match is not None:
                    warnings.append(f"state key {key!r} is not read by mission {self.name!r}, and {match!r}, "
                                    f"which it reads, is missing: did you mean {match!r}?")
            if unread and not warnings and len(missing) == len(reads):
                warnings.append(f"mission {self.name!r} reads none of the state's keys ({', '.join(unread)}); "
                                f"it reads: {', '.join(reads)}")
        if self.mission.check_state is not None:
            try:
                warnings.extend(str(line) for line in self.mission.check_state(state))
            except LifeosError:
                raise
            except Exception as exc:
                raise PluginError(f"mission {self.name!r} ({self.distribution} {self.version}) failed while "
                                  f"checking the state: {type(exc).__name__}: {exc}") from exc
        return warnings

    def build(self, params: Mapping[str, Any] | None = None, *, strict: bool = False) -> WorkflowDefinition:
        """Validate ``params``, plan the steps and return the workflow.

        Raises :class:`AntiFailurePlanningError` rather than truncating when
        the plan would exceed the limits. The plan sees the params with the
        keys of every object in sorted order, whatever order the caller gave
        them in: equal JSON gives equal steps. A plan is pure, so the
        workflows of recent params are kept and handed out again (they are
        immutable). ``strict`` refuses params the mission does not declare
        (see :meth:`validate`).
        """
        if strict:
            self._refuse_undeclared(freeze_mapping(params, f"params of mission {self.name!r}"))
        key = self._plan_key(params)
        if key is None:  # not JSON: freezing says exactly what is wrong
            return self._build(freeze_mapping(params, f"params of mission {self.name!r}"))
        cached = self._plans.get(key)
        if cached is not None:
            return cached
        workflow = self._build(freeze_mapping(_sorted_params(key), f"params of mission {self.name!r}"))
        if len(self._plans) >= PLAN_CACHE_SIZE:
            try:  # forget the oldest; another thread may be doing the same
                self._plans.pop(next(iter(self._plans)), None)
            except (StopIteration, RuntimeError):
                pass
        self._plans[key] = workflow
        return workflow

    def _plan_key(self, params: Mapping[str, Any] | None) -> bytes | None:
        """The JSON of ``params`` with sorted keys and number types kept (a
        mission may accept ``1`` and refuse ``1.0``); ``None`` when they are not
        JSON."""
        if params is None or (type(params) is dict and not params):
            return b"{}"  # no params: the key needs no encoding (and no encoder)
        try:
            return encode(params)[0]
        except LifeosError:
            return None

    def _build(self, given: FrozenMap) -> WorkflowDefinition:
        resolved = self.validate(given)
        try:
            steps = tuple(self.mission.plan(resolved))
        except LifeosError:
            raise
        except Exception as exc:  # a bug in the pack, reported as such
            raise PluginError(
                f"mission {self.name!r} ({self.distribution} {self.version}) failed while planning: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        workflow = WorkflowDefinition(
            id=self.mission.workflow_id or self.name,
            name=self.name,
            steps=steps,
            metadata={
                "mission_type": self.name,
                "params": given,
                "resolved_params": resolved,
            },
        )
        problem = anti_failure_problem(workflow.id, workflow.steps)
        if problem is not None:
            raise AntiFailurePlanningError(f"mission {self.name!r} cannot be planned: {problem}")
        return workflow
