"""Time as an input.

The engine never reads the wall clock: a run's time comes from the clock its
:class:`~lifeos_core.engine.context.ExecutionContext` carries, so the same inputs give
the same receipt. The default is a fixed logical clock at the Unix epoch; the
CLI passes the wall-clock instant of the invocation as a :class:`FixedClock`,
which makes that run reproducible from its recorded inputs.
"""

from __future__ import annotations

from datetime import datetime, timezone
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
    instant in UTC. A clock text may carry its zone in brackets, as RFC 9557
    writes it (``2026-12-01T19:52:00-10:00[Pacific/Honolulu]``); that is the
    form :meth:`input_text` gives and runs record as their clock input.
    """

    __slots__ = ("instant", "zone", "_text", "_local")
    _fields = ("instant", "zone")

    def __init__(self, instant: datetime | str = EPOCH, zone: str | None = None) -> None:
        from .zones import canonical_zone, zone_info

        if isinstance(instant, str) and instant.rstrip().endswith("]") and "[" in instant:
            instant, _, bracketed = instant.rstrip()[:-1].partition("[")
            if zone is None:
                zone = bracketed
        moment = parse_instant(instant)
        zone = canonical_zone(zone)
        self._set(instant=moment, zone=zone, _text=format_instant(moment),
                  _local=moment if zone is None else moment.astimezone(zone_info(zone)))

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
        return hash((self.instant, self.zone))


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
