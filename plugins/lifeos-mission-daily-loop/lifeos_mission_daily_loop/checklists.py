"""Line-based task files: Markdown checklists and todo.txt.

One task per line, its fields written as tokens (``due:2026-12-03``, ``~15m``)
among the words of its title; both formats read tokens the same way.
"""

from __future__ import annotations

import re
from typing import Any

from .parsed import Parsed, new_task, unique
from .spellings import READERS, day_of, priority_of

_CHECKBOX = re.compile(r"(?P<indent>[ \t]*)(?:[-*+]|\d{1,9}[.)])[ \t]+\[(?P<box>[ xX])\](?:[ \t]+(?P<text>.*))?")
# (field, token pattern, the token as the fix shows it)
_I = re.IGNORECASE
# A word is a token only when it looks like one: "!=" and "~/Documents" stay words of the title.
_MARKDOWN_TOKENS = (
    ("priority", re.compile(r"(!{1,3}|![A-Za-z0-9]\w*)"), "!high"),
    ("due", re.compile(r"due:(.*)", _I), "due:2026-12-03"),
    ("completed", re.compile(r"done:(.*)", _I), "done:2026-12-01"),
    ("estimate_minutes", re.compile(r"~(\d.*)"), "~15m"),
)
_TODO_TOKENS = (
    ("priority", re.compile(r"pri:(.*)", _I), "pri:A"),
    ("due", re.compile(r"due:(.*)", _I), "due:2026-12-03"),
    ("estimate_minutes", re.compile(r"(?:est:(.*)|~(\d.*))", _I), "est:15m"),
)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)



def _tags(task: dict[str, Any]) -> None:
    """``+project`` and ``@context`` words stay in the title and are listed too."""
    words = task["title"].split()
    task["projects"] = [word[1:] for word in words if word.startswith("+") and len(word) > 1]
    task["contexts"] = [word[1:] for word in words if word.startswith("@") and len(word) > 1]


def _line_task(task: dict, words: list[str], tokens: tuple, place: str, problems: list[str],
               given: set[str]) -> dict | None:
    """Take the tokens out of ``words`` into ``task``; what is left is the title.
    ``given`` names the fields the line already set. Returns the task, or None
    when the line had a problem (all of them reported)."""
    found, rest = len(problems), []
    for word in words:
        match = next(((field, next(group for group in m.groups() if group is not None), example)
                      for field, rule, example in tokens if (m := rule.fullmatch(word))), None)
        if match is None:
            rest.append(word)
            continue
        field, value, example = match
        if field in given:
            problems.append(f"{place}: {field}: given twice ({word!r} is the second); keep one")
            continue
        given.add(field)
        try:
            task.update(READERS[field](value))
        except ValueError as exc:
            problems.append(f"{place}: {field}: {exc} (as a token: {example})")
    task["title"] = " ".join(rest)
    if not rest:
        problems.append(f"{place}: title: the item has no text; write what the task is")
    _tags(task)
    return task if len(problems) == found else None


def parse_markdown(shown: str, text: str) -> Parsed:
    """``- [ ] Pay rent !high due:2026-12-03 ~15m``; indented items are subtasks."""
    tasks, problems = [], []
    parent: tuple[dict, int] | None = None
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(r"\s*(```|~~~)", line):
            fenced, parent = not fenced, None
            continue
        item = None if fenced else _CHECKBOX.fullmatch(line)
        if item is None:
            if line.strip() and not line[:1].isspace():
                parent = None  # a heading or paragraph ends the list
            continue
        indent = len(item["indent"].expandtabs(4))
        words = (item["text"] or "").split()
        if parent is not None and indent > parent[1]:
            if words:
                parent[0]["subtasks"].append(" ".join(words))
            continue
        task = new_task(f"{shown}:{number}", f"{shown}:{number}")
        task["done"] = item["box"] in "xX"
        parent = (task, indent)
        if _line_task(task, words, _MARKDOWN_TOKENS, f"{shown}:{number}", problems, set()):
            tasks.append(task)
    return Parsed(unique(tasks, problems), problems, [])


def parse_todo_txt(shown: str, text: str) -> Parsed:
    """``(A) 2026-12-01 Call mom due:2026-12-03 +family @phone``; ``x DONE CREATED text``."""
    tasks, problems = [], []
    for number, line in enumerate(text.splitlines(), 1):
        words, place = line.split(), f"{shown}:{number}"
        if not words:
            continue
        task, given, found = new_task(place, place), set(), len(problems)
        if words[0] == "x":
            task["done"], words = True, words[1:]
        if words and re.fullmatch(r"\([A-Z]\)", words[0]):
            task["priority"], words = priority_of(words[0][1]), words[1:]
            given.add("priority")
        for field in ("completed", "created") if task["done"] else ("created",):
            if words and _ISO_DAY.fullmatch(words[0]):
                try:
                    task[field] = day_of(words[0])
                except ValueError as exc:
                    problems.append(f"{place}: {field}: {exc}")
                words = words[1:]
        if _line_task(task, words, _TODO_TOKENS, place, problems, given) and len(problems) == found:
            tasks.append(task)
    return Parsed(unique(tasks, problems), problems, [])

