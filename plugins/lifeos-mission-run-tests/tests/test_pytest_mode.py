"""run_tests in pytest mode: real pytest runs of examples/pytest-project (copied to a
temporary folder), through a granted run effect, recorded and replayed."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import lifeos_mission_run_tests
import pytest

from lifeos_core import (
    Decision,
    EffectPolicy,
    MissionSpec,
    build_workflow,
    load_registry,
    run_mission,
    stable_hash,
    use_registry,
)
from lifeos_core.testing import assert_within_limits

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "pytest-project"
PASSING = "test_arithmetic.py::test_addition_adds"
FAILING = "test_arithmetic.py::test_addition_is_wrong_on_purpose"
GRANT = f"run:{sys.executable}"
SIGNED = Decision(True, by="ana", at="2026-12-01T09:00:00Z", note="known failure, fixed in #12")


@pytest.fixture(autouse=True)
def installed():
    with use_registry(load_registry({"run_tests": lifeos_mission_run_tests}, discover=False)):
        yield


@pytest.fixture
def project(tmp_path, monkeypatch) -> str:
    """A copy of the example project in a temporary folder, which is the working directory."""
    shutil.copytree(EXAMPLE, tmp_path / "project", ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    monkeypatch.chdir(tmp_path)
    return "project"


def granted(*grants: str) -> EffectPolicy:
    return EffectPolicy(list(grants or [GRANT]))


def outcomes(result) -> dict[str, str]:
    return {test["id"]: test["outcome"] for test in result.final_state["run_tests"]["tests"]}


# --- the plan --------------------------------------------------------------------------------------


def test_without_a_suite_the_plan_runs_pytest_then_reports():
    workflow = build_workflow(MissionSpec("run_tests", {}))
    assert [(step.id, step.kind) for step in workflow.steps] == [("tests-run", "runtime"), ("tests-report", "runtime")]
    run = workflow.steps[0].payload
    # No python given: none in the plan, so the same params plan the same workflow under any interpreter.
    assert (run["target"], run["python"], list(run["args"]), run["timeout"]) == (".", None, [], 600)


def test_signoff_adds_a_human_step_after_the_report():
    workflow = build_workflow(MissionSpec("run_tests", {"signoff": True, "target": "tests", "args": ["-x"]}))
    assert [(step.id, step.kind) for step in workflow.steps] == [
        ("tests-run", "runtime"), ("tests-report", "runtime"), ("tests-signoff", "human")]


def test_every_pytest_plan_stays_within_the_limits():
    assert_within_limits("run_tests", [{}, {"target": "runtime"}, {"signoff": True, "args": ["-q"]},
                                       {"python": "/usr/bin/python3", "timeout": 5}])


@pytest.mark.parametrize("params", [{"args": "-x"}, {"args": [1]}, {"timeout": 0}, {"signoff": "yes"}])
def test_bad_params_are_refused(params):
    from lifeos_core.testing import assert_rejects_params

    assert_rejects_params("run_tests", params, match=next(iter(params)))


def test_the_mission_says_what_to_allow():
    entry = load_registry({"run_tests": lifeos_mission_run_tests}, discover=False).missions["run_tests"]
    assert "python -m pytest" in entry.mission.effects["run"]


# --- real runs -------------------------------------------------------------------------------------


def test_a_red_project_fails_naming_the_failing_test(project):
    result = run_mission("run_tests", {"target": project}, effects=granted())
    assert result.success is False and result.failed_step_id == "tests-report"
    assert result.error_message == f"step 'tests-report' failed: 1 of 2 tests failed: {FAILING}"
    record = result.final_state["run_tests"]
    assert outcomes(result) == {PASSING: "passed", FAILING: "failed"}
    assert record["counts"] == {"tests": 2, "passed": 1, "failed": 1, "errors": 0, "skipped": 0}
    assert (record["target"], record["python"], record["args"], record["exit_code"]) == (
        project, sys.executable, [], 1)
    assert (record["verdict"], record["passed"]) == ("failed", False)
    failing = next(test for test in record["tests"] if test["id"] == FAILING)
    assert failing["message"].startswith("AssertionError: 2 + 2 is 4: this test fails on purpose")
    assert all(type(test["duration"]) is float for test in record["tests"])
    assert result.receipt["grants"] == [GRANT]


def test_a_green_node_id_succeeds(project):
    result = run_mission("run_tests", {"target": f"{project}/{PASSING}"}, effects=granted())
    assert result.success is True, result.error_message
    assert outcomes(result) == {PASSING: "passed"}
    assert result.final_state["run_tests"]["verdict"] == "passed"


def test_extra_args_reach_pytest(project):
    result = run_mission("run_tests", {"target": project, "args": ["-k", "adds"]}, effects=granted())
    assert result.success is True and outcomes(result) == {PASSING: "passed"}


def test_a_signed_off_red_run_succeeds_with_the_attestation_in_the_receipt(project):
    result = run_mission("run_tests", {"target": project, "signoff": True}, effects=granted(),
                         approvals={"tests-signoff": SIGNED})
    assert result.success is True, result.error_message
    assert result.receipt["human_steps"] == [{"id": "tests-signoff", "status": "approved", "by": "ana",
                                              "at": "2026-12-01T09:00:00Z", "note": "known failure, fixed in #12"}]
    record = result.final_state["run_tests"]
    assert (record["verdict"], record["signoff"]) == ("failed", "asked")  # the verdict stands, signed off


def test_a_rejected_signoff_ends_the_run_rejected(project):
    result = run_mission("run_tests", {"target": project, "signoff": True}, effects=granted(),
                         approvals={"tests-signoff": Decision(False, by="ana", note="not flaky: fix it")})
    assert result.success is False and result.failed_step_id == "tests-signoff"
    assert "rejected" in result.error_message
    assert result.receipt["human_steps"][0]["status"] == "rejected"


def test_the_signoff_shows_the_red_verdict(project):
    paused = run_mission("run_tests", {"target": project, "signoff": True}, effects=granted(),
                         pause_at_undecided=True)
    assert paused.paused_at == "tests-signoff"
    summary = lifeos_mission_run_tests.summary(paused.final_state, "tests-signoff")
    lines = summary.splitlines()
    assert lines[0].startswith(f"pytest on 'project' with {sys.executable}: 1 passed, 1 failed, 0 errors")
    assert lines[1] == f"1 of 2 tests failed: {FAILING}"
    assert lines[2] == f"  FAILED {FAILING}: AssertionError: 2 + 2 is 4: this test fails on purpose"
    assert "approving signs off this red run" in lines[-1]
    finished = lifeos_mission_run_tests.summary(paused.final_state, None)
    assert "approving" not in finished and FAILING in finished
    assert lifeos_mission_run_tests.summary({}, None) == ""


def test_without_a_grant_the_step_names_the_allow_to_add(project):
    result = run_mission("run_tests", {"target": project})
    assert result.success is False and result.failed_step_id == "tests-run"
    assert re.search(r"is not granted; allow it with --allow run:\S+$", result.error_message), result.error_message
    assert "run_tests" not in result.final_state


@pytest.mark.parametrize("params", [{"target": "runtime"}, {}])
def test_the_seed_params_run_without_effects_deterministically(params):
    first, second = run_mission("run_tests", params), run_mission("run_tests", params)
    assert first.success is False and first.failed_step_id == "tests-run"
    assert stable_hash(first.to_dict()) == stable_hash(second.to_dict())


def test_no_tests_collected_means_nothing_was_tested(project):
    result = run_mission("run_tests", {"target": project, "args": ["-k", "no_such_test"]}, effects=granted())
    assert result.success is False and result.failed_step_id == "tests-report"
    assert "collected no tests in 'project' (exit code 5): nothing was tested" in result.error_message
    record = result.final_state["run_tests"]
    assert (record["exit_code"], record["verdict"], record["counts"]["tests"]) == (5, "no tests", 0)


def test_a_usage_error_fails_the_run_step_with_pytests_words(project):
    result = run_mission("run_tests", {"target": "no-such-folder"}, effects=granted())
    assert result.success is False and result.failed_step_id == "tests-run"
    assert "(exit code 4, usage error): ERROR: file or directory not found: no-such-folder" in result.error_message
    assert result.final_state["run_tests"]["exit_code"] == 4


def test_a_collection_error_names_the_file_and_the_exception(project):
    Path(project, "test_broken.py").write_text("import no_such_module_here\n")
    result = run_mission("run_tests", {"target": project}, effects=granted())
    assert result.failed_step_id == "tests-run"
    assert ("(exit code 2, interrupted): test_broken.py: collection failure: ModuleNotFoundError: "
            "No module named 'no_such_module_here'") in result.error_message


@pytest.fixture
def bare_python(tmp_path) -> str:
    """An interpreter without pytest: a fresh virtual environment without pip."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "bare")], check=True)
    return str(tmp_path / "bare" / "bin" / "python")


def test_an_interpreter_without_pytest_is_named(project, bare_python):
    result = run_mission("run_tests", {"target": project, "python": bare_python}, effects=granted(f"run:{bare_python}"))
    assert result.failed_step_id == "tests-run"
    assert f"pytest is not installed for {bare_python}" in result.error_message


def test_a_missing_interpreter_is_named(project, tmp_path):
    missing = str(tmp_path / "nowhere" / "python")
    result = run_mission("run_tests", {"target": project, "python": missing}, effects=granted(f"run:{missing}"))
    assert result.failed_step_id == "tests-run"
    assert result.error_message.startswith(f"step 'tests-run' failed: could not run {missing}: ")


def test_a_run_over_its_timeout_fails(project):
    Path(project, "test_slow.py").write_text("import time\n\ndef test_sleeps():\n    time.sleep(30)\n")
    result = run_mission("run_tests", {"target": project, "timeout": 1}, effects=granted())
    assert result.failed_step_id == "tests-run"
    assert "pytest did not finish on 'project': timed out after 1 s (raise the timeout param)" in result.error_message


def recorded(result) -> EffectPolicy:
    """The recorded responses of a run, as a replay gives them back (no I/O)."""
    bodies = result.effect_bodies()
    steps = {}
    for entry in result.lineage:
        for effect in entry.get("effects", ()):
            steps.setdefault(entry["step_id"], []).append(
                (effect["kind"], effect["request"], json.loads(bodies[effect["response_sha256"]])))
    return EffectPolicy(result.receipt["grants"], recorded=steps)


def test_replaying_the_recorded_responses_gives_the_same_result_without_pytest(project, tmp_path):
    params = {"target": project, "args": ["-q"]}
    state = {"notes": {"kept": [1, 2]}}
    params_before, state_before = copy.deepcopy(params), copy.deepcopy(state)
    live = run_mission("run_tests", params, state, effects=granted())
    shutil.rmtree(tmp_path / project)  # nothing left to test: a replay must not need it
    first = run_mission("run_tests", params, state, effects=recorded(live))
    second = run_mission("run_tests", params, state, effects=recorded(live))
    assert stable_hash(first.to_dict()) == stable_hash(second.to_dict()) == stable_hash(live.to_dict())
    assert first.final_state == live.final_state and first.final_state["notes"] == {"kept": [1, 2]}
    assert (params, state) == (params_before, state_before)


# --- the command line, end to end ------------------------------------------------------------------


@pytest.fixture
def throwaway_python(tmp_path) -> Path:
    """A virtual environment whose python finds pytest (a .pth file adds the site-packages
    lifeos runs with, as a site folder), to delete after recording a run."""
    env = tmp_path / "throwaway"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    import pytest as installed_pytest

    site = next(env.glob("lib/python*/site-packages"))
    packages = str(Path(installed_pytest.__file__).parents[1])
    (site / "with_pytest.pth").write_text(f"import site; site.addsitedir({packages!r})\n")
    return env / "bin" / "python"


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    lifeos = Path(sys.executable).parent / "lifeos"
    env = {**os.environ, "LIFEOS_LEDGER": str(tmp_path / "ledger.sqlite3"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "HOME": str(tmp_path / "home"), "COLUMNS": "200"}
    return subprocess.run([str(lifeos), *args], cwd=tmp_path, env=env, capture_output=True, text=True, check=False)


def record_id(completed: subprocess.CompletedProcess) -> str:
    found = re.search(r"recorded as ([0-9a-f]{12})", completed.stdout + completed.stderr)
    assert found, completed.stdout + completed.stderr
    return found[1]


@pytest.mark.slow
def test_the_command_line_records_a_red_run_that_replays_without_python(project, tmp_path, throwaway_python):
    python = str(throwaway_python)
    ran = cli(tmp_path, "run", "run_tests", "-p", f"target={project}", "-p", f"python={python}",
              "--allow", f"run:{python}", "--no-prompt")
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert f"1 of 2 tests failed: {FAILING}" in ran.stdout + ran.stderr
    shutil.rmtree(throwaway_python.parents[1])  # the interpreter, and pytest with it, are gone
    assert not throwaway_python.exists()
    replayed = cli(tmp_path, "runs", "replay", record_id(ran))
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "replayed: same result" in replayed.stdout


@pytest.mark.slow
def test_the_command_line_pauses_for_the_signoff_and_an_approval_finishes_the_run(project, tmp_path):
    ran = cli(tmp_path, "run", "run_tests", "-p", f"target={project}", "-p", "signoff=true", "--allow", GRANT,
              "--no-prompt")
    output = ran.stdout + ran.stderr
    assert "PAUSED" in output and f"FAILED {FAILING}" in output, output
    approved = cli(tmp_path, "runs", "approve", record_id(ran), "tests-signoff", "--by", "ana", "--note", "flaky")
    assert approved.returncode == 0, approved.stdout + approved.stderr
    assert "run_tests succeeded" in approved.stdout
    assert "tests-signoff approved by ana" in approved.stdout


@pytest.mark.slow
def test_the_command_line_without_a_grant_names_it(project, tmp_path):
    ran = cli(tmp_path, "run", "run_tests", "-p", f"target={project}", "--no-prompt")
    assert ran.returncode == 1
    assert re.search(r"is not granted; allow it with --allow run:\S+", ran.stdout + ran.stderr)
