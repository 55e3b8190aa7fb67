"""Crafted records never crash a reader: each is named as broken (verify) or refused in one line.

Someone with write access to the ledger file can store anything in it: bodies
that are not objects, numbers and blobs instead of text, bytes that are not
UTF-8, or a well-formed record (with an id that matches) that lacks what a
replay needs. ``runs verify`` names each of them (exit 1); ``runs show``,
``replay`` and ``export`` refuse them in one line (exit 2); ``runs list``
leaves them out with a warning. Never a traceback, never exit 3.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from lifeos_core.cli import app
from lifeos_core.values.canonical import canonical_json, sha256_hex, stable_hash
from lifeos_core.ledger.records import MISSION_RUN, LedgerError, record_problem
from lifeos_core.ledger.store import Ledger

CLOCK = "2026-05-01T12:00:00Z"


def record(book, n):
    return book.append(MISSION_RUN, "echo", inputs={"mission": "echo", "params": {"n": n}, "initial_state": {},
                                                     "approvals": {}, "clock": CLOCK, "verify": False},
                       versions={"lifeos-core": "0.2.0", "plugins": []}, result={"success": True, "n": n},
                       success=True)


@pytest.fixture
def ledger(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as book:
        first, second = record(book, 1), record(book, 2)
    return path, first, second


def store(path, seq, body):
    """Replace record ``seq``'s body by the text ``body`` (bytes), and its id by the body's hash."""
    db = sqlite3.connect(path)
    db.execute("UPDATE records SET body = ?, id = ? WHERE seq = ?", (body.decode(), sha256_hex(body), seq))
    db.commit()
    db.close()


def rewritten(body, change):
    """``body`` changed by ``change`` and written back canonically, so that its id still matches."""
    new = dict(body)
    change(new)
    return canonical_json(new)


def cli(*args):
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code != 3 and "Traceback" not in result.output and "internal error" not in result.output, \
        result.output
    return result


NOT_OBJECTS = [(b"[]", "its content is an array, not a JSON object"),
               (b"null", "its content is null, not a JSON object"),
               (b"42", "its content is an integer, not a JSON object"),
               (b'"a record"', "its content is a string, not a JSON object")]
LACKING = [
    (lambda body: body.update(inputs={}), "its inputs lack 'mission'"),
    (lambda body: body.pop("result"), "its content lacks 'result'"),
    (lambda body: body.pop("versions"), "its content lacks 'versions'"),
    (lambda body: body["inputs"].update(params="n=2"), "its inputs' 'params' is a string, not an object"),
    (lambda body: body.update(format="lifeos-ledger-record/9"), "its format is 'lifeos-ledger-record/9'"),
    (lambda body: body["versions"].update(plugins=[1]), "its versions' 'plugins' is not a list"),
]


@pytest.mark.parametrize(("body", "problem"), NOT_OBJECTS)
def test_a_body_that_is_not_an_object_is_named_and_never_crashes_a_reader(ledger, body, problem):
    path, first, second = ledger
    store(path, 2, body)
    crafted = sha256_hex(body)
    verified = cli("runs", "verify", "--ledger", str(path))
    assert verified.exit_code == 1
    assert f"broken: record #2 ({crafted[:12]}): {problem}" in verified.stderr
    for command in ("show", "replay", "export"):
        refused = cli("runs", command, crafted[:10], "--ledger", str(path))
        assert refused.exit_code == 2
        assert refused.stderr.strip() == (f"error: record #2 ({crafted[:12]}) is damaged: {problem}; "
                                          "lifeos runs verify checks every record")
    listed = cli("runs", "list", "--json", "--ledger", str(path))
    assert listed.exit_code == 0 and [r["id"] for r in json.loads(listed.stdout)] == [first.id]
    assert f"warning: not listed: record #2 ({crafted[:12]}) is damaged: {problem}" in listed.stderr


@pytest.mark.parametrize(("change", "problem"), LACKING)
def test_a_record_that_lacks_what_a_reader_needs_is_named_even_with_a_matching_id(ledger, change, problem):
    path, _, second = ledger
    body = rewritten(second.body, change)
    store(path, 2, body)
    verified = cli("runs", "verify", "--json", "--ledger", str(path))
    report = json.loads(verified.stdout)
    assert verified.exit_code == 1 and report["intact"] is False
    assert len(report["problems"]) == 1 and problem in report["problems"][0]
    assert report["problems"][0].startswith(f"record #2 ({sha256_hex(body)[:12]}): ")
    replayed = cli("runs", "replay", sha256_hex(body)[:8], "--ledger", str(path))
    assert replayed.exit_code == 2 and problem in replayed.stderr and len(replayed.stderr.splitlines()) == 1


def test_inputs_emptied_say_what_a_replay_lacks_from_python_too(ledger):
    from lifeos_core.ledger.records import LedgerRecord
    from lifeos_core.ledger.replay import replay

    _, _, second = ledger
    body = {**second.body, "inputs": {}}
    with pytest.raises(LedgerError, match=r"record [0-9a-f]{12} cannot be replayed: its inputs lack 'mission'"):
        replay(LedgerRecord(2, "ab" * 32, body))


def untyped_ledger(path, rows):
    """A ledger whose records table has no column types, so any SQLite type can be stored in it."""
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE records (seq INTEGER PRIMARY KEY, id, kind, name, success, recorded_at, body)")
    db.execute("PRAGMA user_version = 2")
    db.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    db.commit()
    db.close()


@pytest.mark.parametrize(("stored", "problem"), [
    (42, "its content does not match its id"),
    (4.5, "its content does not match its id"),
    (None, "it has no content"),
    (b'{"not": "text"}', "its content is stored as blob, not as text"),
])
def test_bodies_of_other_sqlite_types_are_named(tmp_path, stored, problem):
    path = tmp_path / "crafted.sqlite3"
    record_id = sha256_hex(stored) if isinstance(stored, bytes) else "ab" * 32
    untyped_ledger(path, [(1, record_id, MISSION_RUN, "echo", 1, CLOCK, stored)])
    verified = cli("runs", "verify", "--ledger", str(path))
    assert verified.exit_code == 1 and f"broken: record #1 ({record_id[:12]}): {problem}" in verified.stderr
    listed = cli("runs", "list", "--ledger", str(path))
    assert listed.exit_code == 0 and "No recorded runs yet." in listed.stdout
    assert "warning: not listed: record #1" in listed.stderr
    for command in ("show", "replay", "export"):
        refused = cli("runs", command, record_id[:6], "--ledger", str(path))
        assert refused.exit_code == 2 and refused.stderr.startswith("error: record #1 (")


def test_text_that_is_not_utf8_is_named_wherever_it_is_stored(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as book:
        good = record(book, 1)
        record(book, 2)
        record(book, 3)
    db = sqlite3.connect(path)
    db.execute("UPDATE records SET body = CAST(X'7b22ff7d' AS TEXT) WHERE seq = 2")  # {"<0xff>}
    db.execute("UPDATE records SET name = CAST(X'ff00' AS TEXT) WHERE seq = 3")
    db.commit()
    db.close()
    verified = cli("runs", "verify", "--ledger", str(path))
    assert verified.exit_code == 1
    assert "broken: record #2" in verified.stderr and "its content does not match its id" in verified.stderr
    assert "broken: record #3" in verified.stderr and "its index columns differ from its content" in verified.stderr
    listed = cli("runs", "list", "--json", "--ledger", str(path))
    assert listed.exit_code == 0
    assert {r["id"] for r in json.loads(listed.stdout)} >= {good.id}


def test_a_blob_body_with_the_right_bytes_is_still_reported(ledger):
    path, _, second = ledger
    db = sqlite3.connect(path)
    raw = db.execute("SELECT body FROM records WHERE seq = 2").fetchone()[0].encode()
    db.execute("UPDATE records SET body = ? WHERE seq = 2", (raw,))
    db.commit()
    db.close()
    with Ledger(path, read_only=True) as book:
        assert book.verify().problems == (f"record #2 ({second.id[:12]}): its content is stored as blob, not as text "
                                          "(the record was altered)",)
        assert book.get(second.id[:8]).body == second.body  # readable all the same


def test_a_result_without_a_receipt_cannot_be_exported_but_can_be_shown(ledger):
    path, _, second = ledger
    body = rewritten(second.body, lambda b: b.update(result={}, result_hash=stable_hash({})))
    store(path, 2, body)
    crafted = sha256_hex(body)[:12]
    assert cli("runs", "verify", "--ledger", str(path)).exit_code == 0  # intact: its hashes all hold
    exported = cli("runs", "export", crafted, "--ledger", str(path))
    assert exported.exit_code == 2
    assert exported.stderr.strip() == f"error: record {crafted[:12]} cannot be exported: its result lacks 'receipt'"
    assert cli("runs", "show", crafted, "--ledger", str(path)).exit_code == 0


def test_a_test_run_result_without_verdicts_is_shown_without_them(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as book:
        made = book.append("test_run", "plan", inputs={"plan": {}, "expectations": None, "source": "p.json"},
                           versions={}, result={"passed": True}, success=True)
    shown = cli("runs", "show", made.id[:8], "--ledger", str(path))
    assert shown.exit_code == 0 and "test run plan success" in shown.stdout and "verdict" not in shown.stdout
    exported = cli("runs", "export", made.id[:8], "--ledger", str(path))
    assert exported.exit_code == 2 and "its result lacks 'metadata'" in exported.stderr


def test_a_record_a_reader_could_not_use_is_never_written(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite3") as book:
        with pytest.raises(LedgerError, match="refusing to record this mission_run of 'echo': its inputs lack "
                                              "'clock'"):
            book.append(MISSION_RUN, "echo", inputs={"mission": "echo", "params": {}, "initial_state": {},
                                                     "approvals": {}}, versions={}, result={}, success=True)
        assert book.count() == 0


def test_every_record_this_lifeos_writes_has_the_shape_it_reads(ledger):
    _, first, second = ledger
    assert record_problem(first.body) is None and record_problem(json.loads(canonical_json(second.body))) is None


@pytest.mark.parametrize("clock", ["not a time", "0001-01-01T00:00:00+14:00"])
def test_recorded_inputs_a_run_cannot_start_from_are_refused_in_one_line(ledger, clock):
    path, _, second = ledger
    body = rewritten(second.body, lambda b: b["inputs"].update(clock=clock))
    store(path, 2, body)
    replayed = cli("runs", "replay", sha256_hex(body)[:8], "--ledger", str(path))
    assert replayed.exit_code == 2 and len(replayed.stderr.splitlines()) == 1
    assert replayed.stderr.startswith("error: ")
    assert "clock" in replayed.stderr or "its inputs are not usable" in replayed.stderr
