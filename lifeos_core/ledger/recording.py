"""What goes into the ledger for a run: its inputs exactly as they were given
(params, initial state, clock, human decisions, verification; for a test run
the plan's data) and the versions of lifeos-core and of the plugins involved,
so that a replay (:mod:`lifeos_core.ledger.replay`) can run it again and say
whether the result is the same, where it differs, and which versions changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..missions import plan_mission, versions_used
from .records import MISSION_RUN, TEST_RUN, LedgerRecord
from .store import Ledger


def record_mission_run(
    ledger: Ledger,
    *,
    mission: str,
    params: Mapping[str, Any],
    initial_state: Mapping[str, Any],
    approvals: Mapping[str, bool],
    clock: str,
    verify: bool,
    workflow: Any,
    result: Any,
) -> LedgerRecord:
    """Record one mission run (``result`` is its OrchestrationResult, ``workflow`` what it ran)."""
    return ledger.append(
        MISSION_RUN,
        mission,
        inputs={"mission": mission, "params": dict(params), "initial_state": dict(initial_state),
                "approvals": dict(approvals), "clock": clock, "verify": verify},
        versions=versions_used([workflow]),
        result=result.to_dict(),
        success=result.success,
    )


def recorded_test_result(execution: Any) -> dict[str, Any]:
    """The recorded result of a test run: the run's ``to_dict()`` and what was skipped."""
    return {**execution.result.to_dict(), "skipped": list(execution.skipped)}


def record_test_run(
    ledger: Ledger,
    *,
    source: str,
    plan: Mapping[str, Any],
    expectations: Mapping[str, Any] | None,
    fail_fast: bool,
    verify: bool,
    test_plan: Any,
    execution: Any,
    executor: Mapping[str, Any],
) -> LedgerRecord:
    """Record one test run of a plan (``plan``/``expectations`` are the files' data;
    ``executor`` says what ran it, and is kept outside the result and its hash)."""
    workflows = [plan_mission(call.name, call.params) for scenario in test_plan.suite.scenarios
                 for call in scenario.missions]
    return ledger.append(
        TEST_RUN,
        test_plan.suite.suite_name,
        inputs={"source": source, "plan": dict(plan), "expectations": expectations, "fail_fast": fail_fast,
                "verify": verify},
        versions=versions_used(workflows),
        result=recorded_test_result(execution),
        success=execution.result.passed and not execution.skipped,
        executor=executor,
    )
