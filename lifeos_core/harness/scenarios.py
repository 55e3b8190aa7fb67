"""Scenarios: several missions run against one initial state, judged together.

A :class:`ScenarioDefinition` names a starting state and the missions to run
on it, in order. Each mission starts from that same initial state (missions
in a scenario do not feed each other; they are separate observations of the
same situation), so the order changes nothing but the order of the results.
:func:`run_scenario` returns a frozen :class:`ScenarioResult` keyed by each
call's alias or mission name, with a ``scenario_hash`` composed from the
hashes of the mission results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..engine.effects import EffectFixture, EffectPolicy
from ..engine.result import OrchestrationResult
from ..errors import DefinitionError, LifeosError
from ..missions import run_mission
from ..values.canonical import stable_hash
from ..values.clock import LOGICAL_CLOCK, FixedClock, clock_from_text
from ..values.frozen import Frozen, require_text
from ..values.jsonvalue import FrozenMap, freeze, freeze_mapping, readonly, thaw
from ..values.snapshot import Snapshot


def optional_mapping(value: Any, field: str, where: str) -> FrozenMap | None:
    """``value`` frozen when it is a mapping, ``None`` kept; anything else is
    the one error for a field that takes a mapping or nothing."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise DefinitionError(f"Field {field!r} must be a dict or None, got {type(value).__name__}", field)
    try:
        return freeze_mapping(value, where)
    except LifeosError as exc:
        raise DefinitionError(str(exc), field) from None


class MissionCall(Frozen):
    """One mission to run in a scenario.

    ``alias`` names the result when a scenario runs the same mission more than
    once (results are keyed by ``alias or name``). ``approvals`` decides the
    mission's human steps, as in :class:`~lifeos_core.ExecutionContext`.
    ``expect_pause`` names the human step the run is expected to wait at: the
    mission then runs as the command line runs it, pausing at the first human
    step nobody decided, and a plan file adds an expectation that it paused
    there (``receipt.paused_at``).
    """

    __slots__ = _fields = ("name", "params", "alias", "approvals", "expect_pause")

    def __init__(self, name: str, params: Mapping[str, Any] | None = None, alias: str | None = None,
                 approvals: Mapping[str, bool] | None = None, expect_pause: str | None = None) -> None:
        require_text(name, "Field 'name'", DefinitionError, "name")
        if alias is not None:
            require_text(alias, f"Field 'alias' of mission {name!r}", DefinitionError, "alias")
        approvals = optional_mapping(approvals, "approvals", f"approvals of mission {name!r}")
        for step, decision in (approvals or {}).items():
            if not isinstance(decision, bool):
                raise DefinitionError(f"a decision must be true (approve) or false (reject), got {decision!r}",
                                      f"approvals.{step}")
        if expect_pause is not None:
            require_text(expect_pause, f"Field 'expect_pause' of mission {name!r}", DefinitionError, "expect_pause")
            if approvals is not None and expect_pause in approvals:
                raise DefinitionError(f"mission {name!r} decides step {expect_pause!r} in its approvals, so it "
                                      "cannot pause there; drop one of the two", "expect_pause")
        self._set(name=name, params=optional_mapping(params, "params", f"params of mission {name!r}"),
                  alias=alias, approvals=approvals, expect_pause=expect_pause)

    @property
    def key(self) -> str:
        """The name this call's result is filed under."""
        return self.alias or self.name


class ScenarioDefinition(Frozen):
    """A named initial state and the missions to run on it.

    ``clock`` is the time every mission of the scenario runs at (an ISO 8601
    instant; the fixed logical clock when omitted). Its offset, or a zone in
    brackets (``2026-11-24T03:30:00Z[America/New_York]``), is where the
    missions run: the local time they read, as with ``lifeos run --clock``.
    ``effects`` are recorded
    responses its missions' effects get instead of touching the world
    (:class:`~lifeos_core.engine.effects.EffectFixture`, or plan-file
    shorthand such as ``{read: tasks.md, text: ...}``); an effect with no
    fixture fails its step unless ``grants`` (``--allow`` texts) allow it.
    (``lifeos test`` counts the grants of a plan file only once the user
    trusted the file: ``lifeos trust``.)

    The initial state is kept as the engine keeps a state (a
    :class:`~lifeos_core.values.snapshot.Snapshot`: encoded once, at C speed),
    which every mission of the scenario starts from without encoding it again;
    ``initial_state`` reads it back, read-only, when asked for.
    """

    __slots__ = ("scenario_name", "snapshot", "missions", "clock", "effects", "grants", "_initial_state")
    _fields = ("scenario_name", "initial_state", "missions", "clock", "effects", "grants")

    def __init__(self, scenario_name: str, initial_state: Mapping[str, Any] | Snapshot | None = None,
                 missions: Sequence[MissionCall] = (), clock: str | None = None,
                 effects: Sequence[EffectFixture | Mapping[str, Any]] = (), grants: Sequence[str] = ()) -> None:
        require_text(scenario_name, "Field 'scenario_name'", DefinitionError, "scenario_name")
        if initial_state is not None and not isinstance(initial_state, (Mapping, Snapshot)):
            raise DefinitionError(f"Field 'initial_state' must be a dict or None, got {type(initial_state).__name__}",
                                  "initial_state")
        try:
            snapshot = Snapshot.of({} if initial_state is None else initial_state, f"initial_state of {scenario_name!r}")
        except LifeosError as exc:
            raise DefinitionError(str(exc), "initial_state") from None
        if isinstance(missions, (str, bytes, Mapping)) or not isinstance(missions, Sequence):
            raise DefinitionError(f"missions of scenario {scenario_name!r} must be a list of MissionCall", "missions")
        missions = tuple(missions)
        keys: set[str] = set()
        for call in missions:
            if not isinstance(call, MissionCall):
                raise DefinitionError(f"missions of scenario {scenario_name!r} must be MissionCall objects, "
                                      f"got {type(call).__name__}", "missions")
            if call.key in keys:
                raise DefinitionError(f"scenario {scenario_name!r} runs {call.key!r} twice; give each call its own "
                                      "alias so no result is lost")
            keys.add(call.key)
        if clock is not None:
            if not isinstance(clock, str):
                raise DefinitionError(f"Field 'clock' of scenario {scenario_name!r} must be an ISO 8601 instant, "
                                      f"got {clock!r}", "clock")
            try:
                clock = clock_from_text(clock).input_text()  # its offset or [zone] is where it runs
            except LifeosError as exc:
                raise DefinitionError(str(exc), "clock") from None
        if isinstance(effects, (str, bytes, Mapping)) or not isinstance(effects, Sequence):
            raise DefinitionError(f"effects of scenario {scenario_name!r} must be a list of fixtures", "effects")
        fixtures = []
        for index, item in enumerate(effects):
            try:
                fixtures.append(item if isinstance(item, EffectFixture) else EffectFixture.shorthand(item))
            except (LifeosError, TypeError, AttributeError) as exc:
                raise DefinitionError(f"effect fixture {index + 1}: {exc}", "effects") from None
        if isinstance(grants, (str, bytes)) or not all(isinstance(grant, str) for grant in grants):
            raise DefinitionError(f"grants of scenario {scenario_name!r} must be a list of SCOPE:VALUE strings",
                                  "grants")
        try:
            EffectPolicy(grants)
        except LifeosError as exc:
            raise DefinitionError(str(exc), "grants") from None
        self._set(scenario_name=scenario_name, snapshot=snapshot, missions=missions, clock=clock,
                  effects=tuple(fixtures), grants=tuple(grants), _initial_state=None)

    @property
    def initial_state(self) -> FrozenMap:
        """The initial state, read-only (decoded from the snapshot when first asked for)."""
        return self._derived("_initial_state", self._read_initial_state)

    def _read_initial_state(self) -> FrozenMap:
        return freeze(self.snapshot.load(), "initial state")

    def _arguments(self) -> tuple[Any, ...]:
        return (self.scenario_name, self.snapshot, self.missions, self.clock, self.effects, self.grants)


class ScenarioResult(Frozen):
    """The frozen outcome of a scenario: mission results by key, and metadata."""

    __test__ = False
    __slots__ = ("scenario_name", "mission_results", "metadata")
    _fields = __slots__

    def __init__(
        self,
        scenario_name: str,
        mission_results: Mapping[str, OrchestrationResult],
        metadata: Mapping[str, Any],
    ) -> None:
        self._set(
            scenario_name=scenario_name,
            mission_results=readonly(mission_results),
            metadata=freeze_mapping(metadata, "scenario metadata"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario_name": self.scenario_name,
            "mission_results": {key: result.to_dict() for key, result in self.mission_results.items()},
            "metadata": dict(self.metadata),
        }

    def __repr__(self) -> str:
        return f"<ScenarioResult {self.scenario_name!r}: {', '.join(self.mission_results) or 'no missions'}>"


def scenario_hash(scenario_name: str, mission_results: Mapping[str, OrchestrationResult]) -> str:
    """The hash of a scenario's outcome, composed from its mission results' hashes."""
    return stable_hash(
        {
            "scenario_name": scenario_name,
            "mission_results": {key: result.result_hash() for key, result in mission_results.items()},
        }
    )


def run_scenario(defn: ScenarioDefinition, *, verify: bool = False) -> ScenarioResult:
    """Run each mission of ``defn`` on the scenario's initial state, in order.

    Errors in the plan itself (an unknown mission, params the mission refuses,
    a plan beyond the limits) propagate; a mission that runs and fails is a
    result like any other, with ``success=False``. ``verify`` runs every
    mission with determinism verification (see ``run_mission``).
    """
    if not isinstance(defn, ScenarioDefinition):
        raise DefinitionError(f"run_scenario needs a ScenarioDefinition, got {type(defn).__name__}")
    return run_scenario_parts(defn.scenario_name, defn.snapshot, defn.clock, scenario_calls(defn), verify,
                              scenario_fixtures(defn))


def scenario_calls(defn: ScenarioDefinition) -> list[tuple[str, str, Any, Any, bool]]:
    """The missions of ``defn`` as ``(key, mission name, params, approvals, pause at undecided steps)``."""
    return [(call.key, call.name, call.params, call.approvals, call.expect_pause is not None)
            for call in defn.missions]


def scenario_fixtures(defn: ScenarioDefinition) -> list[dict[str, Any]]:
    """The effect fixtures and grants of ``defn`` as plain data (what a Dask
    worker is sent): a grant travels as ``{"grant": TEXT}``."""
    return [*({"kind": fixture.kind, "request": thaw(fixture.match), "response": thaw(fixture.response)}
              for fixture in defn.effects), *({"grant": grant} for grant in defn.grants)]


def run_scenario_parts(scenario_name: str, initial_state: Mapping[str, Any] | Snapshot, clock: str | None,
                       calls: Sequence[Sequence[Any]], verify: bool = False,
                       fixtures: Sequence[Mapping[str, Any]] = ()) -> ScenarioResult:
    """:func:`run_scenario` on the parts of a definition (as a Dask worker gets
    them: checked where the plan was read, then sent as JSON)."""
    run_clock = FixedClock(clock) if clock is not None else LOGICAL_CLOCK
    # Only a scenario with fixtures pays for a policy (and for asking the plugins for their effect kinds).
    effects = None
    if fixtures:
        effects = EffectPolicy([item["grant"] for item in fixtures if "grant" in item],
                               fixtures=[EffectFixture.shorthand(item) for item in fixtures if "grant" not in item])
    results: dict[str, OrchestrationResult] = {}
    for key, name, params, approvals, pause in calls:
        # Every mission reads the same initial state, which no run changes:
        # the engine keeps its own encoded copy, and operations get fresh ones.
        results[key] = run_mission(name, params, initial_state, approvals=approvals, clock=run_clock, verify=verify,
                                   pause_at_undecided=pause, effects=effects)
    return ScenarioResult(
        scenario_name=scenario_name,
        mission_results=results,
        metadata={"scenario_name": scenario_name, "scenario_hash": scenario_hash(scenario_name, results)},
    )
