"""A team's ledger in PostgreSQL: the same records as SQLite, one chain for many writers.

Examples of use against a real PostgreSQL server that the test session starts
for itself (the ``postgres`` fixture, tests/pg_server.py), each test in a
fresh database of its own (``pg_ledger``: its URL, with the password):

- the same runs give byte for byte the same records, ids and head in SQLite
  and in PostgreSQL, and ``lifeos runs ...`` shows them the same way;
- many processes appending at once keep one unbroken chain, and two people
  approving one paused step at the same moment are recorded once;
- ``lifeos runs copy`` moves a whole ledger SQLite -> PostgreSQL -> SQLite,
  and never into a ledger that already holds records;
- a change made behind lifeos's back, straight in the database, is named by
  ``lifeos runs verify``;
- what goes wrong before the ledger is reached (no driver, a wrong password,
  a malformed URL, another schema) is one line, and the password is never shown.

The ``lifeos`` commands run in subprocesses with a home folder and a user of
their own and ``LIFEOS_LEDGER`` set, and the clock fixed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from lifeos_core import FixedClock, plan_mission, run_planned
from lifeos_core.ledger.recording import mission_inputs, paused_state
from lifeos_core.ledger.records import MISSION_RUN
from lifeos_core.ledger.store import SCHEMA_VERSION, open_ledger
from lifeos_core.missions import versions_used
from lifeos_core.values.canonical import sha256_hex

pytestmark = pytest.mark.slow  # each test starts lifeos in subprocesses against a real server

psycopg = pytest.importorskip("psycopg", reason="the PostgreSQL ledger needs psycopg: pip install 'lifeos-core[postgres]'")

LIFEOS = Path(sys.executable).parent / "lifeos"
REPO = Path(__file__).resolve().parent.parent
TASKS = REPO / "examples" / "tasks.yaml"
CLOCK = "2026-11-23T08:00:00Z"
DECIDED_AT = "2026-11-23T09:00:00Z"
RECORDED_AT = datetime(2026, 11, 23, 8, 0, 5, tzinfo=timezone.utc)
PASSWORD = "lifeos-test-password"  # the test role's, as tests/pg_server.py creates it


class Lifeos:
    """The ``lifeos`` command with a ledger (a file or a URL), a home and a working folder of one test's own."""

    def __init__(self, folder: Path, ledger: str | Path) -> None:
        self.folder = folder
        self.ledger = str(ledger)
        home = folder / "home"
        home.mkdir(exist_ok=True)
        environment = {name: value for name, value in os.environ.items()
                       if not name.startswith(("LIFEOS_", "PG"))}  # no PGPASSWORD, PGHOST... of the machine
        environment.update(LIFEOS_LEDGER=self.ledger, LIFEOS_USER="tester", HOME=str(home), TZ="UTC",
                           XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"), COLUMNS="120")
        self.env = environment

    def __call__(self, *arguments: str, **env: str) -> subprocess.CompletedProcess[str]:
        """Run ``lifeos ARGUMENTS`` to the end (``env``: variables to add), with nothing on stdin."""
        return subprocess.run([str(LIFEOS), *arguments], env={**self.env, **env}, cwd=self.folder,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)

    def start(self, *arguments: str) -> subprocess.Popen[str]:
        """Start ``lifeos ARGUMENTS`` without waiting for it."""
        return subprocess.Popen([str(LIFEOS), *arguments], env=self.env, cwd=self.folder, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def json(self, *arguments: str) -> Any:
        completed = self(*arguments)
        assert completed.returncode == 0, completed.stderr
        return json.loads(completed.stdout)

    def records(self) -> list[dict[str, Any]]:
        """The recorded runs, newest first."""
        return self.json("runs", "list", "--json", "--limit", "1000")

    def pause(self) -> str:
        """Record a daily_loop run that waits at confirm-plan; its record id."""
        paused = self("run", "daily_loop", "--state", str(TASKS), "--clock", CLOCK, "--quiet")
        assert paused.returncode == 4, paused.stdout + paused.stderr
        newest = self.records()[0]
        assert (newest["status"], newest["paused_at"]) == ("paused", "confirm-plan")
        return newest["id"]


def one_error_line(stderr: str) -> str:
    """The error a refused command printed: one line, beginning ``error: ``."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


def shown(url: str) -> str:
    """A ledger URL as lifeos shows it: without its password."""
    return url.replace(f":{PASSWORD}@", "@")


def sql(url: str, statement: str, *parameters: Any) -> list[tuple[Any, ...]]:
    """Run one statement straight in the ledger's database, as anyone with its password could."""
    with psycopg.connect(url, autocommit=True) as db:
        cursor = db.execute(statement, parameters)
        return cursor.fetchall() if cursor.description else []


def tables(url: str) -> set[str]:
    return {name for (name,) in sql(url, "SELECT table_name FROM information_schema.tables "
                                         "WHERE table_schema = current_schema()")}


# --- the same records in both stores ---------------------------------------------------------------


TASK_LIST = {"tasks": [{"id": "report", "title": "Write the report", "priority": "high", "estimate_minutes": 90},
                       {"id": "gym", "title": "Gym session", "priority": "low", "estimate_minutes": 60}],
             "journal": []}
RUNS = [("echo", {"message": "hi"}, {}), ("echo", {"message": "héllo ✓"}, {"n": 2.5}),
        ("daily_loop", {}, TASK_LIST)]


def record_the_same_runs(book: Any) -> list[Any]:
    """Run echo twice and a daily_loop that pauses at confirm-plan, and record each at one fixed
    moment, with a stored body beside the last: what ``lifeos run`` records, minus the wall clock."""
    records = []
    for mission, params, state in RUNS:
        workflow = plan_mission(mission, params)
        result = run_planned(workflow, state, clock=FixedClock(CLOCK), pause_at_undecided=True)
        records.append(book.append(
            MISSION_RUN, mission, inputs=mission_inputs(mission, params, state, {}, CLOCK, False, True),
            versions=versions_used([workflow]), result=result.to_dict(), success=result.success,
            extra={"status": result.status, **paused_state(result)}, now=lambda: RECORDED_AT))
    text = b"what an effect brought in\n"
    records.append(book.append(MISSION_RUN, "echo", inputs=mission_inputs("echo", {}, {}, {}, CLOCK, False, True),
                               versions={}, result={"ok": True}, success=True, now=lambda: RECORDED_AT,
                               bodies={sha256_hex(text): text}))
    return records


def stored(book: Any) -> tuple[list[tuple[int, str, str]], list[tuple[str, bytes]]]:
    """Every record as stored (seq, id, body text) and every stored body (digest, bytes)."""
    rows = book._store.execute("SELECT seq, id, body FROM records ORDER BY seq").fetchall()
    blobs = book._store.execute("SELECT sha256, body FROM blobs ORDER BY sha256").fetchall()
    return [(seq, str(id_), str(body)) for seq, id_, body in rows], [(str(d), bytes(b)) for d, b in blobs]


def test_the_same_runs_make_byte_identical_records_in_sqlite_and_postgresql(tmp_path, pg_ledger):
    with open_ledger(tmp_path / "ledger.sqlite3") as local, open_ledger(pg_ledger) as team:
        written = {"sqlite": record_the_same_runs(local), "postgresql": record_the_same_runs(team)}
        assert [r.id for r in written["sqlite"]] == [r.id for r in written["postgresql"]]
        assert stored(local) == stored(team)
        assert stored(team)[0][2][2].encode() == json.dumps(  # canonical JSON: sorted keys, no spaces
            written["postgresql"][2].body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        checks = local.verify(), team.verify()
        assert all(check.intact and check.records == 4 for check in checks)
        assert checks[0].head == checks[1].head == written["sqlite"][-1].id
        assert [r.id for r in team.paused()] == [written["postgresql"][2].id]
        assert team.get(written["postgresql"][1].id[:6]).body["inputs"]["params"] == {"message": "héllo ✓"}


def test_the_runs_commands_show_a_postgresql_ledger_as_they_show_a_file(tmp_path, pg_ledger):
    """The same commands on both ledgers print the same, once each ledger's own ids, recording
    times and location are named alike (runs recorded by ``lifeos run`` carry the wall clock)."""
    printed = {}
    for name, ledger in (("sqlite", tmp_path / "ledger.sqlite3"), ("postgresql", pg_ledger)):
        lifeos = Lifeos(tmp_path, ledger)  # the same working folder: paused runs record it
        ran = lifeos("run", "echo", "-p", "message=hi", "--clock", CLOCK)
        assert ran.returncode == 0, ran.stderr
        paused = lifeos.pause()
        approved = lifeos("runs", "approve", paused[:12], "confirm-plan", "--by", "ana", "--clock", DECIDED_AT)
        assert approved.returncode == 0, approved.stderr
        records = lifeos.records()
        assert [(r["seq"], r["name"], r["status"]) for r in records] == [
            (3, "daily_loop", "succeeded"), (2, "daily_loop", "paused"), (1, "echo", "succeeded")]
        outputs = [ran.stdout, approved.stdout, approved.stderr]
        for command in (("list",), ("list", "--json"), ("pending", "--json"), ("verify",), ("verify", "--json")):
            outputs.append(lifeos("runs", *command).stdout)
        for record in records:
            for command in ("show", "replay", "export"):
                done = lifeos("runs", command, record["id"][:12])
                assert done.returncode == 0, done.stderr
                outputs.append(done.stdout)
            outputs.append(lifeos("runs", "show", record["id"], "--json").stdout)
        alike = "\n".join(outputs).replace(str(ledger) if name == "sqlite" else shown(pg_ledger), "LEDGER")
        for record in records:
            alike = alike.replace(record["id"], f"ID{record['seq']}").replace(record["id"][:12], f"ID{record['seq']}")
            alike = alike.replace(record["recorded_at"], f"RECORDED{record['seq']}")
        printed[name] = alike
    assert "replayed: same result" in printed["postgresql"] and "the chain is intact" in printed["postgresql"]
    assert printed["sqlite"].splitlines() == printed["postgresql"].splitlines()


# --- many writers, one chain ----------------------------------------------------------------------


APPENDER = textwrap.dedent("""
    import sys
    from lifeos_core.ledger.store import open_ledger

    worker, count = sys.argv[1], int(sys.argv[2])
    with open_ledger() as book:  # the URL in $LIFEOS_LEDGER
        for n in range(count):
            book.append("mission_run", f"writer-{worker}", versions={}, result={"n": n}, success=True,
                        inputs={"mission": "echo", "params": {"n": n}, "initial_state": {}, "approvals": {},
                                "clock": "2026-11-23T08:00:00Z"})
""")


def test_eight_processes_appending_at_once_to_a_fresh_database_keep_one_chain(tmp_path, pg_ledger):
    environment = {**os.environ, "LIFEOS_LEDGER": pg_ledger}
    writers = [subprocess.Popen([sys.executable, "-c", APPENDER, str(worker), "50"], env=environment,
                                stderr=subprocess.PIPE, text=True) for worker in range(8)]
    errors = [writer.communicate(timeout=300)[1] for writer in writers]
    assert [writer.returncode for writer in writers] == [0] * 8, errors
    with open_ledger(pg_ledger, read_only=True) as book:
        report = book.verify()
        records = sorted(book.records(), key=lambda record: record.seq)
    assert report.intact and report.records == 400, report.problems
    assert [record.seq for record in records] == list(range(1, 401))
    assert Counter(record.name for record in records) == {f"writer-{worker}": 50 for worker in range(8)}
    for worker in range(8):  # each writer's own appends in the order it made them
        mine = [record.body["result"]["n"] for record in records if record.name == f"writer-{worker}"]
        assert mine == list(range(50))
    assert Lifeos(tmp_path, pg_ledger)("runs", "verify").returncode == 0


def test_of_two_people_approving_one_step_at_the_same_moment_exactly_one_is_recorded(tmp_path, pg_ledger):
    lifeos = Lifeos(tmp_path, pg_ledger)
    for round_ in range(3):
        paused = lifeos.pause()
        deciders = (f"ana{round_}", f"bob{round_}")
        racing = [lifeos.start("runs", "approve", paused[:12], "confirm-plan", "--by", name, "--clock", DECIDED_AT)
                  for name in deciders]
        outputs = {name: process.communicate(timeout=120) for name, process in zip(deciders, racing)}
        outcomes = {name: (process.returncode, *outputs[name]) for name, process in zip(deciders, racing)}
        assert sorted(code for code, _, _ in outcomes.values()) == [0, 2], outcomes
        [winner] = [name for name, (code, _, _) in outcomes.items() if code == 0]
        [loser] = [name for name in deciders if name != winner]
        message = one_error_line(outcomes[loser][2])
        assert (f"approved already by {winner} at {DECIDED_AT}" in message and "decided once" in message
                or f"is being decided right now by {winner}" in message), message
        [resumer] = [record for record in lifeos.records() if record["resumes"] == paused]
        assert lifeos.json("runs", "show", resumer["id"], "--json")["decision"]["by"] == winner
    assert len(lifeos.records()) == 6
    assert lifeos.json("runs", "pending", "--json") == []
    assert lifeos("runs", "verify").returncode == 0


# --- moving a ledger between stores ----------------------------------------------------------------


def test_a_ledger_is_copied_to_postgresql_and_back_with_the_same_chain(tmp_path, pg_ledger):
    local = Lifeos(tmp_path, tmp_path / "ledger.sqlite3")
    assert local("run", "echo", "-p", "message=hi", "--clock", CLOCK).returncode == 0
    paused = local.pause()
    assert local("runs", "approve", paused, "confirm-plan", "--by", "ana", "--clock", DECIDED_AT).returncode == 0
    with open_ledger(local.ledger) as book:  # and a stored body, as effects leave them
        book.append(MISSION_RUN, "echo", inputs=mission_inputs("echo", {}, {}, {}, CLOCK, False, True), versions={},
                    result={"ok": True}, success=True, bodies={sha256_hex(b"kept"): b"kept"})
    head = local.json("runs", "verify", "--json")["head"]

    there = local.json("runs", "copy", "--from", local.ledger, "--to", pg_ledger, "--json")
    assert there == {"records": 4, "bodies": 1, "head": head, "from": local.ledger, "to": shown(pg_ledger)}
    back = tmp_path / "back.sqlite3"
    copied = local("runs", "copy", "--from", pg_ledger, "--to", str(back))
    assert copied.returncode == 0, copied.stderr
    assert copied.stdout.strip() == (f"copied 4 record(s) and 1 stored body(ies) from {shown(pg_ledger)} to {back}; "
                                     f"both verify, head {head}")
    assert PASSWORD not in copied.stdout + copied.stderr

    team, returned = Lifeos(tmp_path, pg_ledger), Lifeos(tmp_path, back)
    for ledger in (local, team, returned):
        check = ledger.json("runs", "verify", "--json")
        assert (check["intact"], check["records"], check["head"]) == (True, 4, head)
        assert ledger.records() == local.records()
    with open_ledger(local.ledger) as one, open_ledger(pg_ledger) as two, open_ledger(back) as three:
        assert stored(one) == stored(two) == stored(three)
    # The copy is a ledger like any other: the approved run replays from it.
    assert "same result" in team("runs", "replay", team.records()[1]["id"]).stdout


def test_a_copy_into_a_ledger_that_holds_records_is_refused_and_changes_nothing(tmp_path, pg_ledger):
    source, team = Lifeos(tmp_path, tmp_path / "source.sqlite3"), Lifeos(tmp_path, pg_ledger)
    other = Lifeos(tmp_path, tmp_path / "other.sqlite3")
    for ledger in (source, source, team, other):
        assert ledger("run", "echo", "--clock", CLOCK).returncode == 0
    before = {ledger.ledger: ledger.records() for ledger in (team, other)}
    for destination in (team, other):
        refused = source("runs", "copy", "--from", source.ledger, "--to", destination.ledger)
        assert refused.returncode == 2, refused.stdout
        message = one_error_line(refused.stderr)
        assert "already holds 1 record(s)" in message and "two chains are never merged" in message
        assert PASSWORD not in message
    refused = team("runs", "copy", "--from", pg_ledger, "--to", other.ledger)
    assert refused.returncode == 2 and "already holds 1 record(s)" in one_error_line(refused.stderr)
    assert {ledger.ledger: ledger.records() for ledger in (team, other)} == before
    assert all(ledger("runs", "verify").returncode == 0 for ledger in (team, other))


# --- changes behind lifeos's back ------------------------------------------------------------------


def with_three_runs(url: str) -> list[Any]:
    with open_ledger(url) as book:
        return [book.append(MISSION_RUN, "echo", inputs=mission_inputs("echo", {"n": n}, {}, {}, CLOCK, False, True),
                            versions={}, result={"n": n}, success=True, now=lambda: RECORDED_AT,
                            bodies={sha256_hex(f"body {n}".encode()): f"body {n}".encode()})
                for n in (1, 2, 3)]


@pytest.mark.parametrize(("change", "broken"), [
    ("UPDATE records SET body = replace(body, '\"n\":2', '\"n\":7') WHERE seq = 2",
     r"broken: record #2 \({second}\): its content does not match its id \(the record was altered\)"),
    ("UPDATE records SET recorded_at = '2020-01-01T00:00:00Z' WHERE seq = 2",
     r"broken: record #2 \({second}\): its index columns differ from its content"),
    ("DELETE FROM records WHERE seq = 2",
     r"broken: record #3 \({third}\): expected record #2 here; records are missing before it"),
    ("UPDATE blobs SET body = convert_to('body 9', 'UTF8') WHERE body = convert_to('body 2', 'UTF8')",
     r"broken: stored body {body2}: its bytes do not match its digest \(it was altered\)"),
])
def test_a_change_made_straight_in_the_database_is_named_by_verify(tmp_path, pg_ledger, change, broken):
    records = with_three_runs(pg_ledger)
    lifeos = Lifeos(tmp_path, pg_ledger)
    assert lifeos("runs", "verify").returncode == 0
    sql(pg_ledger, change)
    verified = lifeos("runs", "verify")
    assert verified.returncode == 1, verified.stdout
    expected = broken.format(second=records[1].id[:12], third=records[2].id[:12], body2=sha256_hex(b"body 2")[:12])
    assert re.search(expected, verified.stderr), verified.stderr
    assert f"broken record(s) of {2 if 'DELETE' in change else 3} in {shown(pg_ledger)}" in verified.stderr


def test_a_rewritten_record_with_a_fresh_id_breaks_the_link_after_it(tmp_path, pg_ledger):
    from lifeos_core.values.canonical import canonical_json, stable_hash

    records = with_three_runs(pg_ledger)
    forged = dict(records[1].body, result={"n": 99}, result_hash=stable_hash({"n": 99}))
    encoded = canonical_json(forged)
    sql(pg_ledger, "UPDATE records SET body = %s, id = %s WHERE seq = 2", encoded.decode(), sha256_hex(encoded))
    verified = Lifeos(tmp_path, pg_ledger)("runs", "verify", "--json")
    assert verified.returncode == 1
    assert json.loads(verified.stdout)["problems"] == [
        f"record #3 ({records[2].id[:12]}): it does not follow the record before it (a record was removed or reordered)"]


# --- one clear line, and never the password ---------------------------------------------------------


def test_without_the_driver_a_postgresql_ledger_says_what_to_install(tmp_path, pg_ledger):
    without_driver = textwrap.dedent("""
        import sys
        sys.modules["psycopg"] = None  # as if lifeos-core were installed without its [postgres] extra
        from lifeos_core.cli import main
        sys.argv = ["lifeos", *sys.argv[1:]]
        main()
    """)
    lifeos = Lifeos(tmp_path, pg_ledger)
    for command in (("runs", "list"), ("run", "echo", "--clock", CLOCK)):
        refused = subprocess.run([sys.executable, "-c", without_driver, *command], env=lifeos.env, cwd=tmp_path,
                                 capture_output=True, text=True, timeout=120)
        assert refused.returncode == 2, refused.stdout
        assert "pip install 'lifeos-core[postgres]'" in one_error_line(refused.stderr)
        assert PASSWORD not in refused.stdout + refused.stderr
    assert tables(pg_ledger) == set()  # nothing was recorded


def test_a_wrong_password_is_one_line_that_never_shows_a_password(tmp_path, postgres, pg_ledger):
    database = pg_ledger.rsplit("/", 1)[1]
    lifeos = Lifeos(tmp_path, pg_ledger)
    wrong = postgres.url(database, password="WRONG-SECRET-123")
    for command in (("runs", "list", "--ledger", wrong), ("run", "echo", "--clock", CLOCK, "--ledger", wrong)):
        refused = lifeos(*command)
        assert refused.returncode == 2, refused.stdout
        message = one_error_line(refused.stderr)
        assert "password authentication failed" in message
        assert f"cannot connect to the ledger postgresql://lifeos@127.0.0.1:{postgres.port}/{database}" in message
        assert "WRONG-SECRET-123" not in refused.stdout + refused.stderr
        assert PASSWORD not in refused.stdout + refused.stderr
    # With no password at all (none in the URL, no PGPASSWORD, no ~/.pgpass), the server asks for one.
    refused = lifeos("runs", "list", "--ledger", postgres.url(database, password=None))
    assert refused.returncode == 2 and "password" in one_error_line(refused.stderr)


@pytest.mark.parametrize("url", [
    "postgresql://lifeos:WRONG-SECRET-123@[127.0.0.1:{port}/ledger",     # an unclosed [ around the host
    "postgresql://lifeos:WRONG%ZZSECRET-123@127.0.0.1:{port}/ledger",    # a percent escape that is not one
    "postgresql://lifeos:WRONG-SECRET-123@127.0.0.1:99999/ledger",       # a port out of range
    "postgresql://lifeos:WRONG-SECRET-123@127.0.0.1:{port}",             # no database
    "postgresql://lifeos@127.0.0.1:{port}/ledger?password=WRONG-SECRET-123",  # libpq's own way to give one
    "postgresql://lifeos:WRONG-SECRET#123@127.0.0.1:{port}/ledger",      # a "#" not escaped cuts the URL short
    "postgresql://lifeos:WRONG-SECRET/123@127.0.0.1:{port}/ledger",      # so does a "/"
])
def test_a_url_that_cannot_be_used_never_shows_its_password(tmp_path, postgres, url):
    url = url.format(port=postgres.port)
    lifeos = Lifeos(tmp_path, url)
    for command in (("runs", "verify"), ("run", "echo", "--clock", CLOCK), ("runs", "list", "--ledger", url)):
        refused = lifeos(*command)
        assert refused.returncode == 2, refused.stdout
        one_error_line(refused.stderr)
        assert "SECRET" not in refused.stdout + refused.stderr, refused.stderr


def test_pgpassword_stands_in_for_a_password_in_the_url(tmp_path, postgres, pg_ledger):
    database = pg_ledger.rsplit("/", 1)[1]
    without = postgres.url(database, password=None)
    lifeos = Lifeos(tmp_path, without)
    ran = lifeos("run", "echo", "-p", "message=hi", "--clock", CLOCK, PGPASSWORD=PASSWORD)
    assert ran.returncode == 0, ran.stderr
    listed = lifeos("runs", "list", "--json", PGPASSWORD=PASSWORD)
    assert listed.returncode == 0, listed.stderr
    assert [record["name"] for record in json.loads(listed.stdout)] == ["echo"]
    assert PASSWORD not in ran.stdout + ran.stderr + listed.stdout


def test_a_recorded_run_names_its_ledger_without_the_password(tmp_path, postgres, pg_ledger):
    database = pg_ledger.rsplit("/", 1)[1]
    lifeos = Lifeos(tmp_path, "/nonexistent/ignored.sqlite3")  # --ledger wins over $LIFEOS_LEDGER
    ran = lifeos("run", "echo", "-p", "message=hi", "--clock", CLOCK, "--ledger", pg_ledger)
    assert ran.returncode == 0, ran.stderr
    [record] = json.loads(lifeos("runs", "list", "--json", "--ledger", pg_ledger).stdout)
    assert f"recorded as {record['id'][:12]} in postgresql://lifeos@127.0.0.1:{postgres.port}/{database}" in ran.stderr
    everything = ran.stdout + ran.stderr + lifeos("runs", "verify", "--ledger", pg_ledger).stdout
    assert PASSWORD not in everything
    assert not any(PASSWORD in body for (body,) in sql(pg_ledger, "SELECT body FROM records"))  # nor the record


# --- the schema ------------------------------------------------------------------------------------


def test_a_fresh_database_gets_the_current_schema(pg_ledger):
    assert SCHEMA_VERSION == 5
    with open_ledger(pg_ledger) as book:
        assert book.schema_version == 5 and book.count() == 0
    assert sql(pg_ledger, "SELECT version FROM lifeos_schema") == [(5,)]
    assert tables(pg_ledger) == {"lifeos_schema", "records", "blobs", "writes", "claims"}


def test_reading_or_deciding_in_an_empty_database_creates_nothing(tmp_path, pg_ledger):
    lifeos = Lifeos(tmp_path, pg_ledger)
    refused = lifeos("runs", "verify")
    assert refused.returncode == 2
    assert "there is no ledger in" in one_error_line(refused.stderr) and "yet" in refused.stderr
    listed = lifeos("runs", "list")
    assert (listed.returncode, listed.stdout.strip()) == (0, "No recorded runs yet.")
    pending = lifeos("runs", "pending")
    assert (pending.returncode, pending.stdout.strip()) == (0, "No runs are waiting for a human.")
    deciding = lifeos("runs", "approve", "abcd1234", "confirm-plan")  # a typo'd database name, say
    assert deciding.returncode == 2 and "there is no ledger in" in deciding.stderr
    assert tables(pg_ledger) == set()


def test_a_ledger_written_by_a_newer_lifeos_is_refused_naming_both_versions(tmp_path, pg_ledger):
    with_three_runs(pg_ledger)
    sql(pg_ledger, "UPDATE lifeos_schema SET version = 99")
    lifeos = Lifeos(tmp_path, pg_ledger)
    for command in (("runs", "verify"), ("run", "echo", "--clock", CLOCK)):
        refused = lifeos(*command)
        assert refused.returncode == 2, refused.stdout
        assert f"has schema version 99, newer than this lifeos understands ({SCHEMA_VERSION})" in one_error_line(
            refused.stderr)
    assert sql(pg_ledger, "SELECT version FROM lifeos_schema") == [(99,)]
    assert sql(pg_ledger, "SELECT COUNT(*) FROM records") == [(3,)]


def test_a_database_that_is_not_a_ledger_is_left_untouched(tmp_path, pg_ledger):
    sql(pg_ledger, "CREATE TABLE notes (line TEXT)")
    sql(pg_ledger, "INSERT INTO notes VALUES ('the team''s own data')")
    lifeos = Lifeos(tmp_path, pg_ledger)
    source = tmp_path / "source.sqlite3"
    assert lifeos("run", "echo", "--clock", CLOCK, "--ledger", str(source)).returncode == 0
    for command in (("run", "echo", "--clock", CLOCK), ("runs", "verify"),
                    ("runs", "copy", "--from", str(source), "--to", pg_ledger)):
        refused = lifeos(*command)
        assert refused.returncode == 2, refused.stdout
        assert (f"{shown(pg_ledger)} is a PostgreSQL database but not a lifeos ledger (it has tables notes); "
                "it was left untouched") in one_error_line(refused.stderr)
    assert tables(pg_ledger) == {"notes"}
    assert sql(pg_ledger, "SELECT line FROM notes") == [("the team's own data",)]


# --- sessions that go away -------------------------------------------------------------------------


def terminate_others(url: str) -> None:
    """End every other session on the ledger's database, as a server restart or a failover would."""
    sql(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
             "AND pid <> pg_backend_pid()")


def test_a_lost_session_is_opened_again_before_the_next_record(pg_ledger):
    from lifeos_core import open_ledger as open_book

    with open_book(pg_ledger) as book:
        first = record_the_same_runs(book)[0]
        terminate_others(pg_ledger)
        later = book.append(MISSION_RUN, "echo", inputs=first.body["inputs"], versions=first.body["versions"],
                            result=first.body["result"], success=True, now=lambda: RECORDED_AT)
        assert later.body["previous"] is not None and book.verify().intact
        terminate_others(pg_ledger)
        assert book.count() == later.seq  # a read on its own is asked again too


def test_a_decision_whose_session_died_can_be_taken_over_at_once(tmp_path, pg_ledger):
    lifeos = Lifeos(tmp_path, pg_ledger)
    paused = lifeos.pause()
    holder = textwrap.dedent(f"""
        import sys, time
        from lifeos_core import open_ledger
        book = open_ledger({pg_ledger!r})
        book.claim({paused!r}, "ana")
        print("claimed", flush=True)
        time.sleep(60)
    """)
    other = subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True, env=lifeos.env)
    try:
        assert other.stdout.readline().strip() == "claimed"
        busy = lifeos("runs", "approve", paused[:12], "confirm-plan")
        assert busy.returncode == 2 and "being decided right now by ana" in busy.stderr
        terminate_others(pg_ledger)  # ana's laptop lost its connection: the server let go of her claim
        approved = lifeos("runs", "approve", paused[:12], "confirm-plan", "--by", "ben")
        assert approved.returncode == 0, approved.stderr
    finally:
        other.kill()
        other.wait()


def test_a_ledger_opened_for_reading_is_read_only_in_the_server_too(pg_ledger):
    with open_ledger(pg_ledger) as book:
        record_the_same_runs(book)
    with open_ledger(pg_ledger, read_only=True) as book:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            book._store.execute("CREATE TABLE notes (a int)")


def test_url_options_reach_the_server_as_written(pg_ledger):
    sql(pg_ledger, "CREATE SCHEMA team")
    with open_ledger(pg_ledger + "?options=-c%20search_path%3Dteam&application_name=my%20ledger") as book:
        record_the_same_runs(book)
        assert book._store.execute("SHOW application_name").fetchone()[0] == "my ledger"
    assert "records" in {name for (name,) in sql(pg_ledger, "SELECT table_name FROM information_schema.tables "
                                                            "WHERE table_schema = 'team'")}


def test_an_empty_ledger_option_is_refused_not_the_default_ledger(tmp_path):
    lifeos = Lifeos(tmp_path, tmp_path / "ledger.sqlite3")
    refused = lifeos("run", "echo", "--ledger", "", "--clock", CLOCK)
    assert refused.returncode == 2
    assert one_error_line(refused.stderr) == ("error: --ledger is empty; give a ledger file or a postgresql:// URL "
                                              "(or leave the option out)")
    assert not (tmp_path / "ledger.sqlite3").exists()
