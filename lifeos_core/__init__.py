"""lifeos: bounded, deterministic, auditable missions.

The public API lives here; everything a user or a plugin author needs is
importable from ``lifeos_core`` directly. Names are imported on first use
(PEP 562), so ``import lifeos_core`` and the CLI start fast and a mission pack
pays only for the parts of lifeos it touches.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "MissionSpec": "builder",
    "MAX_STATE_BYTES": "context",
    "build_workflow": "builder",
    "Clock": "clock",
    "EPOCH": "clock",
    "FixedClock": "clock",
    "TestPlan": "config",
    "load_test_plan": "config",
    "parse_expectations_definition": "config",
    "parse_suite_definition": "config",
    "parse_test_plan": "config",
    "run_test_run_from_config": "config",
    "DaskExecutor": "dask_executor",
    "ExecutionContext": "context",
    "OrchestrationResult": "result",
    "Orchestrator": "engine",
    "StepContext": "context",
    "AntiFailurePlanningError": "errors",
    "AntiFailureViolation": "errors",
    "ConfigError": "errors",
    "DefinitionError": "errors",
    "EnvelopeViolation": "errors",
    "LifeosError": "errors",
    "MissionParamsError": "errors",
    "NotJSONError": "errors",
    "PluginConflictError": "errors",
    "PluginError": "errors",
    "StepFailed": "errors",
    "UnknownMissionError": "errors",
    "WorkflowInputError": "errors",
    "Executor": "executors",
    "ExecutorError": "executors",
    "SequentialExecutor": "executors",
    "ExpectationResult": "expectations",
    "MissionExpectation": "expectations",
    "SuiteExpectationsDefinition": "expectations",
    "SuiteExpectationsResult": "expectations",
    "evaluate_expectations": "expectations",
    "MissionCall": "harness",
    "ScenarioDefinition": "harness",
    "ScenarioResult": "harness",
    "run_scenario": "harness",
    "canonical_json": "hashing",
    "stable_hash": "hashing",
    "hookimpl": "hookspecs",
    "FrozenMap": "jsonvalue",
    "MAX_HUMAN_STEPS": "limits",
    "MAX_STEPS": "limits",
    "Mission": "mission",
    "MissionRegistryEntry": "mission",
    "Param": "mission",
    "REQUIRED": "mission",
    "Registry": "plugins",
    "load_registry": "plugins",
    "reload_plugins": "plugins",
    "use_registry": "plugins",
    "get_mission": "registry",
    "list_missions": "registry",
    "run_mission": "registry",
    "ScenarioSuiteDefinition": "suite",
    "ScenarioSuiteResult": "suite",
    "run_suite": "suite",
    "TestRunResult": "testrun",
    "aggregate_test_run": "testrun",
    "run_test_run": "testrun",
    "__version__": "version",
    "StepSpec": "workflow",
    "WorkflowDefinition": "workflow",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'lifeos_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:
    from .builder import MissionSpec, build_workflow
    from .clock import Clock, EPOCH, FixedClock
    from .config import TestPlan, load_test_plan, parse_expectations_definition, parse_suite_definition, parse_test_plan, run_test_run_from_config
    from .context import ExecutionContext, MAX_STATE_BYTES, StepContext
    from .dask_executor import DaskExecutor
    from .engine import Orchestrator
    from .errors import AntiFailurePlanningError, AntiFailureViolation, ConfigError, DefinitionError, EnvelopeViolation, LifeosError, MissionParamsError, NotJSONError, PluginConflictError, PluginError, StepFailed, UnknownMissionError, WorkflowInputError
    from .executors import Executor, ExecutorError, SequentialExecutor
    from .expectations import ExpectationResult, MissionExpectation, SuiteExpectationsDefinition, SuiteExpectationsResult, evaluate_expectations
    from .harness import MissionCall, ScenarioDefinition, ScenarioResult, run_scenario
    from .hashing import canonical_json, stable_hash
    from .hookspecs import hookimpl
    from .jsonvalue import FrozenMap
    from .limits import MAX_HUMAN_STEPS, MAX_STEPS
    from .mission import Mission, MissionRegistryEntry, Param, REQUIRED
    from .plugins import Registry, load_registry, reload_plugins, use_registry
    from .registry import get_mission, list_missions, run_mission
    from .result import OrchestrationResult
    from .suite import ScenarioSuiteDefinition, ScenarioSuiteResult, run_suite
    from .testrun import TestRunResult, aggregate_test_run, run_test_run
    from .version import __version__
    from .workflow import StepSpec, WorkflowDefinition
