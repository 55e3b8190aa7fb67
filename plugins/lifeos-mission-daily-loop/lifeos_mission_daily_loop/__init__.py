"""The ``daily_loop`` mission: plan a day from the task list in the state.

Stages, in order: ``summarise`` (done/open/overdue counts), ``prioritise``
(rank the open tasks and fill the day's capacity), ``confirm-plan`` (a human
checkpoint), ``log`` (record the day in the journal) and, when asked for,
``review-day`` (a second human checkpoint). Results land under
``state["daily"]``; the journal keeps one entry per date.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable

from lifeos_core import (
    MAX_HUMAN_STEPS,
    MAX_STEPS,
    AntiFailurePlanningError,
    Mission,
    MissionParamsError,
    Param,
    StepFailed,
    StepSpec,
    hookimpl,
)

if TYPE_CHECKING:
    from lifeos_core import StepContext

from . import tasks as task_rules

NAME = "daily_loop"


DEFAULT_CAPACITY_MINUTES = 240
DEFAULT_MAX_PRIORITIES = 3
DEFAULT_ESTIMATE_MINUTES = 30


def _today(payload: dict[str, Any], context: StepContext) -> str:
    """The plan's date: the ``date`` param if given, else the run clock's date."""
    if payload.get("date") is None:
        return context.now().date().isoformat()
    try:
        return task_rules.parse_date(payload["date"], "payload 'date'")
    except ValueError as exc:
        raise StepFailed(str(exc)) from None


def summarise(state: dict[str, Any], payload: dict[str, Any], context: StepContext) -> dict[str, Any]:
    """Count done, open, overdue and due-today tasks."""
    today = _today(payload, context)
    tasks = task_rules.read_tasks(state)
    state["daily"] = {"date": today, "summary": task_rules.summarise(tasks, today)}
    return state


def prioritise(state: dict[str, Any], payload: dict[str, Any], context: StepContext) -> dict[str, Any]:
    """Rank open tasks (overdue, priority, due date, id) and fill the day's capacity."""
    today = _today(payload, context)
    tasks = task_rules.read_tasks(state)
    daily = state.get("daily")
    if not isinstance(daily, dict):
        daily = {"date": today}
    daily.update(
        task_rules.prioritise(
            tasks,
            today,
            capacity_minutes=payload.get("capacity_minutes", DEFAULT_CAPACITY_MINUTES),
            max_priorities=payload.get("max_priorities", DEFAULT_MAX_PRIORITIES),
            default_estimate_minutes=payload.get("default_estimate_minutes", DEFAULT_ESTIMATE_MINUTES),
        )
    )
    state["daily"] = daily
    return state


def log(state: dict[str, Any], payload: dict[str, Any], context: StepContext) -> dict[str, Any]:
    """Write the day's plan and summary into the journal (one entry per date)."""
    today = _today(payload, context)
    daily = state.get("daily")
    if not isinstance(daily, dict):
        raise StepFailed("there is no plan to log: state 'daily' is missing (run summarise and prioritise first)")
    journal = state.get("journal", [])
    if not isinstance(journal, list):
        raise StepFailed(f"state 'journal' must be a list of entries, got {type(journal).__name__}")
    entry = {
        "date": today,
        "summary": daily.get("summary", {}),
        "priorities": [task["id"] for task in daily.get("priorities", [])],
        "planned_minutes": daily.get("planned_minutes", 0),
    }
    journal = [item for item in journal if not (isinstance(item, dict) and item.get("date") == today)]
    journal.append(entry)
    state["journal"] = journal
    daily["logged"] = True
    return state


def summary(state: Mapping[str, Any], step_id: str) -> str:
    """The plan so far, as the person confirming it reads it: the chosen tasks in
    order with their minutes and why each ranks where it does, the minutes
    planned against the capacity, and what did not fit."""
    daily = state.get("daily")
    if not isinstance(daily, Mapping) or "priorities" not in daily:
        return "No plan yet: the tasks have not been prioritised."
    chosen = daily.get("priorities") or []
    lines = [f"Plan for {daily.get('date', 'today')}: {len(chosen)} task(s), "
             f"{daily.get('planned_minutes', 0)} of {daily.get('capacity_minutes', '?')} minutes"]
    for number, task in enumerate(chosen, 1):
        why = ["overdue"] if task.get("overdue") else []
        why.append(f"{task.get('priority', 'medium')} priority")
        if task.get("due"):
            why.append(f"due {task['due']}")
        lines.append(f"  {number}. {task.get('title', task.get('id'))} ({task.get('estimate_minutes', 0)} min): "
                     + ", ".join(why))
    deferred = daily.get("deferred") or []
    lines.append(f"Did not fit: {', '.join(map(str, deferred))}" if deferred else "Everything open fits.")
    return "\n".join(lines)


def _check_date(value: Any) -> None:
    task_rules.parse_date(value, "date")


PARAMS = (
    Param("date", str, default=None, help="the day to plan (ISO date); defaults to the run clock's date",
          check=_check_date),
    Param("capacity_minutes", int, default=DEFAULT_CAPACITY_MINUTES, minimum=0, help="minutes available for priorities"),
    Param("max_priorities", int, default=DEFAULT_MAX_PRIORITIES, minimum=1, help="at most this many priorities"),
    Param("default_estimate_minutes", int, default=DEFAULT_ESTIMATE_MINUTES, minimum=0,
          help="estimate used for tasks that have none"),
    Param("requested_steps", int, default=None, minimum=1,
          help="run only the first N stages (at most 5)"),
    Param("requested_human_steps", int, default=1, minimum=0,
          help="human checkpoints: 0 none, 1 confirm the plan, 2 also review the day (at most 2)"),
)


def plan(params: Mapping[str, Any]) -> list[StepSpec]:
    human = params["requested_human_steps"]
    if human > MAX_HUMAN_STEPS:
        raise AntiFailurePlanningError(
            f"mission {NAME!r}: requested_human_steps={human} is more than the Anti-Failure limit "
            f"of {MAX_HUMAN_STEPS} human steps"
        )
    dated = {"date": params["date"]} if params["date"] is not None else {}
    stages = [
        StepSpec("summarise", "runtime", {
            "operation": "daily_loop.summarise", "description": "Count done, open and overdue tasks", **dated}),
        StepSpec("prioritise", "runtime", {
            "operation": "daily_loop.prioritise",
            "description": "Rank open tasks and choose today's priorities within capacity",
            "capacity_minutes": params["capacity_minutes"],
            "max_priorities": params["max_priorities"],
            "default_estimate_minutes": params["default_estimate_minutes"],
            **dated,
        }),
    ]
    if human >= 1:
        stages.append(StepSpec("confirm-plan", "human", {"description": "Confirm today's priorities"}))
    stages.append(StepSpec("log", "runtime", {
        "operation": "daily_loop.log", "description": "Record the day's plan in the journal", **dated}))
    if human >= 2:
        stages.append(StepSpec("review-day", "human", {"description": "Review the day: what got done, what carries over"}))
    requested = params["requested_steps"]
    if requested is None:
        return stages
    if requested > MAX_STEPS:
        raise AntiFailurePlanningError(
            f"mission {NAME!r}: requested_steps={requested} is more than the Anti-Failure limit of {MAX_STEPS} steps"
        )
    if requested > len(stages):
        raise MissionParamsError(
            f"mission {NAME!r}: requested_steps={requested}, but with requested_human_steps={human} "
            f"the plan has {len(stages)} stages; ask for at most {len(stages)}"
        )
    return stages[:requested]


MISSION = Mission(
    name=NAME,
    description="Plan the day: summarise tasks, pick priorities within capacity, log the plan.",
    plan=plan,
    params=PARAMS,
    reads={
        "tasks": "the task list: id, title, priority (high/medium/low), due (ISO date), estimate_minutes, done",
        "journal": "earlier journal entries, one per date (the log step adds today's)",
    },
    check_state=task_rules.field_warnings,
    summary=summary,
)


@hookimpl
def lifeos_register_missions(register: Callable[[Mission], None]) -> None:
    register(MISSION)


@hookimpl
def lifeos_register_operations(register: Callable[..., None]) -> None:
    register("daily_loop.summarise", summarise)
    register("daily_loop.prioritise", prioritise)
    register("daily_loop.log", log)
