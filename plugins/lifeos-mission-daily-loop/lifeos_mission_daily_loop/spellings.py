"""The spelling rules every task format shares: priorities, dates, estimates.

One module for all of them, so ``!high``, ``(A)``, ``p1`` and ``priority: 1``
mean the same thing whichever kind of file a task comes from.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

PRIORITIES = ("high", "medium", "low")
DEFAULT_PRIORITY = "medium"

PRIORITY_HELP = "write high, medium or low (also h/m/l, A/B/C, 1-4 or p1-p4 with 1 highest, or !/!!/!!!)"
DATE_HELP = "write YYYY-MM-DD, e.g. 2026-12-03"
DUE_HELP = DATE_HELP + ", optionally with a time: 2026-12-03T17:00 or 2026-11-23T17:00:00+01:00"
ESTIMATE_HELP = "write whole minutes (90) or with units: 15m, 1h, 1h30m, 1.5h"
_NUMBERED = {"1": "high", "2": "medium", "3": "low", "4": "low"}
_DUE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:[Zz]|[+-](\d{2}):?(\d{2}))?)?",
                  re.ASCII)
_ESTIMATE = re.compile(r"(\d+)|(?:(\d+(?:\.\d+)?)h)?(?:(\d+)m(?:in)?)?", re.IGNORECASE | re.ASCII)


def priority_of(value: Any) -> str:
    """``high``/``medium``/``low`` from any accepted spelling (case-insensitive)."""
    text = str(value).strip().lower() if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if text and set(text) == {"!"} and len(text) <= 3:
        return PRIORITIES[3 - len(text)]
    if text and text.startswith("!"):
        text = text[1:]
    if text in PRIORITIES:
        return text
    if text is not None and len(text) == 1 and "a" <= text <= "z":  # h/m/l, else A/B/C with D-Z low
        return {"h": "high", "m": "medium", "a": "high", "b": "medium"}.get(text, "low")
    if text is not None and text.removeprefix("p") in _NUMBERED:
        return _NUMBERED[text.removeprefix("p")]
    raise ValueError(f"{value!r} is not a priority; {PRIORITY_HELP}")


def due_of(value: Any) -> tuple[str, str | None]:
    """``(date, text)``: the calendar date as written (no zone conversion) and,
    when a time was given, the whole text so nothing the user wrote is lost."""
    if isinstance(value, datetime):
        return value.date().isoformat(), value.isoformat()
    if isinstance(value, date):
        return value.isoformat(), None
    found = _DUE.fullmatch(value.strip()) if isinstance(value, str) else None
    if found:
        day, hour, minute, second, zone_h, zone_m = found.groups()
        try:
            date.fromisoformat(day)
            ok = hour is None or (int(hour) < 24 and int(minute) < 60 and int(second or 0) < 60
                                  and int(zone_h or 0) < 24 and int(zone_m or 0) < 60)
        except ValueError:
            ok = False
        if ok:
            return day, (value.strip() if hour is not None else None)
    raise ValueError(f"{value!r} is not a valid date; {DUE_HELP}")


def day_of(value: Any) -> str:
    """A calendar date (a completion or creation day); a time, if given, is dropped."""
    try:
        return due_of(value)[0]
    except ValueError:
        raise ValueError(f"{value!r} is not a valid date; {DATE_HELP}") from None


MAX_MINUTES = 60 * 24 * 366
"""The largest estimate: a year of minutes. More is a typo, and would not fit a day anyway."""


def minutes_of(value: Any) -> int:
    """Whole minutes from ``90``, ``"90"``, ``"15m"``, ``"1h30m"`` or ``"1.5h"``."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_MINUTES:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_MINUTES:
        return value
    text = value.replace(" ", "") if isinstance(value, str) else None
    found = _ESTIMATE.fullmatch(text) if text is not None and len(text) <= 20 else None
    if found and any(found.groups()):
        plain, hours, extra = found.groups()
        minutes = Decimal(hours or 0) * 60 + int(extra or plain or 0)
        if minutes == minutes.to_integral_value() and minutes <= MAX_MINUTES:
            return int(minutes)
    if isinstance(value, (int, float, str)) and not isinstance(value, bool) and _too_big(value):
        raise ValueError(f"{_shown(value)} is more than a year of minutes; write the estimate in minutes or hours, "
                         "e.g. 90 or 1h30m")
    raise ValueError(f"{_shown(value)} is not an estimate; {ESTIMATE_HELP}")


def _too_big(value: Any) -> bool:
    try:
        return float(str(value).rstrip("mMhH") if isinstance(value, str) else value) > MAX_MINUTES
    except (ValueError, OverflowError):
        return False


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def done_of(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(f"{value!r} is not true or false; write true or false")


def texts_of(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return list(value)
    raise ValueError(f"{value!r} is not a list of texts; write a list such as [\"buy stamps\", \"post it\"]")


# field -> how its value becomes normalised keys; shared by every format
READERS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "priority": lambda v: {"priority": priority_of(v)},
    "due": lambda v: dict(zip(("due", "due_at"), due_of(v))),
    "due_at": lambda v: dict(zip(("due", "due_at"), due_of(v))),  # a saved task: the time wins
    "estimate_minutes": lambda v: {"estimate_minutes": minutes_of(v)},
    "done": lambda v: {"done": done_of(v)},
    "completed": lambda v: {"completed": day_of(v), "done": True},
    "created": lambda v: {"created": day_of(v)},
    "subtasks": lambda v: {"subtasks": texts_of(v)},
    "projects": lambda v: {"projects": texts_of(v)},
    "contexts": lambda v: {"contexts": texts_of(v)},
}

