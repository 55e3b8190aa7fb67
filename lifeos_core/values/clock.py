"""Time as an input.

The engine never reads the wall clock: a run's time comes from the clock its
:class:`~lifeos_core.engine.context.ExecutionContext` carries, so the same inputs give
the same receipt. The default is a fixed logical clock at the Unix epoch; the
CLI passes the wall-clock instant of the invocation as a :class:`FixedClock`,
which makes that run reproducible from its recorded inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Protocol, runtime_checkable

from ..errors import WorkflowInputError
from .frozen import Frozen

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@runtime_checkable
class Clock(Protocol):
    """Anything with a ``now()`` returning a timezone-aware datetime."""

    def now(self) -> datetime: ...


class FixedClock(Frozen):
    """A clock that always reads the same instant, in UTC or in a time zone.

    ``zone`` (an IANA name such as ``Pacific/Honolulu`` or an offset such as
    ``-10:00``; see :mod:`lifeos_core.values.zones`) changes what ``now()``
    reads, the local time there, not the instant: receipts keep writing the
    instant in UTC. ``offset`` is the zone's offset from UTC at that instant,
    in minutes; worked out from the tz database when not given. ``now()``
    reads the local time at that fixed offset, so a run and its replay agree
    even where the tz database differs. A clock text may carry its zone in
    brackets after the local time, as RFC 9557 writes it
    (``2026-12-01T19:52:00-10:00[Pacific/Honolulu]``): that is the form
    :meth:`input_text` gives, runs record, and the offset written there is used
    as is. Without brackets the text is an instant only (no zone): see
    :func:`clock_from_text` for the rule the command line and test plans use.
    """

    __slots__ = ("instant", "zone", "offset", "_text", "_local")
    _fields = ("instant", "zone", "offset")

    def __init__(self, instant: datetime | str = EPOCH, zone: str | None = None, offset: int | None = None) -> None:
        from .zones import canonical_zone, zone_info

        if isinstance(instant, str) and instant.strip().endswith("]") and "[" in instant:
            instant, _, bracketed = instant.strip()[:-1].partition("[")
            if zone is None:
                zone = bracketed
                if offset is None:
                    offset = _written_offset(instant, bracketed=True)
        moment = parse_instant(instant)
        zone = canonical_zone(zone, known=offset is None)
        if zone is None:
            offset = None
        elif offset is None:
            try:
                offset = int(moment.astimezone(zone_info(zone)).utcoffset().total_seconds() // 60)
            except (OverflowError, ValueError):
                raise WorkflowInputError(f"clock time {_shown(instant)} is out of range in time zone {zone}") from None
        elif isinstance(offset, bool) or not isinstance(offset, int) or not -1440 < offset < 1440:
            raise WorkflowInputError(f"a clock's offset is whole minutes between -1439 and 1439, got {offset!r}")
        local = moment
        if zone is not None:
            try:
                local = moment.astimezone(timezone(timedelta(minutes=offset), zone))
            except (OverflowError, ValueError):
                raise WorkflowInputError(f"clock time {_shown(instant)} is out of range in time zone {zone}") from None
        self._set(instant=moment, zone=zone, offset=offset, _text=format_instant(moment), _local=local)

    def now(self) -> datetime:
        return self._local

    def text(self) -> str:
        """The instant as receipts write it (worked out at construction)."""
        return self._text

    def input_text(self) -> str:
        """The clock as a run records it: the instant in UTC when there is no
        zone (as always), else the local time with its offset and the zone."""
        if self.zone is None:
            return self._text
        return f"{self._local.isoformat()}[{self.zone}]"

    def __hash__(self) -> int:
        return hash((self.instant, self.zone, self.offset))


def _written_offset(text: str, bracketed: bool = False) -> int | None:
    """The offset a clock text was written with, in minutes (``None``: none
    written). Before a bracketed zone, ``Z`` says the instant only, as in RFC
    9557: the zone's offset then comes from the tz database."""
    stripped = text.strip()
    if bracketed and stripped.endswith(("Z", "z")):
        return None
    try:
        moment = datetime.fromisoformat(stripped[:-1] + "+00:00" if stripped.endswith(("Z", "z")) else stripped)
    except ValueError:
        return None  # parse_instant says what is wrong
    offset = moment.utcoffset()
    return None if offset is None else int(offset.total_seconds() // 60)


def clock_from_text(text: str, zone: str | None = None, local_zone: Callable[[], str | None] | None = None
                    ) -> FixedClock:
    """A clock from a time as people write it, by the one rule ``lifeos run``
    and test plans share: ``zone`` (``--tz``) wins; else a zone in brackets,
    else the offset the time is written with (``Z`` is UTC) is the zone; a
    time without one is a local time in ``local_zone()`` (refused when there
    is none to ask)."""
    stripped = text.strip() if isinstance(text, str) else text
    if isinstance(stripped, str) and stripped.endswith("]") and "[" in stripped:
        return FixedClock(stripped) if zone is None else FixedClock(stripped.partition("[")[0], zone)
    offset = _written_offset(stripped) if isinstance(stripped, str) else None
    if offset is not None or local_zone is None or not isinstance(stripped, str):
        instant = parse_instant(stripped)
        if zone is not None:
            return FixedClock(instant, zone)
        return FixedClock(instant, _offset_name(offset or 0))
    try:
        naive = datetime.fromisoformat(stripped)
    except ValueError:
        parse_instant(stripped)  # says what is wrong
        raise
    from .zones import canonical_zone, zone_info

    where = canonical_zone(zone) if zone is not None else local_zone()
    return FixedClock(naive.replace(tzinfo=zone_info(where)), where)


def _offset_name(minutes: int) -> str:
    return f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def clock_text(clock: Clock) -> str:
    """The current time of ``clock`` as receipts write it."""
    text = getattr(clock, "text", None)
    return text() if text is not None else format_instant(clock.now())


def is_clock(value: object) -> bool:
    """Whether ``value`` can serve as a clock (has a callable ``now``)."""
    return callable(getattr(value, "now", None))


def parse_instant(value: datetime | str) -> datetime:
    """Read an instant from a timezone-aware datetime or an ISO 8601 string.

    Naive times are refused: a receipt that says "09:00" without a zone is
    not reproducible on a machine in another zone.
    """
    if isinstance(value, str):
        text = value.strip()
        try:
            moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
        except ValueError:
            raise WorkflowInputError(
                f"clock time {value!r} is not an ISO 8601 instant; use e.g. 2026-01-31T09:00:00Z"
            ) from None
    elif isinstance(value, datetime):
        moment = value
    else:
        raise WorkflowInputError(f"clock time must be a datetime or ISO 8601 string, got {type(value).__name__}")
    try:
        offset = moment.utcoffset()
    except Exception as exc:  # a tzinfo of the caller's that fails
        raise WorkflowInputError(f"clock time {_shown(value)} has a timezone that fails: {exc}") from None
    if offset is None:
        raise WorkflowInputError(
            f"clock time {moment.isoformat()} has no timezone; add one, e.g. 2026-01-31T09:00:00Z"
        )
    try:
        return moment.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        # e.g. 0001-01-01T00:00:00+14:00: the same instant in UTC is before year 1
        raise WorkflowInputError(
            f"clock time {_shown(value)} is out of range; use an instant between "
            f"{_FIRST_INSTANT} and {_LAST_INSTANT}"
        ) from None
    except Exception as exc:
        raise WorkflowInputError(f"clock time {_shown(value)} cannot be converted to UTC: {exc}") from None


_FIRST_INSTANT = "0001-01-01T00:00:00Z"
_LAST_INSTANT = "9999-12-31T23:59:59.999999Z"


def _shown(value: datetime | str) -> str:
    """A clock value as messages quote it: strings as given, datetimes in ISO 8601."""
    if isinstance(value, str):
        return repr(value)
    try:
        return value.isoformat()
    except Exception:
        return repr(value)


def format_instant(moment: datetime) -> str:
    """The one textual form of an instant in receipts: ISO 8601 in UTC with ``Z``."""
    text = parse_instant(moment).isoformat()
    return text[: -len("+00:00")] + "Z"


LOGICAL_CLOCK = FixedClock()
"""The default clock of a run: fixed at the Unix epoch, so runs reproduce."""
