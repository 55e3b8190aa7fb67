"""Effects: a mission reaches the world only through what the user granted, every
response is recorded, a replay needs no I/O, and writes wait for the record."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lifeos_core import (
    Decision,
    EffectPolicy,
    ExecutionContext,
    FixedClock,
    Mission,
    Orchestrator,
    StepFailed,
    StepSpec,
    WorkflowDefinition,
    load_test_plan,
    open_ledger,
    parse_test_plan,
    resume_mission,
    run_mission,
)
from lifeos_core.cli import app
from lifeos_core.ledger.replay import replay
from lifeos_core.testing import run_with_effects, written_text

CLOCK = FixedClock("2026-12-01T08:00:00Z")
runner = CliRunner()


def one_step(operation):
    """A workflow of one step running ``operation``, and an engine that knows it."""
    return WorkflowDefinition("wf", [StepSpec("act", "runtime", {"operation": "act"})]), Orchestrator({"act": operation})


def run_once(operation, grants=(), **policy):
    workflow, engine = one_step(operation)
    return engine.run_workflow(workflow, ExecutionContext(clock=CLOCK, effects=EffectPolicy(grants, **policy)))


# --- grants ----------------------------------------------------------------------------------------


def test_nothing_is_granted_by_default_and_nothing_happens(tmp_path):
    marker = tmp_path / "ran"

    def touch(state, payload, context):
        context.effects.run(["touch", str(marker)])
        return state

    result = run_once(touch)
    assert not result.success and not marker.exists()
    touch_path = subprocess.run(["sh", "-c", "command -v touch"], capture_output=True, text=True).stdout.strip()
    assert result.error_message == (f"step 'act' failed: effect run('touch {marker}') is not granted; "
                                    f"allow it with --allow run:{os.path.realpath(touch_path)}")


def test_a_refused_effect_fails_the_step_even_when_the_operation_catches_it(tmp_path):
    def sly(state, payload, context):
        try:
            context.effects.read_text(str(tmp_path / "secret"))
        except StepFailed:
            pass
        return {"read": "nothing, honest"}

    result = run_once(sly)
    assert not result.success and "is not granted" in result.error_message
    assert result.final_state == {}


def test_a_granted_read_is_recorded_with_its_response(tmp_path):
    (tmp_path / "notes.md").write_text("- [ ] water the plants\n")

    def read(state, payload, context):
        return {"notes": context.effects.read_text(str(tmp_path / "notes.md"))}

    result = run_once(read, [f"read:{tmp_path}"])
    assert result.final_state == {"notes": "- [ ] water the plants\n"}
    [effect] = result.lineage[0]["effects"]
    assert effect["kind"] == "read_text" and effect["request"] == {"path": str((tmp_path / "notes.md").resolve()),
                                                                   "given": str(tmp_path / "notes.md")}
    body = result.effect_bodies()[effect["response_sha256"]]
    assert json.loads(body) == {"text": "- [ ] water the plants\n"}
    assert result.receipt["grants"] == [f"read:{tmp_path.resolve()}"] and "effects_sha256" in result.receipt


def test_symlinks_and_dot_dot_do_not_leave_a_granted_folder(tmp_path):
    granted, outside = tmp_path / "granted", tmp_path / "outside"
    granted.mkdir(), outside.mkdir()
    (outside / "secret").write_text("keys")
    (granted / "link").symlink_to(outside / "secret")
    for path in (granted / "link", granted / ".." / "outside" / "secret"):
        result = run_once(lambda state, payload, context, path=path: {"x": context.effects.read_text(str(path))},
                          [f"read:{granted}"])
        assert not result.success and f"--allow read:{(outside / 'secret').resolve()}" in result.error_message


def test_a_glob_grant_covers_what_it_matches(tmp_path):
    (tmp_path / "a.md").write_text("a")
    (tmp_path / "b.txt").write_text("b")

    def both(state, payload, context):
        return {"md": context.effects.read_text(str(tmp_path / "a.md")),
                "txt": context.effects.read_text(str(tmp_path / "b.txt"))}

    result = run_once(both, [f"read:{tmp_path}/*.md"])
    assert "b.txt" in result.error_message and "a.md" not in result.error_message
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.md").write_text("c")
    deep = lambda state, payload, context: {"c": context.effects.read_text(str(tmp_path / "sub" / "c.md"))}  # noqa: E731
    assert not run_once(deep, [f"read:{tmp_path}/*.md"]).success  # * stays within its folder
    assert run_once(deep, [f"read:{tmp_path}/**/*.md"]).success


def test_a_command_runs_with_an_empty_environment_unless_variables_are_granted(tmp_path, monkeypatch):
    monkeypatch.setenv("LIFEOS_TEST_SECRET", "s3cret")
    monkeypatch.setenv("LIFEOS_TEST_SHARED", "shared")

    def env(state, payload, context):
        done = context.effects.run(["env"], env={"GIVEN": "from-the-step"})
        return {"env": sorted(done.stdout.split()), "code": done.exit_code}

    result = run_once(env, ["run:env", "env:LIFEOS_TEST_SHARED"])
    assert result.final_state == {"code": 0, "env": ["GIVEN=from-the-step", "LIFEOS_TEST_SHARED=shared"]}


class Answering(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self):  # noqa: N802 - the name http.server calls
        Answering.seen.append(self.path)
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.2:9/elsewhere")
            self.end_headers()
            return
        body = json.dumps({"path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Answering.seen = []
    httpd = HTTPServer(("127.0.0.1", 0), Answering)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def test_a_redirect_is_an_answer_not_a_way_to_another_host(server):
    def follow(state, payload, context):
        return {"status": context.effects.http("GET", f"{server}/moved").status}

    result = run_once(follow, ["net:127.0.0.1"])
    assert result.final_state == {"status": 302} and Answering.seen == ["/moved"]


def test_http_to_a_granted_host_only(server):
    def fetch(state, payload, context):
        answer = context.effects.http("GET", f"{server}/today")
        return {"status": answer.status, "body": json.loads(answer.body)}

    refused = run_once(fetch)
    assert "--allow net:127.0.0.1:" in refused.error_message and Answering.seen == []
    granted = run_once(fetch, ["net:127.0.0.1"])
    assert granted.final_state == {"status": 200, "body": {"path": "/today"}} and Answering.seen == ["/today"]
    assert granted.lineage[0]["effects"][0]["request"]["url"] == f"{server}/today"


def test_a_failure_of_the_world_is_a_recorded_response(tmp_path):
    def missing(state, payload, context):
        return {"x": context.effects.read_text(str(tmp_path / "absent"))}

    result = run_once(missing, [f"read:{tmp_path}"])
    assert "failed: FileNotFoundError" in result.error_message
    assert len(result.lineage[0]["effects"]) == 1  # recorded, so a replay fails the same way


def test_a_response_over_the_limit_is_refused(tmp_path, monkeypatch):
    import lifeos_core.engine.effects as effects

    monkeypatch.setattr(effects, "MAX_RESPONSE_BYTES", 100)
    (tmp_path / "big").write_text("x" * 500)
    result = run_once(lambda state, payload, context: {"x": context.effects.read_text(str(tmp_path / "big"))},
                      [f"read:{tmp_path}"])
    assert "brought 511 bytes; the limit is 100 bytes per response" in result.error_message


def test_verify_takes_each_effect_once(tmp_path):
    counter = tmp_path / "count"

    def count(state, payload, context):
        context.effects.run(["sh", "-c", f"echo x >> {counter}"])
        return state

    workflow, engine = one_step(count)
    result = engine.run_workflow(workflow, ExecutionContext(effects=EffectPolicy(["run:sh"])), verify=True)
    assert result.success and counter.read_text() == "x\n"


# --- a mission with effects, through the ledger ---------------------------------------------------


def tidy(state, payload, context):
    """Read the notes, count them with a command, write a summary."""
    notes = context.effects.read_text(payload["notes"])
    counted = context.effects.run(["wc", "-l", payload["notes"]])
    context.effects.write_text(payload["summary"], f"{len(notes.splitlines())} notes ({counted.stdout.split()[0]})\n")
    return {**state, "counted": counted.exit_code == 0}


def plan(params):
    steps = [StepSpec("tidy", "runtime", {"operation": "notes.tidy", "notes": params.get("notes", "notes.md"),
                                          "summary": params.get("summary", "summary.txt")})]
    if params.get("confirm"):
        steps.append(StepSpec("confirm", "human", {"description": "Keep the summary?"}))
    if params.get("fail"):
        steps.append(StepSpec("boom", "runtime", {"operation": "fail", "reason": "asked to"}))
    return steps


@pytest.fixture
def notes(registry_with, pack, tmp_path, monkeypatch):
    """A pack whose mission reads a notes file, runs wc and writes a summary, and a folder for it."""
    mission = Mission("notes", "Summarise the notes.", plan, effects={"read": "the notes file", "run": "wc",
                                                                      "write": "the summary file"})
    registry_with(notes=pack([mission], {"notes.tidy": tidy}))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.md").write_text("one\ntwo\n")
    return tmp_path


def cli_run(folder, *extra):
    return runner.invoke(app, ["run", "notes", "-p", f"notes={folder / 'notes.md'}", "-p",
                               f"summary={folder / 'summary.txt'}", "--clock", "2026-12-01T08:00:00Z", "--by", "ada",
                               *extra])


GRANTS = ("--allow", "read:notes.md", "--allow", "run:wc", "--allow", "write:summary.txt")


def test_missions_show_lists_what_a_mission_may_need(notes):
    shown = runner.invoke(app, ["missions", "show", "notes", "-p", "notes=x", "-p", "summary=y"]).stdout
    assert "Effects it may take" in shown and "write  the summary file" in shown


def test_a_run_without_grants_says_what_to_allow(notes):
    result = cli_run(notes)
    assert result.exit_code == 1
    assert f"is not granted; allow it with --allow read:{notes.resolve() / 'notes.md'}" in result.stdout
    assert not (notes / "summary.txt").exists()


def test_writes_are_applied_once_the_run_is_recorded(notes):
    result = cli_run(notes, *GRANTS)
    assert result.exit_code == 0, result.output
    assert (notes / "summary.txt").read_text() == "2 notes (2)\n"
    assert f"wrote {(notes / 'summary.txt').resolve()}" in result.stderr
    with open_ledger() as book:
        [record] = book.records()
        assert book.unapplied_writes() == [] and book.verify().intact
    assert record.body["inputs"]["grants"] == [f"read:{notes.resolve() / 'notes.md'}", "run:wc",
                                               f"write:{notes.resolve() / 'summary.txt'}"]  # as resolved here


@pytest.mark.parametrize("extra", [("-p", "fail=true"), ("-p", "confirm=true", "--reject", "confirm"),
                                   ("-p", "confirm=true"), ("--no-record",)],
                         ids=["failed", "rejected", "paused", "not-recorded"])
def test_nothing_is_written_unless_the_run_succeeded_and_was_recorded(notes, extra):
    result = cli_run(notes, *GRANTS, *extra)
    assert result.exit_code in (1, 4) or "not applied" in result.stderr
    assert not (notes / "summary.txt").exists()


def test_a_paused_run_writes_when_it_completes_and_never_repeats_an_effect(notes, tmp_path, monkeypatch):
    counter = notes / "wc-runs"
    bin_folder = notes / "bin"
    bin_folder.mkdir()
    wc = bin_folder / "wc"
    wc.write_text(f"#!/bin/sh\necho x >> {counter}\nexec /usr/bin/wc \"$@\"\n")
    wc.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_folder}{os.pathsep}{os.environ['PATH']}")
    paused = cli_run(notes, *GRANTS, "-p", "confirm=true")
    assert paused.exit_code == 4 and not (notes / "summary.txt").exists()
    record_id = paused.stderr.split("recorded as ")[1].split()[0]
    approved = runner.invoke(app, ["runs", "approve", record_id, "confirm", "--by", "bo"])
    assert approved.exit_code == 0, approved.output
    assert counter.read_text() == "x\n"  # wc ran once, before the pause
    assert (notes / "summary.txt").read_text() == "2 notes (2)\n"


def test_approving_at_the_terminal_keeps_what_the_first_part_took(notes, monkeypatch):
    import lifeos_core.cli.running as running

    monkeypatch.setattr(running, "is_terminal", lambda stream=None: True)
    result = runner.invoke(app, ["run", "notes", "-p", "notes=notes.md", "-p", "summary=summary.txt", "-p",
                                 "confirm=true", "--by", "ada", "--no-prompt", *GRANTS], input="approve\n")
    assert result.exit_code == 0, result.output
    assert (notes / "summary.txt").read_text() == "2 notes (2)\n"
    with open_ledger() as book:
        [record] = book.records()
        assert replay(record, blob=book.blob).same and book.verify().intact


def test_verify_with_an_ungranted_effect_names_the_grant(notes):
    result = cli_run(notes, "--verify", "--no-record")
    assert result.exit_code == 1 and "is not granted; allow it with --allow read:" in result.stdout
    assert "not deterministic" not in result.stdout


def test_a_write_that_cannot_be_made_does_not_stop_the_others(registry_with, pack, tmp_path, monkeypatch):
    def two(state, payload, context):
        context.effects.write_text("gone/x.txt", "x")
        context.effects.write_text("y.txt", "y")
        return state

    mission = Mission("two", "Write two files.", lambda params: [StepSpec("two", "runtime", {"operation": "w.two"})])
    registry_with(w=pack([mission], {"w.two": two}))
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["run", "two", "--allow", f"write:{tmp_path}"])
    assert result.exit_code == 1 and "error: not written: cannot write" in result.stderr
    assert (tmp_path / "y.txt").read_text() == "y" and "two succeeded" in result.stdout


def test_a_plugin_write_replays_the_same(registry_with, pack, tmp_path):
    from lifeos_core import EffectKind, hookimpl

    appended = []

    class Journal:
        @hookimpl
        def lifeos_register_effects(self, register):
            register(EffectKind("journal.append", "journal", lambda request: "mine",
                                lambda request: appended.append(request["line"]), write=True))

    def note(state, payload, context):
        context.effects.call("journal.append", {"line": "hello"})
        return state

    mission = Mission("note", "Note.", lambda params: [StepSpec("note", "runtime", {"operation": "j.note"})])
    registry_with(j=pack([mission], {"j.note": note}), journal=Journal())
    assert runner.invoke(app, ["run", "note", "--allow", "journal:mine"]).exit_code == 0
    assert appended == ["hello"]  # applied once, after recording
    with open_ledger() as book:
        [record] = book.records()
        assert replay(record, blob=book.blob).same and appended == ["hello"]
    verified = run_mission("note", effects=EffectPolicy(["journal:mine"]), verify=True)
    assert len(verified.receipt["writes"]) == 1  # the second pass of verify intends nothing again


def test_a_write_is_idempotent_and_refuses_a_lost_update(notes):
    assert cli_run(notes, *GRANTS).exit_code == 0
    with open_ledger() as book:
        [record] = book.records()
        from lifeos_core.ledger.writes import apply_writes

        assert apply_writes(book, record) == []  # applied once: nothing is left to apply
    # The run sees summary.txt as it is, pauses, and someone edits the file before the run is approved:
    paused = cli_run(notes, *GRANTS, "-p", "confirm=true")
    assert paused.exit_code == 4
    (notes / "summary.txt").write_text("edited by hand\n")
    record_id = paused.stderr.split("recorded as ")[1].split()[0]
    approved = runner.invoke(app, ["runs", "approve", record_id, "confirm", "--by", "bo"])
    assert approved.exit_code == 1
    assert "changed since the run read it; not overwritten" in approved.stderr
    assert (notes / "summary.txt").read_text() == "edited by hand\n"
    verify = runner.invoke(app, ["runs", "verify"])
    assert verify.exit_code == 1 and "unapplied write: " in verify.stderr


def test_replay_needs_none_of_the_sources(notes):
    assert cli_run(notes, *GRANTS).exit_code == 0
    with open_ledger() as book:
        [record] = book.records()
    (notes / "notes.md").unlink()
    again = runner.invoke(app, ["runs", "replay", record.id[:8]])
    assert again.exit_code == 0 and "replayed: same result" in again.stdout
    assert not (notes / "notes.md").exists()


def test_replay_live_names_the_responses_that_changed(notes):
    assert cli_run(notes, *GRANTS).exit_code == 0
    with open_ledger() as book:
        [record] = book.records()
    (notes / "notes.md").write_text("one\ntwo\nthree\n")
    live = runner.invoke(app, ["runs", "replay", record.id[:8], "--live"])
    assert live.exit_code == 1
    assert f"effect changed: step tidy: read_text('{(notes / 'notes.md').resolve()}'): the response changed" in \
        live.stdout
    assert (notes / "summary.txt").read_text() == "2 notes (2)\n"  # a replay applies nothing


def test_a_command_that_is_gone_replays_from_the_record(registry_with, pack, tmp_path, monkeypatch):
    tool = tmp_path / "bin" / "greet"
    tool.parent.mkdir()
    tool.write_text("#!/bin/sh\necho hello\n")
    tool.chmod(0o755)

    def greet(state, payload, context):
        return {"said": context.effects.run([str(tool)]).stdout}

    mission = Mission("greet", "Greet.", lambda params: [StepSpec("greet", "runtime", {"operation": "g.greet"})])
    registry_with(g=pack([mission], {"g.greet": greet}))
    result = runner.invoke(app, ["run", "greet", "--allow", f"run:{tool}", "--clock", "2026-12-01T08:00:00Z"])
    assert result.exit_code == 0, result.output
    tool.unlink()
    with open_ledger() as book:
        [record] = book.records()
        assert replay(record, blob=book.blob).same
        assert not replay(record, live=True).same  # taken again, the command is gone


@pytest.mark.parametrize("killed_at", ["before-writing", "after-writing"])
def test_kill_minus_nine_between_commit_and_apply_then_runs_apply(notes, ledger_in_tmp, killed_at):
    kill = ("writes.apply_writes = lambda book, record: os.kill(os.getpid(), signal.SIGKILL)"
            if killed_at == "before-writing" else
            "Ledger.mark_applied = lambda *arguments: os.kill(os.getpid(), signal.SIGKILL)")
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_effects import plan, tidy
        from lifeos_core import Mission, load_registry, use_registry
        from lifeos_core.testing import Plugin
        import lifeos_core.ledger.writes as writes
        from lifeos_core.ledger.store import Ledger
        from lifeos_core.cli import main

        {kill}
        mission = Mission("notes", "Summarise the notes.", plan)
        with use_registry(load_registry({{"notes": Plugin([mission], {{"notes.tidy": tidy}})}}, discover=False)):
            sys.argv = ["lifeos", "run", "notes", "-p", "notes=notes.md", "-p", "summary=summary.txt",
                        "--allow", "read:notes.md", "--allow", "run:wc", "--allow", "write:summary.txt"]
            main()
    """)
    killed = subprocess.run([sys.executable, "-c", script], cwd=notes, capture_output=True, text=True,
                            env={**os.environ, "LIFEOS_LEDGER": str(ledger_in_tmp)})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert (notes / "summary.txt").exists() is (killed_at == "after-writing")
    verify = runner.invoke(app, ["runs", "verify"])
    assert verify.exit_code == 1 and "unapplied write: " in verify.stderr and "lifeos runs apply" in verify.stderr
    record_id = verify.stderr.split("lifeos runs apply ")[1].split()[0]
    applied = runner.invoke(app, ["runs", "apply", record_id])
    assert applied.exit_code == 0 and (notes / "summary.txt").read_text() == "2 notes (2)\n"
    assert ("already holds what the run wrote" in applied.stderr) is (killed_at == "after-writing")
    assert "nothing to apply" in runner.invoke(app, ["runs", "apply", record_id]).stdout
    assert runner.invoke(app, ["runs", "verify"]).exit_code == 0


# --- fixtures: effects in tests and plans, with no I/O ---------------------------------------------


def test_pack_authors_answer_effects_with_fixtures(notes):
    result = run_with_effects("notes", {"notes": "nowhere/notes.md", "summary": "out.txt"}, fixtures=[
        {"read": "nowhere/notes.md", "text": "a\nb\nc\n"},
        {"run": ["wc", "-l", "nowhere/notes.md"], "stdout": "3 nowhere/notes.md\n"},
        {"kind": "write_text", "request": {"path": "out.txt"}, "response": {"before_sha256": None}}])
    assert result.success, result.error_message
    assert written_text(result, "out.txt") == "3 notes (3)\n" and not (notes / "out.txt").exists()


def test_a_plan_gives_its_scenarios_recorded_responses(notes, tmp_path):
    plan_file = tmp_path / "notes.lifeos.yaml"
    plan_file.write_text(textwrap.dedent("""
        suite_name: notes
        scenarios:
          - scenario_name: three-notes
            effects:
              - {read: notes.md, text: "a\\nb\\nc\\n"}
              - {run: [wc, -l, notes.md], stdout: "3 notes.md\\n"}
              - {kind: write_text, request: {path: summary.txt}, response: {before_sha256: null}}
            missions: [{name: notes, params: {notes: notes.md, summary: summary.txt}}]
            expectations:
              - {mission_name: notes, path: receipt.writes.0.path, op: matches, expected: "summary.txt$"}
          - scenario_name: no-fixture
            missions: [{name: notes, params: {notes: notes.md, summary: summary.txt}}]
            expectations:
              - {mission_name: notes, path: error_message, op: contains, expected: "is not granted"}
    """))
    (notes / "notes.md").unlink()
    result = load_test_plan(plan_file).run()
    assert result.passed, result.expectations_result.failed_ids
    with pytest.raises(Exception, match="effect fixture 1"):
        parse_test_plan({"suite_name": "s", "scenarios": [{"scenario_name": "x", "effects": [{"teleport": 1}],
                                                           "missions": []}]})


# --- where grants come from ------------------------------------------------------------------------


def test_a_projects_lifeos_toml_counts_only_once_trusted(notes, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    (notes / "lifeos.toml").write_text('[grants]\nallow = ["read:notes.md", "run:wc", "write:summary.txt"]\n')
    untrusted = cli_run(notes)
    assert untrusted.exit_code == 1 and "is not trusted, so its grants do not count" in untrusted.stderr
    assert runner.invoke(app, ["trust", "lifeos.toml"]).exit_code == 0
    assert cli_run(notes).exit_code == 0
    (notes / "lifeos.toml").write_text('[grants]\nallow = ["read:/"]\n')
    assert "is not trusted" in cli_run(notes).stderr  # changed since: trusted no more


def test_the_users_own_config_grants(notes, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    (tmp_path / "config" / "lifeos").mkdir(parents=True)
    (tmp_path / "config" / "lifeos" / "config.toml").write_text(
        f'[grants]\nallow = ["read:{notes}", "run:wc", "write:{notes}"]\n')
    assert cli_run(notes).exit_code == 0 and (notes / "summary.txt").exists()


def test_a_bad_grant_is_a_usage_error(notes):
    result = cli_run(notes, "--allow", "teleport:mars")
    assert result.exit_code == 2 and "unknown scope 'teleport'" in result.stderr


def test_resume_from_python_never_repeats_an_effect(registry_with, pack, tmp_path):
    counter = tmp_path / "count"

    def count(state, payload, context):
        context.effects.run(["sh", "-c", f"echo x >> {counter}"])
        return {"counted": True}

    mission = Mission("count", "Count.", lambda params: [StepSpec("count", "runtime", {"operation": "c.count"}),
                                                        StepSpec("ok", "human"),
                                                        StepSpec("again", "runtime", {"operation": "c.count"})])
    registry_with(c=pack([mission], {"c.count": count}))
    policy = EffectPolicy(["run:sh"])
    paused = run_mission("count", clock=CLOCK, pause_at_undecided=True, effects=policy)
    done = resume_mission("count", paused, {"ok": Decision(True, by="ada")}, effects=policy)
    assert done.success and counter.read_text() == "x\nx\n"  # once before the pause, once after
    assert done.receipt["effects_sha256"] and len([e for entry in done.lineage for e in entry.get("effects", [])]) == 2


# --- what a second look found: each a way around a rule, now closed -----------------------------


def test_call_cannot_build_a_built_in_request_of_its_own(tmp_path):
    (tmp_path / "secret").write_text("keys")

    def sneak(state, payload, context):
        return {"x": context.effects.call("run", {"argv": ["cat", str(tmp_path / "secret")], "executable": "wc"})}

    result = run_once(sneak, ["run:wc"])
    assert "effect kind 'run' is built in: use context.effects.run(...)" in result.error_message


def test_a_relative_command_runs_the_file_that_was_granted(tmp_path, monkeypatch):
    for folder, said in (("proj", "granted"), ("evil", "evil")):
        (tmp_path / folder).mkdir()
        tool = tmp_path / folder / "tool.sh"
        tool.write_text(f"#!/bin/sh\necho {said}\n")
        tool.chmod(0o755)
    monkeypatch.chdir(tmp_path / "proj")
    result = run_once(lambda state, payload, context: {
        "said": context.effects.run(["./tool.sh"], cwd=str(tmp_path / "evil")).stdout}, ["run:./tool.sh"])
    assert result.final_state == {"said": "granted\n"}


def test_list_files_shows_nothing_a_symlink_leads_out_to(tmp_path):
    (tmp_path / "granted").mkdir(), (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret").write_text("keys")
    (tmp_path / "granted" / "mine.md").write_text("mine")
    (tmp_path / "granted" / "door").symlink_to(tmp_path / "outside")
    result = run_once(lambda state, payload, context: {
        "found": context.effects.list_files(str(tmp_path / "granted" / "**"))}, [f"read:{tmp_path / 'granted'}"])
    assert result.final_state == {"found": [str((tmp_path / "granted" / "mine.md").resolve())]}


def test_a_symlink_that_appears_before_the_write_is_applied_is_refused(notes, tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    paused = cli_run(notes, *GRANTS, "-p", "confirm=true")
    (notes / "summary.txt").symlink_to(victim / "authorized_keys")
    record_id = paused.stderr.split("recorded as ")[1].split()[0]
    approved = runner.invoke(app, ["runs", "approve", record_id, "confirm", "--by", "bo"])
    assert approved.exit_code == 1 and "a symlink on the way" in approved.stderr
    assert not (victim / "authorized_keys").exists()


def test_env_grants_replay_and_replays_work_from_another_folder(registry_with, pack, tmp_path, monkeypatch):
    monkeypatch.setenv("LIFEOS_TEST_SHARED", "shared")
    (tmp_path / "here").mkdir(), (tmp_path / "elsewhere").mkdir()
    (tmp_path / "here" / "notes.md").write_text("hello")

    def look(state, payload, context):
        return {"text": context.effects.read_text("notes.md"),
                "env": context.effects.run(["env"]).stdout}

    mission = Mission("look", "Look.", lambda params: [StepSpec("look", "runtime", {"operation": "l.look"})])
    registry_with(l=pack([mission], {"l.look": look}))
    monkeypatch.chdir(tmp_path / "here")
    ran = runner.invoke(app, ["run", "look", "--allow", "read:notes.md", "--allow", "run:env", "--allow",
                              "env:LIFEOS_TEST_SHARED"])
    assert ran.exit_code == 0, ran.output
    monkeypatch.chdir(tmp_path / "elsewhere")
    monkeypatch.setenv("PATH", "/nonexistent")
    with open_ledger() as book:
        [record] = book.records()
        assert replay(record, blob=book.blob).same


def test_a_file_written_before_and_after_a_pause_gets_the_last_text(registry_with, pack, tmp_path, monkeypatch):
    def write(state, payload, context):
        context.effects.write_text("out.txt", payload["text"])
        return state

    mission = Mission("twice", "Write twice.", lambda params: [
        StepSpec("first", "runtime", {"operation": "t.write", "text": "first"}), StepSpec("ok", "human"),
        StepSpec("second", "runtime", {"operation": "t.write", "text": "second"})])
    registry_with(t=pack([mission], {"t.write": write}))
    monkeypatch.chdir(tmp_path)
    paused = runner.invoke(app, ["run", "twice", "--allow", "write:out.txt"])
    record_id = paused.stderr.split("recorded as ")[1].split()[0]
    approved = runner.invoke(app, ["runs", "approve", record_id, "ok", "--by", "ada"])
    assert approved.exit_code == 0, approved.output
    assert (tmp_path / "out.txt").read_text() == "second"


def test_an_update_made_during_a_pause_is_not_lost(registry_with, pack, tmp_path, monkeypatch):
    def read(state, payload, context):
        return {"count": int(context.effects.read_text("counter.txt"))}

    def write(state, payload, context):
        context.effects.write_text("counter.txt", str(state["count"] + 1))
        return state

    mission = Mission("bump", "Bump.", lambda params: [
        StepSpec("read", "runtime", {"operation": "b.read"}), StepSpec("ok", "human"),
        StepSpec("write", "runtime", {"operation": "b.write"})])
    registry_with(b=pack([mission], {"b.read": read, "b.write": write}))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "counter.txt").write_text("1")
    paused = runner.invoke(app, ["run", "bump", "--allow", "read:counter.txt", "--allow", "write:counter.txt"])
    (tmp_path / "counter.txt").write_text("5")  # someone else's update, while the run waits
    record_id = paused.stderr.split("recorded as ")[1].split()[0]
    approved = runner.invoke(app, ["runs", "approve", record_id, "ok", "--by", "ada"])
    assert approved.exit_code == 1 and "changed since the run read it" in approved.stderr
    assert (tmp_path / "counter.txt").read_text() == "5"


def test_approving_from_another_folder_writes_where_the_run_was_granted(notes, tmp_path, monkeypatch):
    paused = cli_run(notes, *GRANTS, "-p", "confirm=true")
    record_id = paused.stderr.split("recorded as ")[1].split()[0]
    (tmp_path / "other").mkdir()
    monkeypatch.chdir(tmp_path / "other")
    assert runner.invoke(app, ["runs", "approve", record_id, "confirm", "--by", "bo"]).exit_code == 0
    assert (notes / "summary.txt").exists() and not (tmp_path / "other" / "summary.txt").exists()


def test_verify_notices_a_missing_body(notes, ledger_in_tmp):
    import sqlite3

    assert cli_run(notes, *GRANTS).exit_code == 0
    with sqlite3.connect(ledger_in_tmp) as db:
        db.execute("DELETE FROM blobs")
    verify = runner.invoke(app, ["runs", "verify"])
    assert verify.exit_code == 1 and "is missing from the ledger" in verify.stderr


def test_an_untrusted_plan_records_no_grants(notes, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    plan_file = notes / "grants.lifeos.yaml"
    plan_file.write_text(textwrap.dedent("""
        suite_name: g
        grants: ["run:sh"]
        scenarios:
          - scenario_name: s
            missions: [{name: notes}]
            expectations: [{mission_name: notes, path: success, op: eq, expected: false}]
    """))
    result = runner.invoke(app, ["test", str(plan_file)])
    assert result.exit_code == 0 and "it is not trusted, so those grants do not count" in result.stderr
    with open_ledger() as book:
        [record] = book.records()
    assert "grants" not in record.body["inputs"]["plan"]


def test_two_deciders_at_once_run_the_steps_after_the_pause_once(notes, ledger_in_tmp):
    import sqlite3

    paused = cli_run(notes, *GRANTS, "-p", "confirm=true")
    record_id = paused.stderr.split("recorded as ")[1].split()[0]
    with sqlite3.connect(ledger_in_tmp) as db:  # another machine's process is deciding it right now
        db.execute("INSERT INTO claims SELECT id, 'ana', 'elsewhere', 1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now') "
                   "FROM records WHERE id GLOB ?", (record_id + "*",))
    approved = runner.invoke(app, ["runs", "approve", record_id, "confirm", "--by", "bo"])
    assert approved.exit_code == 2 and "is being decided right now by ana" in approved.stderr
    assert not (notes / "summary.txt").exists()  # bo's steps after the pause never ran


def test_writes_around_a_pause_are_recorded_as_one_straight_run_records_them(registry_with, pack, tmp_path):
    def first(state, payload, context):
        context.effects.read_text(str(tmp_path / "a.txt"))
        context.effects.write_text(str(tmp_path / "a.txt"), "A1")
        context.effects.write_text(str(tmp_path / "b.txt"), "B1")
        return state

    def second(state, payload, context):
        context.effects.read_text(str(tmp_path / "a.txt"))
        context.effects.write_text(str(tmp_path / "a.txt"), "A2")
        return state

    mission = Mission("ab", "A and B.", lambda params: [
        StepSpec("first", "runtime", {"operation": "ab.first"}), StepSpec("ok", "human"),
        StepSpec("second", "runtime", {"operation": "ab.second"})])
    registry_with(ab=pack([mission], {"ab.first": first, "ab.second": second}))
    (tmp_path / "a.txt").write_text("A0")
    policy = EffectPolicy([f"read:{tmp_path}", f"write:{tmp_path}"])
    yes = Decision(True, by="ada")
    paused = run_mission("ab", clock=CLOCK, pause_at_undecided=True, effects=policy)
    resumed = resume_mission("ab", paused, {"ok": yes}, effects=policy)
    straight = run_mission("ab", clock=CLOCK, approvals={"ok": yes}, effects=policy)
    assert resumed.receipt["writes"] == straight.receipt["writes"]
    assert [write["path"] for write in resumed.receipt["writes"]] == [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]


def test_a_test_run_replays_without_taking_its_effects_again(notes, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    plan_file = notes / "granted.lifeos.yaml"
    plan_file.write_text(textwrap.dedent("""
        suite_name: g
        grants: ["read:notes.md", "run:wc", "write:summary.txt"]
        scenarios:
          - scenario_name: s
            missions: [{name: notes}]
            expectations: [{mission_name: notes, path: success, op: eq, expected: true}]
    """))
    assert runner.invoke(app, ["trust", str(plan_file)]).exit_code == 0
    assert runner.invoke(app, ["test", str(plan_file)]).exit_code == 0
    (notes / "summary.txt").unlink(missing_ok=True)
    with open_ledger() as book:
        [record] = book.records()
    again = replay(record)  # its responses were not recorded: its effects are refused, not taken again
    assert not again.same and "is not granted" in json.dumps(again.result)


def test_an_altered_text_is_never_written(notes, ledger_in_tmp):
    import sqlite3

    paused = cli_run(notes, *GRANTS, "-p", "confirm=true")
    with sqlite3.connect(ledger_in_tmp) as db:
        db.execute("UPDATE blobs SET body = CAST('EVIL' AS BLOB) WHERE length(body) < 40")
    record_id = paused.stderr.split("recorded as ")[1].split()[0]
    approved = runner.invoke(app, ["runs", "approve", record_id, "confirm", "--by", "bo"])
    assert approved.exit_code == 1 and "altered there" in approved.stderr
    assert not (notes / "summary.txt").exists()


def test_list_files_of_one_file_and_scenario_grants_of_the_wrong_type(tmp_path):
    (tmp_path / "a.md").write_text("a")
    listed = run_once(lambda state, payload, context: {"found": context.effects.list_files(str(tmp_path / "a.md"))},
                      [f"read:{tmp_path}"])
    assert listed.final_state == {"found": [str((tmp_path / "a.md").resolve())]}
    from lifeos_core import ConfigError

    with pytest.raises(ConfigError, match="grants must be a list of SCOPE:VALUE strings"):
        parse_test_plan({"suite_name": "s", "scenarios": [{"scenario_name": "x", "grants": 5, "missions": []}]})


def test_plan_grants_are_taken_from_the_plans_folder_and_fixtures_are_checked(tmp_path, monkeypatch):
    from lifeos_core import ConfigError

    (tmp_path / "plans").mkdir()
    plan_file = tmp_path / "plans" / "p.lifeos.json"
    plan_file.write_text(json.dumps({"suite_name": "s", "grants": ["read:notes.md"], "scenarios": [
        {"scenario_name": "x", "missions": []}]}))
    monkeypatch.chdir(tmp_path)
    [scenario] = load_test_plan(plan_file).suite.scenarios
    assert scenario.grants == (f"read:{tmp_path / 'plans' / 'notes.md'}",)
    with pytest.raises(ConfigError, match="an effect fixture's 'text' must be str, got int"):
        parse_test_plan({"suite_name": "s", "scenarios": [{"scenario_name": "x", "missions": [],
                                                           "effects": [{"read": "a.md", "text": 5}]}]})


def test_applying_the_writes_of_a_waiting_run_says_when_they_will_be(notes):
    paused = cli_run(notes, *GRANTS, "-p", "confirm=true")
    record_id = paused.stderr.split("recorded as ")[1].split()[0]
    applied = runner.invoke(app, ["runs", "apply", record_id])
    assert applied.exit_code == 2 and "its writes are applied once it is approved" in applied.stderr
