"""The daily_loop pack: a deterministic day plan from a task list."""

from __future__ import annotations

import re

import pytest

import lifeos_mission_daily_loop
from lifeos_core import (
    AntiFailurePlanningError,
    FixedClock,
    MissionParamsError,
    MissionSpec,
    build_workflow,
    load_registry,
    run_mission,
    stable_hash,
    use_registry,
)

TODAY = "2026-11-23"
TASKS = [
    {"id": "report", "title": "Quarterly report", "priority": "high", "due": "2026-11-27", "estimate_minutes": 120},
    {"id": "tax", "title": "Tax return", "priority": "low", "due": "2026-11-20", "estimate_minutes": 90},
    {"id": "call", "title": "Call the bank", "priority": "high", "due": "2026-11-24", "estimate_minutes": 15},
    {"id": "gym", "title": "Gym", "estimate_minutes": 60},
    {"id": "read", "title": "Read a chapter"},
    {"id": "mail", "title": "Inbox zero", "priority": "high", "done": True},
    {"id": "bills", "title": "Pay bills", "due": "2026-11-23", "estimate_minutes": 10},
]


@pytest.fixture(autouse=True)
def only_this_pack():
    with use_registry(load_registry({"daily_loop": lifeos_mission_daily_loop}, discover=False)):
        yield


def plan_day(state, **params):
    return run_mission("daily_loop", {"date": TODAY, **params}, state)


def steps_of(**params):
    return [(step.id, step.kind) for step in build_workflow(MissionSpec("daily_loop", params)).steps]


def test_the_default_plan():
    assert steps_of() == [
        ("summarise", "runtime"),
        ("prioritise", "runtime"),
        ("confirm-plan", "human"),
        ("log", "runtime"),
    ]
    assert build_workflow(MissionSpec("daily_loop")).id == "wf-daily-loop"


def test_an_empty_state_gives_an_empty_successful_plan():
    result = plan_day({})
    assert result.success is True
    daily = result.final_state["daily"]
    assert daily["summary"] == {"total": 0, "done": 0, "open": 0, "overdue": 0, "due_today": 0}
    assert daily["priorities"] == [] and daily["deferred"] == [] and daily["planned_minutes"] == 0
    assert result.final_state["journal"] == [
        {"date": TODAY, "summary": daily["summary"], "priorities": [], "planned_minutes": 0}
    ]


def test_the_summary_counts_done_open_overdue_and_due_today():
    summary = plan_day({"tasks": TASKS}).final_state["daily"]["summary"]
    assert summary == {"total": 7, "done": 1, "open": 6, "overdue": 1, "due_today": 1}


def test_ranking_puts_overdue_first_then_priority_due_date_and_id():
    daily = plan_day({"tasks": TASKS}, max_priorities=6, capacity_minutes=10_000).final_state["daily"]
    assert [task["id"] for task in daily["priorities"]] == ["tax", "call", "report", "bills", "gym", "read"]
    assert daily["priorities"][0]["overdue"] is True
    assert daily["priorities"][-1]["estimate_minutes"] == 30  # the default estimate


def test_capacity_and_the_priority_cap_choose_greedily_in_rank_order():
    daily = plan_day({"tasks": TASKS}, capacity_minutes=120, max_priorities=3).final_state["daily"]
    # tax (90) and call (15) fit; report (120) does not; bills (10) still does; then the cap is reached.
    assert [task["id"] for task in daily["priorities"]] == ["tax", "call", "bills"]
    assert daily["planned_minutes"] == 115
    assert daily["capacity_minutes"] == 120
    assert daily["deferred"] == ["report", "gym", "read"]


def test_without_a_date_the_run_clock_decides_the_day():
    result = run_mission("daily_loop", {}, {"tasks": TASKS}, clock=FixedClock("2026-11-28T07:00:00Z"))
    daily = result.final_state["daily"]
    assert daily["date"] == "2026-11-28"
    assert daily["summary"]["overdue"] == 4


def test_the_journal_keeps_one_entry_per_date():
    state = {"tasks": TASKS, "journal": [{"date": "2026-11-22", "note": "yesterday"}]}
    first = plan_day(state).final_state
    again = plan_day(first).final_state
    assert [entry["date"] for entry in again["journal"]] == ["2026-11-22", TODAY]
    assert again["journal"][0] == {"date": "2026-11-22", "note": "yesterday"}
    assert again["daily"]["logged"] is True


def test_human_checkpoints_follow_requested_human_steps():
    assert [kind for _, kind in steps_of(requested_human_steps=0)] == ["runtime"] * 3
    assert steps_of(requested_human_steps=2)[-1] == ("review-day", "human")
    assert len(steps_of(requested_human_steps=2)) == 5


def test_requested_steps_keeps_the_first_stages():
    assert [step for step, _ in steps_of(requested_steps=2)] == ["summarise", "prioritise"]
    result = run_mission("daily_loop", {"requested_steps": 1, "date": TODAY}, {"tasks": TASKS})
    assert result.success and set(result.final_state["daily"]) == {"date", "today", "summary"}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"requested_steps": 10}, "requested_steps=10 is more than the Anti-Failure limit of 5 steps"),
        ({"requested_steps": 6, "requested_human_steps": 2}, "requested_steps=6 is more than"),
        ({"requested_human_steps": 5}, "requested_human_steps=5 is more than the Anti-Failure limit of 2"),
    ],
)
def test_requests_beyond_the_limits_fail_planning(params, message):
    with pytest.raises(AntiFailurePlanningError, match=message):
        build_workflow(MissionSpec("daily_loop", params))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"requested_steps": -1}, "param 'requested_steps' must be an integer >= 1, got -1"),
        ({"requested_steps": 2.5}, "param 'requested_steps' must be an integer >= 1, got 2.5"),
        ({"requested_human_steps": -2}, "param 'requested_human_steps' must be an integer >= 0"),
        ({"requested_steps": 5}, "requested_steps=5, but with requested_human_steps=1 the plan has 4 stages"),
        ({"capacity_minutes": "lots"}, "param 'capacity_minutes' must be an integer >= 0, got 'lots'"),
        ({"max_priorities": 0}, "param 'max_priorities' must be an integer >= 1, got 0"),
        ({"date": "23/11/2026"}, "param 'date': date must be an ISO date like 2026-01-31, got '23/11/2026'"),
    ],
)
def test_bad_params_are_clear_errors(params, message):
    with pytest.raises(MissionParamsError, match=message):
        build_workflow(MissionSpec("daily_loop", params))


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ({"tasks": {"a": 1}}, "tasks: a dict is not a list of tasks"),
        ({"tasks": ["buy milk"]}, r"tasks\[0\]: a str is not a task; write an object with at least a title"),
        ({"tasks": [{"id": 1, "title": "a"}, {"id": "1", "title": "b"}]},
         r"tasks\[1\].id: '1' is also the id of the task at tasks\[0\]"),
        ({"tasks": [{"id": 1}]}, r"tasks\[0\].title: missing"),
        ({"tasks": [{"id": 1, "title": "a", "priority": "urgent"}]},
         r"tasks\[0\].priority: 'urgent' is not a priority; write high, medium or low"),
        ({"tasks": [{"id": 1, "title": "a", "due": "2026-13-01"}]}, r"tasks\[0\].due: '2026-13-01' is not a valid date"),
        ({"tasks": [{"id": 1, "title": "a", "estimate_minutes": -5}]},
         r"tasks\[0\].estimate_minutes: -5 is not an estimate"),
        ({"tasks": [{"id": 1, "title": "a", "done": "yes"}]}, r"tasks\[0\].done: 'yes' is not true or false"),
        ({"journal": "dear diary"}, "state 'journal' must be a list of entries, got str"),
    ],
)
def test_a_malformed_state_fails_the_run_naming_the_task(state, message):
    result = plan_day(state)
    assert result.success is False
    assert re.search(message, result.error_message), result.error_message


def test_every_problem_in_the_state_is_named_at_once():
    result = plan_day({"tasks": [{"id": 1, "title": "a", "priority": "urgent", "due": "soon"}, {"id": 2}]})
    assert result.error_message.startswith("step 'summarise' failed: 3 problems in the tasks: tasks[0].priority")
    assert "tasks[0].due: 'soon'" in result.error_message and "tasks[1].title: missing" in result.error_message


def test_a_task_without_an_id_is_named_by_its_place():
    daily = plan_day({"tasks": [{"title": "Water the plants", "priority": "H"}]}).final_state["daily"]
    assert daily["priorities"][0]["id"] == "tasks[0]"
    assert daily["priorities"][0]["priority"] == "high"


def test_a_rejected_plan_is_not_logged():
    result = run_mission("daily_loop", {"date": TODAY}, {"tasks": TASKS}, approvals={"confirm-plan": False})
    assert result.success is False
    assert result.failed_step_id == "confirm-plan"
    assert "journal" not in result.final_state


def test_the_plan_is_deterministic_and_the_inputs_are_left_alone():
    state = {"tasks": [dict(task) for task in TASKS], "journal": []}
    first = plan_day(state)
    state["tasks"][0]["priority"] = "low"
    second = plan_day({"tasks": TASKS, "journal": []})
    assert stable_hash(first.to_dict()) == stable_hash(second.to_dict())
    assert TASKS[0]["priority"] == "high"
