"""daily_loop as a morning habit: your task files in, your journal out, through `lifeos run`.

Each test has its own folder with a task file, a journal path and a ledger,
and runs the real command line in-process: the task files are read through
granted effects, the plan is shown, and the journal entry is written only
once the plan is confirmed and the run recorded.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from lifeos_core.cli import app

runner = CliRunner()

TASKS_MD = """\
# Home
- [ ] Pay rent !high due:2026-12-01 ~15m
- [ ] Book the dentist due:2026-12-04 ~10m
- [ ] Clean the garage !low ~2h
- [x] Call mom done:2026-12-01
- [x] Water the plants done:2026-11-20
"""


class Morning:
    """A person's folder: tasks.md, journal.md (not there yet) and a ledger."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.tasks = folder / "tasks.md"
        self.journal = folder / "journal.md"
        self.tasks.write_text(TASKS_MD)

    def run(self, *extra: str, clock: str = "2026-12-02T07:00:00Z", tasks: str = "tasks.md") -> Any:
        return runner.invoke(app, ["run", "daily_loop", "-p", f"tasks={tasks}", "-p", "journal=journal.md",
                                   "--allow", f"read:{self.folder}", "--allow", f"write:{self.journal}",
                                   "--clock", clock, *extra])

    def runs(self) -> list[dict[str, Any]]:
        return json.loads(runner.invoke(app, ["runs", "list", "--json"]).stdout)


@pytest.fixture
def morning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Morning:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LIFEOS_LEDGER", str(tmp_path / "ledger.sqlite3"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("LIFEOS_USER", "ana")
    monkeypatch.setenv("TZ", "UTC")
    return Morning(tmp_path)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_three_mornings_give_three_journal_entries_and_leave_the_task_file_alone(morning: Morning) -> None:
    before = digest(morning.tasks)
    for day in ("2026-12-02", "2026-12-03", "2026-12-04"):
        result = morning.run("--yes", clock=f"{day}T07:00:00Z")
        assert result.exit_code == 0, result.output
        assert f"Plan for {day}:" in result.stdout
        assert f"wrote {morning.journal}" in result.stderr
    journal = morning.journal.read_text()
    assert re.findall(r"(?m)^## (\S+)$", journal) == ["2026-12-02", "2026-12-03", "2026-12-04"]
    assert "- [x] Call mom" in journal.split("## 2026-12-03")[0]  # done yesterday, seen on the 2nd
    assert digest(morning.tasks) == before


def test_the_plan_is_printed_with_minutes_reasons_and_what_did_not_fit(morning: Morning) -> None:
    result = morning.run("--yes", "--param", "max_priorities=2")
    assert result.exit_code == 0, result.output
    assert "Plan for 2026-12-02: 2 task(s), 25 of 240 minutes" in result.stdout
    assert "  1. Pay rent (15 min): overdue since 2026-12-01, high priority" in result.stdout
    assert "  2. Book the dentist (10 min): medium priority, due in 2 days" in result.stdout
    assert "Did not fit: Clean the garage (already 2 priorities)" in result.stdout
    assert "Journal: the entry for 2026-12-02 is written to journal.md once the run succeeds" in result.stdout


def test_a_rejected_plan_writes_nothing(morning: Morning) -> None:
    result = morning.run("--reject", "confirm-plan")
    assert result.exit_code == 1
    assert not morning.journal.exists()


def test_a_paused_plan_writes_nothing_until_approved_and_then_once(morning: Morning) -> None:
    morning.journal.write_text("# My journal\n\nSome thoughts of my own.\n")
    kept = morning.journal.read_text()
    paused = morning.run()
    assert paused.exit_code == 4, paused.output
    assert "Plan for 2026-12-02" in paused.stdout
    assert morning.journal.read_text() == kept
    waiting = morning.runs()[0]["id"]
    approved = runner.invoke(app, ["runs", "approve", waiting[:12], "confirm-plan", "--note", "looks right"])
    assert approved.exit_code == 0, approved.output
    journal = morning.journal.read_text()
    assert journal.startswith(kept.rstrip("\n") + "\n\n## 2026-12-02\n")
    assert journal.count("## 2026-12-02") == 1
    again = runner.invoke(app, ["runs", "approve", waiting[:12], "confirm-plan"])
    assert again.exit_code == 2 and "decided once" in again.stderr
    finished = morning.runs()[0]["id"]
    applied = runner.invoke(app, ["runs", "apply", finished[:12]])
    assert applied.exit_code == 0, applied.output
    assert morning.journal.read_text() == journal
    assert runner.invoke(app, ["runs", "verify"]).exit_code == 0


def test_the_same_morning_twice_keeps_one_entry(morning: Morning) -> None:
    assert morning.run("--yes").exit_code == 0
    assert morning.run("--yes", "--param", "capacity_minutes=20").exit_code == 0
    journal = morning.journal.read_text()
    assert journal.count("## 2026-12-02") == 1
    assert "20 minutes" in journal


def test_every_problem_in_a_task_file_is_bad_input_before_anything_runs(morning: Morning) -> None:
    morning.tasks.write_text("- [ ] Pay rent !urgent\n- [ ] Call mom due:2026-02-30\n- [ ] fine ~15m\n"
                             "- [ ] Clean ~15x\n")
    result = morning.run("--yes")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert [line.split(":")[1:4] for line in lines[:3]] == [
        [" tasks.md", "1", " priority"], [" tasks.md", "2", " due"], [" tasks.md", "4", " estimate_minutes"]]
    assert lines[3] == "error: 3 problems in what mission 'daily_loop' reads; nothing was run"
    assert morning.runs() == [] and not morning.journal.exists()


def test_structured_files_warn_about_fields_they_do_not_read(morning: Morning) -> None:
    (morning.folder / "tasks.yaml").write_text("- {title: Pay rent, priority: 1, estimate: 15, due: '2026-12-01T17:00'}\n")
    result = morning.run("--yes", tasks="tasks.yaml")
    assert result.exit_code == 0, result.output
    assert "did you mean 'estimate_minutes'?" in result.stderr
    assert "1. Pay rent (30 min): overdue since 2026-12-01, high priority" in result.stdout


def test_a_missing_grant_or_file_is_named_with_the_fix(morning: Morning) -> None:
    result = runner.invoke(app, ["run", "daily_loop", "-p", "tasks=tasks.md", "--yes"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"error: effect list_files({str(morning.tasks)!r}) is not granted; allow it "
                                     f"with --allow read:{morning.tasks}")
    missing = morning.run("--yes", tasks="todo.md")
    assert missing.exit_code == 2 and missing.stderr.strip() == "error: task file todo.md does not exist"


def test_a_glob_reads_every_file_it_matches(morning: Morning) -> None:
    lists = morning.folder / "lists"
    lists.mkdir()
    (lists / "home.md").write_text("- [ ] Pay rent !high ~15m\n")
    (lists / "todo.txt").write_text("(A) Call mom ~10m\nx 2026-12-01 Buy stamps\n")
    result = morning.run("--yes", "--json", tasks="lists/*")
    assert result.exit_code == 0, result.output
    daily = json.loads(result.stdout)["final_state"]["daily"]
    assert [task["source"] for task in daily["priorities"]] == ["lists/home.md:1", "lists/todo.txt:1"]  # same rank: by id
    assert "- [x] Buy stamps" in morning.journal.read_text()


@pytest.mark.parametrize("clock, day", [("2026-12-02T09:59:00Z", "2026-12-01"), ("2026-12-02T10:01:00Z", "2026-12-02")])
def test_the_day_is_yours_either_side_of_midnight(morning: Morning, clock: str, day: str) -> None:
    result = morning.run("--yes", "--tz", "Pacific/Honolulu", clock=clock)
    assert result.exit_code == 0, result.output
    assert f"Plan for {day}:" in result.stdout
    assert f"## {day}" in morning.journal.read_text()


def test_a_plan_for_another_day_says_so(morning: Morning) -> None:
    result = morning.run("--yes", "--param", "date=2026-12-05")
    assert "(this plans 2026-12-05, which is not today: today is 2026-12-02)" in result.stdout


def test_a_recorded_morning_replays_without_the_files(morning: Morning) -> None:
    assert morning.run("--yes").exit_code == 0
    recorded = morning.runs()[0]["id"]
    morning.tasks.unlink()
    morning.journal.unlink()
    replayed = runner.invoke(app, ["runs", "replay", recorded[:12]])
    assert replayed.exit_code == 0, replayed.output
    assert not morning.journal.exists()


def test_the_same_files_and_clock_give_the_same_plan(morning: Morning) -> None:
    first = morning.run("--yes", "--json", "--no-record")
    second = morning.run("--yes", "--json", "--no-record")
    assert json.loads(first.stdout)["receipt"] == json.loads(second.stdout)["receipt"]


def test_missions_show_says_what_to_give_and_what_to_allow() -> None:
    shown = runner.invoke(app, ["missions", "show", "daily_loop"])
    assert shown.exit_code == 0, shown.output
    for expected in ("tasks optional", "journal optional", "Reads from the state:", "read", "write"):
        assert expected in shown.stdout


def test_an_approval_from_another_folder_writes_the_journal_the_run_meant(morning: Morning, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    assert morning.run().exit_code == 4
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    waiting = morning.runs()[0]["id"]
    approved = runner.invoke(app, ["runs", "approve", waiting[:12], "confirm-plan"])
    assert approved.exit_code == 0, approved.output
    assert "## 2026-12-02" in morning.journal.read_text()
    assert list(elsewhere.iterdir()) == []


def test_a_journal_the_tasks_glob_matches_is_not_read_as_tasks(morning: Morning) -> None:
    for day in ("2026-12-02", "2026-12-03"):
        result = morning.run("--yes", "--json", clock=f"{day}T07:00:00Z", tasks="*.md")
        assert result.exit_code == 0, result.output
        daily = json.loads(result.stdout)["final_state"]["daily"]
        assert {Path(task["source"].split(":")[0]).name for task in daily["tasks"]} == {"tasks.md"}
    same = morning.run("--yes", tasks="journal.md")
    assert same.exit_code == 2
    assert "the tasks param and the journal param name the same file" in same.stderr


def test_planning_the_day_again_keeps_what_you_wrote_under_it(morning: Morning) -> None:
    assert morning.run("--yes").exit_code == 0
    with morning.journal.open("a") as journal:
        journal.write("\nMy notes for the day.\n\n## Ideas\n\n- learn Rust\n")
    assert morning.run("--yes", "--param", "capacity_minutes=20").exit_code == 0
    text = morning.journal.read_text()
    assert text.count("## 2026-12-02") == 1 and "20 minutes" in text
    assert "My notes for the day." in text and "- learn Rust" in text


def test_a_journal_whose_name_looks_like_a_pattern_is_a_file_all_the_same(morning: Morning) -> None:
    journal = morning.folder / "journal[2026].md"
    journal.write_text("# My journal [2026]\n\nprecious old entries\n")
    result = runner.invoke(app, ["run", "daily_loop", "-p", "tasks=tasks.md", "-p", "journal=journal[2026].md",
                                 "--allow", f"read:{morning.folder}", "--allow", f"write:{morning.folder}",
                                 "--clock", "2026-12-02T07:00:00Z", "--yes"])
    assert result.exit_code == 0, result.output
    text = journal.read_text()
    assert text.startswith("# My journal [2026]\n\nprecious old entries\n") and "## 2026-12-02" in text


def test_the_result_may_not_be_written_over_a_task_file_it_read(morning: Morning) -> None:
    before = morning.tasks.read_text()
    result = morning.run("--yes", "-o", "tasks.md")
    assert result.exit_code == 2
    assert "error: --output tasks.md: the run read that file" in result.stderr
    assert morning.tasks.read_text() == before


def test_a_journal_that_may_not_be_written_is_bad_input_before_the_plan_is_made(morning: Morning) -> None:
    result = runner.invoke(app, ["run", "daily_loop", "-p", "tasks=tasks.md", "-p", "journal=journal.md",
                                 "--allow", f"read:{morning.folder}", "--clock", "2026-12-02T07:00:00Z"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"error: effect write_text({str(morning.journal)!r}) is not granted; allow it "
                                     f"with --allow write:{morning.journal}")
    assert morning.runs() == [] and not morning.journal.exists()
