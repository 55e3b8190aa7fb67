"""What goes into the ledger for a run: its inputs exactly as they were given
(params, initial state, clock, human decisions, verification; for a test run
the plan's data) and the versions of lifeos-core and of the plugins involved,
so that a replay (:mod:`lifeos_core.ledger.replay`) can run it again and say
whether the result is the same, where it differs, and which versions changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..engine.decisions import decisions_of
from ..missions import plan_mission, versions_used
from .records import MISSION_RUN, TEST_RUN, LedgerRecord
from .store import Ledger


def record_mission_run(
    ledger: Ledger,
    *,
    mission: str,
    params: Mapping[str, Any],
    initial_state: Mapping[str, Any],
    approvals: Mapping[str, Any],
    clock: str,
    verify: bool,
    workflow: Any,
    result: Any,
    pause: bool = False,
    started_by: str | None = None,
    grants: list[str] | None = None,
    folder: str | None = None,
) -> LedgerRecord:
    """Record one mission run (``result`` is its OrchestrationResult, ``workflow`` what it ran).

    ``approvals`` are its decisions (bools or :class:`~lifeos_core.engine.decisions.Decision`);
    a run made with ``pause`` (as the command line makes them) is replayed so,
    and one that paused is recorded with everything needed to resume it: its
    inputs, its versions, and its result (the state so far, the receipt and
    lineage up to the waiting step). ``started_by`` names who started it;
    ``folder`` is the folder its effects' relative paths are relative to,
    kept for a run that took effects or waits (the steps after the pause
    reach the same files).
    """
    inputs = mission_inputs(mission, params, initial_state, approvals, clock, verify, pause, grants)
    if folder is not None and (result.receipt.get("effects_sha256") or result.status == "paused"):
        inputs["folder"] = folder
    extra: dict[str, Any] = {"status": result.status, **paused_state(result)}
    if started_by is not None:
        extra["started_by"] = started_by
    return ledger.append(
        MISSION_RUN,
        mission,
        inputs=inputs,
        versions=versions_used([workflow]),
        result=result.to_dict(),
        success=result.success,
        extra=extra,
        bodies=result.effect_bodies(),
    )


def paused_state(result: Any) -> dict[str, str]:
    """For a paused result, its state as the engine holds it (``paused_state``:
    canonical JSON would turn ``2.0`` into ``2``), which resuming starts from."""
    return {"paused_state": result.final_state_json()} if result.status == "paused" else {}


def mission_inputs(mission: str, params: Mapping[str, Any], initial_state: Mapping[str, Any],
                   approvals: Mapping[str, Any], clock: str, verify: bool, pause: bool,
                   grants: list[str] | None = None) -> dict[str, Any]:
    """A mission run's recorded inputs: what a replay runs it again from.
    ``approvals`` holds each decision as true/false; ``decisions`` the
    attested ones whole (who, when, note)."""
    decided = decisions_of(approvals)
    inputs: dict[str, Any] = {
        "mission": mission, "params": dict(params), "initial_state": dict(initial_state),
        "approvals": {step: decision.approved for step, decision in decided.items()},
        "clock": clock, "verify": verify,
    }
    attested = {step: decision.to_dict() for step, decision in decided.items() if decision.attested}
    if attested:
        inputs["decisions"] = attested
    if pause:
        inputs["pause"] = True
    if grants:
        inputs["grants"] = list(grants)  # resolved (--allow, trusted config): what a live replay grants again
    return inputs


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
