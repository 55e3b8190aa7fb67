"""The run ledger: a hash chain in SQLite that notices any change and survives concurrency and crashes."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timezone

import pytest

from lifeos_core.values.canonical import sha256_hex, stable_hash
from lifeos_core.ledger.records import MISSION_RUN, LedgerError
from lifeos_core.ledger.store import SCHEMA_VERSION, Ledger, default_ledger_path, open_ledger

WHEN = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)


def mission_inputs(name="echo", **params):
    """The inputs a mission run is recorded with (what a replay needs)."""
    return {"mission": name, "params": params, "initial_state": {}, "approvals": {}, "clock": "2026-05-01T12:00:00Z",
            "verify": False}


def add(book, name="echo", n=1, success=True):
    return book.append(MISSION_RUN, name, inputs=mission_inputs(name, n=n),
                       versions={"lifeos-core": "0.1.0", "plugins": []},
                       result={"success": success, "n": n}, success=success, now=lambda: WHEN)


@pytest.fixture
def path(tmp_path):
    return tmp_path / "ledger.sqlite3"


def test_records_form_a_chain(path):
    with Ledger(path) as book:
        first, second = add(book, n=1), add(book, n=2, success=False)
    assert (first.seq, second.seq) == (1, 2)
    assert first.body["previous"] is None and second.body["previous"] == first.id
    assert second.body["result_hash"] == stable_hash({"success": False, "n": 2})
    assert second.body["recorded_at"] == "2026-05-01T12:00:00Z"
    with Ledger(path) as book:
        assert [r.id for r in book.records()] == [second.id, first.id]
        assert [r.seq for r in book.records(failed=True)] == [2]
        assert book.records(name="other") == [] and len(book.records(limit=1)) == 1
        assert book.get(second.id[:6]).body == second.body
        stored = book._store.execute("SELECT body FROM records WHERE seq = 2").fetchone()[0]
    assert sha256_hex(stored.encode()) == second.id


def test_ids_are_looked_up_like_git(path):
    with Ledger(path) as book:
        with pytest.raises(LedgerError, match="'zz' is not a record id; give at least 4 hex characters"):
            book.get("zz")
        with pytest.raises(LedgerError, match="no record in .* has an id starting with 'ffffffff'"):
            book.get("ffffffff")
        seen: dict[str, str] = {}
        for n in range(3000):  # the records are fixed, so the first shared 4-character prefix is too
            record = add(book, n=n)
            if record.id[:4] in seen:
                break
            seen[record.id[:4]] = record.id
        shared = record.id[:4]
        with pytest.raises(LedgerError, match=f"'{shared}' is ambiguous: it starts the ids"):
            book.get(shared)
        assert book.get(record.id[:10]).id == record.id


def test_an_intact_ledger_verifies(path):
    with Ledger(path) as book:
        last = [add(book, n=n) for n in range(3)][-1]
        report = book.verify()
    assert report.intact and report.records == 3 and report.head == last.id


def tamper(path, statement, *args):
    db = sqlite3.connect(path)
    db.execute(statement, args)
    db.commit()
    db.close()


@pytest.mark.parametrize(("statement", "problem"), [
    ("UPDATE records SET body = replace(body, '\"n\":2', '\"n\":3') WHERE seq = 2",
     "record #2 (.*): its content does not match its id"),
    ("UPDATE records SET recorded_at = '2020-01-01T00:00:00Z' WHERE seq = 2",
     "record #2 (.*): its index columns differ from its content"),
    ("UPDATE records SET success = 0 WHERE seq = 2", "record #2 (.*): its index columns differ"),
    ("DELETE FROM records WHERE seq = 2",
     "record #3 (.*): expected record #2 here; records are missing before it"),
])
def test_altering_or_removing_a_record_is_caught_and_named(path, statement, problem):
    with Ledger(path) as book:
        for n in range(1, 5):
            add(book, n=n)
    tamper(path, statement)
    with Ledger(path) as book:
        report = book.verify()
    assert not report.intact
    assert any(__import__("re").search(problem, line) for line in report.problems), report.problems


def test_rewriting_a_record_with_a_fresh_hash_breaks_the_next_link(path):
    from lifeos_core.values.canonical import canonical_json

    with Ledger(path) as book:
        records = [add(book, n=n) for n in range(1, 4)]
    body = dict(records[1].body, result={"success": True, "n": 99})
    body["result_hash"] = stable_hash(body["result"])
    encoded = canonical_json(body)
    tamper(path, "UPDATE records SET body = ?, id = ? WHERE seq = 2", encoded.decode(), sha256_hex(encoded))
    with Ledger(path) as book:
        problems = book.verify().problems
    assert problems == (f"record #3 ({records[2].id[:12]}): it does not follow the record before it "
                        "(a record was removed or reordered)",)


def test_a_file_that_is_not_a_ledger_is_never_overwritten(path):
    path.write_bytes(b"these are my notes, not a database" * 100)
    before = path.read_bytes()
    with pytest.raises(LedgerError, match="is not a readable lifeos ledger .* it was left untouched"):
        Ledger(path)
    assert path.read_bytes() == before
    other = path.with_name("other.db")
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE notes (text TEXT)")
    db.commit()
    db.close()
    with pytest.raises(LedgerError, match="is an SQLite database but not a lifeos ledger \\(it has tables notes\\)"):
        Ledger(other)


def test_a_ledger_from_a_newer_lifeos_is_refused(path):
    Ledger(path).close()
    tamper(path, f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(LedgerError, match="newer than this lifeos understands"):
        Ledger(path)


def test_an_older_ledger_is_migrated_forward_keeping_its_records(path, monkeypatch):
    import lifeos_core.ledger.store as ledger_module

    monkeypatch.setattr(ledger_module, "SCHEMA_VERSION", 1)
    with Ledger(path) as book:
        kept = add(book)
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 1
    monkeypatch.undo()
    with Ledger(path) as book:
        assert book.get(kept.id[:8]).id == kept.id and book.verify().intact
        indexes = {row[0] for row in book._store.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"records_by_name", "records_by_success"} <= indexes
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_the_ledger_uses_wal_and_reading_needs_an_existing_ledger(path):
    with pytest.raises(LedgerError, match="there is no ledger at .* yet"):
        Ledger(path, create=False)
    Ledger(path).close()
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_where_the_ledger_lives(tmp_path, monkeypatch):
    assert default_ledger_path("given.sqlite3", {"LIFEOS_LEDGER": "env.sqlite3"}).name == "given.sqlite3"
    assert default_ledger_path(None, {"LIFEOS_LEDGER": str(tmp_path / "env.sqlite3")}) == tmp_path / "env.sqlite3"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    if sys.platform.startswith("linux"):
        assert default_ledger_path(None, {}) == tmp_path / "data" / "lifeos" / "ledger.sqlite3"


APPENDER = textwrap.dedent("""\
    import sys
    from lifeos_core.ledger.store import Ledger
    path, worker, count, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    with Ledger(path) as book:
        for n in range(count):
            book.append("mission_run", f"w{worker}", versions={}, result={"pad": "x" * size}, success=True,
                        inputs={"mission": "w", "params": {"n": n}, "initial_state": {}, "approvals": {},
                                "clock": "2026-05-01T12:00:00Z"})
    """)


def test_processes_recording_at_once_keep_one_chain(path):
    Ledger(path).close()
    workers = [subprocess.Popen([sys.executable, "-c", APPENDER, str(path), str(w), "5", "100"]) for w in range(6)]
    assert all(worker.wait(timeout=120) == 0 for worker in workers)
    with Ledger(path) as book:
        report = book.verify()
        names = sorted(r.name for r in book.records())
    assert report.intact and report.records == 30
    assert names == sorted(f"w{w}" for w in range(6) for _ in range(5))


def test_a_process_killed_while_writing_leaves_a_ledger_that_verifies(path):
    Ledger(path).close()
    for delay in (0.3, 0.6, 0.9):
        writer = subprocess.Popen([sys.executable, "-c", APPENDER, str(path), "k", "100000", "200000"])
        time.sleep(delay)
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
        with Ledger(path) as book:
            report = book.verify()
        assert report.intact, report.problems
    assert report.records > 0


# --- what the CLI records, and replaying it -------------------------------------------------------------


def _registry(registry_with, pack, factor):
    from lifeos_core import Mission, Param, StepSpec

    def scale(state, payload, context):
        state["value"] = payload["x"] * factor
        return state

    mission = Mission("scale", "Scale x.", lambda p: [StepSpec("scale", "runtime", {"operation": "scale", "x": p["x"]}),
                                                    StepSpec("ok", "human")], params=(Param("x", int, default=1),))
    return registry_with(maths=pack([mission], {"scale": scale}))


def test_a_cli_run_is_recorded_with_what_replay_needs(registry_with, pack, ledger_in_tmp):
    from typer.testing import CliRunner

    from lifeos_core.cli import app

    _registry(registry_with, pack, 2)
    runner = CliRunner()
    result = runner.invoke(app, ["run", "scale", "-p", "x=21", "--approve", "ok", "--clock", "2026-03-03T03:03:03Z"])
    assert result.exit_code == 0
    assert result.stderr.startswith("recorded as ")
    unrecorded = runner.invoke(app, ["run", "scale", "--no-record"])
    assert unrecorded.exit_code == 4 and "was not recorded (--no-record), so it cannot be resumed" in unrecorded.stdout
    with open_ledger() as book:
        [record] = book.records()
    body = record.body
    assert body["inputs"] == {"mission": "scale", "params": {"x": 21}, "initial_state": {}, "approvals": {"ok": True},
                              "decisions": {"ok": {"approved": True, "by": body["started_by"],
                                                   "at": "2026-03-03T03:03:03Z", "note": None}},
                              "clock": "2026-03-03T03:03:03Z", "verify": False, "pause": True}
    assert body["status"] == "succeeded"
    assert body["versions"]["plugins"] == [{"distribution": "maths", "version": "local"}]
    assert body["result"]["final_state"] == {"value": 42}
    assert body["result_hash"] == stable_hash(body["result"])
    assert body["recorded_at"].endswith("Z") and body["recorded_at"] not in json.dumps(body["result"])


def test_replay_finds_the_same_result_or_says_where_it_differs(registry_with, pack):
    from typer.testing import CliRunner

    from lifeos_core.cli import app

    _registry(registry_with, pack, 2)
    runner = CliRunner()
    runner.invoke(app, ["run", "scale", "-p", "x=5", "--clock", "2026-03-03T03:03:03Z"])
    record_id = json.loads(runner.invoke(app, ["runs", "list", "--json"]).stdout)[0]["id"]
    same = runner.invoke(app, ["runs", "replay", record_id[:8]])
    assert same.exit_code == 0 and "replayed: same result" in same.stdout
    _registry(registry_with, pack, 3)  # the operation now computes something else
    changed = runner.invoke(app, ["runs", "replay", record_id[:8]])
    assert changed.exit_code == 1
    assert "replayed: the result differs" in changed.stdout
    assert "differs at final_state.value" in changed.stdout
    assert "no version changed" in changed.stdout
    data = json.loads(runner.invoke(app, ["runs", "replay", record_id[:8], "--json"]).stdout)
    assert data["same"] is False and "final_state.value" in data["differences"]


def test_replay_names_the_versions_that_changed():
    from lifeos_core import __version__
    from lifeos_core.plugins.registry import version_changes

    recorded = {"lifeos-core": "0.0.9", "plugins": [{"distribution": "tide", "version": "1.0"},
                                                    {"distribution": "gone", "version": "3.1"}]}
    installed = {"tide": "2.0", "lifeos-core": __version__}
    assert version_changes(recorded, installed) == [("lifeos-core", "0.0.9", __version__), ("tide", "1.0", "2.0"),
                                                    ("gone", "3.1", None)]


def test_runs_commands(registry_with, pack, tmp_path):
    from typer.testing import CliRunner

    from lifeos_core.cli import app

    _registry(registry_with, pack, 2)
    runner = CliRunner()
    ledger = tmp_path / "mine.sqlite3"
    assert "there is no ledger at" in runner.invoke(app, ["runs", "verify", "--ledger", str(ledger)]).stderr
    runner.invoke(app, ["run", "scale", "--ledger", str(ledger), "--reject", "ok"])
    runner.invoke(app, ["run", "scale", "--ledger", str(ledger)])
    listing = runner.invoke(app, ["runs", "list", "--ledger", str(ledger)])
    rows = [line.split() for line in listing.stdout.splitlines()]
    assert rows[0] == ["ID", "Recorded", "Kind", "Name", "Verdict"]
    assert [" ".join(row[5:]) for row in rows[1:]] == ["waiting at ok", "FAILED"]
    failed = json.loads(runner.invoke(app, ["runs", "list", "--failed", "--json", "--ledger", str(ledger)]).stdout)
    assert len(failed) == 1 and failed[0]["success"] is False
    shown = runner.invoke(app, ["runs", "show", failed[0]["id"][:6], "--ledger", str(ledger)])
    assert "mission run scale FAILED" in shown.stdout and "rejected at human attestation" in shown.stdout
    assert runner.invoke(app, ["runs", "verify", "--ledger", str(ledger)]).exit_code == 0
    tamper(ledger, "UPDATE records SET name = 'x' WHERE seq = 1")
    broken = runner.invoke(app, ["runs", "verify", "--ledger", str(ledger)])
    assert broken.exit_code == 1 and "broken: record #1" in broken.stderr
    statement = json.loads(runner.invoke(app, ["runs", "export", failed[0]["id"][:6], "--ledger", str(ledger)]).stdout)
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["subject"][0]["digest"]["sha256"] == failed[0]["result_hash"]
    assert statement["predicate"]["receipt"]["failed_step_id"] == "ok"
    bad = runner.invoke(app, ["runs", "export", failed[0]["id"][:6], "--format", "slsa", "--ledger", str(ledger)])
    assert bad.exit_code == 2 and "unknown export format 'slsa'" in bad.stderr
    assert runner.invoke(app, ["runs", "show", "nothing", "--ledger", str(ledger)]).exit_code == 2


def test_a_test_run_is_recorded_and_replays(tmp_path):
    from typer.testing import CliRunner

    from lifeos_core import load_registry, use_registry
    from lifeos_core.cli import app

    installed = load_registry()
    if "echo" not in installed.missions:
        pytest.skip("the echo pack is not installed")
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"suite_name": "p", "scenarios": [{"scenario_name": "s", "missions": [{"name": "echo"}],
                                "expectations": [{"mission_name": "echo", "path": "success", "op": "eq",
                                                  "expected": True}]}]}))
    runner = CliRunner()
    with use_registry(installed):
        assert runner.invoke(app, ["test", str(plan)]).exit_code == 0
        [listed] = json.loads(runner.invoke(app, ["runs", "list", "--json"]).stdout)
        assert (listed["kind"], listed["name"], listed["success"]) == ("test_run", "p", True)
        assert runner.invoke(app, ["runs", "replay", listed["id"][:8]]).exit_code == 0


def test_a_broken_ledger_stops_the_run_before_it_starts_and_stays_untouched(registry_with, pack, tmp_path):
    from typer.testing import CliRunner

    from lifeos_core.cli import app

    _registry(registry_with, pack, 2)
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"not a database at all" * 50)
    result = CliRunner().invoke(app, ["run", "scale", "--ledger", str(broken), "--json"])
    assert result.exit_code == 2 and result.stdout == ""  # where the run would be recorded is checked first
    assert "is not a readable lifeos ledger" in result.stderr
    assert broken.read_bytes() == b"not a database at all" * 50
