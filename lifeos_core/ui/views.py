"""What the pages show of a record, in words and plain values, apart from the HTML.

Each function reads a record's body as it is stored (trusting nothing:
a field of an unexpected type is shown as missing, never a crash) and says
it the way ``lifeos runs list`` and ``runs show`` do, so the browser and the
terminal tell the same story.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..ledger.records import LedgerRecord


def verdict_class(text: str) -> str:
    """The CSS class of a verdict: its colour in the tables."""
    return ("ok" if text == "success" else "waiting" if text.startswith("waiting") else "resumed"
            if text.startswith("paused") else "failed")


def row(record: LedgerRecord, resumed: bool = False) -> dict[str, Any]:
    """One line of a runs table."""
    shown = record.verdict(resumed)
    return {"id": record.id, "short": record.id[:12], "seq": record.seq, "recorded_at": record.recorded_at,
            "kind": record.kind.replace("_", " "), "name": record.name, "verdict": shown,
            "verdict_class": verdict_class(shown)}


def pretty(value: Any) -> str:
    """A JSON value as people read it: indented, keys sorted, text as it is."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else []


def state_so_far(record: LedgerRecord) -> Any:
    """The state the record ends with: for a paused run, exactly as it paused
    (its ``paused_state`` keeps number types); otherwise the result's final state."""
    text = record.body.get("paused_state")
    if isinstance(text, str):
        try:
            return json.loads(text)
        except ValueError:
            pass
    return _mapping(record.body["result"]).get("final_state")


def changed_keys(record: LedgerRecord) -> list[str]:
    """The top-level keys of the state the whole run changed (added, removed or
    given another value): a record keeps the state before and after the run,
    not between steps, so this is the diff of the run; each step's own change
    shows in its lineage hashes."""
    before = _mapping(_mapping(record.body.get("inputs")).get("initial_state"))
    after = _mapping(state_so_far(record))
    return sorted(str(key) for key in {*before, *after} if before.get(key, _ABSENT) != after.get(key, _ABSENT))


_ABSENT = object()


def steps(record: LedgerRecord) -> list[dict[str, Any]]:
    """Each step the run reached, in order: its kind, operation, status, what it
    is for, the state hashes before and after it (whether it changed the
    state), and the effects it took (what, and the digest of the response)."""
    from ..engine.effects import describe

    result = _mapping(record.body["result"])
    described = {_mapping(step).get("id"): _mapping(_mapping(step).get("payload")).get("description")
                 for step in _list(result.get("executed_steps"))}
    found = []
    for entry in map(_mapping, _list(result.get("lineage"))):
        effects = []
        for effect in map(_mapping, _list(entry.get("effects"))):
            kind, request = str(effect.get("kind", "?")), _mapping(effect.get("request"))
            effects.append({"kind": kind, "summary": describe(kind, request), "request": pretty(request),
                            "digest": str(effect.get("response_sha256", ""))})
        before, after = entry.get("input_hash"), entry.get("output_hash")
        found.append({"id": str(entry.get("step_id", "?")), "kind": entry.get("kind") or "",
                      "operation": entry.get("operation") or "", "status": entry.get("status") or "",
                      "description": described.get(entry.get("step_id")) or "",
                      "input_hash": before or "", "output_hash": after or "",
                      "changed": before != after, "effects": effects, "lineage": pretty(entry)})
    return found


def decisions(record: LedgerRecord) -> list[dict[str, Any]]:
    """Each human step of the run's receipt: its status, and who decided, when, with what note."""
    receipt = _mapping(_mapping(record.body["result"]).get("receipt"))
    return [{"step": str(entry.get("id")), "status": str(entry.get("status", "")), "by": entry.get("by"),
             "at": entry.get("at"), "note": entry.get("note")}
            for entry in map(_mapping, _list(receipt.get("human_steps")))]


def outcome(record: LedgerRecord) -> str:
    """What a decision made in the browser did, in a line: ``approved by ana: the run succeeded``."""
    decision = _mapping(record.body.get("decision"))
    said = "approved" if decision.get("approved") else "rejected"
    if decision.get("by"):
        said += f" by {decision['by']}"
    result = _mapping(record.body["result"])
    if record.status == "paused":
        return f"{said}: paused again at {record.paused_at}"
    if record.success:
        return f"{said}: the run succeeded"
    where = result.get("failed_step_id") or decision.get("step") or "?"
    return f"{said}: the run ended at {where}"


def _scenario_of_expectations(inputs: Mapping[str, Any]) -> dict[str, str]:
    """Which scenario each expectation judges, by id: from the plan's scenarios
    (expectations written inside them) and from a separate expectations file."""
    found: dict[str, str] = {}
    for scenario in map(_mapping, _list(_mapping(inputs.get("plan")).get("scenarios"))):
        for expectation in map(_mapping, _list(scenario.get("expectations"))):
            if isinstance(expectation.get("id"), str):
                found[expectation["id"]] = str(scenario.get("scenario_name", ""))
    separate = inputs.get("expectations")
    for expectation in map(_mapping, _list(_mapping(separate).get("expectations") if isinstance(separate, Mapping)
                                           else separate)):
        if isinstance(expectation.get("id"), str) and isinstance(expectation.get("scenario_name"), str):
            found[expectation["id"]] = expectation["scenario_name"]
    return found


def expectations(record: LedgerRecord) -> list[dict[str, Any]]:
    """A test run's verdict per expectation: its scenario (when the plan says),
    passed or not, what was expected, what was found."""
    judged = _mapping(_mapping(record.body["result"]).get("expectations_result"))
    scenario_of = _scenario_of_expectations(_mapping(record.body.get("inputs")))
    return [{"id": str(key), "scenario": scenario_of.get(str(key), ""), "passed": bool(_mapping(value).get("passed")),
             "expected": pretty(_mapping(value).get("expected")), "actual": pretty(_mapping(value).get("actual")),
             "details": pretty(_mapping(value).get("details")) if _mapping(value).get("details") else ""}
            for key, value in _mapping(judged.get("expectation_results")).items()]


def scenarios(record: LedgerRecord) -> list[dict[str, Any]]:
    """A test run's scenarios: each mission it ran and how that run ended, and
    how many of the scenario's expectations passed."""
    suite = _mapping(_mapping(record.body["result"]).get("suite_result"))
    judged = expectations(record)
    found = []
    for name, scenario in _mapping(suite.get("scenario_results")).items():
        missions = []
        for mission, result in _mapping(_mapping(scenario).get("mission_results")).items():
            result = _mapping(result)
            paused_at = _mapping(result.get("receipt")).get("paused_at")
            ended = ("success" if result.get("success") else f"waiting at {paused_at}" if paused_at
                     else f"FAILED at {result.get('failed_step_id')}" if result.get("failed_step_id") else "FAILED")
            missions.append({"mission": str(mission), "verdict": ended, "verdict_class": verdict_class(ended)})
        own = [item for item in judged if item["scenario"] == name]
        found.append({"name": str(name), "missions": missions, "expected": len(own),
                      "passed": sum(item["passed"] for item in own), "all_passed": all(item["passed"] for item in own)})
    return found


def tally(record: LedgerRecord) -> str:
    """A test run's expectations in a few words: ``10 of 11 passed``."""
    found = expectations(record)
    return f"{sum(item['passed'] for item in found)} of {len(found)} passed" if found else "-"
