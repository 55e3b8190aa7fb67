"""lifeos: bounded, deterministic, auditable missions.

The public API lives here; everything a user or a plugin author needs is
importable from ``lifeos_core`` directly.
"""

from __future__ import annotations

from .builder import MissionSpec, build_workflow
from .clock import EPOCH, Clock, FixedClock
from .config import (
    TestPlan,
    load_test_plan,
    parse_expectations_definition,
    parse_suite_definition,
    parse_test_plan,
    run_test_run_from_config,
)
from .engine import ExecutionContext, OrchestrationResult, Orchestrator, StepContext
from .errors import (
    AntiFailurePlanningError,
    AntiFailureViolation,
    ConfigError,
    DefinitionError,
    EnvelopeViolation,
    LifeosError,
    MissionParamsError,
    NotJSONError,
    PluginConflictError,
    StepFailed,
    UnknownMissionError,
    WorkflowInputError,
)
from .expectations import (
    ExpectationResult,
    MissionExpectation,
    SuiteExpectationsDefinition,
    SuiteExpectationsResult,
    evaluate_expectations,
)
from .harness import MissionCall, ScenarioDefinition, ScenarioResult, run_scenario
from .hashing import canonical_json, stable_hash
from .hookspecs import hookimpl
from .jsonvalue import FrozenMap
from .limits import MAX_HUMAN_STEPS, MAX_STEPS
from .mission import REQUIRED, Mission, MissionRegistryEntry, Param
from .plugins import Registry, load_registry, reload_plugins, use_registry
from .registry import get_mission, list_missions, run_mission
from .suite import ScenarioSuiteDefinition, ScenarioSuiteResult, run_suite
from .testrun import TestRunResult, aggregate_test_run, run_test_run
from .version import __version__
from .workflow import StepSpec, WorkflowDefinition

__all__ = [
    "AntiFailurePlanningError",
    "AntiFailureViolation",
    "Clock",
    "ConfigError",
    "DefinitionError",
    "EPOCH",
    "EnvelopeViolation",
    "ExecutionContext",
    "ExpectationResult",
    "FixedClock",
    "FrozenMap",
    "LifeosError",
    "MAX_HUMAN_STEPS",
    "MAX_STEPS",
    "Mission",
    "MissionCall",
    "MissionExpectation",
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
    "ScenarioDefinition",
    "ScenarioResult",
    "ScenarioSuiteDefinition",
    "ScenarioSuiteResult",
    "StepContext",
    "StepFailed",
    "StepSpec",
    "SuiteExpectationsDefinition",
    "SuiteExpectationsResult",
    "TestPlan",
    "TestRunResult",
    "UnknownMissionError",
    "WorkflowDefinition",
    "WorkflowInputError",
    "__version__",
    "aggregate_test_run",
    "build_workflow",
    "canonical_json",
    "evaluate_expectations",
    "get_mission",
    "hookimpl",
    "list_missions",
    "load_registry",
    "load_test_plan",
    "parse_expectations_definition",
    "parse_suite_definition",
    "parse_test_plan",
    "reload_plugins",
    "run_mission",
    "run_scenario",
    "run_suite",
    "run_test_run",
    "run_test_run_from_config",
    "stable_hash",
    "use_registry",
]
