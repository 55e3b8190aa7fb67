"""``runs verify --expect-head``: a head kept elsewhere tells whether records were cut from the end.

The chain proves every record up to its head; only a head remembered
somewhere else (a commit message, a ticket) can show that the newest records
were removed, or that the ledger was swapped for another.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from lifeos_core.cli import app
from lifeos_core.ledger.records import MISSION_RUN, LedgerError
from lifeos_core.ledger.store import Ledger

CLOCK = "2026-05-01T12:00:00Z"


def fill(path, count):
    with Ledger(path) as book:
        return [book.append(MISSION_RUN, "echo", inputs={"mission": "echo", "params": {"n": n}, "initial_state": {},
                                                          "approvals": {}, "clock": CLOCK},
                            versions={}, result={"n": n}, success=True) for n in range(count)]


def verify(path, *args):
    return CliRunner().invoke(app, ["runs", "verify", "--ledger", str(path), *args])


@pytest.fixture
def path(tmp_path):
    return tmp_path / "ledger.sqlite3"


def test_the_head_itself_is_expected(path):
    records = fill(path, 3)
    for given in (records[-1].id, records[-1].id[:4], records[-1].id[:12].upper()):
        result = verify(path, "--expect-head", given)
        assert result.exit_code == 0, result.output
        assert f"head {records[-1].id}" in result.stdout
        assert f"note: {given.lower()} is the head of the chain" in result.stdout


def test_records_added_after_the_expected_head_are_counted(path):
    records = fill(path, 5)
    result = verify(path, "--expect-head", records[1].id[:10])
    assert result.exit_code == 0
    assert f"note: {records[1].id[:10]} is record #2; 3 records were added after it" in result.stdout
    one = verify(path, "--expect-head", records[3].id[:10])
    assert "is record #4; 1 record was added after it" in one.stdout
    data = json.loads(verify(path, "--expect-head", records[1].id[:10], "--json").stdout)
    assert data["intact"] is True and data["head"] == records[-1].id
    assert data["expected_head"] == {"given": records[1].id[:10], "found": True, "id": records[1].id, "seq": 2,
                                     "added_after": 3,
                                     "message": f"{records[1].id[:10]} is record #2; 3 records were added after it"}


def test_a_chain_cut_at_its_end_no_longer_holds_the_expected_head(path):
    records = fill(path, 4)
    db = sqlite3.connect(path)
    db.execute("DELETE FROM records WHERE seq >= 3")  # the chain that is left verifies on its own
    db.commit()
    db.close()
    assert verify(path).exit_code == 0
    cut = verify(path, "--expect-head", records[-1].id[:8])
    assert cut.exit_code == 1
    assert (f"broken: the chain does not contain {records[-1].id[:8]}: records were removed from its end, "
            "or it is another ledger") in cut.stderr
    assert f"2 record(s) in {path}, head {records[1].id}: the expected head is not among them" in cut.stderr
    data = json.loads(verify(path, "--expect-head", records[-1].id[:8], "--json").stdout)
    assert data["intact"] is False and data["expected_head"]["found"] is False
    assert data["expected_head"]["id"] is None and data["problems"] == [data["expected_head"]["message"]]


def test_another_ledger_does_not_hold_the_expected_head(path, tmp_path):
    mine = fill(path, 2)
    other = tmp_path / "other.sqlite3"
    fill(other, 1)
    assert verify(other, "--expect-head", mine[-1].id).exit_code == 1


def test_the_expected_head_must_look_like_a_record_id(path):
    fill(path, 1)
    for given in ("abc", "not-hex!", ""):
        result = verify(path, "--expect-head", given)
        assert result.exit_code == 2 and "is not a record id; give at least 4 hex characters" in result.stderr


def test_a_prefix_two_records_share_is_ambiguous(path):
    with Ledger(path) as book:
        seen = {}
        for n in range(3000):
            made = book.append(MISSION_RUN, "echo", inputs={"mission": "echo", "params": {"n": n},
                                                             "initial_state": {}, "approvals": {}, "clock": CLOCK},
                               versions={}, result={}, success=True)
            if made.id[:4] in seen:
                break
            seen[made.id[:4]] = made
        with pytest.raises(LedgerError, match=f"'{made.id[:4]}' is ambiguous"):
            book.verify(expect_head=made.id[:4])
        assert book.verify(expect_head=made.id).expected_head.added_after == 0


def test_broken_records_and_an_expected_head_are_reported_together(path):
    records = fill(path, 3)
    db = sqlite3.connect(path)
    db.execute("UPDATE records SET name = 'other' WHERE seq = 1")
    db.commit()
    db.close()
    result = verify(path, "--expect-head", records[-1].id)
    assert result.exit_code == 1 and "broken: record #1" in result.stderr
    assert "1 broken record(s) of 3" in result.stderr
