"""The ``daily_loop`` mission: plan a day from your task files, keep a journal.

Stages, in order: ``summarise`` (read the tasks, count done/open/overdue),
``prioritise`` (rank the open tasks and fill the day's capacity),
``confirm-plan`` (a person confirms the plan), ``log`` (add the day's entry to
the journal) and, when asked for, ``review-day`` (a second human checkpoint).

The tasks come from files (the ``tasks`` param: a path or a glob of YAML,
JSON, TOML, Markdown checklists or todo.txt; see :mod:`.formats`) read
through granted effects, or from the state's ``tasks`` list. The journal is
a Markdown file (the ``journal`` param), written by a deferred write: only a
confirmed plan of a recorded run reaches it, once; without the param, the
journal is the state's ``journal`` list. The day is the local date of the
run's clock, in the person's time zone (``lifeos run --tz``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable

from lifeos_core import (
    MAX_HUMAN_STEPS,
    MAX_STEPS,
    AntiFailurePlanningError,
    Mission,
    MissionInputError,
    MissionParamsError,
    Param,
    StepFailed,
    StepSpec,
    hookimpl,
)

if TYPE_CHECKING:
    from lifeos_core import StepContext

from . import journal as journal_file
from . import tasks as task_rules

NAME = "daily_loop"


DEFAULT_CAPACITY_MINUTES = 240
DEFAULT_MAX_PRIORITIES = 3
DEFAULT_ESTIMATE_MINUTES = 30


def _today(payload: dict[str, Any], context: StepContext) -> str:
    """The plan's date: the ``date`` param if given, else the local date of the run clock."""
    if payload.get("date") is None:
        return context.now().date().isoformat()
    try:
        return task_rules.parse_date(payload["date"], "payload 'date'")
    except ValueError as exc:
        raise StepFailed(str(exc)) from None


# --- reading the tasks -------------------------------------------------------------------------


def _existing(path: str, effects: Any) -> list[str]:
    """``[path as resolved]`` when the file ``path`` (a name, never a pattern:
    ``journal[2026].md`` is a name) exists, else ``[]``."""
    import glob

    return effects.list_files(glob.escape(path))


def read_task_files(pattern: str, effects: Any, journal: str | None = None) -> Any:
    """Every task file ``pattern`` names (a file, else a glob), read through
    ``effects`` and parsed: the tasks, every problem, the warnings. The
    journal is never a task file, even when the glob matches it. Each file is
    named in messages and task ids as given (a glob's matches relative to the
    folder above them all), from what the effects returned, so a replay
    elsewhere names them the same."""
    from .formats import merge, parse_task_file

    paths = _existing(pattern, effects)
    literal = bool(paths) or not any(mark in pattern for mark in "*?[")
    if not literal:
        paths = effects.list_files(pattern)
    journal_path = _existing(journal, effects) if journal is not None else []
    if literal and paths and paths == journal_path:
        raise MissionInputError(f"the tasks param and the journal param name the same file, {pattern}; the "
                                "journal is written to, your task files never are: give the journal its own file")
    paths = [path for path in paths if path not in journal_path]
    if not paths:
        raise StepFailed(f"task file {pattern} does not exist" if literal else f"no task file matches {pattern}")
    if literal:
        shown = {paths[0]: pattern}
    else:
        above = os.path.dirname(os.path.commonpath([os.path.dirname(path) for path in paths]))
        shown = {path: os.path.relpath(path, above) for path in paths}
    return merge([parse_task_file(shown[path], effects.read_text(path)) for path in paths])


def _state_tasks(state: Mapping[str, Any]) -> Any:
    from .formats import normalise_tasks

    return normalise_tasks(state.get("tasks", []))


def _problems_message(problems: list[str]) -> str:
    """Every problem, in one reason: the step fails saying all of them at once."""
    if len(problems) == 1:
        return problems[0]
    return f"{len(problems)} problems in the tasks: " + "; ".join(problems)


def check_inputs(params: Mapping[str, Any], state: Mapping[str, Any], effects: Any) -> list[str]:
    """Before the run: every problem in the task files (or the state's tasks),
    as bad input; the warnings (unknown fields in a task file)."""
    warnings: list[str] = []
    if params.get("journal") is not None and state.get("journal"):
        warnings.append("the state's 'journal' is not used: the journal param names the journal file")
    if params.get("tasks") is None:
        problems = _state_tasks(state).problems
        if problems:
            raise MissionInputError(problems)
        _check_journal(params, effects)
        return warnings
    if "tasks" in state:
        raise MissionInputError("the tasks come from the tasks param's files and from the state's 'tasks': give "
                                "one of them (drop 'tasks' from the state, or the tasks param)")
    parsed = read_task_files(params["tasks"], effects, params.get("journal"))
    if parsed.problems:
        raise MissionInputError(parsed.problems)
    _check_journal(params, effects)
    return [*warnings, *parsed.warnings]


def _check_journal(params: Mapping[str, Any], effects: Any) -> None:
    """The grants the log step will need to keep the journal, checked (or asked
    for, at a terminal) before the run rather than after the plan was approved.
    The intent to write is made in the check's own session, which is never
    recorded: nothing is written."""
    journal = params.get("journal")
    if journal is not None:
        if _existing(journal, effects):
            effects.read_text(journal)
        effects.write_text(journal, "")


def _normalised_tasks(state: dict[str, Any], context: StepContext) -> list[dict[str, Any]]:
    """The tasks of the run, normalised: from the files the summarise step read, else the state's."""
    if context.params.get("tasks") is not None:
        daily = state.get("daily")
        if not isinstance(daily, dict) or not isinstance(daily.get("tasks"), list):
            raise StepFailed("the tasks have not been read: run the summarise step first")
        return daily["tasks"]
    parsed = _state_tasks(state)
    if parsed.problems:
        raise StepFailed(_problems_message(parsed.problems))
    return parsed.tasks


# --- the operations ----------------------------------------------------------------------------


def summarise(state: dict[str, Any], payload: dict[str, Any], context: StepContext) -> dict[str, Any]:
    """Read the tasks (from the task files, when the tasks param names them) and
    count done, open, overdue and due-today tasks."""
    today = _today(payload, context)
    daily: dict[str, Any] = {"date": today, "today": context.now().date().isoformat()}
    pattern = context.params.get("tasks")
    if pattern is not None:
        try:
            parsed = read_task_files(pattern, context.effects, context.params.get("journal"))
        except MissionInputError as exc:
            raise StepFailed(str(exc)) from None
        if parsed.problems:
            raise StepFailed(_problems_message(parsed.problems))
        daily["tasks"] = parsed.tasks
        state["daily"] = daily
    tasks = task_rules.tasks_from(_normalised_tasks(state, context))
    daily["summary"] = task_rules.summarise(tasks, today)
    state["daily"] = daily
    return state


def prioritise(state: dict[str, Any], payload: dict[str, Any], context: StepContext) -> dict[str, Any]:
    """Rank open tasks (overdue, priority, due date, id) and fill the day's capacity."""
    today = _today(payload, context)
    tasks = task_rules.tasks_from(_normalised_tasks(state, context))
    daily = state.get("daily")
    if not isinstance(daily, dict):
        daily = {"date": today, "today": context.now().date().isoformat()}
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
    """Add the day's entry to the journal: the journal file (a deferred write,
    applied once the run is recorded) or the state's ``journal`` list (one
    entry per date either way)."""
    daily = state.get("daily")
    if not isinstance(daily, dict) or "priorities" not in daily:
        raise StepFailed("there is no plan to log: state 'daily' has no plan (run summarise and prioritise first)")
    today = daily.get("date") or _today(payload, context)  # the day that was planned, whenever it is confirmed
    path = context.params.get("journal")
    if path is not None:
        entry = journal_file.render_entry({**daily, "date": today}, _normalised_tasks(state, context))
        effects = context.effects
        before = effects.read_text(path) if _existing(path, effects) else ""
        effects.write_text(path, journal_file.with_entry(before, today, entry))
        daily["logged"] = path
        state["daily"] = daily
        return state
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


def summary(state: Mapping[str, Any], step_id: str | None) -> str:
    """The plan, as the person confirming it reads it (and as ``lifeos run``
    prints it when the run ends): the chosen tasks in order with their
    minutes and why each was chosen, the minutes planned against the
    capacity, what did not fit, and where the journal entry went."""
    daily = state.get("daily")
    if not isinstance(daily, Mapping) or "priorities" not in daily:
        return "No plan yet: the tasks have not been prioritised."
    chosen = daily.get("priorities") or []
    day = daily.get("date", "today")
    lines = [f"Plan for {day}: {len(chosen)} task(s), "
             f"{daily.get('planned_minutes', 0)} of {daily.get('capacity_minutes', '?')} minutes"]
    today = daily.get("today")
    if today is not None and today != day:
        lines.append(f"(this plans {day}, which is not today: today is {today})")
    for number, task in enumerate(chosen, 1):
        why = task.get("why")
        if why is None:  # a plan made before reasons were recorded
            why = (["overdue"] if task.get("overdue") else []) + [f"{task.get('priority', 'medium')} priority"]
        lines.append(f"  {number}. {task.get('title', task.get('id'))} ({task.get('estimate_minutes', 0)} min): "
                     + ", ".join(why))
    left_out = daily.get("deferred_tasks")
    if left_out:
        lines.append("Did not fit: " + "; ".join(f"{task['title']} ({task['why_not']})" for task in left_out))
    elif daily.get("deferred"):
        lines.append(f"Did not fit: {', '.join(map(str, daily['deferred']))}")
    else:
        lines.append("Everything open fits.")
    logged = daily.get("logged")
    if step_id is None and isinstance(logged, str):
        lines.append(f"Journal: the entry for {day} is written to {logged} once the run succeeds and is recorded")
    return "\n".join(lines)


def _check_date(value: Any) -> None:
    task_rules.parse_date(value, "date")


def _check_path(value: Any) -> None:
    if not value.strip():
        raise ValueError("must name a file, e.g. tasks.md")


PARAMS = (
    Param("tasks", str, default=None, check=_check_path,
          help="your task files: a path or a glob (YAML, JSON, TOML, Markdown checklist, todo.txt); needs "
               "--allow read:PATH. Without it the tasks come from the state's 'tasks'"),
    Param("journal", str, default=None, check=_check_path,
          help="your journal, a Markdown file: the log step adds the day's entry once the plan is confirmed; "
               "needs --allow read:PATH and --allow write:PATH. Without it the journal is the state's 'journal'"),
    Param("date", str, default=None,
          help="the day to plan (ISO date); defaults to today where you are (the run clock in your time zone)",
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
    description="Plan your day from your task files: pick priorities within capacity, confirm, keep a journal.",
    plan=plan,
    params=PARAMS,
    reads={
        "tasks": "the task list, when the tasks param names no files: id, title, priority, due, estimate_minutes, "
                 "done, completed",
        "journal": "earlier journal entries, one per date, when the journal param names no file (the log step "
                   "adds today's)",
    },
    check_state=task_rules.field_warnings,
    summary=summary,
    effects={
        "read": "your task files (the tasks param) and the journal file (the journal param)",
        "write": "the journal file (the journal param): the day's entry, only once the plan is confirmed",
    },
    check_inputs=check_inputs,
)


@hookimpl
def lifeos_register_missions(register: Callable[[Mission], None]) -> None:
    register(MISSION)


@hookimpl
def lifeos_register_operations(register: Callable[..., None]) -> None:
    register("daily_loop.summarise", summarise)
    register("daily_loop.prioritise", prioritise)
    register("daily_loop.log", log)
