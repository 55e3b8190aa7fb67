"""What day it is depends on where you are: a run's clock carries the person's time zone.

Examples of use: a clock in a zone reads the local time there (the receipt
keeps the instant in UTC), the zone travels with the recorded clock text,
``lifeos run`` takes it from ``--tz``, the ``--clock`` offset, ``$TZ`` or the
machine, in that order, and a mission that plans "today" plans the person's
today, either side of midnight.
"""

from __future__ import annotations

import json
import pickle
from datetime import date
from typing import Any

import pytest
from typer.testing import CliRunner

from lifeos_core import FixedClock, Mission, StepSpec, WorkflowInputError, run_mission, stable_hash
from lifeos_core.cli import app
from lifeos_core.cli.running import clock_of_run
from lifeos_core.values.zones import canonical_zone, system_zone

runner = CliRunner()


def note_the_day(state: dict[str, Any], payload: dict[str, Any], context: Any) -> dict[str, Any]:
    state["day"] = context.now().date().isoformat()
    state["local"] = context.now().isoformat()
    return state


DAY = Mission("day", "Say what day it is.", lambda params: [StepSpec("note", "runtime", {"operation": "day.note"})])


@pytest.fixture
def day_mission(registry_with: Any, pack: Any) -> None:
    registry_with(days=pack([DAY], {"day.note": note_the_day}))


# --- the clock ---------------------------------------------------------------------------------


def test_a_clock_in_honolulu_reads_the_evening_before_utc() -> None:
    clock = FixedClock("2026-12-02T05:52:00Z", zone="Pacific/Honolulu")
    assert clock.now().date() == date(2026, 12, 1)
    assert clock.now().hour == 19
    assert clock.text() == "2026-12-02T05:52:00Z"  # receipts keep the instant in UTC
    assert clock.input_text() == "2026-12-01T19:52:00-10:00[Pacific/Honolulu]"


def test_the_recorded_clock_text_gives_the_same_clock_back() -> None:
    clock = FixedClock("2026-07-01T12:00:00Z", zone="Europe/Paris")
    again = FixedClock(clock.input_text())
    assert again == clock
    assert again.now().isoformat() == "2026-07-01T14:00:00+02:00"  # summer time, from the tz database
    assert pickle.loads(pickle.dumps(clock)) == clock


def test_utc_in_any_spelling_is_no_zone_and_changes_no_hash(day_mission: None) -> None:
    for spelling in ("UTC", "Etc/UTC", "Z", "+00:00", "GMT"):
        assert canonical_zone(spelling) is None
        assert FixedClock("2026-01-05T09:00:00Z", zone=spelling).input_text() == "2026-01-05T09:00:00Z"
    plain = run_mission("day", {}, {}, clock=FixedClock("2026-01-05T09:00:00Z"))
    named = run_mission("day", {}, {}, clock=FixedClock("2026-01-05T09:00:00Z", zone="UTC"))
    assert plain.result_hash() == named.result_hash()


def test_offsets_are_zones_too() -> None:
    assert canonical_zone("+0530") == "+05:30"
    clock = FixedClock("2026-01-05T20:00:00Z", zone="+05:30")
    assert clock.now().isoformat() == "2026-01-06T01:30:00+05:30"
    assert FixedClock(clock.input_text()) == clock


@pytest.mark.parametrize("zone, fault", [("Mars/Olympus_Mons", "unknown time zone 'Mars/Olympus_Mons'"),
                                         ("+25:00", "out of range"), ("", "must be a name")])
def test_a_zone_that_is_not_one_is_refused_by_name(zone: str, fault: str) -> None:
    with pytest.raises(WorkflowInputError, match=fault):
        FixedClock("2026-01-05T09:00:00Z", zone=zone)


def test_a_mission_sees_the_local_day_and_the_run_replays_it(day_mission: None) -> None:
    evening = run_mission("day", {}, {}, clock=FixedClock("2026-12-02T05:52:00Z", zone="Pacific/Honolulu"))
    morning = run_mission("day", {}, {}, clock=FixedClock("2026-12-02T05:52:00Z", zone="Asia/Tokyo"))
    assert evening.final_state["day"] == "2026-12-01"
    assert morning.final_state["day"] == "2026-12-02"
    assert evening.receipt["start_time"] == morning.receipt["start_time"] == "2026-12-02T05:52:00Z"
    again = run_mission("day", {}, {}, clock=FixedClock(FixedClock("2026-12-02T05:52:00Z",
                                                                    zone="Pacific/Honolulu").input_text()))
    assert again.result_hash() == evening.result_hash()


# --- where lifeos run takes the zone from ------------------------------------------------------


def test_tz_names_the_zone_of_a_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    clock = clock_of_run("2026-12-02T05:52:00Z", "Pacific/Honolulu")
    assert clock.input_text() == "2026-12-01T19:52:00-10:00[Pacific/Honolulu]"


def test_a_clock_written_with_an_offset_keeps_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert clock_of_run("2026-12-01T19:52:00-10:00", None).now().date() == date(2026, 12, 1)
    assert clock_of_run("2026-12-02T05:52:00Z", None).zone is None  # Z is an offset: UTC


def test_a_clock_without_an_offset_is_local_time_where_you_are(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    clock = clock_of_run("2026-12-01T23:30", None)
    assert clock.text() == "2026-12-02T04:30:00Z"
    assert clock.now().date() == date(2026, 12, 1)


def test_without_a_clock_the_zone_is_tz_or_the_machines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", ":Europe/Lisbon")
    assert system_zone() == "Europe/Lisbon"
    assert clock_of_run(None, None).zone == "Europe/Lisbon"
    monkeypatch.setenv("TZ", "Moon/Base")
    with pytest.raises(WorkflowInputError, match=r"\$TZ is 'Moon/Base'.*--tz"):
        system_zone()
    monkeypatch.delenv("TZ")
    system_zone()  # whatever this machine is set to, it names a zone lifeos can read


def test_lifeos_run_plans_the_day_where_you_are_and_records_the_zone(day_mission: None) -> None:
    for zone, day in (("Pacific/Honolulu", "2026-12-01"), ("Asia/Tokyo", "2026-12-02")):
        result = runner.invoke(app, ["run", "day", "--clock", "2026-12-02T05:52:00Z", "--tz", zone, "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["final_state"]["day"] == day
    listed = runner.invoke(app, ["runs", "list", "--json"])
    clocks = [json.loads(runner.invoke(app, ["runs", "show", item["id"], "--json"]).stdout)["inputs"]["clock"]
              for item in json.loads(listed.stdout)]
    assert sorted(clocks) == ["2026-12-01T19:52:00-10:00[Pacific/Honolulu]",
                              "2026-12-02T14:52:00+09:00[Asia/Tokyo]"]
    verified = runner.invoke(app, ["runs", "verify"])
    assert verified.exit_code == 0, verified.output
    for item in json.loads(listed.stdout):
        replayed = runner.invoke(app, ["runs", "replay", item["id"]])
        assert replayed.exit_code == 0, replayed.output


@pytest.mark.parametrize("local, day", [("2026-12-01T23:59:00", "2026-12-01"), ("2026-12-02T00:01:00", "2026-12-02")])
def test_either_side_of_local_midnight(day_mission: None, local: str, day: str) -> None:
    result = runner.invoke(app, ["run", "day", "--clock", local, "--tz", "Australia/Sydney", "--json",
                                 "--no-record"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["final_state"]["day"] == day


def test_a_bad_zone_is_bad_input(day_mission: None) -> None:
    result = runner.invoke(app, ["run", "day", "--tz", "Nowhere/City"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: unknown time zone 'Nowhere/City'; use an IANA name like America/New_York or Europe/Paris, or an "
        "offset like -05:00 (if every name is unknown, this machine has no tz database: pip install tzdata)"]


def test_the_clock_of_a_run_is_the_same_either_way_it_is_written() -> None:
    named = clock_of_run("2026-12-01T19:52:00-10:00[Pacific/Honolulu]", None)
    assert named == clock_of_run("2026-12-02T05:52:00Z", "Pacific/Honolulu")
    assert stable_hash(named.input_text()) == stable_hash("2026-12-01T19:52:00-10:00[Pacific/Honolulu]")
