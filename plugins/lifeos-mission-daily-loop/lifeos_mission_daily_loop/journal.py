"""The journal file: one dated Markdown entry per day, kept in the order written.

Pure text in, text out, so the log step only decides *what* to write and the
effect (a deferred write, applied once the confirmed run is recorded) does
the writing. An entry for a date that is already there replaces it (the
same morning planned twice keeps one entry); any other text in the file,
written by the person or by hand, is left exactly as it was.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

_HEADING = re.compile(r"^## (\d{4}-\d{2}-\d{2})\b.*$", re.MULTILINE)


def yesterday_of(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


def render_entry(daily: Mapping[str, Any], done: Sequence[Mapping[str, Any]]) -> str:
    """The entry for ``daily["date"]``: the plan (tasks in order, minutes, why),
    what did not fit, and what the task files say was done the day before."""
    day = daily["date"]
    chosen = daily.get("priorities") or []
    lines = [f"## {day}", "",
             f"Plan: {len(chosen)} task(s), {daily.get('planned_minutes', 0)} of "
             f"{daily.get('capacity_minutes', 0)} minutes."]
    if chosen:
        lines.append("")
    for task in chosen:
        why = ", ".join(task.get("why") or [])
        lines.append(f"- [ ] {task['title']} ({task['estimate_minutes']} min)" + (f": {why}" if why else ""))
    left_out = daily.get("deferred_tasks") or []
    if left_out:
        lines += ["", "Did not fit: " + "; ".join(f"{task['title']} ({task['why_not']})" for task in left_out) + "."]
    yesterday = yesterday_of(day)
    finished = [task for task in done if task.get("completed") == yesterday]
    if finished:
        lines += ["", f"Done yesterday ({yesterday}):", ""]
        lines += [f"- [x] {task['title']}" for task in finished]
    return "\n".join(lines) + "\n"


def with_entry(text: str, day: str, entry: str) -> str:
    """``text`` (the journal as it is) with ``entry`` for ``day``: in place of an
    earlier entry for that day, else added at the end after a blank line."""
    headings = list(_HEADING.finditer(text))
    for index, heading in enumerate(headings):
        if heading.group(1) == day:
            end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
            following = text[end:]
            return text[:heading.start()] + entry + ("\n" if following else "") + following
    if not text.strip():
        return entry
    return text.rstrip("\n") + "\n\n" + entry
