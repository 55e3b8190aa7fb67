"""Time zones as an input of a run.

A run's clock is an instant; what *day* it is depends on where the person
is. At 19:52 on 1 December in Honolulu it is already 2 December in UTC, and a
mission planning "today" must plan the 1st. So a clock may carry a zone: an
IANA name (``Pacific/Honolulu``) or a fixed offset (``-10:00``), recorded
with the run like the instant itself, so a replay sees the same local time.

UTC in any of its spellings is "no zone": a run in UTC records exactly what
it recorded before zones existed, and keeps its hashes.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta, timezone, tzinfo

from ..errors import WorkflowInputError

_UTC_NAMES = {"utc", "etc/utc", "z", "gmt", "etc/gmt", "universal", "etc/universal", "zulu", "etc/zulu",
              "uct", "etc/uct", "gmt0", "etc/gmt0", "+00:00", "-00:00", "greenwich", "etc/greenwich"}
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$")


def canonical_zone(name: str | None, known: bool = True) -> str | None:
    """The one spelling of a zone that runs record: an IANA name as the tz
    database spells it, ``±HH:MM`` for an offset, ``None`` for UTC. Raises
    :class:`WorkflowInputError` naming the zone when it is not one. With
    ``known=False`` a name is only checked for its form (a recorded clock
    carries its offset, so reading it back needs no tz database)."""
    if name is None:
        return None
    if not isinstance(name, str) or not name.strip():
        raise WorkflowInputError(f"time zone must be a name like Europe/Paris or an offset like +01:00, got {name!r}")
    text = name.strip()
    for prefix in ("posix/", "right/"):
        text = text[len(prefix):] if text.startswith(prefix) else text
    if text.lower() in _UTC_NAMES:
        return None
    offset = _OFFSET.match(text)
    if offset is not None:
        sign, hours, minutes = offset.groups()
        if int(hours) > 23 or int(minutes) > 59:
            raise WorkflowInputError(f"time zone offset {text!r} is out of range; use -23:59 to +23:59")
        return None if hours == minutes == "00" else f"{sign}{hours}:{minutes}"
    if not _NAME.match(text) or text.lower() in ("localtime", "local"):
        raise _unknown(text)
    if known:
        zone_info(text)  # raises when unknown
    return text


def _unknown(name: str) -> WorkflowInputError:
    return WorkflowInputError(
        f"unknown time zone {name!r}; use an IANA name like America/New_York or Europe/Paris, or an offset "
        "like -05:00 (if every name is unknown, this machine has no tz database: pip install tzdata)")


def zone_info(name: str | None) -> tzinfo:
    """The ``tzinfo`` of a canonical zone (``None``: UTC)."""
    if name is None:
        return timezone.utc
    offset = _OFFSET.match(name)
    if offset is not None:
        sign, hours, minutes = offset.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        return timezone(-delta if sign == "-" else delta, name)
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise _unknown(name) from None


def system_zone() -> str | None:
    """The zone of this machine, as a name runs record: ``$TZ`` when it names
    a zone (``Europe/Paris``, ``:Europe/Paris``, a file in a tz database),
    else the zone ``/etc/localtime`` links to (or ``/etc/timezone`` names),
    else the current UTC offset as the C library reads ``$TZ`` (POSIX rules
    such as ``UTC0`` or ``EST5EDT``, which name no zone of the database).
    ``None`` is UTC. It never fails: ``--tz`` says it exactly."""
    variable = os.environ.get("TZ")
    if variable is not None:
        text = variable[1:] if variable.startswith(":") else variable
        found = _zone_of_file(text) if os.path.isabs(text) else text
        for candidate in (found, text):
            try:
                return canonical_zone(candidate) if candidate else None
            except WorkflowInputError:
                continue
        return _current_offset()
    found = _zone_of_file("/etc/localtime")
    if found is None:
        try:
            with open("/etc/timezone", encoding="utf-8") as handle:
                found = handle.read().strip() or None
        except OSError:
            found = None
    if found is not None:
        try:
            return canonical_zone(found)
        except WorkflowInputError:
            pass
    return _current_offset()


def _current_offset() -> str | None:
    import time

    seconds = time.localtime().tm_gmtoff
    sign = "-" if seconds < 0 else "+"
    minutes = abs(seconds) // 60
    return canonical_zone(f"{sign}{minutes // 60:02d}:{minutes % 60:02d}")


def _zone_of_file(path: str) -> str | None:
    """The IANA name a zone file stands for, from where its link leads (``…/zoneinfo/Europe/Paris``)."""
    try:
        target = os.path.realpath(path)
    except OSError:
        return None
    marker = f"{os.sep}zoneinfo{os.sep}"
    if marker not in target:
        return None
    name = target.split(marker, 1)[1]
    for prefix in ("posix" + os.sep, "right" + os.sep):
        if name.startswith(prefix):
            name = name[len(prefix):]
    return name or None
