"""Reading the ledger never writes it: audits by another user, on read-only folders, of old or empty files.

``runs list``, ``show``, ``verify``, ``replay`` and ``export`` open the ledger
read-only: they never create, migrate or change it, and they work for a user
who may read the ledger but not write it or its folder.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lifeos_core.cli import app
from lifeos_core.ledger.records import MISSION_RUN, LedgerError
from lifeos_core.ledger.store import Ledger

CLOCK = "2026-05-01T12:00:00Z"


def fill(path, count=2):
    with Ledger(path) as book:
        return [book.append(MISSION_RUN, "echo", inputs={"mission": "echo", "params": {"n": n}, "initial_state": {},
                                                          "approvals": {}, "clock": CLOCK, "verify": False},
                            versions={"lifeos-core": "0.2.0", "plugins": []}, result={"n": n, "receipt": {"n": n}},
                            success=True)
                for n in range(count)]


def cli(*args):
    return CliRunner().invoke(app, list(args))


def files_in(folder):
    return sorted(item.name for item in Path(folder).iterdir())


# --- another user, a folder they cannot write ---------------------------------------------------------------


def _demote_to(uid, gid):
    def demote():
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
    return demote


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder holding a ledger, and a way to run lifeos as someone who may read it but not write there.

    As root (who ignores permission bits) the command runs as ``nobody`` in a
    folder root owns; otherwise the folder is made read-only for its owner.
    """
    if os.geteuid() == 0:
        import pwd

        nobody = pwd.getpwnam("nobody")
        folder = Path(tempfile.mkdtemp(prefix="lifeos-ro-"))  # under /tmp: pytest's own folders are private to root
        folder.chmod(0o755)
        preexec = _demote_to(nobody.pw_uid, nobody.pw_gid)
        probe = subprocess.run([sys.executable, "-c", "import lifeos_core.cli"], preexec_fn=preexec,
                               capture_output=True, text=True, cwd=folder)
        if probe.returncode != 0:
            shutil.rmtree(folder)
            pytest.skip(f"the user nobody cannot run this checkout's Python: {probe.stderr.strip()[-200:]}")
        lock = unlock = lambda: None
    else:
        folder = tmp_path / "shared"
        folder.mkdir()
        preexec = None
        lock, unlock = (lambda: folder.chmod(0o555)), (lambda: folder.chmod(0o755))

    def run(*args):
        environment = {key: value for key, value in os.environ.items() if key != "LIFEOS_LEDGER"}
        return subprocess.run([sys.executable, "-m", "lifeos_core", *args], preexec_fn=preexec, cwd=folder,
                              env=environment, capture_output=True, text=True, timeout=120)

    yield folder, lock, run
    unlock()
    if os.geteuid() == 0:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("schema", ["current", "older"])
def test_someone_who_cannot_write_the_folder_can_audit_the_ledger(read_only_folder, schema, monkeypatch):
    import lifeos_core.ledger.store as ledger_module

    folder, lock, run = read_only_folder
    path = folder / "ledger.sqlite3"
    if schema == "older":
        monkeypatch.setattr(ledger_module, "SCHEMA_VERSION", 1)
    records = fill(path)
    monkeypatch.undo()
    path.chmod(0o644)
    lock()
    before = (files_in(folder), path.read_bytes())
    verified = run("runs", "verify", "--ledger", str(path))
    assert verified.returncode == 0, verified.stderr
    assert f"2 record(s) in {path}: the chain is intact; head {records[-1].id}" in verified.stdout
    listed = run("runs", "list", "--json", "--ledger", str(path))
    assert listed.returncode == 0, listed.stderr
    assert [entry["id"] for entry in json.loads(listed.stdout)] == [r.id for r in reversed(records)]
    shown = run("runs", "show", records[0].id[:8], "--ledger", str(path))
    assert shown.returncode == 0 and "mission run echo success" in shown.stdout, shown.stderr
    assert (files_in(folder), path.read_bytes()) == before
    assert sqlite3.connect(f"file:{path}?mode=ro", uri=True).execute("PRAGMA user_version").fetchone()[0] == (
        1 if schema == "older" else ledger_module.SCHEMA_VERSION)


# --- reading never creates, migrates or changes ------------------------------------------------------------


def test_reading_an_older_ledger_reads_it_as_it_is(tmp_path, monkeypatch):
    import lifeos_core.ledger.store as ledger_module

    path = tmp_path / "ledger.sqlite3"
    monkeypatch.setattr(ledger_module, "SCHEMA_VERSION", 1)
    [kept] = fill(path, 1)
    monkeypatch.undo()
    with Ledger(path, read_only=True) as book:
        assert book.schema_version == 1 and book.get(kept.id[:6]).id == kept.id and book.verify().intact
    for args in (["verify"], ["list"], ["show", kept.id[:6]], ["export", kept.id[:6]]):
        assert cli("runs", *args, "--ledger", str(path)).exit_code == 0, args
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    assert db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'records_by%'").fetchall() == []


def test_reading_commands_leave_the_ledger_byte_for_byte(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    records = fill(path)
    before = path.read_bytes()
    for args in (["list"], ["list", "--json"], ["show", records[0].id[:6]], ["verify"], ["verify", "--json"],
                 ["export", records[1].id[:6]], ["replay", records[0].id[:6]]):
        cli("runs", *args, "--ledger", str(path))
    assert path.read_bytes() == before
    assert set(files_in(tmp_path)) <= {"ledger.sqlite3", "ledger.sqlite3-wal", "ledger.sqlite3-shm"}


def test_a_ledger_opened_for_reading_refuses_to_record(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    fill(path, 1)
    with Ledger(path, read_only=True) as book:
        with pytest.raises(LedgerError, match="was opened for reading"):
            book.append(MISSION_RUN, "echo", inputs={}, versions={}, result={}, success=True)


@pytest.mark.parametrize("command", [["verify"], ["verify", "--json"], ["list"], ["show", "abcd"]])
def test_an_empty_file_is_not_a_ledger_and_stays_empty(tmp_path, command):
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    result = cli("runs", *command, "--ledger", str(empty))
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"error: {empty} is an empty file (0 bytes), not a lifeos ledger; it was left "
                                     "untouched: record a run into it first, or give another --ledger PATH")
    assert empty.stat().st_size == 0 and files_in(tmp_path) == ["empty.sqlite3"]


def test_an_sqlite_database_without_tables_is_not_a_ledger_either(tmp_path):
    bare = tmp_path / "bare.db"
    db = sqlite3.connect(bare)
    db.execute("PRAGMA user_version = 0")
    db.execute("VACUUM")  # writes the header: a real, empty SQLite database
    db.close()
    size = bare.stat().st_size
    result = cli("runs", "verify", "--ledger", str(bare))
    assert result.exit_code == 2 and "is an SQLite database with no tables, not a lifeos ledger" in result.stderr
    assert bare.stat().st_size == size


# --- a ledger that does not exist yet ----------------------------------------------------------------------


def test_listing_a_ledger_that_does_not_exist_yet_is_an_empty_list(tmp_path):
    missing = tmp_path / "none.sqlite3"
    people = cli("runs", "list", "--ledger", str(missing))
    assert people.exit_code == 0 and people.stdout == "No recorded runs yet.\n" and people.stderr == ""
    machines = cli("runs", "list", "--json", "--ledger", str(missing))
    assert machines.exit_code == 0 and json.loads(machines.stdout) == []
    assert files_in(tmp_path) == []


def test_listing_the_default_ledger_before_any_run_creates_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv("LIFEOS_LEDGER")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    if not sys.platform.startswith("linux"):
        pytest.skip("XDG_DATA_HOME decides the user data directory on Linux")
    result = cli("runs", "list", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []
    assert files_in(tmp_path) == []
    verified = cli("runs", "verify")
    assert verified.exit_code == 2 and "there is no ledger at" in verified.stderr
    assert files_in(tmp_path) == []

