"""One rule for the ledger's folder: a folder the user named must exist; the default one is made when needed.

A typo in ``--ledger`` or ``$LIFEOS_LEDGER`` used to create a tree of
folders in silence (while ``--output`` to a missing folder was refused); now
both refuse, naming the folder, and only the user data directory is created.
"""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from lifeos_core.cli import app
from lifeos_core.ledger.records import MISSION_RUN, LedgerError
from lifeos_core.ledger.store import Ledger, default_ledger_path, open_ledger

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG_DATA_HOME is the Linux location")


def record(book):
    return book.append(MISSION_RUN, "echo", inputs={"mission": "echo", "params": {}, "initial_state": {},
                                                     "approvals": {}, "clock": "2026-05-01T12:00:00Z"},
                       versions={}, result={}, success=True)


def test_a_named_ledger_in_a_missing_folder_is_refused_naming_the_folder(tmp_path):
    missing = tmp_path / "no" / "such"
    with pytest.raises(LedgerError, match=f"^the folder {missing} does not exist; create it or choose another "
                                          "--ledger$"):
        default_ledger_path(missing / "ledger.sqlite3")
    with pytest.raises(LedgerError, match="does not exist"):
        open_ledger(missing / "ledger.sqlite3")
    with pytest.raises(LedgerError, match="does not exist"):
        Ledger(missing / "ledger.sqlite3")
    assert list(tmp_path.iterdir()) == []


def test_the_environment_variable_follows_the_same_rule(tmp_path, monkeypatch):
    missing = tmp_path / "typo"
    monkeypatch.setenv("LIFEOS_LEDGER", str(missing / "ledger.sqlite3"))
    with pytest.raises(LedgerError, match=f"^the folder {missing} \\(from \\$LIFEOS_LEDGER\\) does not exist; "
                                          "create it or set LIFEOS_LEDGER to another path$"):
        default_ledger_path()
    assert not missing.exists()


def test_a_file_in_the_way_of_the_folder_is_named(tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder")
    with pytest.raises(LedgerError, match=f"{blocker} is not a folder, so it cannot hold the ledger l.sqlite3"):
        default_ledger_path(blocker / "l.sqlite3")


@pytest.mark.parametrize("command", [["runs", "list"], ["runs", "verify"], ["runs", "show", "abcd"],
                                     ["runs", "replay", "abcd"], ["runs", "export", "abcd"]])
def test_every_command_refuses_a_missing_folder_in_one_line(tmp_path, command):
    missing = tmp_path / "missing"
    result = CliRunner().invoke(app, [*command, "--ledger", str(missing / "l.sqlite3")])
    assert result.exit_code == 2
    assert result.stderr == f"error: the folder {missing} does not exist; create it or choose another --ledger\n"
    assert not missing.exists()


def test_recording_a_run_into_a_missing_folder_is_refused_like_output(registry_with, pack, tmp_path):
    from lifeos_core import Mission, StepSpec

    registry_with(tiny=pack([Mission("tiny", "Do nothing.", lambda p: [StepSpec("only", "runtime")])]))
    missing = tmp_path / "missing"
    result = CliRunner().invoke(app, ["run", "tiny", "--ledger", str(missing / "l.sqlite3")])
    assert result.exit_code == 2
    assert f"the folder {missing} does not exist; create it or choose another --ledger" in result.stderr
    assert not missing.exists()


@linux_only
def test_the_default_folder_is_created_when_the_first_run_is_recorded(tmp_path, monkeypatch):
    monkeypatch.delenv("LIFEOS_LEDGER")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    where = default_ledger_path()
    assert where == tmp_path / "data" / "lifeos" / "ledger.sqlite3" and not where.parent.exists()
    assert default_ledger_path(where) == where  # resolved once, passed on: still the default folder
    with open_ledger(where) as book:
        record(book)
    assert where.is_file()


@linux_only
def test_reading_the_default_ledger_never_creates_its_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("LIFEOS_LEDGER")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    with pytest.raises(LedgerError, match="there is no ledger at"):
        open_ledger(read_only=True)
    assert not (tmp_path / "data").exists()


def test_a_relative_ledger_path_is_in_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert default_ledger_path("here.sqlite3") == default_ledger_path(None, {"LIFEOS_LEDGER": "here.sqlite3"})
    with open_ledger("here.sqlite3") as book:
        record(book)
    assert (tmp_path / "here.sqlite3").is_file()
