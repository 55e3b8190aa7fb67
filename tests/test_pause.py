"""A human step nobody decided pauses the run; a decision resumes it where it
stopped, running nothing twice, and the ledger keeps both ends of the wait."""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from lifeos_core import (
    Decision,
    ExecutionContext,
    FixedClock,
    Mission,
    OrchestrationResult,
    Orchestrator,
    StepSpec,
    WorkflowDefinition,
    WorkflowInputError,
    canonical_json,
    load_test_plan,
    parse_test_plan,
    resume_mission,
    run_mission,
)
from lifeos_core.ledger.recording import record_mission_run
from lifeos_core.ledger.records import LedgerError
from lifeos_core.ledger.resuming import record_resumption, resume_recorded, waiting_runs
from lifeos_core.ledger.replay import replay
from lifeos_core.ledger.store import DecidedAlready, Ledger
from lifeos_core.missions import plan_mission

ROOT = Path(__file__).resolve().parents[1]
CLOCK = FixedClock("2026-11-23T08:00:00Z")
ANA = Decision(True, by="ana", at="2026-11-23T09:30:00Z", note="fine by me")
BO = Decision(True, by="bo", at="2026-11-23T18:00:00Z")

calls: Counter[str] = Counter()


def gather(state, payload, context):
    calls["gather"] += 1
    state["gathered"] = sorted(state.get("items", []))
    state["lucky"] = context.random.randint(1, 10**9)  # the run's seed, drawn before the pause
    return state


def commit(state, payload, context):
    calls["commit"] += 1
    state["committed"] = {"items": state["gathered"], "at": context.now().isoformat(),
                          "lucky": context.random.randint(1, 10**9)}  # drawn after the pause
    return state


def archive(state, payload, context):
    calls["archive"] += 1
    state["archived"] = True
    return state


def plan(params):
    steps = [StepSpec("gather", "runtime", {"operation": "shop.gather"}),
             StepSpec("check", "human", {"description": "Is the list right?"}),
             StepSpec("commit", "runtime", {"operation": "shop.commit"})]
    if params.get("two_checks"):
        steps += [StepSpec("sign-off", "human", {"description": "Sign the order off"}),
                  StepSpec("archive", "runtime", {"operation": "shop.archive"})]
    return steps


def summary(state, step_id):
    return f"{len(state.get('gathered', []))} item(s) to {step_id}"


@pytest.fixture
def shop(registry_with, pack):
    """A mission with a human step between two counted operations."""
    calls.clear()
    mission = Mission("shop", "Buy what the list says.", plan, summary=summary)
    registry_with(shop=pack([mission], {"shop.gather": gather, "shop.commit": commit, "shop.archive": archive}))
    return calls


STATE = {"items": ["milk", "bread"]}


def test_nothing_after_an_undecided_human_step_runs(shop):
    paused = run_mission("shop", {}, STATE, clock=CLOCK, pause_at_undecided=True)
    assert (paused.status, paused.paused_at, paused.success, paused.failed_step_id) == ("paused", "check", False, None)
    assert shop == {"gather": 1}  # commit never ran
    assert "committed" not in paused.final_state
    assert [entry["status"] for entry in paused.lineage] == ["completed", "awaiting_attestation"]
    assert paused.receipt["paused_at"] == "check" and paused.receipt["steps"] == ["gather", "check"]


def test_without_pausing_the_seed_behaviour_stays(shop):
    result = run_mission("shop", {}, STATE, clock=CLOCK)
    assert result.success and result.status == "succeeded" and result.paused_at is None
    assert result.receipt["human_steps"] == [{"id": "check", "status": "awaiting_attestation"}]
    assert "paused_at" not in result.receipt


def test_resuming_equals_one_uninterrupted_run_and_runs_nothing_twice(shop):
    paused = run_mission("shop", {"two_checks": True}, STATE, clock=CLOCK, pause_at_undecided=True)
    halfway = resume_mission("shop", paused, {"check": ANA}, params={"two_checks": True})
    assert (halfway.status, halfway.paused_at) == ("paused", "sign-off")
    done = resume_mission("shop", halfway, {"sign-off": BO}, params={"two_checks": True})
    assert shop == {"gather": 1, "commit": 1, "archive": 1}

    shop.clear()
    straight = run_mission("shop", {"two_checks": True}, STATE, clock=CLOCK, approvals={"check": ANA, "sign-off": BO})
    assert canonical_json(done.to_dict()) == canonical_json(straight.to_dict())
    assert done.result_hash() == straight.result_hash()
    assert done.final_state["committed"]["lucky"] == straight.final_state["committed"]["lucky"]
    assert done.receipt["human_steps"] == [
        {"id": "check", "status": "approved", "by": "ana", "at": "2026-11-23T09:30:00Z", "note": "fine by me"},
        {"id": "sign-off", "status": "approved", "by": "bo", "at": "2026-11-23T18:00:00Z", "note": None}]


def test_resuming_is_deterministic_and_reads_back_from_json(shop):
    paused = run_mission("shop", {}, STATE, clock=CLOCK, pause_at_undecided=True)
    first = resume_mission("shop", paused, {"check": ANA})
    again = resume_mission("shop", OrchestrationResult.from_dict(paused.to_dict()), {"check": ANA})
    assert canonical_json(first.to_dict()) == canonical_json(again.to_dict())


def test_nothing_the_caller_holds_can_change_a_paused_run(shop):
    paused = run_mission("shop", {}, STATE, clock=CLOCK, pause_at_undecided=True)
    before = canonical_json(paused.to_dict())
    paused.final_state["gathered"].append("caviar")
    paused.receipt["human_steps"].clear()
    paused.lineage.pop()
    decisions = {"check": ANA}
    resumed = resume_mission("shop", paused, decisions)
    decisions["check"] = Decision(False, by="mallory")
    assert canonical_json(paused.to_dict()) == before
    assert resumed.final_state["committed"]["items"] == ["bread", "milk"]
    assert resumed.receipt["human_steps"][0]["by"] == "ana"


def test_a_rejection_on_resume_ends_the_run_at_that_step(shop):
    paused = run_mission("shop", {}, STATE, clock=CLOCK, pause_at_undecided=True)
    rejected = resume_mission("shop", paused, {"check": Decision(False, by="bo", note="no bread")})
    assert (rejected.status, rejected.failed_step_id) == ("failed", "check")
    assert "committed" not in rejected.final_state and shop["commit"] == 0
    assert rejected.receipt["human_steps"][0] == {"id": "check", "status": "rejected", "by": "bo",
                                                  "at": None, "note": "no bread"}


def test_what_resuming_refuses(shop):
    paused = run_mission("shop", {"two_checks": True}, STATE, clock=CLOCK, pause_at_undecided=True)
    halfway = resume_mission("shop", paused, {"check": ANA}, params={"two_checks": True})
    with pytest.raises(WorkflowInputError, match="step 'check' was approved by ana at 2026-11-23T09:30:00Z already; "
                                                 "a human step is decided once"):
        resume_mission("shop", halfway, {"check": BO, "sign-off": BO}, params={"two_checks": True})
    finished = resume_mission("shop", halfway, {"sign-off": BO}, params={"two_checks": True})
    with pytest.raises(WorkflowInputError, match="did not pause \\(it succeeded\\); only a paused run"):
        resume_mission("shop", finished, {}, params={"two_checks": True})
    with pytest.raises(WorkflowInputError, match="resume it with the workflow it ran"):
        resume_mission("shop", paused, {"check": ANA})  # planned without two_checks: another workflow
    with pytest.raises(WorkflowInputError, match="not a human step"):
        resume_mission("shop", paused, {"commit": True}, params={"two_checks": True})


def test_a_forged_paused_result_is_refused(shop):
    data = run_mission("shop", {}, STATE, clock=CLOCK, pause_at_undecided=True).to_dict()
    data["executed_steps"], data["lineage"] = data["executed_steps"][:1], data["lineage"][:1]
    with pytest.raises(WorkflowInputError, match="is not consistent: its steps \\['gather'\\] do not end at the "
                                                 "step it waits at \\('check'\\)"):
        resume_mission("shop", OrchestrationResult.from_dict(data), {"check": ANA})
    assert calls == {"gather": 1}


def test_decisions_are_checked_when_given():
    with pytest.raises(WorkflowInputError, match="must also say who decided"):
        Decision(True, at="2026-11-23T09:00:00Z")
    with pytest.raises(WorkflowInputError, match="non-empty name"):
        Decision(True, by=" ")
    with pytest.raises(WorkflowInputError, match="must be true \\(approve\\) or false \\(reject\\), got 'yes'"):
        ExecutionContext(approvals={"check": "yes"})
    with pytest.raises(WorkflowInputError, match="unknown field 'who'"):
        ExecutionContext(approvals={"check": {"approved": True, "who": "ana"}})
    assert Decision.of({"approved": False, "by": "ana", "at": "2026-11-23T09:00:00+01:00"}, "check").at == \
        "2026-11-23T08:00:00Z"


def test_a_hand_built_workflow_pauses_and_resumes_with_its_operations():
    seen = []

    def note(state, payload, context):
        seen.append(payload["mark"])
        return {**state, payload["mark"]: True}

    workflow = WorkflowDefinition("wf-hand", [StepSpec("a", "runtime", {"operation": "note", "mark": "a"}),
                                              StepSpec("ok", "human"),
                                              StepSpec("b", "runtime", {"operation": "note", "mark": "b"})])
    engine = Orchestrator({"note": note})
    paused = engine.run_workflow(workflow, ExecutionContext(pause_at_undecided=True))
    done = engine.resume_workflow(workflow, paused, {"ok": True})
    assert seen == ["a", "b"] and done.final_state == {"a": True, "b": True}
    assert done.to_dict() == engine.run_workflow(workflow, ExecutionContext(approvals={"ok": True})).to_dict()


def test_the_engine_example_in_the_docs_runs():
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "engine.md").read_text(), re.S)
    pausing = [block for block in blocks if "resume_mission" in block]
    assert pausing
    for block in pausing:
        exec(compile(block, "docs/engine.md", "exec"), {})


# --- the ledger ------------------------------------------------------------------------------


def record_paused(book, params=None, started_by="cy", versions=None):
    workflow = plan_mission("shop", params or {})
    from lifeos_core.missions import run_planned

    result = run_planned(workflow, STATE, clock=CLOCK, pause_at_undecided=True)
    if versions is not None:
        return book.append("mission_run", "shop", inputs={
            "mission": "shop", "params": params or {}, "initial_state": STATE, "approvals": {},
            "clock": "2026-11-23T08:00:00Z", "verify": False, "pause": True},
            versions=versions, result=result.to_dict(), success=False, extra={"status": result.status})
    return record_mission_run(book, mission="shop", params=params or {}, initial_state=STATE, approvals={},
                              clock="2026-11-23T08:00:00Z", verify=False, workflow=workflow, result=result,
                              pause=True, started_by=started_by)


def test_a_paused_run_waits_in_the_ledger_until_someone_decides(shop, tmp_path):
    with Ledger(tmp_path / "l.sqlite3") as book:
        older = record_paused(book, started_by="cy")
        newer = record_paused(book, {"two_checks": True}, started_by="di")
        waiting = waiting_runs(book)
        assert [(w.record.id, w.step_id, w.description, w.started_by) for w in waiting] == [
            (older.id, "check", "Is the list right?", "cy"), (newer.id, "check", "Is the list right?", "di")]
        calls.clear()
        resumed = record_resumption(book, resume_recorded(book, older.id[:8], "check", ANA))
        assert calls == {"commit": 1}  # gather ran before the pause, and not again
        assert resumed.body["resumes"] == older.id and resumed.body["status"] == "succeeded"
        assert resumed.body["decision"] == {"step": "check", "approved": True, "by": "ana",
                                            "at": "2026-11-23T09:30:00Z", "note": "fine by me"}
        assert resumed.body["started_by"] == "cy"
        assert [w.record.id for w in waiting_runs(book)] == [newer.id]
        halfway = record_resumption(book, resume_recorded(book, newer.id, "check", ANA))
        assert halfway.body["status"] == "paused" and [w.record.id for w in waiting_runs(book)] == [halfway.id]
        # any record of the run names it: the first one is followed to where the run stands now
        done = record_resumption(book, resume_recorded(book, newer.id[:6], "sign-off", BO))
        assert done.body["status"] == "succeeded" and waiting_runs(book) == []
        report = book.verify()
        assert report.intact and report.records == 5
        for record in (older, resumed, halfway, done):
            assert replay(record).same  # a resumed record replays as one uninterrupted run


def test_a_step_is_decided_once(shop, tmp_path):
    with Ledger(tmp_path / "l.sqlite3") as book:
        paused = record_paused(book)
        first, second = (resume_recorded(book, paused.id, "check", decision) for decision in (ANA, BO))
        record_resumption(book, first)
        with pytest.raises(DecidedAlready, match="step 'check' was approved already by ana at "
                                                 "2026-11-23T09:30:00Z \\(record [0-9a-f]{12}\\)"):
            record_resumption(book, second)  # both read the run while it waited: the ledger lets one through
        with pytest.raises(LedgerError, match="was approved already by ana at 2026-11-23T09:30:00Z"):
            resume_recorded(book, paused.id, "check", BO)
        assert book.count() == 2 and book.verify().intact


def test_the_unique_index_stops_a_writer_that_skips_the_check(shop, tmp_path):
    path = tmp_path / "l.sqlite3"
    with Ledger(path) as book:
        paused = record_paused(book)
        record_resumption(book, resume_recorded(book, paused.id, "check", ANA))
    with sqlite3.connect(path) as db, pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO records (seq, id, kind, name, success, recorded_at, body, status, resumes) "
                   "VALUES (9, 'x', 'mission_run', 'shop', 1, '', '{}', 'succeeded', ?)", (paused.id,))


def test_where_a_run_stands_is_said_plainly(shop, tmp_path):
    with Ledger(tmp_path / "l.sqlite3") as book:
        paused = record_paused(book, {"two_checks": True})
        with pytest.raises(LedgerError, match="waits at step 'check', not 'sign-off'; decide it with: "
                                              f"lifeos runs approve {paused.id[:12]} check"):
            resume_recorded(book, paused.id, "sign-off", BO)
        rejected = record_resumption(book, resume_recorded(book, paused.id, "check", Decision(False, by="bo")))
        assert rejected.body["status"] == "failed" and not rejected.success
        with pytest.raises(LedgerError, match="is not waiting for a human: it failed"):
            resume_recorded(book, paused.id, "sign-off", BO)


def test_resuming_with_other_versions_is_refused_unless_allowed(shop, tmp_path):
    with Ledger(tmp_path / "l.sqlite3") as book:
        then = {"lifeos-core": "0.0.1", "plugins": [{"distribution": "shop", "version": "local"}]}
        paused = record_paused(book, versions=then)
        with pytest.raises(LedgerError, match=r"paused with other versions than are installed now "
                                              r"\(lifeos-core 0\.0\.1 -> \d+\.\d+\.\d+\); .*--allow-upgrade"):
            resume_recorded(book, paused.id, "check", ANA)
        resumed = record_resumption(book, resume_recorded(book, paused.id, "check", ANA, allow_upgrade=True))
        assert resumed.body["allow_upgrade"] is True and resumed.body["versions"]["lifeos-core"] != "0.0.1"


def test_decisions_given_up_front_for_later_steps_hold_after_a_resume(shop, tmp_path):
    with Ledger(tmp_path / "l.sqlite3") as book:
        workflow = plan_mission("shop", {"two_checks": True})
        from lifeos_core.missions import run_planned

        no = Decision(False, by="cy", at="2026-11-23T08:00:00Z", note="not today")
        result = run_planned(workflow, STATE, approvals={"sign-off": no}, clock=CLOCK, pause_at_undecided=True)
        paused = record_mission_run(book, mission="shop", params={"two_checks": True}, initial_state=STATE,
                                    approvals={"sign-off": no}, clock="2026-11-23T08:00:00Z", verify=False,
                                    workflow=workflow, result=result, pause=True)
        resumed = record_resumption(book, resume_recorded(book, paused.id, "check", ANA))
        assert resumed.body["status"] == "failed" and resumed.body["result"]["failed_step_id"] == "sign-off"
        assert resumed.body["result"]["receipt"]["human_steps"][1] == {
            "id": "sign-off", "status": "rejected", "by": "cy", "at": "2026-11-23T08:00:00Z", "note": "not today"}
        assert replay(resumed).same
        with pytest.raises(LedgerError, match="'sign-off' of run .* was rejected already by cy"):
            resume_recorded(book, paused.id, "sign-off", BO)


def test_a_paused_state_resumes_with_its_exact_numbers(registry_with, pack, tmp_path):
    def halve(state, payload, context):
        return {**state, "x": 4 / 2}

    def show(state, payload, context):
        return {**state, "shown": f"{state['x']!r}"}

    mission = Mission("halves", "Halve, ask, show.", lambda params: [
        StepSpec("halve", "runtime", {"operation": "h.halve"}), StepSpec("ok", "human"),
        StepSpec("show", "runtime", {"operation": "h.show"})])
    registry_with(h=pack([mission], {"h.halve": halve, "h.show": show}))
    workflow = plan_mission("halves")
    from lifeos_core.missions import run_planned

    with Ledger(tmp_path / "l.sqlite3") as book:
        result = run_planned(workflow, {}, clock=CLOCK, pause_at_undecided=True)
        paused = record_mission_run(book, mission="halves", params={}, initial_state={}, approvals={},
                                    clock="2026-11-23T08:00:00Z", verify=False, workflow=workflow, result=result,
                                    pause=True)
        resumed = record_resumption(book, resume_recorded(book, paused.id, "ok", ANA))
    assert resumed.body["result"]["final_state"]["shown"] == "2.0"  # not "2", as canonical JSON would have it


def test_verify_finds_a_record_that_resumes_what_it_may_not(shop, tmp_path):
    with Ledger(tmp_path / "l.sqlite3") as book:
        finished = book.append("mission_run", "shop", inputs={"mission": "shop", "params": {}, "initial_state": {},
                                                              "approvals": {}, "clock": "2026-11-23T08:00:00Z"},
                               versions={"lifeos-core": "0", "plugins": []}, result={}, success=True,
                               extra={"status": "succeeded"})
        book.append("mission_run", "shop", inputs=finished.body["inputs"], versions=finished.body["versions"],
                    result={}, success=True, extra={"status": "succeeded", "resumes": finished.id,
                                                    "decision": {"step": "check", "approved": True}})
        assert book.verify().problems == (
            f"record #2 ({book.records()[0].id[:12]}): it resumes {finished.id[:12]}, which is not an earlier "
            "paused record of this ledger",)


def test_resuming_in_two_copies_of_a_ledger_gives_the_same_bytes(shop, tmp_path):
    with Ledger(tmp_path / "a.sqlite3") as book:
        paused = record_paused(book)
    shutil.copy(tmp_path / "a.sqlite3", tmp_path / "b.sqlite3")
    results = []
    for name in ("a", "b"):
        with Ledger(tmp_path / f"{name}.sqlite3") as book:
            resumed = record_resumption(book, resume_recorded(book, paused.id, "check", ANA))
            results.append((canonical_json(resumed.body["result"]), resumed.body["result_hash"]))
    assert results[0] == results[1]


def test_tampering_with_a_paused_records_status_is_found(shop, tmp_path):
    path = tmp_path / "l.sqlite3"
    with Ledger(path) as book:
        record_paused(book)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE records SET status = 'succeeded'")
    with Ledger(path, read_only=True) as book:
        assert book.verify().problems == (
            f"record #1 ({book.records()[0].id[:12]}): its index columns differ from its content (the record was "
            "altered)",)


def test_an_older_ledger_is_upgraded_and_still_verifies(shop, tmp_path, monkeypatch):
    import lifeos_core.ledger.store as store

    path = tmp_path / "l.sqlite3"
    monkeypatch.setattr(store, "SCHEMA_VERSION", 2)
    with Ledger(path) as book:
        book.append("mission_run", "shop", inputs={"mission": "shop", "params": {}, "initial_state": {},
                                                   "approvals": {}, "clock": "2026-11-23T08:00:00Z"},
                    versions={"lifeos-core": "0.3.0", "plugins": []}, result={"x": 1}, success=True)
        with pytest.raises(LedgerError, match="too old to hold paused runs"):
            record_paused(book)
    monkeypatch.undo()
    with Ledger(path, read_only=True) as book:
        assert book.schema_version == 2 and waiting_runs(book) == [] and book.verify().intact
    with Ledger(path) as book:
        assert book.schema_version == store.SCHEMA_VERSION
        record_paused(book)
        assert len(waiting_runs(book)) == 1 and book.verify().intact


# --- plans ------------------------------------------------------------------------------------


def plan_with(call, expectations=()):
    return {"suite_name": "s", "scenarios": [{"scenario_name": "one", "initial_state": STATE,
                                              "clock": "2026-11-23T08:00:00Z", "missions": [call],
                                              "expectations": list(expectations)}]}


def test_a_plan_can_expect_a_pause(shop):
    plan = parse_test_plan(plan_with({"name": "shop", "expect_pause": "check"}, [
        {"mission_name": "shop", "path": "final_state.gathered", "op": "len_eq", "expected": 2}]))
    assert [e.id for e in plan.expectations.expectations] == ["one-1", "shop-pauses-at-check"]
    result = plan.run()
    assert result.passed and calls == {"gather": 1}


def test_a_pause_elsewhere_fails_the_expectation(shop):
    plan = parse_test_plan(plan_with({"name": "shop", "params": {"two_checks": True}, "expect_pause": "sign-off"}))
    result = plan.run()
    assert result.expectations_result.failed_ids == ["shop-pauses-at-sign-off"]


def test_what_a_plan_may_not_say_about_pauses(shop):
    from lifeos_core import ConfigError

    with pytest.raises(ConfigError, match="decides step 'check' in its approvals, so it cannot pause there"):
        parse_test_plan(plan_with({"name": "shop", "expect_pause": "check", "approvals": {"check": True}}))
    from lifeos_core import check_plan

    report = check_plan(parse_test_plan(plan_with({"name": "shop", "expect_pause": "chek"})))
    assert report.errors == ["scenarios[0].missions[0]: mission 'shop' cannot pause at 'chek': it is not one of its "
                             "human steps (did you mean 'check'?) (its human steps: check)"]
    report = check_plan(parse_test_plan(plan_with({"name": "shop", "approvals": {"chek": True}})))
    assert "has no human step 'chek' to decide (did you mean 'check'?)" in report.errors[0]


def test_the_human_steps_example_passes():
    assert load_test_plan(ROOT / "examples" / "human-steps.lifeos.yaml").run().passed
