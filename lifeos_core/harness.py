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
from dataclasses import dataclass, field
from typing import Any

from .clock import LOGICAL_CLOCK, FixedClock, format_instant
from .engine import OrchestrationResult
from .errors import DefinitionError
from .hashing import stable_hash
from .jsonvalue import FrozenMap, freeze_mapping, readonly
from .record import FrozenRecord
from .registry import run_mission


def _require_text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise DefinitionError(f"{what} must be a non-empty string, got {value!r}")
    return value


@dataclass(frozen=True)
class MissionCall:
    """One mission to run in a scenario.

    ``alias`` names the result when a scenario runs the same mission more than
    once (results are keyed by ``alias or name``). ``approvals`` decides the
    mission's human steps, as in :class:`~lifeos_core.ExecutionContext`.
    """

    name: str
    params: Mapping[str, Any] | None = None
    alias: str | None = None
    approvals: Mapping[str, bool] | None = None

    def __post_init__(self) -> None:
        _require_text(self.name, "mission name")
        if self.alias is not None:
            _require_text(self.alias, f"alias of mission {self.name!r}")
        if self.params is not None:
            object.__setattr__(self, "params", freeze_mapping(self.params, f"params of mission {self.name!r}"))
        if self.approvals is not None:
            object.__setattr__(
                self, "approvals", freeze_mapping(self.approvals, f"approvals of mission {self.name!r}")
            )

    @property
    def key(self) -> str:
        """The name this call's result is filed under."""
        return self.alias or self.name


@dataclass(frozen=True)
class ScenarioDefinition:
    """A named initial state and the missions to run on it.

    ``clock`` is the time every mission of the scenario runs at (an ISO 8601
    instant; the fixed logical clock when omitted).
    """

    scenario_name: str
    initial_state: Mapping[str, Any] = field(default_factory=FrozenMap)
    missions: Sequence[MissionCall] = ()
    clock: str | None = None

    def __post_init__(self) -> None:
        _require_text(self.scenario_name, "scenario_name")
        object.__setattr__(
            self, "initial_state", freeze_mapping(self.initial_state, f"initial_state of {self.scenario_name!r}")
        )
        if isinstance(self.missions, (str, bytes, Mapping)) or not isinstance(self.missions, Sequence):
            raise DefinitionError(f"missions of scenario {self.scenario_name!r} must be a list of MissionCall")
        missions = tuple(self.missions)
        keys: set[str] = set()
        for call in missions:
            if not isinstance(call, MissionCall):
                raise DefinitionError(
                    f"missions of scenario {self.scenario_name!r} must be MissionCall objects, "
                    f"got {type(call).__name__}"
                )
            if call.key in keys:
                raise DefinitionError(
                    f"scenario {self.scenario_name!r} runs {call.key!r} twice; give each call its own alias "
                    "so no result is lost"
                )
            keys.add(call.key)
        object.__setattr__(self, "missions", missions)
        if self.clock is not None:
            object.__setattr__(self, "clock", format_instant(self.clock))


class ScenarioResult(FrozenRecord):
    """The frozen outcome of a scenario: mission results by key, and metadata."""

    __test__ = False
    __slots__ = ("scenario_name", "mission_results", "metadata")
    _args = __slots__

    def __init__(
        self,
        scenario_name: str,
        mission_results: Mapping[str, OrchestrationResult],
        metadata: Mapping[str, Any],
    ) -> None:
        self._init(
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
    return run_scenario_parts(defn.scenario_name, defn.initial_state, defn.clock, scenario_calls(defn), verify)


def scenario_calls(defn: ScenarioDefinition) -> list[tuple[str, str, Any, Any]]:
    """The missions of ``defn`` as ``(key, mission name, params, approvals)``."""
    return [(call.key, call.name, call.params, call.approvals) for call in defn.missions]


def run_scenario_parts(scenario_name: str, initial_state: Mapping[str, Any], clock: str | None,
                       calls: Sequence[Sequence[Any]], verify: bool = False) -> ScenarioResult:
    """:func:`run_scenario` on the parts of a definition (as a Dask worker gets
    them: checked where the plan was read, then sent as JSON)."""
    run_clock = FixedClock(clock) if clock is not None else LOGICAL_CLOCK
    results: dict[str, OrchestrationResult] = {}
    for key, name, params, approvals in calls:
        # Every mission reads the same initial state, which no run changes:
        # the engine keeps its own encoded copy, and operations get fresh ones.
        results[key] = run_mission(name, params, initial_state, approvals=approvals, clock=run_clock, verify=verify)
    return ScenarioResult(
        scenario_name=scenario_name,
        mission_results=results,
        metadata={"scenario_name": scenario_name, "scenario_hash": scenario_hash(scenario_name, results)},
    )
