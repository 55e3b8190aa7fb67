"""Reading a task list and deciding what to do today: pure functions, no I/O.

Kept apart from the operations so the rules (what counts as overdue, how tasks
are ranked, how capacity is filled, why each task made the cut) can be read and
tested on their own. How a task is *spelled* (files, states) lives in
:mod:`formats`; this module only sees normalised tasks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from lifeos_core import StepFailed

from .spellings import DEFAULT_PRIORITY, PRIORITIES

# The file formats (and YAML) are imported when tasks are read, not when the
# pack is loaded: `lifeos missions list` loads every pack and reads no task.
__all__ = ["DEFAULT_PRIORITY", "PRIORITIES", "Task", "field_warnings", "parse_date",
           "prioritise", "read_tasks", "summarise", "tasks_from"]


@dataclass(frozen=True)
class Task:
    id: str
    title: str
    priority: str
    due: str | None
    estimate_minutes: int | None
    done: bool
    completed: str | None = None
    source: str = ""
    due_at: str | None = None
    subtasks: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()
    contexts: tuple[str, ...] = ()
    created: str | None = None

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


def tasks_from(normalised: list[dict]) -> list[Task]:
    """Task objects from normalised dicts (see :func:`formats.normalise_tasks`);
    lists become tuples so a Task shares nothing mutable with its dict."""
    return [
        Task(item["id"], item["title"], item["priority"], item["due"], item["estimate_minutes"], item["done"],
             completed=item.get("completed"), source=item.get("source", ""), due_at=item.get("due_at"),
             subtasks=tuple(item.get("subtasks", ())), projects=tuple(item.get("projects", ())),
             contexts=tuple(item.get("contexts", ())), created=item.get("created"))
        for item in normalised
    ]


def read_tasks(state: Mapping[str, Any]) -> list[Task]:
    """The tasks in ``state["tasks"]``; any problem fails the step with a
    message listing every one of them, so one edit fixes the state."""
    from .formats import normalise_tasks

    parsed = normalise_tasks(state.get("tasks", []))
    if len(parsed.problems) == 1:
        raise StepFailed(parsed.problems[0])
    if parsed.problems:
        raise StepFailed(f"{len(parsed.problems)} problems in the tasks: " + "; ".join(parsed.problems))
    return tasks_from(parsed.tasks)


def field_warnings(state: Mapping[str, Any]) -> list[str]:
    """Task fields this mission does not read (``estimate: 45`` for
    ``estimate_minutes``), one line per field: the task still plans without them."""
    raw = state.get("tasks") if isinstance(state, Mapping) else None
    if not isinstance(raw, (list, tuple)):
        return []
    from .formats import normalise_tasks

    return normalise_tasks(raw).warnings


def summarise(tasks: list[Task], today: str) -> dict[str, int]:
    open_tasks = [task for task in tasks if not task.done]
    return {
        "total": len(tasks),
        "done": len(tasks) - len(open_tasks),
        "open": len(open_tasks),
        "overdue": sum(task.is_overdue(today) for task in open_tasks),
        "due_today": sum(task.due == today for task in open_tasks),
    }


def _why(task: Task, today: str) -> list[str]:
    """The reasons a task ranks where it does, in rank order; a due date more
    than a week away says nothing, so it is left out."""
    if task.is_overdue(today):
        return [f"overdue since {task.due}", f"{task.priority} priority"]
    reasons = [f"{task.priority} priority"]
    if task.due is not None:
        days = (date.fromisoformat(task.due) - date.fromisoformat(today)).days
        if days <= 7:
            reasons.append({0: "due today", 1: "due tomorrow"}.get(days, f"due in {days} days"))
    return reasons


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
    fits the minutes left; a task that does not fit is deferred (with the
    reason) and smaller ones after it still get their chance.
    """
    ranked = sorted((task for task in tasks if not task.done), key=lambda task: task.rank(today))
    chosen: list[dict[str, Any]] = []
    deferred: list[dict[str, Any]] = []
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
                    "why": _why(task, today),
                    "source": task.source,
                }
            )
        else:
            why_not = (f"already {len(chosen)} priorities" if len(chosen) >= max_priorities
                       else f"no room: {capacity_minutes - planned} minutes left")
            deferred.append({"id": task.id, "title": task.title, "estimate_minutes": minutes, "why_not": why_not})
    return {
        "priorities": chosen,
        "planned_minutes": planned,
        "capacity_minutes": capacity_minutes,
        "deferred": [item["id"] for item in deferred],
        "deferred_tasks": deferred,
    }
