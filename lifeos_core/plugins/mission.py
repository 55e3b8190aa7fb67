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
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..engine.workflow import StepSpec, WorkflowDefinition
from ..errors import AntiFailurePlanningError, LifeosError, MissionParamsError, PluginError, closest, did_you_mean
from ..values.canonical import encode
from ..values.frozen import Frozen
from ..values.jsonvalue import FrozenMap, freeze, freeze_mapping, freeze_sorted, thaw


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


class Param(Frozen):
    """A parameter a mission declares, with its type, default and bounds.

    ``check`` may add a rule the fields cannot express: it receives the value
    and raises ``ValueError`` with a message saying what is expected.
    """

    __slots__ = _fields = ("name", "type", "default", "help", "minimum", "maximum", "choices", "check")

    def __init__(self, name: str, type: type = str, default: Any = REQUIRED, help: str = "",
                 minimum: float | None = None, maximum: float | None = None,
                 choices: Sequence[Any] | None = None, check: Callable[[Any], None] | None = None) -> None:
        if type not in _TYPE_WORDS:
            raise TypeError(f"Param {name!r}: type must be one of str, int, float, bool, list, dict")
        self._set(name=name, type=type, default=default if default is REQUIRED else freeze(
            default, f"default of param {name!r}"), help=help, minimum=minimum, maximum=maximum,
            choices=None if choices is None else tuple(choices), check=check)

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
Summary = Callable[[Mapping[str, Any], "str | None"], str]
InputCheck = Callable[[Mapping[str, Any], Mapping[str, Any], Any], Sequence[str]]


class Mission(Frozen):
    """What a plugin registers: a named, described, parameterised plan.

    ``plan(params)`` receives the validated params (declared ones with their
    defaults filled in, undeclared ones as given, all read-only) and returns
    the steps. It must be pure: the same params always give the same steps.

    ``reads`` names the top-level state keys the mission reads, each with a
    short description (``lifeos missions show`` lists them), so a state file
    whose ``taks:`` was meant to be ``tasks:`` is caught before a run.
    ``check_state(state)``, when given, looks deeper and returns warnings
    (each one line, e.g. a task field the mission does not know).

    ``summary(state, step_id)``, when given, renders the state so far as a
    few lines of text for the person deciding human step ``step_id``: what
    they are about to approve (the terminal prompt, ``lifeos runs pending``
    and approvals show it); with ``step_id=None``, what a finished run did
    (``lifeos run`` prints it after the steps). It must be pure, as an
    operation is: it runs inside the envelope.

    ``check_inputs(params, state, effects)``, when given, reads what the
    mission will read (its files, through ``effects`` as a step would, with
    the run's grants) and checks it *before* the run: it raises
    :class:`~lifeos_core.errors.MissionInputError` with every problem found,
    so bad input is exit 2 with nothing run or recorded, and returns
    warnings (one line each). ``lifeos run`` calls it; the steps must still
    check what they read (the Python API and test plans do not call it).

    ``effects`` declares what the mission may ask of the world: grant scopes
    or effect kinds (``read``, ``write``, ``run``, ``net``, or a plugin's
    kind) each with why (``{"read": "your task files (the tasks param)"}``).
    ``lifeos missions show`` and ``lifeos plugins`` list them, so a user knows
    what to ``--allow`` before running; nothing is granted by declaring it.
    """

    __slots__ = ("name", "description", "plan", "params", "workflow_id", "reads", "check_state", "summary",
                 "effects", "check_inputs", "__weakref__")
    _fields = ("name", "description", "plan", "params", "workflow_id", "reads", "check_state", "summary", "effects",
               "check_inputs")

    def __init__(self, name: str, description: str, plan: PlanFunction, params: Sequence[Param] = (),
                 workflow_id: str | None = None, reads: Mapping[str, str] | Sequence[str] = (),
                 check_state: StateCheck | None = None, summary: Summary | None = None,
                 effects: Mapping[str, str] | None = None, check_inputs: InputCheck | None = None) -> None:
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(f"mission name {name!r} must start with a letter and use only letters, digits, "
                             "'_', '.', '-'")
        if not isinstance(description, str) or not description.strip():
            raise ValueError(f"mission {name!r} needs a one-line description")
        if not callable(plan):
            raise TypeError(f"mission {name!r}: plan must be callable")
        params = tuple(params)
        for param in params:
            if not isinstance(param, Param):
                raise TypeError(f"mission {name!r}: params must be Param objects, got {type(param).__name__}")
        names = [param.name for param in params]
        if len(set(names)) != len(names):
            raise ValueError(f"mission {name!r} declares a param twice: {names}")
        reads = dict(reads) if isinstance(reads, Mapping) else {key: "" for key in reads}
        for key, help_text in reads.items():
            if not isinstance(key, str) or not isinstance(help_text, str):
                raise TypeError(f"mission {name!r}: reads maps state keys to descriptions (strings)")
        if check_state is not None and not callable(check_state):
            raise TypeError(f"mission {name!r}: check_state must be callable")
        if summary is not None and not callable(summary):
            raise TypeError(f"mission {name!r}: summary must be callable")
        if check_inputs is not None and not callable(check_inputs):
            raise TypeError(f"mission {name!r}: check_inputs must be callable")
        effects = dict(effects or {})
        for key, why in effects.items():
            if not isinstance(key, str) or not isinstance(why, str):
                raise TypeError(f"mission {name!r}: effects maps scopes or effect kinds to why (strings)")
        self._set(name=name, description=description.strip().splitlines()[0], plan=plan, params=params,
                  workflow_id=workflow_id or "wf-" + name.replace("_", "-"), reads=FrozenMap._trusted(reads),
                  check_state=check_state, summary=summary, effects=FrozenMap._trusted(effects),
                  check_inputs=check_inputs)

    # Equal missions (same fields: the same plan function, params, ...) plan the
    # same workflows, so a mission can key the cache of its plans (see
    # MissionRegistryEntry.build), and a copy or an unpickled mission shares it.
    def __hash__(self) -> int:
        return hash((self.name, self.workflow_id))


PLAN_CACHE_SIZE = 256
"""How many workflows a mission keeps, for the params it planned most recently
for the first time (the oldest is forgotten first)."""


_PLANS: weakref.WeakKeyDictionary[Mission, dict[bytes, WorkflowDefinition]] = weakref.WeakKeyDictionary()
"""The workflows each mission planned recently, by the JSON of their params:
kept beside the missions (which are immutable), forgotten with them."""


class MissionRegistryEntry(Frozen):
    """A mission as the registry knows it: the author's definition plus its origin."""

    __slots__ = _fields = ("name", "description", "distribution", "version", "mission", "plugin")

    def __init__(self, name: str, description: str, distribution: str, version: str, mission: Mission,
                 plugin: str = "") -> None:
        self._set(name=name, description=description, distribution=distribution, version=version,
                  mission=mission, plugin=plugin)

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
        return self._resolve(given)

    def _resolve(self, given: FrozenMap) -> FrozenMap:
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

    def _refuse_undeclared(self, given: Mapping[str, Any] | None) -> None:
        declared = [param.name for param in self.mission.params]
        if not declared or not isinstance(given, Mapping):
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

    def check_inputs(self, params: Mapping[str, Any], state: Mapping[str, Any], policy: Any) -> list[str]:
        """Run the mission's own ``check_inputs`` before a run (see :class:`Mission`):
        its warnings; :class:`MissionInputError` with every problem in what it
        reads (an effect refused or failed is one too: the grant, the missing
        file). Its effects are checked against ``policy``'s grants, and may
        ask as the run would; nothing it reads is recorded. It runs inside
        the envelope guard, as a step does; if it breaks, that is the pack's
        bug (:class:`PluginError`)."""
        check = self.mission.check_inputs
        if check is None:
            return []
        from ..engine.effects import Effects, EffectSession
        from ..engine.guard import EnvelopeBreach, guarded
        from ..errors import MissionInputError, StepFailed

        session = EffectSession(policy)
        session.begin("check-inputs")
        failure: str | None = None
        answer: Any = None
        with guarded((f"input check of {self.name}", "check-inputs")) as guard:
            try:
                answer = check(self.validate(params), thaw(state) if isinstance(state, FrozenMap) else state,
                               Effects(session))
            except MissionInputError as exc:
                answer = exc
            except StepFailed as exc:  # an effect refused or failed: what the user gave is not there or not granted
                answer = MissionInputError(str(exc))
            except EnvelopeBreach:
                pass
            except LifeosError as exc:
                answer = exc
            except Exception as exc:
                failure = f"{type(exc).__name__}: {exc}"
        if guard.breach is not None:
            failure = f"it tried {guard.breach.what} ({guard.breach.event})"
        elif isinstance(answer, LifeosError):
            raise answer
        elif failure is None and answer is not None and (not isinstance(answer, (list, tuple))
                                                         or not all(isinstance(line, str) for line in answer)):
            failure = "it returned something other than a list of warnings (strings)"
        if failure is not None:
            raise PluginError(f"mission {self.name!r} ({self.distribution} {self.version}) failed while checking "
                              f"its inputs: {failure}")
        return list(answer or ())

    def summarise(self, state: Mapping[str, Any], step_id: str | None) -> str | None:
        """The mission's own summary of ``state`` for the person deciding human
        step ``step_id`` (``None`` when the mission has none). It runs inside
        the envelope guard, as a step does; a summary that fails or leaves the
        envelope is the pack's bug, reported as a :class:`PluginError`."""
        render = self.mission.summary
        if render is None:
            return None
        from ..engine.guard import EnvelopeBreach, guarded

        failure: str | None = None
        text: Any = None
        with guarded((f"summary of {self.name}", step_id)) as guard:
            try:
                text = render(thaw(state) if isinstance(state, FrozenMap) else state, step_id)
            except EnvelopeBreach:
                pass
            except Exception as exc:
                failure = f"{type(exc).__name__}: {exc}"
        if guard.breach is not None:
            failure = f"it tried {guard.breach.what} ({guard.breach.event})"
        elif failure is None and not isinstance(text, str):
            failure = f"it returned {type(text).__name__}, not text"
        if failure is not None:
            raise PluginError(f"mission {self.name!r} ({self.distribution} {self.version}) failed to summarise "
                              f"the state for step {step_id!r}: {failure}")
        return text.rstrip()

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
            self._refuse_undeclared(params)
        key = self._plan_key(params)
        if key is None:  # not JSON: freezing says exactly what is wrong
            freeze_mapping(params, f"params of mission {self.name!r}")
        plans = _PLANS.get(self.mission)
        if plans is None:
            plans = _PLANS.setdefault(self.mission, {})
        cached = plans.get(key)  # type: ignore[arg-type]
        if cached is not None:
            return cached
        if params is not None and not isinstance(params, Mapping):
            freeze_mapping(params, f"params of mission {self.name!r}")  # the one message for "not a mapping"
        workflow = self._build(freeze_sorted(params or {}, f"params of mission {self.name!r}"))
        if len(plans) >= PLAN_CACHE_SIZE:
            try:  # forget the oldest; another thread may be doing the same
                plans.pop(next(iter(plans)), None)
            except (StopIteration, RuntimeError):
                pass
        plans[key] = workflow  # type: ignore[index]
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
        resolved = self._resolve(given)
        try:
            steps = tuple(self.mission.plan(resolved))
        except (LifeosError, KeyboardInterrupt):
            raise
        except BaseException as exc:  # a bug in the pack (an exit included), reported as such
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
        if workflow.limits_problem is not None:
            raise AntiFailurePlanningError(f"mission {self.name!r} cannot be planned: {workflow.limits_problem}")
        return workflow
