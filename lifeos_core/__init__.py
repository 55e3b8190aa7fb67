"""lifeos: bounded, deterministic, auditable missions.

This module is the public API, written once: every name below, and nothing
else, is what a user or a plugin author imports (``from lifeos_core import
run_mission``); the subsystem packages behind it (``values``, ``engine``,
``plugins``, ``harness``, ``ledger``, ``cli``; see ARCHITECTURE.md) are
private and may change. Names are imported on first use (PEP 562), so
``import lifeos_core`` and the CLI start fast and a mission pack pays only
for the parts of lifeos it touches.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    # planning and running missions: the door
    "MissionSpec": "missions",
    "Orchestrator": "missions",
    "build_workflow": "missions",
    "get_mission": "missions",
    "list_missions": "missions",
    "plan_mission": "missions",
    "run_mission": "missions",
    "run_planned": "missions",
    "resume_mission": "missions",
    "resume_planned": "missions",
    # the engine's values
    "Decision": "engine.decisions",
    "EffectFixture": "engine.effects",
    "EffectKind": "engine.effects",
    "EffectPolicy": "engine.effects",
    "ExecutionContext": "engine.context",
    "MAX_STATE_BYTES": "engine.context",
    "StepContext": "engine.context",
    "OrchestrationResult": "engine.result",
    "MAX_HUMAN_STEPS": "engine.workflow",
    "MAX_STEPS": "engine.workflow",
    "StepSpec": "engine.workflow",
    "WorkflowDefinition": "engine.workflow",
    # values
    "Clock": "values.clock",
    "EPOCH": "values.clock",
    "FixedClock": "values.clock",
    "clock_from_text": "values.clock",
    "canonical_json": "values.canonical",
    "loads_canonical": "values.canonical",
    "stable_hash": "values.canonical",
    "state_hash": "values.snapshot",
    "FrozenMap": "values.jsonvalue",
    # errors
    "AntiFailurePlanningError": "errors",
    "AntiFailureViolation": "errors",
    "ConfigError": "errors",
    "DefinitionError": "errors",
    "EnvelopeViolation": "errors",
    "LifeosError": "errors",
    "MissionParamsError": "errors",
    "MissionInputError": "errors",
    "NotJSONError": "errors",
    "PluginConflictError": "errors",
    "PluginError": "errors",
    "StepFailed": "errors",
    "UnknownMissionError": "errors",
    "WorkflowInputError": "errors",
    "did_you_mean": "errors",
    # plugins
    "hookimpl": "plugins.hookspecs",
    "Mission": "plugins.mission",
    "MissionRegistryEntry": "plugins.mission",
    "Param": "plugins.mission",
    "REQUIRED": "plugins.mission",
    "Registry": "plugins.registry",
    "load_registry": "plugins.loading",
    "reload_plugins": "plugins.active",
    "use_registry": "plugins.active",
    # the harness
    "MissionCall": "harness.scenarios",
    "ScenarioDefinition": "harness.scenarios",
    "ScenarioResult": "harness.scenarios",
    "run_scenario": "harness.scenarios",
    "ScenarioSuiteDefinition": "harness.suites",
    "ScenarioSuiteResult": "harness.suites",
    "run_suite": "harness.suites",
    "ExpectationResult": "harness.expectations",
    "MissionExpectation": "harness.expectations",
    "SuiteExpectationsDefinition": "harness.expectations",
    "SuiteExpectationsResult": "harness.expectations",
    "evaluate_expectations": "harness.expectations",
    "PlanExecution": "harness.testrun",
    "TestRunResult": "harness.testrun",
    "aggregate_test_run": "harness.testrun",
    "run_plan": "harness.testrun",
    "run_test_run": "harness.testrun",
    "PlanReport": "harness.checks",
    "check_plan": "harness.checks",
    "TestPlan": "harness.plans",
    "load_test_plan": "harness.plans",
    "parse_expectations_definition": "harness.plans",
    "parse_suite_definition": "harness.plans",
    "parse_test_plan": "harness.plans",
    "run_test_run_from_config": "harness.plans",
    "Executor": "harness.executors",
    "ExecutorError": "harness.executors",
    "SequentialExecutor": "harness.executors",
    "DaskExecutor": "harness.dask",
    "schema_text": "harness.schema",
    # the ledger
    "Ledger": "ledger.store",
    "LedgerError": "ledger.records",
    "LedgerRecord": "ledger.records",
    "open_ledger": "ledger.store",
    # the version
    "__version__": "version",
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
