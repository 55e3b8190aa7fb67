"""The mission registry as callers use it: list, look up, run.

The missions themselves come from plugins (see :mod:`lifeos_core.plugins`);
these functions read whichever registry is active.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .clock import Clock
from .errors import WorkflowInputError
from .engine import ExecutionContext, OrchestrationResult, Orchestrator
from .mission import MissionRegistryEntry
from .plugins import active_registry


def list_missions() -> list[str]:
    """The names of the missions that can be run, sorted."""
    return active_registry().mission_names()


def get_mission(name: str) -> MissionRegistryEntry:
    """The registry entry for ``name``; raises :class:`UnknownMissionError`
    (listing the known missions) when no plugin provides it."""
    return active_registry().mission(name)


def run_mission(
    mission_name: str,
    params: Mapping[str, Any] | None = None,
    initial_state: Mapping[str, Any] | None = None,
    *,
    approvals: Mapping[str, bool] | None = None,
    clock: Clock | None = None,
    verify: bool = False,
) -> OrchestrationResult:
    """Plan ``mission_name`` with ``params`` and run it on ``initial_state``.

    ``approvals`` decides human steps by id; ``clock`` is the run's time
    (a fixed logical clock when omitted, so the run is reproducible);
    ``verify`` runs each runtime step twice and fails the run if the two
    runs disagree (see :meth:`Orchestrator.run_workflow`).
    """
    if not isinstance(mission_name, str) or not mission_name:
        raise WorkflowInputError(f"mission name must be a non-empty string, got {mission_name!r}")
    workflow = active_registry().mission(mission_name).build(params)
    context = ExecutionContext(
        initial_state=initial_state,
        approvals=approvals,
        clock=clock,
    )
    return Orchestrator().run_workflow(workflow, context, verify=verify)
