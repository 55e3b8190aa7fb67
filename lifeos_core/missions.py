"""The one door to plan and run a mission with the installed plugins.

Everything that plans a mission goes through :func:`plan_mission` (the seed's
``build_workflow(MissionSpec(...))`` included), and everything that runs one
through :func:`run_mission` or, when the caller holds the planned workflow
already (the command line shows it before running), :func:`run_planned`:
the command line, the ledger's replay, the harness's scenarios and the
second process of ``--verify``. :class:`Orchestrator` is the engine bound to
the installed plugins: the engine itself knows no plugins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine.effects import EffectPolicy

from .engine import orchestrator as engine
from .engine.context import ExecutionContext
from .engine.decisions import Decision
from .engine.result import OrchestrationResult
from .engine.workflow import WorkflowDefinition
from .errors import WorkflowInputError
from .plugins.active import active_registry
from .plugins.mission import MissionRegistryEntry
from .plugins.registry import Registry
from .values.clock import Clock
from .values.frozen import Frozen, require_text
from .values.jsonvalue import freeze_mapping


class MissionSpec(Frozen):
    """A request for a mission: its registered name (``type``) and params."""

    __slots__ = _fields = ("type", "params")

    def __init__(self, type: str, params: Mapping[str, Any] | None = None) -> None:
        require_text(type, "mission type", WorkflowInputError)
        self._set(type=type, params=freeze_mapping(params, f"params of mission {type!r}"))


def list_missions() -> list[str]:
    """The names of the missions that can be run, sorted."""
    return active_registry().mission_names()


def get_mission(name: str) -> MissionRegistryEntry:
    """The registry entry for ``name``; raises :class:`UnknownMissionError`
    (listing the known missions) when no plugin provides it."""
    return active_registry().mission(name)


def plan_mission(name: str, params: Mapping[str, Any] | None = None, *, strict: bool = False,
                 registry: Registry | None = None) -> WorkflowDefinition:
    """The workflow mission ``name`` plans for ``params`` (with the installed
    plugins, or those of ``registry``).

    Raises :class:`UnknownMissionError` for a name no plugin provides,
    :class:`MissionParamsError` for params the mission declares with a wrong
    type or value (and, with ``strict``, for params it does not declare), and
    :class:`AntiFailurePlanningError` when the plan would exceed the limits:
    planning fails closed.
    """
    require_text(name, "mission name", WorkflowInputError)
    return (registry or active_registry()).mission(name).build(params, strict=strict)


def build_workflow(spec: MissionSpec) -> WorkflowDefinition:
    """Plan the workflow for ``spec`` (the seed's name for :func:`plan_mission`)."""
    if not isinstance(spec, MissionSpec):
        raise WorkflowInputError(f"build_workflow needs a MissionSpec, got {type(spec).__name__}")
    return plan_mission(spec.type, spec.params)


class _InstalledOperations:
    """The operations of the plugins in use, looked up when a run starts (so a
    registry swapped in by ``use_registry`` is the one a run sees)."""

    __slots__ = ()

    def find_operation(self, name: str) -> Any:
        return active_registry().find_operation(name)

    def unknown_operation(self, name: str) -> str:
        return active_registry().unknown_operation(name)


INSTALLED = _InstalledOperations()


class Orchestrator(engine.Orchestrator):
    """Runs workflows with the operations of the installed plugins by default;
    ``operations`` (name to function) runs against a fixed set instead, e.g.
    in unit tests of an operation."""

    def __init__(self, operations: Mapping[str, Any] | None = None) -> None:
        super().__init__(INSTALLED if operations is None else operations)


_WITH_INSTALLED = Orchestrator()


def run_planned(
    workflow: WorkflowDefinition,
    initial_state: Mapping[str, Any] | None = None,
    *,
    approvals: Mapping[str, bool | Decision] | None = None,
    clock: Clock | None = None,
    verify: bool = False,
    pause_at_undecided: bool = False,
    effects: EffectPolicy | None = None,
) -> OrchestrationResult:
    """Run a planned ``workflow`` on ``initial_state`` with the installed operations
    (and, given ``effects``, the effect kinds of the installed plugins)."""
    context = ExecutionContext(initial_state=initial_state, approvals=approvals, clock=clock,
                               pause_at_undecided=pause_at_undecided, effects=with_installed_kinds(effects))
    return _WITH_INSTALLED.run_workflow(workflow, context, verify=verify)


def with_installed_kinds(effects: EffectPolicy | None) -> EffectPolicy | None:
    """``effects`` knowing the effect kinds of the installed plugins."""
    if effects is None:
        return None
    return effects.replace_kinds(active_registry().effect_kinds())


def run_mission(
    mission_name: str,
    params: Mapping[str, Any] | None = None,
    initial_state: Mapping[str, Any] | None = None,
    *,
    approvals: Mapping[str, bool | Decision] | None = None,
    clock: Clock | None = None,
    verify: bool = False,
    strict: bool = False,
    pause_at_undecided: bool = False,
    effects: EffectPolicy | None = None,
) -> OrchestrationResult:
    """Plan ``mission_name`` with ``params`` and run it on ``initial_state``.

    ``approvals`` decides human steps by id (``True``/``False``, or a
    :class:`Decision` saying who decided, when and why); ``clock`` is the
    run's time (a fixed logical clock when omitted, so the run is
    reproducible); ``verify`` runs each runtime step twice and fails the run
    if the two runs disagree (see :meth:`Orchestrator.run_workflow`);
    ``strict`` refuses params the mission does not declare, as the command
    line does. With ``pause_at_undecided`` the run stops at the first human
    step nobody decided (``result.status == "paused"``); :func:`resume_mission`
    goes on from there. ``effects`` grants what the mission's effects may
    touch (:class:`EffectPolicy`; nothing when omitted).
    """
    workflow = plan_mission(mission_name, params, strict=strict)
    return run_planned(workflow, initial_state, approvals=approvals, clock=clock, verify=verify,
                       pause_at_undecided=pause_at_undecided, effects=effects)


def resume_planned(
    workflow: WorkflowDefinition,
    paused: OrchestrationResult,
    approvals: Mapping[str, bool | Decision] | None = None,
    *,
    clock: Clock | None = None,
    verify: bool = False,
    pause_at_undecided: bool = True,
    effects: EffectPolicy | None = None,
) -> OrchestrationResult:
    """Go on with ``paused``, a paused run of ``workflow``, with the installed
    operations (see :meth:`Orchestrator.resume_workflow`): nothing that ran
    before the pause runs again, no effect it took is taken again."""
    return _WITH_INSTALLED.resume_workflow(workflow, paused, approvals, clock=clock, verify=verify,
                                           pause_at_undecided=pause_at_undecided,
                                           effects=with_installed_kinds(effects))


def resume_mission(
    mission_name: str,
    paused: OrchestrationResult,
    approvals: Mapping[str, bool | Decision] | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    clock: Clock | None = None,
    verify: bool = False,
    pause_at_undecided: bool = True,
    effects: EffectPolicy | None = None,
) -> OrchestrationResult:
    """Go on with ``paused``, a paused run of mission ``mission_name`` planned
    with ``params``, given decisions (``{"confirm-plan": Decision(True,
    "ana", "2026-12-01T09:00:00Z")}``). The result equals one uninterrupted
    run given the same decisions; it pauses again at a later undecided human
    step unless ``pause_at_undecided`` is false."""
    workflow = plan_mission(mission_name, params)
    return resume_planned(workflow, paused, approvals, clock=clock, verify=verify,
                          pause_at_undecided=pause_at_undecided, effects=effects)


def versions_used(workflows: Iterable[WorkflowDefinition]) -> dict[str, Any]:
    """The versions the runs of ``workflows`` used (lifeos-core's, and each
    plugin's that provided their missions or operations): what a record keeps."""
    workflows = list(workflows)
    missions = [workflow.metadata.get("mission_type") for workflow in workflows]
    operations = {step.operation for workflow in workflows for step in workflow.steps if step.operation}
    return active_registry().versions_of([name for name in missions if isinstance(name, str)], sorted(operations))
