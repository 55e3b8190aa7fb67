"""What every format produces: :class:`Parsed` and the normalised task dict,
with the duplicate-id check; here so the format modules share them without
importing one another or :mod:`.formats`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .spellings import DEFAULT_PRIORITY


@dataclass(frozen=True)
class Parsed:
    """What one source gave: the good tasks in order, and what to tell the user."""

    tasks: list[dict]
    problems: list[str]
    warnings: list[str]


def new_task(task_id: str, source: str) -> dict[str, Any]:
    return {"id": task_id, "title": "", "priority": DEFAULT_PRIORITY, "due": None, "due_at": None,
            "estimate_minutes": None, "done": False, "completed": None, "source": source, "subtasks": [],
            "projects": [], "contexts": [], "created": None}


def _at(source: str, field: str) -> str:
    """Where to point a message: ``tasks.md:3: id`` or ``tasks[2].id``."""
    return f"{source}.{field}" if source.endswith("]") else f"{source}: {field}"


def unique(tasks: list[dict], problems: list[str]) -> list[dict]:
    """Drop (and report) every task whose id an earlier task already has."""
    seen: dict[str, str] = {}
    kept = []
    for task in tasks:
        if task["id"] in seen:
            problems.append(f"{_at(task['source'], 'id')}: {task['id']!r} is also the id of the task at "
                            f"{seen[task['id']]}; give each task its own id")
        else:
            seen[task["id"]] = task["source"]
            kept.append(task)
    return kept

