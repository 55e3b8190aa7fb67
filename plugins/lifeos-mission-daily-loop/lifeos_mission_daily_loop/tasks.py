"""Reading a task list and deciding what to do today: pure functions, no I/O.

Kept apart from the operations so the rules (what counts as overdue, how tasks
are ranked, how capacity is filled) can be read and tested on their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from lifeos_core import StepFailed

PRIORITIES = ("high", "medium", "low")
DEFAULT_PRIORITY = "medium"
TASK_FIELDS = ("id", "title", "priority", "due", "estimate_minutes", "done")


@dataclass(frozen=True)
class Task:
    id: str
    title: str
    priority: str
    due: str | None
    estimate_minutes: int | None
    done: bool

    def is_overdue(self, today: str) -> bool:
        return not self.done and self.due is not None and self.due < today

    def rank(self, today: str) -> tuple[Any, ...]:
        """Overdue first, then by priority, then the earliest due date, then id."""
        return (
            not self.is_overdue(today),
            PRIORITIES.index(self.priority),
            self.due is None,
            self.due or "",
            self.id,
        )


def parse_date(text: Any, what: str) -> str:
    """Check an ISO calendar date (YYYY-MM-DD) and return it as given."""
    if isinstance(text, str):
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    raise ValueError(f"{what} must be an ISO date like 2026-01-31, got {text!r}")


def read_tasks(state: dict[str, Any]) -> list[Task]:
    """The tasks in ``state["tasks"]``, checked; a bad entry fails the step
    with a message naming it."""
    raw = state.get("tasks", [])
    if not isinstance(raw, list):
        raise StepFailed(f"state 'tasks' must be a list of tasks, got {type(raw).__name__}")
    tasks: list[Task] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        where = f"tasks[{index}]"
        if not isinstance(item, dict):
            raise StepFailed(f"{where} must be an object with at least 'id' and 'title'")
        task_id = item.get("id")
        if isinstance(task_id, bool) or not isinstance(task_id, (str, int)) or task_id == "":
            raise StepFailed(f"{where}.id must be a non-empty string or an integer, got {task_id!r}")
        task_id = str(task_id)
        if task_id in seen:
            raise StepFailed(f"{where}.id {task_id!r} is used by an earlier task; task ids must be unique")
        seen.add(task_id)
        title = item.get("title")
        if not isinstance(title, str) or not title.strip():
            raise StepFailed(f"{where}.title must be a non-empty string")
        priority = item.get("priority", DEFAULT_PRIORITY)
        if priority not in PRIORITIES:
            raise StepFailed(f"{where}.priority must be one of high, medium, low, got {priority!r}")
        due = item.get("due")
        if due is not None:
            try:
                due = parse_date(due, f"{where}.due")
            except ValueError as exc:
                raise StepFailed(str(exc)) from None
        estimate = item.get("estimate_minutes")
        if estimate is not None and (isinstance(estimate, bool) or not isinstance(estimate, int) or estimate < 0):
            raise StepFailed(f"{where}.estimate_minutes must be a whole number of minutes >= 0, got {estimate!r}")
        done = item.get("done", False)
        if not isinstance(done, bool):
            raise StepFailed(f"{where}.done must be true or false, got {done!r}")
        tasks.append(Task(task_id, title, priority, due, estimate, done))
    return tasks


def field_warnings(state: Mapping[str, Any]) -> list[str]:
    """Task fields this mission does not read (``estimate: 45`` for
    ``estimate_minutes``), one line each: the task still plans, without them."""
    from lifeos_core import did_you_mean

    raw = state.get("tasks") if isinstance(state, Mapping) else None
    if not isinstance(raw, (list, tuple)):
        return []
    places: dict[str, list[str]] = {}  # field -> the tasks that have it, so one line per field
    for index, item in enumerate(raw):
        if isinstance(item, Mapping):
            for key in item:
                if key not in TASK_FIELDS:
                    places.setdefault(key, []).append(f"tasks[{index}]")
    warnings = []
    for key, where in places.items():
        shown = ", ".join(where[:3]) + (f" and {len(where) - 3} more" if len(where) > 3 else "")
        warnings.append(f"{shown}: daily_loop does not read the field {key!r}{did_you_mean(key, TASK_FIELDS)}; "
                        f"task fields are: {', '.join(TASK_FIELDS)}")
    return warnings


def summarise(tasks: list[Task], today: str) -> dict[str, int]:
    open_tasks = [task for task in tasks if not task.done]
    return {
        "total": len(tasks),
        "done": len(tasks) - len(open_tasks),
        "open": len(open_tasks),
        "overdue": sum(task.is_overdue(today) for task in open_tasks),
        "due_today": sum(task.due == today for task in open_tasks),
    }


def prioritise(
    tasks: list[Task],
    today: str,
    *,
    capacity_minutes: int,
    max_priorities: int,
    default_estimate_minutes: int,
) -> dict[str, Any]:
    """Rank the open tasks and fill the day, greedily, in rank order.

    A task is chosen when there is room for another priority and its estimate
    fits the minutes left; a task that does not fit is deferred and smaller
    ones after it still get their chance.
    """
    ranked = sorted((task for task in tasks if not task.done), key=lambda task: task.rank(today))
    chosen: list[dict[str, Any]] = []
    deferred: list[str] = []
    planned = 0
    for task in ranked:
        minutes = task.estimate_minutes if task.estimate_minutes is not None else default_estimate_minutes
        if len(chosen) < max_priorities and planned + minutes <= capacity_minutes:
            planned += minutes
            chosen.append(
                {
                    "id": task.id,
                    "title": task.title,
                    "priority": task.priority,
                    "due": task.due,
                    "estimate_minutes": minutes,
                    "overdue": task.is_overdue(today),
                }
            )
        else:
            deferred.append(task.id)
    return {
        "priorities": chosen,
        "planned_minutes": planned,
        "capacity_minutes": capacity_minutes,
        "deferred": deferred,
    }
