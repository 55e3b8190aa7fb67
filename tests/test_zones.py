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
    monkeypatch.delenv("TZ")
    system_zone()  # whatever this machine is set to, it names a zone lifeos can read


@pytest.mark.parametrize("variable, zone", [("UTC0", None), ("", None), ("JST-9", "+09:00"),
                                            ("Moon/Base", None), ("EST5EDT,M3.2.0,M11.1.0", "-05:00")])
def test_a_tz_that_names_no_zone_is_read_as_the_c_library_reads_it(monkeypatch: pytest.MonkeyPatch,
                                                                      variable: str, zone: str | None) -> None:
    # POSIX rules (UTC0, JST-9, EST5EDT with its DST rules) name no zone of the tz database:
    # the offset the C library works out from them is the zone. Nothing fails for it.
    import time

    monkeypatch.setenv("TZ", variable)
    time.tzset()
    try:
        if variable.startswith("EST5EDT"):
            zone = "-04:00" if time.localtime().tm_isdst else "-05:00"
        assert system_zone() == zone
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_zone_that_only_this_machine_knows_is_not_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    assert canonical_zone("posix/Europe/Paris") == "Europe/Paris"
    with pytest.raises(WorkflowInputError, match="unknown time zone 'localtime'"):
        canonical_zone("localtime")


def test_a_recorded_clock_keeps_its_written_offset_whatever_the_tz_database_says() -> None:
    # The record says Honolulu was at -10:00; a replay uses that, not this machine's rules.
    clock = FixedClock("2026-12-01T19:52:00-09:00[Pacific/Honolulu]")
    assert clock.now().isoformat() == "2026-12-01T19:52:00-09:00"
    assert clock.offset == -540
    assert FixedClock("2026-12-01T19:52:00+01:00[Somewhere/Unknown_Here]").now().hour == 19  # no database needed


@pytest.mark.parametrize("clock, tz", [("9999-12-31T23:00:00Z", "+14:00"), ("0001-01-01T01:00:00Z", "America/New_York")])
def test_a_clock_at_the_edge_of_time_is_refused_not_a_crash(clock: str, tz: str) -> None:
    with pytest.raises(WorkflowInputError, match="out of range"):
        clock_of_run(clock, tz)


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


def test_a_paused_run_resumes_in_the_zone_it_started_in(day_mission: None, registry_with: Any, pack: Any) -> None:
    from lifeos_core import resume_mission

    two = Mission("two", "Note the day before and after a question.", lambda params: [
        StepSpec("before", "runtime", {"operation": "day.note"}), StepSpec("ask", "human"),
        StepSpec("after", "runtime", {"operation": "day.again"})])

    def again(state: dict[str, Any], payload: dict[str, Any], context: Any) -> dict[str, Any]:
        state["day_after"] = context.now().date().isoformat()
        return state

    registry_with(days=pack([two], {"day.note": note_the_day, "day.again": again}))
    clock = FixedClock("2026-12-02T05:52:00Z", zone="Pacific/Honolulu")
    paused = run_mission("two", {}, {}, clock=clock, pause_at_undecided=True)
    assert paused.receipt["local_time"] == "2026-12-01T19:52:00-10:00[Pacific/Honolulu]"
    done = resume_mission("two", paused, {"ask": True})  # no clock given: the receipt's local time is used
    assert done.final_state["day_after"] == "2026-12-01"
    straight = run_mission("two", {}, {}, clock=clock, approvals={"ask": True})
    assert done.to_dict() == straight.to_dict()
    assert "local_time" not in run_mission("two", {}, {}, clock=FixedClock("2026-12-02T05:52:00Z"),
                                           approvals={"ask": True}).receipt


def test_test_plans_read_a_clock_as_lifeos_run_does() -> None:
    from lifeos_core import ScenarioDefinition

    assert ScenarioDefinition("s", {}, clock="2026-12-01T19:52:00-10:00").clock == \
        "2026-12-01T19:52:00-10:00[-10:00]"
    assert ScenarioDefinition("s", {}, clock="2026-12-02T05:52:00Z").clock == "2026-12-02T05:52:00Z"
