"""The journal file: one dated Markdown entry per day, kept in the order written.

Pure text in, text out, so the log step only decides *what* to write and the
effect (a deferred write, applied once the confirmed run is recorded) does
the writing. Each entry ends with a Markdown comment naming it (invisible
when the journal is rendered), so an entry for a date that is already there
is replaced exactly (the same morning planned twice keeps one entry), and
any other text in the file, the person's own notes under or between the
entries included, is left exactly as it was.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any



def _end(day: str) -> str:
    return f"<!-- end of daily_loop's entry for {day} -->"


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
    return "\n".join([*lines, _end(day)]) + "\n"


def with_entry(text: str, day: str, entry: str) -> str:
    """``text`` (the journal as it is) with ``entry`` for ``day``: in place of
    the entry daily_loop wrote for that day before (from its heading to its
    end comment, nothing else), else added at the end after a blank line."""
    earlier = re.search(rf"(?ms)^## {re.escape(day)}\n.*?^{re.escape(_end(day))}\n?", text)
    if earlier is not None:
        return text[:earlier.start()] + entry + text[earlier.end():]
    if not text.strip():
        return entry
    return text.rstrip("\n") + "\n\n" + entry
