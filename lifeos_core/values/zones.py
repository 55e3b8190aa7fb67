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


def canonical_zone(name: str | None) -> str | None:
    """The one spelling of a zone that runs record: an IANA name as the tz
    database spells it, ``±HH:MM`` for an offset, ``None`` for UTC. Raises
    :class:`WorkflowInputError` naming the zone when it is not one."""
    if name is None:
        return None
    if not isinstance(name, str) or not name.strip():
        raise WorkflowInputError(f"time zone must be a name like Europe/Paris or an offset like +01:00, got {name!r}")
    text = name.strip()
    if text.lower() in _UTC_NAMES:
        return None
    offset = _OFFSET.match(text)
    if offset is not None:
        sign, hours, minutes = offset.groups()
        if int(hours) > 23 or int(minutes) > 59:
            raise WorkflowInputError(f"time zone offset {text!r} is out of range; use -23:59 to +23:59")
        return None if hours == minutes == "00" else f"{sign}{hours}:{minutes}"
    zone_info(text)  # raises when unknown
    return text


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
    except (ZoneInfoNotFoundError, ValueError):
        raise WorkflowInputError(
            f"unknown time zone {name!r}; use an IANA name like America/New_York or Europe/Paris, or an offset "
            "like -05:00 (if every name is unknown, this machine has no tz database: pip install tzdata)"
        ) from None


def system_zone() -> str | None:
    """The zone of this machine, as a name runs record: ``$TZ`` when set, else
    the zone ``/etc/localtime`` links to (or ``/etc/timezone`` names), else
    the current UTC offset. ``None`` is UTC. A ``$TZ`` that names no zone is
    the user's mistake, reported as such (it says to use ``--tz``)."""
    variable = os.environ.get("TZ")
    if variable:
        text = variable[1:] if variable.startswith(":") else variable
        if os.path.isabs(text):
            found = _zone_of_file(text)
            if found is not None:
                return canonical_zone(found)
        try:
            return canonical_zone(text)
        except WorkflowInputError:
            raise WorkflowInputError(f"$TZ is {variable!r}, which is not a time zone lifeos knows; set it to an "
                                     "IANA name like Europe/Paris, or pass --tz") from None
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
