"""Planning: turning a mission request into a workflow the engine can run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import WorkflowInputError
from .jsonvalue import FrozenMap, freeze_mapping
from .plugins import active_registry
from .workflow import WorkflowDefinition


@dataclass(frozen=True)
class MissionSpec:
    """A request for a mission: its registered name (``type``) and params."""

    type: str
    params: Mapping[str, Any] | None = field(default_factory=FrozenMap)

    def __post_init__(self) -> None:
        if not isinstance(self.type, str) or not self.type:
            raise WorkflowInputError(f"mission type must be a non-empty string, got {self.type!r}")
        object.__setattr__(self, "params", freeze_mapping(self.params, f"params of mission {self.type!r}"))


def build_workflow(spec: MissionSpec) -> WorkflowDefinition:
    """Plan the workflow for ``spec`` with the mission its plugin registered.

    Raises :class:`UnknownMissionError` (a ``ValueError``) for a name no
    plugin provides, :class:`MissionParamsError` for params the mission
    declares with a wrong type or value, and :class:`AntiFailurePlanningError`
    when the plan would exceed the limits: planning fails closed.
    """
    if not isinstance(spec, MissionSpec):
        raise WorkflowInputError(f"build_workflow needs a MissionSpec, got {type(spec).__name__}")
    return active_registry().mission(spec.type).build(spec.params)
