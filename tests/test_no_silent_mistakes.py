"""Mistakes a user makes are caught and named; nothing is accepted in silence.

Each test here is one mistake tried as a new user would make it, with the
answer lifeos must give: a clear line and a non-zero exit code (2 for bad
input, 5 when nothing was tested), or a warning where the input may be meant.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from lifeos_core import Mission, Param, StepSpec, reload_plugins
from lifeos_core.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


def tally(state, payload, context):
    state["total"] = state.get("total", 0) + payload["by"] * len(state.get("items", []))
    return state


TALLY = Mission("tally", "Count the items.", lambda params: [
    StepSpec("count", "runtime", {"operation": "tally", "by": params["by"]}),
    StepSpec("confirm", "human", {"description": "Is the total right?"}),
], params=(Param("by", int, default=1), Param("capacity_minutes", int, default=60)),
    reads={"items": "the things to count"})


@pytest.fixture(autouse=True)
def installed(registry_with, pack):
    registry_with(tallies=pack([TALLY], {"tally": tally}))


def invoke(*args, **kwargs):
    return runner.invoke(app, [str(arg) for arg in args], **kwargs)


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False) if name.endswith(".yaml") else json.dumps(data))
    return path


def a_plan(**changes):
    plan = {"suite_name": "s", "scenarios": [{
        "scenario_name": "one", "initial_state": {"items": [1, 2]}, "missions": [{"name": "tally"}],
        "expectations": [{"id": "counted", "mission_name": "tally", "path": "final_state.total", "op": "eq",
                          "expected": 2}]}]}
    plan.update(changes)
    return plan


# --- plans --------------------------------------------------------------------------------------------


def test_a_misspelt_top_level_key_is_an_error_in_validate_and_test(tmp_path):
    plan = a_plan()
    plan["expectatons"] = [{"id": "x", "scenario_name": "one", "mission_name": "tally", "path": "success",
                            "op": "eq", "expected": True}]
    path = write(tmp_path, "plan.yaml", plan)
    for command in ("validate", "test"):
        result = invoke(command, path)
        assert result.exit_code == 2, result.output
        assert "expectatons: unknown field 'expectatons' in the suite config (did you mean 'expectations'?)" \
            in result.stderr


@pytest.mark.parametrize("plan", [
    {"suite_name": "s", "scenarios": []},
    {"suite_name": "s", "scenarios": [{"scenario_name": "one", "missions": [{"name": "tally"}]}]},
])
def test_a_plan_that_tests_nothing_exits_five(tmp_path, plan):
    path = write(tmp_path, "plan.json", plan)
    tested = invoke("test", path)
    assert tested.exit_code == 5, tested.output
    assert "nothing to test" in tested.stderr and "nothing was run" in tested.stderr
    checked = invoke("validate", path, "--json")
    assert checked.exit_code == 5
    assert json.loads(checked.stdout)["nothing_to_test"] is True


def test_an_expectation_on_a_scenario_or_mission_the_plan_lacks_is_refused_before_anything_runs(tmp_path, monkeypatch):
    ran = []
    monkeypatch.setattr("lifeos_core.harness.testrun.run_plan", lambda *a, **k: ran.append(1))
    plan = a_plan()
    plan["scenarios"][0]["expectations"].append({"mission_name": "taly", "path": "success", "op": "eq",
                                                 "expected": True})
    plan["expectations"] = [{"id": "weekend", "scenario_name": "onne", "mission_name": "tally", "path": "success",
                             "op": "eq", "expected": True}]
    path = write(tmp_path, "plan.yaml", plan)
    validated, tested = invoke("validate", path), invoke("test", path)
    assert validated.exit_code == tested.exit_code == 2
    for output in (validated.stderr, tested.stderr):
        assert "names mission 'taly', which scenario 'one' does not run (did you mean 'tally'?)" in output
        assert "names scenario 'onne', which the plan does not have (did you mean 'one'?)" in output
    assert not ran


def test_a_path_segment_that_only_looks_like_a_number_is_a_key(tmp_path):
    plan = a_plan()
    plan["scenarios"][0]["expectations"] = [{"id": "odd", "mission_name": "tally", "path": "executed_steps.²",
                                             "op": "exists"}]
    path = write(tmp_path, "plan.json", plan)
    assert invoke("validate", path).exit_code == 0
    tested = invoke("test", path)
    assert tested.exit_code == 1, tested.output
    assert "path 'executed_steps.²' does not exist" in tested.stdout


def test_a_regular_expression_that_backtracks_forever_finishes_at_once(tmp_path):
    plan = a_plan()
    plan["scenarios"][0]["initial_state"]["word"] = "a" * 34 + "!"
    plan["scenarios"][0]["expectations"] = [{"id": "bomb", "mission_name": "tally", "path": "final_state.word",
                                             "op": "matches", "expected": "^(a+)+$"}]
    result = invoke("test", write(tmp_path, "plan.json", plan))
    assert result.exit_code == 1 and "FAIL bomb" in result.stdout


def test_a_pattern_lifeos_cannot_run_in_linear_time_is_refused(tmp_path):
    plan = a_plan()
    plan["scenarios"][0]["expectations"] = [{"id": "backref", "mission_name": "tally", "path": "success",
                                             "op": "matches", "expected": "(a)\\1"}]
    result = invoke("validate", write(tmp_path, "plan.json", plan))
    assert result.exit_code == 2
    assert "invalid regular expression" in result.stderr and "RE2" in result.stderr


def test_a_failing_length_check_shows_the_length(tmp_path):
    plan = a_plan()
    plan["scenarios"][0]["expectations"] = [{"id": "steps", "mission_name": "tally", "path": "executed_steps",
                                             "op": "len_eq", "expected": 5}]
    result = invoke("test", write(tmp_path, "plan.json", plan))
    assert "expected executed_steps has length 5, got length 2" in result.stdout


@pytest.mark.parametrize(("text", "message"), [
    ('{"suite_name": "s", "scenarios": [], "n": ' + "7" * 5000 + "}", "test plan"),
    ('{"suite_name": "s", "scenarios": ' + "[" * 5000 + "]" * 5000 + "}", "nested"),
    ('{"suite_name": "s", "scenarios": [{"scenario_name": "x", "clock": "0001-01-01T00:00:00+14:00", '
     '"missions": []}]}', "out of range"),
])
def test_inputs_that_used_to_be_internal_errors_are_one_line(tmp_path, text, message):
    path = tmp_path / "plan.json"
    path.write_text(text)
    for command in ("validate", "test"):
        result = invoke(command, path)
        assert result.exit_code == 2, result.output
        assert message in result.stderr
        assert "internal error" not in result.stderr


def test_an_empty_plan_file_says_it_is_empty(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text("# nothing yet\n")
    result = invoke("test", path)
    assert result.exit_code == 2 and "is empty" in result.stderr


# --- params and state ------------------------------------------------------------------------------


def test_an_undeclared_param_is_refused_with_a_suggestion():
    result = invoke("run", "tally", "--param", "capacity=100", "--no-record")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: mission 'tally' has no param 'capacity' (did you mean "
                                    "'capacity_minutes'?); its params are: by, capacity_minutes")
    shown = invoke("missions", "show", "tally", "-p", "bye=2")
    assert shown.exit_code == 2 and "did you mean 'by'?" in shown.stderr


def test_python_callers_keep_the_seed_tolerance_for_undeclared_params():
    from lifeos_core import MissionSpec, build_workflow

    workflow = build_workflow(MissionSpec("tally", {"mode": "default"}))
    assert workflow.metadata["params"] == {"mode": "default"}


def test_a_misspelt_state_key_is_warned_about_naming_both(tmp_path):
    state = write(tmp_path, "state.yaml", {"itms": [1, 2, 3]})
    result = invoke("run", "tally", "--state", state, "--yes", "--no-record")
    assert result.exit_code == 0
    assert ("warning: state key 'itms' is not read by mission 'tally', and 'items', which it reads, is missing: "
            "did you mean 'items'?") in result.stderr


def test_daily_loop_names_the_task_field_it_expected(tmp_path):
    from lifeos_core import load_registry, use_registry

    state = write(tmp_path, "tasks.yaml", {"tasks": [{"id": "t1", "title": "Write", "estimate": 45}]})
    with use_registry(load_registry()):
        result = invoke("run", "daily_loop", "--state", state, "--yes", "--no-record")
    assert result.exit_code == 0, result.output
    assert "tasks[0]: daily_loop does not read the field 'estimate' (did you mean 'estimate_minutes'?)" \
        in result.stderr


def test_run_tests_without_a_plan_or_a_grant_fails_clearly():
    from lifeos_core import load_registry, run_mission, use_registry

    with use_registry(load_registry()):
        result = run_mission("run_tests", {}, {})
        empty = run_mission("run_tests", {"suite": {"suite_name": "e", "scenarios": []}}, {})
    # No plan: it runs the pytest suite of the working folder, which needs a grant nobody gave.
    assert result.success is False and "is not granted; allow it with --allow run:" in result.error_message
    assert empty.success is False and "has no scenarios: nothing to test" in empty.error_message


# --- outputs -----------------------------------------------------------------------------------------


def test_the_output_may_not_be_the_state_it_read(tmp_path):
    state = write(tmp_path, "tasks.yaml", {"items": [1]})
    before = state.read_text()
    result = invoke("run", "tally", "--state", state, "-o", state, "--yes")
    assert result.exit_code == 2
    assert "--output" in result.stderr and "is also the --state input" in result.stderr
    assert state.read_text() == before


def test_save_state_carries_the_state_to_the_next_run(tmp_path):
    state = write(tmp_path, "state.yaml", {"items": [1, 2]})
    for _ in range(2):
        result = invoke("run", "tally", "--state", state, "--save-state", state, "--yes", "--no-record")
        assert result.exit_code == 0, result.output
    assert yaml.safe_load(state.read_text()) == {"items": [1, 2], "total": 4}
    as_json = tmp_path / "final.json"
    invoke("run", "tally", "--state", state, "--save-state", as_json, "--yes", "--no-record")
    assert json.loads(as_json.read_text())["total"] == 6


def test_a_write_that_fails_after_the_run_keeps_the_record_and_says_so(tmp_path, monkeypatch, ledger_in_tmp):
    from lifeos_core.errors import LifeosError

    def refuse(*args, **kwargs):
        raise LifeosError("disk full")

    monkeypatch.setattr("lifeos_core.values.writing.write_text_atomically", refuse)
    result = invoke("run", "tally", "--yes", "--output", tmp_path / "result.json")
    assert result.exit_code == 2
    assert "--output was not written: disk full" in result.stderr
    assert "recorded as" in result.stderr
    assert "tally succeeded" in result.stdout


# --- the command line itself -----------------------------------------------------------------------------


def test_usage_errors_are_one_line():
    result = invoke("runs", "list", "--limit", "0")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: Invalid value for '--limit'")


def test_a_directory_given_as_a_state_file_is_named_as_such(tmp_path):
    result = invoke("run", "tally", "--state", tmp_path)
    assert result.exit_code == 2 and "is a directory" in result.stderr


def test_standard_input_is_read_for_state_params_and_plans(tmp_path):
    result = invoke("run", "tally", "--state", "-", "--yes", "--json", "--no-record", input='{"items": [1, 2, 3]}')
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["final_state"]["total"] == 3
    as_yaml = invoke("run", "tally", "--params", "-", "--state", write(tmp_path, "s.json", {"items": [1]}),
                     "--yes", "--json", "--no-record", input="by: 5\n")
    assert json.loads(as_yaml.stdout)["final_state"]["total"] == 5
    plan = invoke("test", "-", "--no-record", input=json.dumps(a_plan()))
    assert plan.exit_code == 0, plan.output
    both = invoke("run", "tally", "--state", "-", "--params", "-", input="{}")
    assert both.exit_code == 2 and "both read standard input" in both.stderr


def test_dash_writes_the_result_to_standard_output_and_the_summary_to_stderr():
    result = invoke("run", "tally", "--yes", "-o", "-", "--no-record", "--clock", "2026-01-01T00:00:00Z")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["success"] is True
    assert "tally succeeded" in result.stderr


def test_quiet_and_verbose(tmp_path):
    quiet = invoke("run", "tally", "--yes", "-q", "--no-record", "--clock", "2026-01-01T00:00:00Z")
    assert quiet.stdout.splitlines() == ["tally succeeded (wf-tally, clock 2026-01-01T00:00:00Z)"]
    verbose = invoke("run", "tally", "--yes", "-v", "--no-record", "--state", write(tmp_path, "s.json", {"items": [1]}))
    assert "Is the total right?" in verbose.stdout and "total = 1" in verbose.stdout
    plan = write(tmp_path, "plan.json", a_plan())
    summary = invoke("test", plan, "-q", "--no-record")
    assert summary.stdout.splitlines()[0].startswith("passed: 1 expectation")


def test_a_large_plan_lists_only_failures_by_default(tmp_path):
    scenarios = [{"scenario_name": f"s{index}", "initial_state": {"items": [1]}, "missions": [{"name": "tally"}],
                  "expectations": [{"mission_name": "tally", "path": "final_state.total", "op": "eq",
                                    "expected": 1 if index != 7 else 99}]} for index in range(60)]
    path = write(tmp_path, "plan.json", {"suite_name": "big", "scenarios": scenarios})
    compact = invoke("test", path, "--no-record")
    assert compact.exit_code == 1
    assert "scenario s7" in compact.stdout and "scenario s8" not in compact.stdout
    assert "59 scenarios that passed not listed; -v lists everything" in compact.stdout
    assert len(compact.stdout.splitlines()) < 10
    everything = invoke("test", path, "-v", "--no-record")
    assert "scenario s8" in everything.stdout


@pytest.mark.parametrize("command", [[], ["missions", "list"], ["missions", "show"], ["run"], ["test"],
                                     ["validate"], ["schema"], ["plugins"], ["new", "pack"], ["runs", "list"],
                                     ["runs", "show"], ["runs", "verify"], ["runs", "replay"], ["runs", "export"]])
def test_help_shows_no_type_for_flags_and_keeps_brackets(command):
    result = invoke(*command, "--help", env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "<bool>" not in result.stdout
    if command == ["test"]:
        assert "lifeos-core[dask]" in result.stdout


def test_approve_completes_with_the_missions_human_steps():
    from lifeos_core.cli.application import app as typer_app
    from lifeos_core.cli.missions import complete_human_step

    class Context:
        params = {"mission": "tally", "param": []}

    assert complete_human_step(Context(), "") == ["confirm"]
    assert complete_human_step(Context(), "x") == []
    assert typer_app is not None


# --- plugins that misbehave --------------------------------------------------------------------------


@pytest.fixture
def site(tmp_path, monkeypatch):
    """Install a pack by hand on a folder on sys.path (what pip would write), for one test."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(folder), os.environ.get("PYTHONPATH", "")]))

    def install(distribution: str, source: str) -> None:
        module = distribution.replace("-", "_")
        (folder / f"{module}.py").write_text(textwrap.dedent(source))
        info = folder / f"{module}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 1.0\n\n")
        (info / "entry_points.txt").write_text(f"[lifeos]\n{module} = {module}\n")

    yield install
    for name in [name for name in sys.modules if name.startswith(("exiting", "noisy", "chancy", "chatty"))]:
        del sys.modules[name]
    while str(folder) in sys.path:  # before the registry is loaded again, not after monkeypatch's undo
        sys.path.remove(str(folder))
    reload_plugins()


def test_a_pack_that_exits_at_import_is_a_plugin_failure(site, ledger_in_tmp):
    site("exiting-pack", "import sys\nsys.exit(0)\n")
    registry = reload_plugins()
    assert any("exiting-pack" in line and "SystemExit" in line for line in registry.problems())
    from lifeos_core import use_registry

    with use_registry(registry):
        listed = invoke("missions", "list")
    assert listed.exit_code == 0 and "daily_loop" in listed.stdout


def test_what_a_pack_prints_at_import_goes_to_stderr(site):
    site("noisy-pack", "print('HELLO FROM PLUGIN IMPORT')\n")
    completed = subprocess.run([sys.executable, "-m", "lifeos_core", "missions", "list", "--json"],
                               capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["missions"]
    assert "HELLO FROM PLUGIN IMPORT" in completed.stderr


def test_an_unknown_disabled_plugin_is_named_with_a_suggestion():
    result = invoke("--disable-plugin", "lifeos-mission-ech", "missions", "list")
    assert "warning: --disable-plugin names 'lifeos-mission-ech', which is not an installed plugin distribution " \
           "(did you mean 'lifeos-mission-echo'?)" in result.stderr


CHANCY = '''
from lifeos_core import Mission, StepSpec, hookimpl


def shuffle(state, payload, context):
    state["order"] = list({"apple", "banana", "cherry", "damson", "elder", "fig", "grape", "hazel"})
    return state


@hookimpl
def lifeos_register_missions(register):
    register(Mission("chancy", "Depends on set order.", lambda params: [StepSpec("s", "runtime",
                                                                                  {"operation": "shuffle"})]))


@hookimpl
def lifeos_register_operations(register):
    register("shuffle", shuffle)
'''


def test_verify_catches_a_result_that_depends_on_set_order(site, ledger_in_tmp):
    site("chancy-pack", CHANCY)
    from lifeos_core import use_registry

    with use_registry(reload_plugins()):
        result = invoke("run", "chancy", "--verify", "--clock", "2026-01-01T00:00:00Z")
    assert result.exit_code == 1, result.output
    assert "is not reproducible" in result.stderr and "final_state.order" in result.stderr
    assert "not recorded" in result.stderr
    from lifeos_core.ledger.store import open_ledger

    with open_ledger(ledger_in_tmp, read_only=True) as book:
        assert book.count() == 0


def test_broken_pipes_end_quietly_after_recording(tmp_path):
    env = {**os.environ, "LIFEOS_LEDGER": str(tmp_path / "ledger.sqlite3")}
    listing = subprocess.run(f"'{sys.executable}' -m lifeos_core missions list | head -c 0; exit ${{PIPESTATUS[0]}}",
                             shell=True, executable="/bin/bash", capture_output=True, text=True, env=env)
    assert "Traceback" not in listing.stderr and "BrokenPipe" not in listing.stderr
    assert listing.returncode == 0
    run = subprocess.run(f"'{sys.executable}' -m lifeos_core run echo -p message=hi -v | head -c 1; "
                         "exit ${PIPESTATUS[0]}", shell=True, executable="/bin/bash",
                         capture_output=True, text=True, env=env)
    assert "Traceback" not in run.stderr and "recorded as" in run.stderr
    assert run.returncode == 0
    helped = subprocess.run(f"'{sys.executable}' -m lifeos_core test --help | head -c 0; exit ${{PIPESTATUS[0]}}",
                            shell=True, executable="/bin/bash", capture_output=True, text=True, env=env)
    assert helped.returncode == 0 and "Traceback" not in helped.stderr


# --- found in review ----------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["run", "tally", "-q", "-v"],
    ["run", "tally", "--json", "-o", "-"],
    ["run", "tally", "-o", "-", "--save-state", "-"],
    ["run", "tally", "--format", "xml"],
])
def test_contradictory_options_are_usage_errors_not_internal_ones(args):
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.stderr and result.stderr.count("\n") == 1


def test_a_failed_or_rejected_run_does_not_overwrite_the_state_it_read(tmp_path):
    state = write(tmp_path, "state.yaml", {"items": [1]})
    before = state.read_text()
    result = invoke("run", "tally", "--state", state, "--save-state", state, "--reject", "confirm", "--no-record")
    assert result.exit_code == 1
    assert "the state was not saved, because the run was rejected at 'confirm'" in result.stderr
    assert state.read_text() == before


def test_the_save_state_format_is_checked_before_the_run(tmp_path, monkeypatch):
    ran = []
    monkeypatch.setattr("lifeos_core.engine.orchestrator.Orchestrator.run_workflow", lambda *a, **k: ran.append(1))
    result = invoke("run", "tally", "--save-state", tmp_path / "state.txt", "--yes")
    assert result.exit_code == 2 and "unsupported extension" in result.stderr and not ran
    slash = invoke("run", "tally", "--save-state", f"{tmp_path}/out.json/", "--yes")
    assert slash.exit_code == 2 and "names a folder" in slash.stderr


def test_format_applies_to_standard_input_only(tmp_path):
    params = write(tmp_path, "p.json", {"by": 2})
    result = invoke("run", "tally", "--format", "yaml", "--state", "-", "--params", params, "--yes", "--json",
                    "--no-record", input="items: [1, 2]\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["final_state"]["total"] == 4


def test_json_params_on_the_command_line_follow_the_file_rules():
    long = invoke("run", "tally", "-p", "by=" + "7" * 5000, "--no-record")
    assert long.exit_code == 2 and "5000 digits" in long.stderr
    twice = invoke("run", "tally", "-p", 'by={"a": 1, "a": 2}', "--no-record")
    assert twice.exit_code == 2 and "appears twice" in twice.stderr


def test_quiet_still_says_a_human_step_is_waiting():
    result = invoke("run", "tally", "-q", "--no-record", "--clock", "2026-01-01T00:00:00Z")
    assert result.stdout.strip() == "tally PAUSED (wf-tally, clock 2026-01-01T00:00:00Z), waiting at confirm"


def test_a_plan_run_from_python_is_checked_as_the_command_line_checks_it():
    from lifeos_core import ConfigError, parse_test_plan

    plan = parse_test_plan(a_plan(scenarios=[{"scenario_name": "one", "missions": [
        {"name": "tally", "params": {"capacity": 100}}]}]))
    with pytest.raises(ConfigError, match="has no param 'capacity'"):
        plan.run()


PRINTING = '''
from lifeos_core import Mission, StepSpec, hookimpl


def chatty(state, payload, context):
    print("PRINTED BY A STEP")
    state["said"] = True
    return state


@hookimpl
def lifeos_register_missions(register):
    register(Mission("chatty", "Prints.", lambda params: [StepSpec("s", "runtime", {"operation": "chatty"})]))


@hookimpl
def lifeos_register_operations(register):
    register("chatty", chatty)
'''


def test_verify_with_a_step_that_prints(site):
    site("chatty-pack", PRINTING)
    from lifeos_core import use_registry

    with use_registry(reload_plugins()):
        result = invoke("run", "chatty", "--verify", "--no-record", "--clock", "2026-01-01T00:00:00Z", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["final_state"] == {"said": True}


def test_a_pack_cannot_end_lifeos_with_an_exit_of_its_own(site):
    site("exiting-hard", "import atexit, os\natexit.register(lambda: os._exit(0))\nos._exit(0)\n")
    env = {**os.environ, "LIFEOS_LEDGER": "/nonexistent-folder/l.sqlite3"}
    completed = subprocess.run([sys.executable, "-m", "lifeos_core", "plugins"], capture_output=True, text=True,
                               env=env)
    assert completed.returncode == 0
    assert "exiting-hard" in completed.stdout and "to end the process (os._exit)" in completed.stdout


def test_a_step_may_import_a_module_without_the_ledger_refusing_the_record(registry_with, pack, ledger_in_tmp):
    def importer(state, payload, context):
        import json.tool  # noqa: F401  (adds an attribute to the json module)
        return state

    registry_with(p=pack([Mission("importer", "Imports.", lambda params: [
        StepSpec("s", "runtime", {"operation": "importer"})])], {"importer": importer}))
    sys.modules.pop("json.tool", None)
    result = invoke("run", "importer")
    assert result.exit_code == 0, result.output
    assert "recorded as" in result.stderr
