"""Clock times given as input: every bad one is a WorkflowInputError line, never an OverflowError."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo

import pytest

from lifeos_core.values.clock import FixedClock, format_instant, parse_instant
from lifeos_core.errors import WorkflowInputError


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",
                                  "0001-01-01T00:30:00+01:00"])
def test_an_instant_beyond_the_calendar_in_utc_is_out_of_range(text):
    expected = (rf"^clock time '{re.escape(text)}' is out of range; "
                r"use an instant between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z$")
    with pytest.raises(WorkflowInputError, match=expected):
        parse_instant(text)


def test_out_of_range_datetimes_and_clocks_say_the_same():
    moment = datetime(9999, 12, 31, 23, 0, tzinfo=timezone(-timedelta(hours=3)))
    with pytest.raises(WorkflowInputError, match=r"^clock time 9999-12-31T23:00:00-03:00 is out of range"):
        FixedClock(moment)
    with pytest.raises(WorkflowInputError, match="is out of range"):
        format_instant(moment)
    # the range's own ends are fine
    assert format_instant(parse_instant("0001-01-01T14:00:00+14:00")) == "0001-01-01T00:00:00Z"
    assert format_instant(parse_instant("9999-12-31T23:59:59+00:00")) == "9999-12-31T23:59:59Z"


def test_a_timezone_that_fails_is_an_input_error():
    class Broken(tzinfo):
        def utcoffset(self, moment):
            raise RuntimeError("no offset today")

    with pytest.raises(WorkflowInputError, match="has a timezone that fails: no offset today"):
        parse_instant(datetime(2026, 1, 1, tzinfo=Broken()))
