"""YAML, JSON and TOML task files (and saved states): load them, find the
line of each task and field, and normalise the task objects in them.

Structured formats share one normaliser and one way to point at lines, which
the line-based formats in :mod:`.checklists` need neither of.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from typing import Any

import yaml

from lifeos_core import did_you_mean

from .parsed import Parsed, new_task, unique
from .spellings import READERS

# What a structured task may say; the output-only keys are accepted too, so
# normalised tasks fed back in (a saved state) round-trip without warnings.
FIELDS = ("id", "title", "priority", "due", "estimate_minutes", "done", "completed", "subtasks")
OUTPUT_ONLY = ("due_at", "source", "projects", "contexts", "created")
_HINTS = {"name": "title", "deadline": "due", "due_date": "due", "minutes": "estimate_minutes",
          "estimate": "estimate_minutes", "completed_at": "completed", "done_date": "completed"}


# A "located" value: (line, children) where children maps a key to (key line,
# located value), or lists the located items; None for a plain value.

def structured_tasks(entries: list[tuple[Any, int | None, dict[str, int]]], shown: str | None, where: str) -> Parsed:
    """Normalise parsed task objects; ``shown`` None means they came from a state
    (messages say ``tasks[3].priority``), else from a file (``FILE:LINE: field``)."""
    tasks, problems, unknown = [], [], {}
    on_line: dict[Any, int] = {}  # tasks found on each line so far: compact JSON or YAML puts several on one
    for index, (item, line, key_lines) in enumerate(entries):
        on_line[line] = on_line.get(line, 0) + 1
        if shown is None:
            source = f"{where}[{index}]"
            at = (lambda field, source=source: f"{source}.{field}")
        else:
            source = f"{shown}:{line}"
            at = (lambda field, lines=key_lines, line=line: f"{shown}:{lines.get(field, line)}: {field}")
        if not isinstance(item, dict):
            place = source if shown is None else f"{source}: task"
            problems.append(f"{place}: a {type(item).__name__} is not a task; write an object with at least a title")
            continue
        found = len(problems)
        task_id = item.get("id")
        if task_id is None:
            task_id = source if on_line[line] == 1 or shown is None else f"{source}#{on_line[line]}"
        elif isinstance(task_id, bool) or not isinstance(task_id, (str, int)) or str(task_id).strip() == "":
            problems.append(f"{at('id')}: {task_id!r} is not an id; write a non-empty text or a whole number")
        if shown is None and isinstance(item.get("source"), str) and item["source"]:
            source = item["source"]  # a saved task keeps pointing at the file it came from
        task = new_task(str(task_id), source)
        title = item.get("title")
        if isinstance(title, (int, float)) and not isinstance(title, bool):
            title = str(title)
        if not isinstance(title, str) or not title.strip():
            problems.append(f"{at('title')}: {'missing' if title is None else repr(title)}; "
                            "write what the task is, e.g. title: Pay rent")
        else:
            task["title"] = title.strip()
        for field, read in READERS.items():
            if item.get(field) is not None:
                try:
                    task.update(read(item[field]))
                except ValueError as exc:
                    problems.append(f"{at(field)}: {exc}")
        if item.get("completed") is not None and item.get("done") is False:
            problems.append(f"{at('done')}: false, but the task has a completion date; "
                            "write done: true or remove completed")
        for key in item:
            if str(key) not in FIELDS + OUTPUT_ONLY:
                place = source if shown is None else f"{shown}:{key_lines.get(str(key), line)}"
                unknown.setdefault(str(key), []).append(place)
        if len(problems) == found:
            tasks.append(task)
    warnings = []
    for key, places in unknown.items():
        more = f" and {len(places) - 3} more" if len(places) > 3 else ""
        hint = did_you_mean(key, FIELDS)
        if not hint and key.lower() in _HINTS:
            hint = f" (did you mean {_HINTS[key.lower()]!r}?)"
        warnings.append(f"{', '.join(places[:3])}{more}: daily_loop does not read the field {key!r}{hint}; "
                        f"task fields are: {', '.join(FIELDS)}")
    return Parsed(unique(tasks, problems), problems, warnings)


def task_list(shown: str, data: Any, located: tuple[int, Any]) -> Parsed:
    """Find the task list (top level, or under ``tasks``) and normalise it."""
    line, children = located
    if isinstance(data, dict):
        if "tasks" not in data:
            if not data:
                return Parsed([], [], [])
            return Parsed([], [(f"{shown}:{line}: tasks: no task list found; put the tasks in a list "
                               "under a 'tasks' key, or make the whole file a list")], [])
        line, located = children["tasks"]
        data, children = data["tasks"], located[1]
    if data is None:
        return Parsed([], [], [])
    if not isinstance(data, list):
        return Parsed([], [(f"{shown}:{line}: tasks: a {type(data).__name__} is not a list of tasks; "
                           "write a list of task objects")], [])
    entries = []
    for item, (item_line, fields) in zip(data, children):
        key_lines = {key: key_line for key, (key_line, _) in (fields or {}).items()} if isinstance(fields, dict) else {}
        entries.append((item, item_line, key_lines))
    return structured_tasks(entries, shown, "tasks")


class _YamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe loading, except that dates stay text as written: PyYAML would turn
    ``due: 2026-12-03`` into a date object (and crash on ``2026-13-01``), losing
    the spelling we report and keep in ``due_at``."""


_YamlLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def parse_yaml(shown: str, text: str) -> Parsed:
    loader = _YamlLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: a tagged value that cannot be built (!!int x)
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return Parsed([], [f"{shown}:{mark.line + 1 if mark else 1}: YAML: {reason}; fix the YAML syntax there"], [])
    finally:
        loader.dispose()

    def locate(node: Any, depth: int) -> tuple[int, Any]:
        line = node.start_mark.line + 1
        if depth == 0 or isinstance(node, yaml.ScalarNode):
            return line, None
        if isinstance(node, yaml.SequenceNode):
            return line, [locate(item, depth - 1) for item in node.value]
        return line, {str(key.value): (key.start_mark.line + 1, locate(value, depth - 1)) for key, value in node.value}

    return task_list(shown, data, locate(node, 3) if node is not None else (1, None))


def parse_json(shown: str, text: str) -> Parsed:
    if not text.strip():
        return Parsed([], [], [])
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        reason = f"{exc.msg} (column {exc.colno})"
        return Parsed([], [f"{shown}:{exc.lineno}: JSON: {reason}; fix the JSON syntax there"], [])
    return task_list(shown, data, _json_lines(text))


def _json_lines(text: str) -> tuple[int, Any]:
    """Where each value and key starts, for text json.loads already accepted:
    the json module gives no positions, so walk the text with its own scanners."""
    from json.decoder import scanstring

    newlines = [index for index, char in enumerate(text) if char == "\n"]
    decoder = json.JSONDecoder()
    space = re.compile(r"[ \t\n\r]*")

    def line(index: int) -> int:
        return bisect_right(newlines, index - 1) + 1

    def value(index: int, depth: int) -> tuple[tuple[int, Any], int]:
        index = space.match(text, index).end()
        start, opener = index, text[index]
        if depth == 0 or opener not in "[{":
            return (line(start), None), decoder.raw_decode(text, index)[1]
        closer = "}" if opener == "{" else "]"
        children: Any = {} if opener == "{" else []
        index = space.match(text, index + 1).end()
        while text[index] != closer:
            if opener == "{":
                key_line = line(index)
                key, index = scanstring(text, index + 1)
                item, index = value(space.match(text, index).end() + 1, depth - 1)
                children[key] = (key_line, item)
            else:
                item, index = value(index, depth - 1)
                children.append(item)
            index = space.match(text, index).end()
            if text[index] == ",":
                index = space.match(text, index + 1).end()
        return (line(start), children), index + 1

    return value(0, 3)[0]


def parse_toml(shown: str, text: str) -> Parsed:
    try:
        import tomllib as toml
    except ImportError:
        try:
            import tomli as toml  # type: ignore[no-redef]
        except ImportError:
            return Parsed([], [(f"{shown}: format: reading TOML needs Python 3.11 or newer (or the tomli package); "
                               "upgrade Python, or keep the tasks in YAML or JSON")], [])
    try:
        data = toml.loads(text)
    except toml.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        reason = str(exc)[: found.start()].strip() if found else str(exc)
        return Parsed([], [f"{shown}:{found.group(1) if found else 1}: TOML: {reason}; fix the TOML syntax there"], [])
    return task_list(shown, data, _toml_lines(text, data))


def _toml_lines(text: str, data: dict) -> tuple[int, Any]:
    """tomllib gives no positions: the n-th task is the n-th ``[[tasks]]``
    header, its keys the ``key =`` lines below it; otherwise (an inline
    ``tasks = [...]``) every task points at the ``tasks`` line."""
    lines = text.splitlines()
    headers = [number for number, line in enumerate(lines, 1)
               if re.match(r"\s*\[\[\s*(tasks|\"tasks\"|'tasks')\s*\]\]\s*(#.*)?$", line)]
    tasks = data.get("tasks")
    count = len(tasks) if isinstance(tasks, list) else 0
    if len(headers) == count and count:
        items = []
        for header in headers:
            keys: dict[str, Any] = {}
            for number in range(header + 1, len(lines) + 1):
                if re.match(r"\s*\[", lines[number - 1]):
                    break
                key = re.match(r"\s*([A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')\s*=", lines[number - 1])
                if key:
                    keys.setdefault(key.group(1).strip("\"'"), (number, (number, None)))
            items.append((header, keys))
        return 1, {"tasks": (headers[0], (headers[0], items))}
    at = next((number for number, line in enumerate(lines, 1) if re.match(r"\s*tasks\s*=", line)), 1)
    return 1, {"tasks": (at, (at, [(at, None)] * count))}

