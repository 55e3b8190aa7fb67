"""lifeos: bounded, deterministic, auditable missions.

The public API lives here; everything a user or a plugin author needs is
importable from ``lifeos_core`` directly.
"""

from __future__ import annotations

from .builder import MissionSpec, build_workflow
from .clock import EPOCH, Clock, FixedClock
from .engine import ExecutionContext, OrchestrationResult, Orchestrator, StepContext
from .errors import (
    AntiFailurePlanningError,
    AntiFailureViolation,
    EnvelopeViolation,
    LifeosError,
    MissionParamsError,
    NotJSONError,
    PluginConflictError,
    StepFailed,
    UnknownMissionError,
    WorkflowInputError,
)
from .hashing import canonical_json, stable_hash
from .hookspecs import hookimpl
from .jsonvalue import FrozenMap
from .limits import MAX_HUMAN_STEPS, MAX_STEPS
from .mission import REQUIRED, Mission, MissionRegistryEntry, Param
from .plugins import Registry, load_registry, reload_plugins, use_registry
from .registry import get_mission, list_missions, run_mission
from .version import __version__
from .workflow import StepSpec, WorkflowDefinition

__all__ = [
    "AntiFailurePlanningError",
    "AntiFailureViolation",
    "Clock",
    "EPOCH",
    "EnvelopeViolation",
    "ExecutionContext",
    "FixedClock",
    "FrozenMap",
    "LifeosError",
    "MAX_HUMAN_STEPS",
    "MAX_STEPS",
    "Mission",
    "MissionParamsError",
    "MissionRegistryEntry",
    "MissionSpec",
    "NotJSONError",
    "OrchestrationResult",
    "Orchestrator",
    "Param",
    "PluginConflictError",
    "REQUIRED",
    "Registry",
    "StepContext",
    "StepFailed",
    "StepSpec",
    "UnknownMissionError",
    "WorkflowDefinition",
    "WorkflowInputError",
    "__version__",
    "build_workflow",
    "canonical_json",
    "get_mission",
    "hookimpl",
    "list_missions",
    "load_registry",
    "reload_plugins",
    "run_mission",
    "stable_hash",
    "use_registry",
]
