"""The command line for missions: version, help, list, show, run; stable exit codes and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from lifeos_core import Mission, Param, StepSpec, __version__, hookimpl, stable_hash
from lifeos_core.cli import app, main

runner = CliRunner()


def bump(state, payload, context):
    state["count"] = state.get("count", 0) + payload["by"]
    state["at"] = context.now().isoformat()
    return state


def counter_plan(params):
    return [
        StepSpec("bump", "runtime", {"operation": "bump", "by": params["by"], "description": "Add to the count"}),
        StepSpec("check", "human", {"description": "Is the count right?"}),
        StepSpec("finish", "runtime", {"operation": "fail" if params["explode"] else "noop", "reason": "asked to"}),
    ]


COUNTER = Mission("counter", "Count up.", counter_plan,
                  params=(Param("by", int, default=1, help="how much to add"), Param("explode", bool, default=False)))
NEEDY = Mission("needy", "Needs a target.", lambda params: [StepSpec("go", "runtime")], params=(Param("target", str),))


@pytest.fixture(autouse=True)
def installed(registry_with, pack):
    registry_with(counting=pack([COUNTER, NEEDY], {"bump": bump}))


def invoke(*args, **kwargs):
    return runner.invoke(app, list(args), **kwargs)


def test_version():
    for flag in ("--version", "-V"):
        result = invoke(flag)
        assert result.exit_code == 0
        assert result.stdout == f"lifeos {__version__}\n"


@pytest.mark.parametrize("command", [[], ["missions"], ["missions", "list"], ["missions", "show"], ["run"],
                                     ["test"], ["validate"], ["schema"], ["plugins"]])
def test_every_command_has_help_with_examples(command):
    result = invoke(*command, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.stdout
    if command and command != ["missions"]:
        assert "Example" in result.stdout


def test_no_arguments_shows_help():
    result = invoke()
    assert result.exit_code in (0, 2)
    assert "missions" in result.stdout


# --- missions list / show ---------------------------------------------------------------------


def test_missions_list_shows_name_plan_size_description_and_origin():
    result = invoke("missions", "list")
    assert result.exit_code == 0
    rows = [line.split() for line in result.stdout.splitlines()]
    assert rows[0] == ["Mission", "Steps", "Description", "From"]
    assert rows[1] == ["counter", "3", "(1", "human)", "Count", "up.", "counting", "local"]
    assert rows[2][:2] == ["needy", "?"]


def test_missions_list_json():
    data = json.loads(invoke("missions", "list", "--json").stdout)
    assert data["missions"][0] == {"name": "counter", "description": "Count up.", "distribution": "counting",
                                   "version": "local", "steps": 3, "human_steps": 1}
    assert data["missions"][1]["steps"] is None
    assert "needs param 'target'" in data["missions"][1]["note"]
    assert data["problems"] == []


def test_a_broken_plugin_is_reported_but_listing_still_works(registry_with, pack):
    class Broken:
        @hookimpl
        def lifeos_register_missions(self, register):
            raise ImportError("needs a missing library")

    registry_with(counting=pack([COUNTER], {"bump": bump}), broken=Broken())
    result = invoke("missions", "list")
    assert result.exit_code == 0
    assert "counter" in result.stdout
    assert result.stderr.strip() == "warning: 1 plugin problem(s); run `lifeos plugins` for details"
    data = json.loads(invoke("missions", "list", "--json").stdout)
    assert data["problems"] == ["plugin broken (broken local): lifeos_register_missions failed: "
                                "ImportError: needs a missing library"]


@pytest.mark.parametrize("arguments", [["missions", "list"], ["missions", "list", "--json"]])
def test_the_quick_listing_path_prints_what_the_typer_command_prints(arguments, registry_with, pack, capsys,
                                                                    monkeypatch):
    class Broken:
        @hookimpl
        def lifeos_register_missions(self, register):
            raise ImportError("needs a missing library")

    registry_with(counting=pack([COUNTER, NEEDY], {"bump": bump}), broken=Broken())
    through_typer = invoke(*arguments)
    monkeypatch.setattr(sys, "argv", ["lifeos", *arguments])
    with pytest.raises(SystemExit) as exit_info:
        main()
    quick = capsys.readouterr()
    assert exit_info.value.code == through_typer.exit_code == 0
    assert (quick.out, quick.err) == (through_typer.stdout, through_typer.stderr)


def test_listing_missions_does_not_load_typer():
    program = ("import sys; from lifeos_core.cli import main; sys.argv = ['lifeos', 'missions', 'list']\n"
               "try:\n    main()\nfinally:\n    print('typer loaded' if 'typer' in sys.modules else 'typer not loaded')")
    completed = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert completed.stdout.splitlines()[0].split() == ["Mission", "Steps", "Description", "From"]
    assert completed.stdout.splitlines()[-1] == "typer not loaded"


def test_an_empty_registry_says_how_to_get_missions(registry_with):
    registry_with()
    assert "No missions installed" in invoke("missions", "list").stdout


def test_missions_show_lists_steps_and_budget():
    result = invoke("missions", "show", "counter", "--param", "by=5")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "counter (wf-counter) from counting local"
    assert [line.split()[:4] for line in lines[3:6]] == [
        ["1", "bump", "runtime", "bump"], ["2", "check", "human", "-"], ["3", "finish", "runtime", "noop"]]
    assert "Anti-Failure budget: steps 3/5, human steps 1/2" in lines
    assert any(line.strip().startswith("by = 5") for line in lines)


def test_missions_show_json():
    data = json.loads(invoke("missions", "show", "counter", "--json", "-p", "explode=true").stdout)
    assert data["budget"] == {"steps": 3, "max_steps": 5, "human_steps": 1, "max_human_steps": 2}
    assert data["workflow"]["steps"][2]["payload"]["operation"] == "fail"
    assert data["params"][0] == {"name": "by", "type": "int", "required": False, "default": 1,
                                 "accepts": "an integer", "help": "how much to add"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("missions", "show", "countr"), "error: unknown mission 'countr' (did you mean 'counter'?)"),
        (("missions", "show", "counter", "-p", "by=x"), "error: mission 'counter': param 'by' must be an integer"),
        (("missions", "show", "needy"), "error: mission 'needy' needs param 'target'"),
    ],
)
def test_missions_show_errors(args, message):
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)


# --- run --------------------------------------------------------------------------------------------


def test_run_prints_a_summary_and_exits_zero():
    result = invoke("run", "counter", "--param", "by=2", "--clock", "2026-02-03T04:05:06Z", "--approve", "check",
                    "--by", "ana", "--note", "counted twice")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "counter succeeded (wf-counter, clock 2026-02-03T04:05:06Z)"
    assert lines[1].split() == ["bump", "runtime", "bump", "completed"]
    assert lines[2].split() == ["check", "human", "-", "approved"]
    assert "check approved by ana at 2026-02-03T04:05:06Z: counted twice" in lines
    assert "state changed: at, count" in lines
    assert lines[-1].startswith("receipt ") and len(lines[-1].split()[1]) == 64


def test_an_undecided_human_step_pauses_the_run_with_exit_four():
    result = invoke("run", "counter", "--clock", "2026-02-03T04:05:06Z")
    assert result.exit_code == 4, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "counter PAUSED (wf-counter, clock 2026-02-03T04:05:06Z)"
    assert [line.split()[0] for line in lines[1:3]] == ["bump", "check"]  # finish did not run
    assert "waiting for a human at check: Is the count right?" in lines
    assert any(line.startswith("decide with: lifeos runs approve ") and line.split()[6] == "check"
               for line in lines)


def test_run_json_is_the_full_result_and_reproducible_with_a_clock():
    args = ("run", "counter", "-p", "by=5", "--clock", "2026-02-03T04:05:06+00:00", "--json")
    first, second = invoke(*args), invoke(*args)
    data = json.loads(first.stdout)
    assert data["final_state"] == {"count": 5, "at": "2026-02-03T04:05:06+00:00"}
    assert stable_hash(data) == stable_hash(json.loads(second.stdout))


def test_without_a_clock_the_run_records_the_current_time():
    data = json.loads(invoke("run", "counter", "--json").stdout)
    assert data["receipt"]["start_time"] > "2025-"
    assert data["receipt"]["start_time"].endswith("Z")


def test_a_failed_mission_exits_one_and_says_why():
    result = invoke("run", "counter", "--param", "explode=true", "--yes")
    assert result.exit_code == 1
    assert "counter FAILED" in result.stdout
    assert "error: step 'finish' failed: asked to" in result.stdout


def test_approve_reject_and_yes(monkeypatch):
    monkeypatch.setenv("LIFEOS_USER", "ana")
    clock = ("--clock", "2026-02-03T04:05:06Z")
    approved = json.loads(invoke("run", "counter", "--approve", "check", "--json", *clock).stdout)
    assert approved["receipt"]["human_steps"] == [
        {"id": "check", "status": "approved", "by": "ana", "at": "2026-02-03T04:05:06Z", "note": None}]
    rejected = invoke("run", "counter", "--reject", "check", "--by", "bo", "--note", "wrong")
    assert rejected.exit_code == 1
    assert "step 'check' was rejected at human attestation" in rejected.stdout
    assert any(line.startswith("check rejected by bo at ") and line.endswith(": wrong")
               for line in rejected.stdout.splitlines())
    yes = json.loads(invoke("run", "counter", "--yes", "--json", *clock).stdout)
    assert yes["receipt"]["human_steps"] == approved["receipt"]["human_steps"]
    overruled = invoke("run", "counter", "--yes", "--reject", "check")
    assert overruled.exit_code == 1


def test_at_a_terminal_undecided_human_steps_are_asked(monkeypatch):
    import lifeos_core.cli.running as run_module

    monkeypatch.setattr(run_module, "is_terminal", lambda stream=None: True)
    approved = invoke("run", "counter", input="approve\n")
    assert approved.exit_code == 0
    assert "Is the count right?" in approved.stderr
    assert "approved" in approved.stdout
    rejected = invoke("run", "counter", input="reject\n")
    assert rejected.exit_code == 1
    later = invoke("run", "counter", input="\n")
    assert later.exit_code == 4 and "PAUSED" in later.stdout and "awaiting_attestation" in later.stdout
    decided = invoke("run", "counter", "--approve", "check")
    assert "Is the count right?" not in decided.stderr


def test_state_and_params_files(tmp_path):
    (tmp_path / "state.yaml").write_text("count: 10\nnote: kept\n")
    (tmp_path / "params.toml").write_text("by = 3\n")
    result = invoke("run", "counter", "--state", str(tmp_path / "state.yaml"),
                    "--params", str(tmp_path / "params.toml"), "--param", "by=4", "--json")
    assert json.loads(result.stdout)["final_state"]["count"] == 14


def test_output_writes_the_result_file(tmp_path):
    target = tmp_path / "result.json"
    result = invoke("run", "counter", "--clock", "2026-01-01T00:00:00Z", "--output", str(target), "--yes")
    assert result.exit_code == 0
    assert "counter succeeded" in result.stdout
    written = json.loads(target.read_text())
    assert written["receipt"]["start_time"] == "2026-01-01T00:00:00Z"
    assert [path.name for path in tmp_path.iterdir()] == ["result.json"]  # no temporary left behind


def test_output_into_a_missing_folder_is_an_input_error(tmp_path):
    result = invoke("run", "counter", "--output", str(tmp_path / "nope" / "result.json"))
    assert result.exit_code == 2
    assert "the folder" in result.stderr and "does not exist" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("run", "countr"), "error: unknown mission 'countr' (did you mean 'counter'?); installed: counter, needy"),
        (("run", "counter", "--param", "by"), "error: --param 'by' must look like key=value"),
        (("run", "counter", "--param", "=3"), "error: --param '=3' must look like key=value"),
        (("run", "counter", "--param", "by=two"), "error: mission 'counter': param 'by' must be an integer, got 'two'"),
        (("run", "counter", "--state", "missing.json"), "error: state file missing.json does not exist"),
        (("run", "counter", "--params", "params.txt"), "error: params file params.txt does not exist"),
        (("run", "counter", "--param", "bye=2"),
         "error: mission 'counter' has no param 'bye' (did you mean 'by'?)"),
        (("run", "counter", "--approve", "bump"), "error: a decision was given for step 'bump', which is not a human step"),
        (("run", "counter", "--approve", "check", "--reject", "check"), "error: step 'check' is both approved and rejected"),
        (("run", "counter", "--clock", "yesterday"), "error: clock time 'yesterday' is not an ISO 8601 instant"),
        (("run", "counter", "--clock", "2026-01-01T00:00:00", "--tz", "Atlantis/Capital"),
         "error: unknown time zone 'Atlantis/Capital'"),
    ],
)
def test_bad_input_is_one_line_on_stderr_with_exit_two(args, message):
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1


def test_unreadable_and_invalid_state_files(tmp_path):
    bad_yaml = tmp_path / "state.yaml"
    bad_yaml.write_text("count: [1,\n")
    result = invoke("run", "counter", "--state", str(bad_yaml))
    assert result.exit_code == 2 and "invalid YAML at line 2" in result.stderr
    not_json = tmp_path / "set.yaml"
    not_json.write_text("tags: !!set {a: null}\n")
    result = invoke("run", "counter", "--state", str(not_json))
    assert result.exit_code == 2 and "initial state['tags'] is a builtins.set" in result.stderr
    locked = tmp_path / "locked.json"
    locked.write_text("{}")
    locked.chmod(0)
    try:
        result = invoke("run", "counter", "--state", str(locked))
        if result.exit_code == 2:  # root can read anything; everyone else gets the error
            assert "cannot be read (permission denied)" in result.stderr
    finally:
        locked.chmod(0o600)


def test_a_bug_in_a_plugin_is_one_line_and_debug_shows_the_traceback(registry_with, pack):
    def broken_plan(params):
        return [StepSpec("x", "runtime", {"n": params["missing"] if params.get("mode") == "crash" else 0})]

    registry_with(p=pack([Mission("buggy", "Has a bug.", broken_plan)]))
    result = invoke("run", "buggy", "-p", "mode=crash")
    assert result.exit_code == 2
    assert result.stderr == ("error: mission 'buggy' (p local) failed while planning: KeyError: 'missing'\n")
    debug = invoke("--debug", "run", "buggy", "-p", "mode=crash")
    assert debug.exit_code != 0
    assert isinstance(debug.exception, Exception) and "failed while planning" in str(debug.exception)


def test_an_internal_error_exits_three_with_a_hint(monkeypatch):
    import lifeos_core.cli.running as run_module

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(run_module, "print_run_summary", explode)
    result = invoke("run", "counter")
    assert result.exit_code == 3
    assert result.stderr.splitlines()[0].startswith("recorded as ")  # the run was kept before printing failed
    assert result.stderr.splitlines()[1].startswith(
        "error: internal error: RuntimeError: disk on fire (run again with --debug")


def test_mission_names_complete_from_the_registry():
    from lifeos_core.cli.missions import complete_mission

    assert complete_mission("co") == ["counter"]
    assert complete_mission("") == ["counter", "needy"]


def test_at_a_terminal_tables_are_drawn_by_rich_with_the_same_columns(monkeypatch):
    import lifeos_core.cli.output as output

    piped = invoke("missions", "list").stdout
    monkeypatch.setattr(output, "is_terminal", lambda stream=None: True)
    drawn = invoke("missions", "list").stdout
    assert [line.split() for line in drawn.splitlines()] == [line.split() for line in piped.splitlines()]
    assert "[bold]" not in drawn
    ran = invoke("run", "counter", "--clock", "2026-01-01T00:00:00Z").stdout
    assert "awaiting_attestation" in ran and "[yellow]" not in ran
