"""Reading task files in the formats people already keep them in: pure, no I/O.

The mission reads a file through an effect and hands its text here, with the
path as the user wrote it (``shown``). Every format ends in the same
*normalised* task dict, every key always present, so the rest of the mission
(and every hash of its state) does not care where a task came from.

Two rules shape the code:

* report every problem in a file at once, each as
  ``FILE:LINE: FIELD: what is wrong; what to write instead``, so one edit
  fixes the file instead of one run per mistake;
* one set of spelling rules (priorities, dates, estimates) for every format,
  so ``!high``, ``(A)``, ``p1`` and ``priority: 1`` all mean the same thing.

This module is the interface: it picks the format by extension and merges
sources. The formats themselves are in :mod:`.structured` (YAML, JSON, TOML)
and :mod:`.checklists` (Markdown, todo.txt), their shared spellings in
:mod:`.spellings`, and :class:`Parsed` with the task dict in :mod:`.parsed`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from .checklists import parse_markdown, parse_todo_txt
from .parsed import Parsed, unique
from .structured import FIELDS, parse_json, parse_toml, parse_yaml, structured_tasks

__all__ = ["EXTENSIONS", "FIELDS", "Parsed", "merge", "normalise_tasks", "parse_task_file"]

EXTENSIONS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml",
              ".md": "markdown", ".markdown": "markdown", ".txt": "todo.txt"}
_PARSERS = {"yaml": parse_yaml, "json": parse_json, "toml": parse_toml, "markdown": parse_markdown,
            "todo.txt": parse_todo_txt}


# --- the interface ---------------------------------------------------------------

def parse_task_file(shown: str, text: str) -> Parsed:
    """The tasks in one file, by its extension; every problem in it, at once."""
    suffix = os.path.splitext(shown)[1].lower()
    if suffix not in EXTENSIONS:
        return Parsed([], [(f"{shown}: format: cannot tell the format from {suffix or 'no extension'!r}; "
                           f"name the file with one of {', '.join(EXTENSIONS)}")], [])
    return _PARSERS[EXTENSIONS[suffix]](shown, text.removeprefix("\ufeff"))


def normalise_tasks(raw: Any, where: str = "tasks") -> Parsed:
    """Task objects already parsed (a state's ``tasks``): same rules, and
    messages say ``tasks[3].priority`` since there are no lines. ``raw`` is
    only read, never changed."""
    if not isinstance(raw, (list, tuple)):
        return Parsed([], [f"{where}: a {type(raw).__name__} is not a list of tasks; write a list of task objects"], [])
    return structured_tasks([(item, None, {}) for item in raw], None, where)


def merge(parsed: Iterable[Parsed]) -> Parsed:
    """Several sources (a glob) as one: in order, a repeated id reported and dropped."""
    tasks, problems, warnings = [], [], []
    for one in parsed:
        tasks += [{**task, **{k: list(v) for k, v in task.items() if isinstance(v, list)}} for task in one.tasks]
        problems += one.problems
        warnings += one.warnings
    return Parsed(unique(tasks, problems), problems, warnings)
