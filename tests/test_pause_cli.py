"""A run that reaches a human step nobody decided pauses there, and is decided later.

Examples of use, end to end, with the real ``lifeos`` command in subprocesses:
``lifeos run`` pausing (exit 4) with the plan to approve on screen, ``lifeos
runs pending``, ``lifeos runs approve`` and ``reject`` resuming the recorded
run, a step decided once (even by two people at the same moment), a resume
refused when the installed mission pack changed version, and the question
asked at a terminal when the step is reached.

Every test records into a ledger under its own ``tmp_path`` and runs with a
home folder there too; the clock is fixed, so the plans are the same each time.
"""

from __future__ import annotations

import json
import os
import re
import select
import sqlite3
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

LIFEOS = Path(sys.executable).parent / "lifeos"
REPO = Path(__file__).resolve().parent.parent
TASKS = REPO / "examples" / "tasks.yaml"
CLOCK = "2026-11-23T08:00:00Z"
DECIDED_AT = "2026-11-23T09:00:00Z"
PACK = "lifeos-mission-daily-loop"
PROMPT = "approve, reject, or decide later?"


class Lifeos:
    """The ``lifeos`` command with a ledger, a home and a working folder of one test's own."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ledger = folder / "ledger.sqlite3"
        home = folder / "home"
        home.mkdir()
        environment = {name: value for name, value in os.environ.items()
                       if not name.startswith("LIFEOS_") and name != "PYTHONPATH"}
        environment.update(LIFEOS_LEDGER=str(self.ledger), LIFEOS_USER="tester", HOME=str(home),
                           XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"),
                           COLUMNS="120")
        self.env = environment

    def __call__(self, *arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Run ``lifeos ARGUMENTS`` to the end, with nothing on stdin (not a terminal)."""
        return subprocess.run([str(LIFEOS), *arguments], env=env or self.env, cwd=self.folder,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)

    def start(self, *arguments: str) -> subprocess.Popen[str]:
        """Start ``lifeos ARGUMENTS`` without waiting for it."""
        return subprocess.Popen([str(LIFEOS), *arguments], env=self.env, cwd=self.folder,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def json(self, *arguments: str) -> Any:
        """What ``lifeos ARGUMENTS`` prints as JSON, when it succeeds."""
        completed = self(*arguments)
        assert completed.returncode == 0, completed.stderr
        return json.loads(completed.stdout)

    def plan_the_day(self, *options: str) -> subprocess.CompletedProcess[str]:
        """``lifeos run daily_loop`` on the example task list, at the fixed clock."""
        return self("run", "daily_loop", "--state", str(TASKS), "--clock", CLOCK, *options)

    def pause(self, *options: str) -> str:
        """Record a daily_loop run that waits at confirm-plan; its record id."""
        paused = self.plan_the_day("--quiet", *options)
        assert paused.returncode == 4, paused.stdout + paused.stderr
        newest = self.records()[0]
        assert newest["status"] == "paused" and newest["paused_at"] == "confirm-plan"
        return newest["id"]

    def records(self) -> list[dict[str, Any]]:
        """The recorded runs, newest first."""
        return self.json("runs", "list", "--json", "--limit", "1000")

    def resumers_of(self, record_id: str) -> list[dict[str, Any]]:
        """The records that resume the paused record ``record_id``."""
        return [record for record in self.records() if record["resumes"] == record_id]


@pytest.fixture
def lifeos(tmp_path: Path) -> Lifeos:
    return Lifeos(tmp_path)


def step_line(step: str, status: str) -> str:
    """A pattern for one line of the steps table: ``  log  runtime  daily_loop.log  completed``."""
    return rf"(?m)^\s+{re.escape(step)}\s+(runtime|human)\s+\S+\s+{re.escape(status)}\s*$"


def one_error_line(stderr: str) -> str:
    """The error a refused command printed: one line, beginning ``error: ``."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


# --- pausing, and deciding later ---------------------------------------------------------


def test_a_run_pauses_at_the_undecided_step_and_an_approval_later_finishes_it(lifeos):
    paused = lifeos.plan_the_day()
    assert paused.returncode == 4, paused.stderr
    shown = paused.stdout
    assert shown.startswith("daily_loop PAUSED")
    assert re.search(step_line("summarise", "completed"), shown)
    assert re.search(step_line("prioritise", "completed"), shown)
    assert re.search(step_line("confirm-plan", "awaiting_attestation"), shown)
    assert not re.search(r"(?m)^\s+log\s", shown), "nothing after the waiting step runs"
    assert "waiting for a human at confirm-plan: Confirm today's priorities" in shown
    assert "Plan for 2026-11-23: 3 task(s), 220 of 240 minutes" in shown
    assert "Did not fit: Gym session (already 3 priorities)" in shown
    decide = re.search(r"decide with: lifeos runs approve ([0-9a-f]{12}) confirm-plan", shown)
    assert decide, shown

    [waiting] = lifeos.json("runs", "pending", "--json")
    assert waiting["id"].startswith(decide[1])
    assert waiting["run"] == waiting["id"]
    assert (waiting["mission"], waiting["step"], waiting["description"], waiting["started_by"]) == (
        "daily_loop", "confirm-plan", "Confirm today's priorities", "tester")
    assert "confirm-plan" in lifeos("runs", "pending").stdout

    approved = lifeos("runs", "approve", decide[1], "confirm-plan", "--by", "ana", "--note", "ok",
                      "--clock", DECIDED_AT)
    assert approved.returncode == 0, approved.stderr
    assert "daily_loop succeeded" in approved.stdout
    assert "confirm-plan approved by ana at 2026-11-23T09:00:00Z: ok" in approved.stdout
    assert re.search(step_line("log", "completed"), approved.stdout)

    assert lifeos.json("runs", "pending", "--json") == []
    assert "No runs are waiting for a human." in lifeos("runs", "pending").stdout
    assert lifeos("runs", "verify").returncode == 0

    [resumed] = lifeos.resumers_of(waiting["id"])
    replayed = lifeos("runs", "replay", resumed["id"])
    assert replayed.returncode == 0 and "replayed: same result" in replayed.stdout, replayed.stdout
    record = lifeos.json("runs", "show", resumed["id"], "--json")
    assert record["status"] == "succeeded" and record["started_by"] == "tester"
    assert record["decision"] == {"step": "confirm-plan", "approved": True, "by": "ana", "at": DECIDED_AT,
                                  "note": "ok"}
    assert "allow_upgrade" not in record  # the versions did not change

    # The same result as a run decided in advance (the receipts differ only in when it was decided).
    straight = lifeos.plan_the_day("--approve", "confirm-plan", "--by", "ana", "--note", "ok", "--json",
                                   "--no-record")
    assert straight.returncode == 0, straight.stderr
    uninterrupted = json.loads(straight.stdout)
    assert record["result"]["final_state"] == uninterrupted["final_state"]
    assert record["result"]["lineage"] == uninterrupted["lineage"]
    assert record["result"]["final_state"]["daily"]["logged"] is True


def test_a_paused_run_has_not_logged_the_day(lifeos):
    paused = lifeos.plan_the_day("--json")
    assert paused.returncode == 4, paused.stderr
    result = json.loads(paused.stdout)
    assert result["success"] is False and result["receipt"]["paused_at"] == "confirm-plan"
    assert [(entry["step_id"], entry["status"]) for entry in result["lineage"]] == [
        ("summarise", "completed"), ("prioritise", "completed"), ("confirm-plan", "awaiting_attestation")]
    assert result["final_state"]["journal"] == []  # as in examples/tasks.yaml: the log step did not run
    assert "logged" not in result["final_state"]["daily"]
    assert [item["step"] for item in lifeos.json("runs", "pending", "--json")] == ["confirm-plan"]


def test_an_unrecorded_run_pauses_too_and_says_it_cannot_be_resumed(lifeos):
    paused = lifeos.plan_the_day("--no-record")
    assert paused.returncode == 4, paused.stderr
    assert "daily_loop PAUSED" in paused.stdout
    assert "was not recorded (--no-record), so it cannot be resumed" in paused.stdout
    assert "--approve confirm-plan" in paused.stdout
    assert not lifeos.ledger.exists()


# --- what cannot be decided ----------------------------------------------------------------


def test_a_step_is_decided_once_and_a_second_decision_names_the_first(lifeos):
    paused = lifeos.pause()
    first = lifeos("runs", "approve", paused[:8], "confirm-plan", "--by", "ana", "--clock", DECIDED_AT)
    assert first.returncode == 0, first.stderr
    for verb in ("approve", "reject"):
        again = lifeos("runs", verb, paused[:8], "confirm-plan", "--by", "bob")
        assert again.returncode == 2, again.stdout
        message = one_error_line(again.stderr)
        assert "approved already by ana at 2026-11-23T09:00:00Z" in message
        assert "decided once" in message
    assert len(lifeos.records()) == 2
    assert lifeos("runs", "verify").returncode == 0


def test_rejecting_the_waiting_step_ends_the_run_failed(lifeos):
    paused = lifeos.pause()
    rejected = lifeos("runs", "reject", paused[:12], "confirm-plan", "--by", "bob", "--note", "not today",
                      "--clock", DECIDED_AT)
    assert rejected.returncode == 1, rejected.stderr
    assert "daily_loop FAILED" in rejected.stdout
    assert "confirm-plan rejected by bob at 2026-11-23T09:00:00Z: not today" in rejected.stdout
    assert not re.search(r"(?m)^\s+log\s", rejected.stdout)

    [ended] = lifeos.resumers_of(paused)
    assert ended["success"] is False and ended["status"] == "failed"
    shown = lifeos("runs", "show", ended["id"]).stdout
    assert shown.splitlines()[0] == "mission run daily_loop FAILED"
    assert "confirm-plan: rejected by bob at 2026-11-23T09:00:00Z (not today)" in shown
    assert f"resumed by    {ended['id']}" in lifeos("runs", "show", paused).stdout
    assert lifeos.json("runs", "pending", "--json") == []


def test_only_the_step_the_run_waits_at_can_be_decided(lifeos):
    paused = lifeos.pause()
    wrong = lifeos("runs", "approve", paused[:12], "log")
    assert wrong.returncode == 2
    message = one_error_line(wrong.stderr)
    assert "waits at step 'confirm-plan', not 'log'" in message
    assert f"lifeos runs approve {paused[:12]} confirm-plan" in message
    assert [item["id"] for item in lifeos.json("runs", "pending", "--json")] == [paused]


def test_a_run_that_is_not_waiting_cannot_be_decided(lifeos):
    done = lifeos.plan_the_day("-p", "requested_human_steps=0", "--quiet")
    assert done.returncode == 0, done.stderr
    [record] = lifeos.records()
    refused = lifeos("runs", "approve", record["id"][:12], "confirm-plan")
    assert refused.returncode == 2
    assert "is not waiting for a human" in one_error_line(refused.stderr)
    assert len(lifeos.records()) == 1


def test_a_run_with_two_human_steps_waits_at_each_in_turn(lifeos):
    paused = lifeos.pause("-p", "requested_human_steps=2")
    first = lifeos("runs", "approve", paused[:6], "confirm-plan", "--by", "ana", "--clock", DECIDED_AT)
    assert first.returncode == 4, first.stderr
    assert re.search(step_line("log", "completed"), first.stdout)
    assert re.search(step_line("review-day", "awaiting_attestation"), first.stdout)
    assert "waiting for a human at review-day" in first.stdout

    [waiting] = lifeos.json("runs", "pending", "--json")
    assert (waiting["step"], waiting["run"]) == ("review-day", paused)
    assert waiting["id"] != paused and waiting["started_by"] == "tester"

    # RUN is any record of the run: here the first one, which is no longer the one waiting.
    second = lifeos("runs", "approve", paused[:6], "review-day", "--clock", "2026-11-23T18:00:00Z")
    assert second.returncode == 0, second.stderr
    assert "review-day approved by tester at 2026-11-23T18:00:00Z" in second.stdout  # $LIFEOS_USER decided
    assert "confirm-plan approved by ana at 2026-11-23T09:00:00Z" in second.stdout
    assert lifeos.json("runs", "pending", "--json") == []
    assert [record["status"] for record in lifeos.records()] == ["succeeded", "paused", "paused"]
    assert lifeos("runs", "verify").returncode == 0


def test_a_decision_given_up_front_for_a_later_step_still_holds_after_the_pause(lifeos):
    paused = lifeos.pause("-p", "requested_human_steps=2", "--reject", "review-day", "--by", "cy")
    first = lifeos("runs", "approve", paused, "confirm-plan", "--by", "ana", "--clock", DECIDED_AT)
    assert first.returncode == 1, first.stdout + first.stderr  # review-day was rejected when the run started
    assert "error: step 'review-day' was rejected at human attestation" in first.stdout
    assert "review-day rejected by cy at 2026-11-23T08:00:00Z" in first.stdout
    again = lifeos("runs", "approve", paused, "review-day", "--by", "mallory")
    assert again.returncode == 2
    assert "'review-day' of run" in one_error_line(again.stderr) and "rejected already by cy" in again.stderr
    resumed = lifeos.records()[0]["id"]
    assert "same result" in lifeos("runs", "replay", resumed).stdout


# --- two people deciding at once ------------------------------------------------------------


@pytest.mark.slow
def test_of_two_people_approving_at_the_same_moment_exactly_one_is_recorded(lifeos):
    for round_ in range(3):
        paused = lifeos.pause()
        deciders = (f"ana{round_}", f"bob{round_}")
        racing = [lifeos.start("runs", "approve", paused[:12], "confirm-plan", "--by", name, "--clock", DECIDED_AT)
                  for name in deciders]
        outputs = {name: process.communicate(timeout=120) for name, process in zip(deciders, racing)}
        outcomes = {name: (process.returncode, *outputs[name]) for name, process in zip(deciders, racing)}
        codes = sorted(code for code, _, _ in outcomes.values())
        assert codes == [0, 2], outcomes
        [winner] = [name for name, (code, _, _) in outcomes.items() if code == 0]
        [loser] = [name for name in deciders if name != winner]
        message = one_error_line(outcomes[loser][2])
        assert (f"approved already by {winner} at {DECIDED_AT}" in message
                or f"is being decided right now by {winner}" in message), message
        [resumer] = lifeos.resumers_of(paused)
        assert lifeos.json("runs", "show", resumer["id"], "--json")["decision"]["by"] == winner
    assert lifeos.json("runs", "pending", "--json") == []
    assert lifeos("runs", "verify").returncode == 0


def asleep(process: subprocess.Popen[str]) -> bool:
    """Whether Linux says ``process`` sleeps in a timed wait: in a lifeos command,
    SQLite's busy handler waiting for the ledger's write lock."""
    try:
        return Path(f"/proc/{process.pid}/wchan").read_text().strip() in ("hrtimer_nanosleep", "do_nanosleep")
    except OSError:  # it ended
        return False


def test_two_deciders_held_at_the_ledger_lock_are_told_apart_by_the_ledger_itself(lifeos):
    """Both pass every check while the ledger is busy (the run still waits, for
    each of them), then queue for the write lock to claim the run: the second to
    get it is refused there, before its steps run."""
    if not Path(f"/proc/{os.getpid()}/wchan").exists():
        pytest.skip("needs Linux's /proc/PID/wchan to see the deciders wait for the lock")
    paused = lifeos.pause()
    busy = sqlite3.connect(lifeos.ledger, isolation_level=None, timeout=30)
    racing: dict[str, subprocess.Popen[str]] = {}
    try:
        busy.execute("BEGIN IMMEDIATE")  # someone else is writing the ledger
        for name in ("ana", "bob"):
            racing[name] = lifeos.start("runs", "approve", paused[:12], "confirm-plan", "--by", name)
        give_up = time.monotonic() + 60
        while not all(asleep(process) for process in racing.values()):
            ended = {name: process.communicate() for name, process in racing.items() if process.poll() is not None}
            assert not ended, f"a decider ended while the ledger was busy: {ended}"
            if time.monotonic() > give_up:
                pytest.skip("could not see both deciders wait for the ledger's write lock")
            time.sleep(0.05)
    except BaseException:
        for process in racing.values():
            process.kill()
            process.communicate()
        raise
    finally:
        busy.execute("ROLLBACK")
        busy.close()
    outputs = {name: process.communicate(timeout=120) for name, process in racing.items()}
    outcomes = {name: (process.returncode, *outputs[name]) for name, process in racing.items()}
    assert sorted(code for code, _, _ in outcomes.values()) == [0, 2], outcomes
    [winner] = [name for name, (code, _, _) in outcomes.items() if code == 0]
    [loser] = [name for name in outcomes if name != winner]
    message = one_error_line(outcomes[loser][2])
    # the ledger told them apart: the loser found the winner's claim, or the record it made
    assert f"was approved already by {winner} at " in message or f"is being decided right now by {winner}" in message
    [resumer] = lifeos.resumers_of(paused)
    assert lifeos.json("runs", "show", resumer["id"], "--json")["decision"]["by"] == winner
    assert len(lifeos.records()) == 2
    assert lifeos("runs", "verify").returncode == 0


# --- another version installed since the pause ---------------------------------------------


def another_version_of_the_pack(folder: Path, version: str) -> Path:
    """A folder that, put first on PYTHONPATH, makes the daily_loop pack look
    installed at ``version``: a dist-info naming the same entry points (the code
    is the one installed; discovery takes the first distribution of a name)."""
    info = folder / f"lifeos_mission_daily_loop-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {PACK}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(metadata.distribution(PACK).read_text("entry_points.txt"))
    return folder


def test_resuming_with_another_version_of_the_mission_is_refused_unless_allowed(lifeos, tmp_path):
    installed = metadata.version(PACK)
    paused = lifeos.pause()
    upgraded = {**lifeos.env, "PYTHONPATH": str(another_version_of_the_pack(tmp_path / "upgrade", "99.0.0"))}

    refused = lifeos("runs", "approve", paused[:12], "confirm-plan", "--by", "ana", env=upgraded)
    assert refused.returncode == 2, refused.stdout
    message = one_error_line(refused.stderr)
    assert f"{PACK} {installed} -> 99.0.0" in message
    assert "--allow-upgrade" in message
    assert [item["id"] for item in lifeos.json("runs", "pending", "--json")] == [paused]

    allowed = lifeos("runs", "approve", paused[:12], "confirm-plan", "--by", "ana", "--allow-upgrade", env=upgraded)
    assert allowed.returncode == 0, allowed.stderr
    assert f"{PACK} {installed} -> 99.0.0" in allowed.stderr  # a warning, and it is recorded
    [resumed] = lifeos.resumers_of(paused)
    record = lifeos.json("runs", "show", resumed["id"], "--json")
    assert record["allow_upgrade"] is True
    assert {"distribution": PACK, "version": "99.0.0"} in record["versions"]["plugins"]
    assert "(with --allow-upgrade)" in lifeos("runs", "show", resumed["id"]).stdout
    assert lifeos("runs", "verify").returncode == 0


# --- at a terminal ---------------------------------------------------------------------------


def at_a_terminal(lifeos: Lifeos, arguments: list[str], answer: str | None = None,
                  deadline: float = 60.0) -> tuple[int, str]:
    """Run ``lifeos ARGUMENTS`` with a pseudo-terminal as stdin, stdout and stderr;
    when the prompt appears, type ``answer`` and Enter (``None``: no prompt is
    expected; Enter alone is typed if one comes, so the command still ends).
    Returns the exit code and everything the terminal showed (typing included)."""
    master, slave = os.openpty()
    try:
        process = subprocess.Popen([str(LIFEOS), *arguments], stdin=slave, stdout=slave, stderr=slave,
                                   env={**lifeos.env, "TERM": "dumb", "COLUMNS": "120"}, cwd=lifeos.folder,
                                   start_new_session=True)
    finally:
        os.close(slave)
    shown = b""
    answered = False
    give_up = time.monotonic() + deadline
    try:
        while True:
            assert time.monotonic() < give_up, f"no end after {deadline} s; the terminal showed:\n{shown.decode()}"
            ready, _, _ = select.select([master], [], [], 0.1)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the command ended and everything it wrote was read
                break
            if not chunk:
                break
            shown += chunk
            if not answered and PROMPT.encode() in shown:
                os.write(master, (answer or "").encode() + b"\r")
                answered = True
        code = process.wait(timeout=deadline)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown.decode("utf-8", "replace")).replace("\r\n", "\n")
    return code, text


def plan_at_a_terminal(lifeos: Lifeos, answer: str | None, *options: str) -> tuple[int, str]:
    return at_a_terminal(lifeos, ["run", "daily_loop", "--state", str(TASKS), "--clock", CLOCK, *options], answer)


def test_at_a_terminal_the_question_comes_when_the_step_is_reached_with_the_plan(lifeos):
    code, shown = plan_at_a_terminal(lifeos, "approve")
    assert code == 0, shown
    asked = shown.index(PROMPT)
    before, after = shown[:asked], shown[asked:]
    # What ran, and what there is to approve, comes first.
    assert re.search(step_line("summarise", "completed"), before)
    assert re.search(step_line("prioritise", "completed"), before)
    assert "Human step confirm-plan: Confirm today's priorities" in before
    assert "Plan for 2026-11-23: 3 task(s), 220 of 240 minutes" in before
    assert "1. File the tax return (90 min): overdue since 2026-11-20, high priority" in before
    assert "Did not fit: Gym session (already 3 priorities)" in before
    assert not re.search(r"(?m)^\s+log\s", before), "the step after the question ran before it was answered"
    # Approved, the run goes on in the same process, and is recorded as one run.
    assert re.search(step_line("log", "completed"), after)
    assert "daily_loop succeeded" in after
    assert "confirm-plan approved by tester at 2026-11-23T08:00:00Z" in after
    [record] = lifeos.records()
    assert record["status"] == "succeeded" and record["resumes"] is None
    assert lifeos.json("runs", "pending", "--json") == []


@pytest.mark.parametrize("answer", ["later", "", "\x04"], ids=["later", "enter", "ctrl-d"])
def test_at_a_terminal_deciding_later_leaves_the_run_waiting(lifeos, answer):
    code, shown = plan_at_a_terminal(lifeos, answer)
    assert code == 4, shown
    after = shown[shown.index(PROMPT):]
    assert "daily_loop PAUSED" in after
    assert not re.search(r"(?m)^\s+log\s", shown)
    decide = re.search(r"decide with: lifeos runs approve ([0-9a-f]{12}) confirm-plan", after)
    assert decide, shown
    [waiting] = lifeos.json("runs", "pending", "--json")
    assert waiting["id"].startswith(decide[1]) and waiting["step"] == "confirm-plan"


def test_at_a_terminal_rejecting_ends_the_run_failed(lifeos):
    code, shown = plan_at_a_terminal(lifeos, "reject")
    assert code == 1, shown
    after = shown[shown.index(PROMPT):]
    assert "daily_loop FAILED" in after
    assert "confirm-plan rejected by tester" in after
    assert not re.search(r"(?m)^\s+log\s", shown)
    [record] = lifeos.records()
    assert record["status"] == "failed"
    assert lifeos.json("runs", "pending", "--json") == []


@pytest.mark.parametrize(("options", "expected"), [
    (["--approve", "confirm-plan"], 0),  # decided in advance
    (["--json"], 4),  # output for a program: the run pauses, nobody is asked
], ids=["approved-in-advance", "json"])
def test_at_a_terminal_nobody_is_asked_about_a_step_decided_in_advance_or_with_json(lifeos, options, expected):
    code, shown = plan_at_a_terminal(lifeos, None, *options)
    assert PROMPT not in shown
    assert code == expected, shown
