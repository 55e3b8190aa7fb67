"""Pytest mode: run a project's own pytest suite through a granted ``run`` effect.

Steps (at most three, one of them human):

- ``tests-run`` runs ``PYTHON -c LAUNCHER TARGET ARGS...``, whose script
  (:data:`WRAPPER`, passed in the command's environment) is a few lines that
  call ``pytest.main([TARGET, *ARGS, "--junitxml=<temporary file>"])`` with
  everything written to standard output sent to standard error, then print
  the JUnit XML report, between markers, on the now clean standard output.
  The report thus comes back inside the effect's recorded response: a replay
  parses the same text and needs no I/O, not even pytest. The argv holds no
  temporary path (a replay matches an effect by its argv), and the
  interpreter is a param: the tests run under the project's own Python.
- ``tests-report`` judges the run: no test collected, or tests that failed
  or errored, fail the mission, naming up to ten of them. With ``signoff``
  it records the verdict and lets the run go on to
- ``tests-signoff``, a human step after the report, so the approver sees the
  red verdict (the mission's summary shows it) and the sign-off itself is
  the gate: approved, a red run succeeds with the attestation (who, when,
  why) in its receipt; rejected, the run ends rejected. An operation cannot
  see a decision, so no step after the sign-off could tell approved from
  undecided: the gate is the human step, not a runtime check after it.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lifeos_core import StepFailed, StepSpec

if TYPE_CHECKING:
    from lifeos_core import StepContext

DEFAULT_TARGET = "."
DEFAULT_TIMEOUT = 600
SHOWN = 10
"""How many failing tests a message or summary names."""

NO_PYTEST = "<<lifeos-run-tests:no-pytest>>"
REPORT_START = "<<lifeos-run-tests:junit>>"
REPORT_END = "<</lifeos-run-tests:junit>>"

# The script that runs pytest: Python 3 of any age, the standard library and pytest only.
# pytest's terminal output goes to standard error (file descriptor 1 points at 2 while
# pytest runs, so tests that print cannot break the report); the report is asked for as
# xunit1, which names each test's file; the exit code is pytest's own. It travels in the
# command's environment, recorded with the request like the argv, so the argv (what
# messages about the effect show) stays short, and holds no temporary path.
WRAPPER = f"""\
import importlib.util, os, sys, tempfile
if importlib.util.find_spec("pytest") is None:
    print("{NO_PYTEST}", sys.executable)
    sys.exit(99)
import pytest
handle, report = tempfile.mkstemp(suffix=".xml")
os.close(handle)
stdout = os.dup(1)
os.dup2(2, 1)
code = int(pytest.main(sys.argv[1:] + ["--junitxml=" + report, "-o", "junit_family=xunit1"]))
sys.stdout.flush()
os.dup2(stdout, 1)
with open(report, "rb") as xml:
    text = xml.read()
os.remove(report)
sys.stdout.buffer.write(b"{REPORT_START}\\n" + text + b"\\n{REPORT_END}\\n")
sys.stdout.flush()
sys.exit(code)
"""
WRAPPER_VARIABLE = "LIFEOS_RUN_TESTS_WRAPPER"
LAUNCHER = f"import os;exec(os.environ.pop({WRAPPER_VARIABLE!r}))"

EXIT_CODES = {2: "interrupted", 3: "internal error", 4: "usage error"}
"""pytest's exit codes that mean it could not run the tests: the step fails with its own words."""
NOTHING_COLLECTED = 5


def steps(params: Mapping[str, Any]) -> list[StepSpec]:
    """The steps for validated params; everything an operation needs is in its payload."""
    python = params.get("python") or sys.executable  # the interpreter lifeos runs with, unless told
    planned = [
        StepSpec("tests-run", "runtime", {
            "operation": "run_tests.pytest",
            "description": "Run pytest on the target and read its JUnit XML report",
            "target": params.get("target") or DEFAULT_TARGET,
            "args": list(params.get("args") or []),
            "python": python,
            "timeout": params.get("timeout", DEFAULT_TIMEOUT),
        }),
        StepSpec("tests-report", "runtime", {
            "operation": "run_tests.verdict",
            "description": ("Record the verdict for the sign-off" if params.get("signoff")
                            else "Report the verdict; fail when a test failed"),
            "signoff": bool(params.get("signoff")),
        }),
    ]
    if params.get("signoff"):
        planned.append(StepSpec("tests-signoff", "human", {
            "description": "Sign off the test run: approving accepts it as it is, red or green (say why in the note)",
        }))
    return planned


def argv(payload: Mapping[str, Any]) -> list[str]:
    """The command the ``tests-run`` step runs: the same payload always gives the same argv."""
    return [payload["python"], "-c", LAUNCHER, payload["target"], *payload["args"]]


def run(state: dict[str, Any], payload: dict[str, Any], context: StepContext) -> dict[str, Any]:
    """Run pytest through the ``run`` effect and record each test's outcome."""
    # xml.etree is loaded when tests run, not with the plugin.
    from .junit import ReportError, count, parse_report

    python, target = payload["python"], payload["target"]
    try:
        completed = context.effects.run(argv(payload), timeout=payload["timeout"],
                                        env={WRAPPER_VARIABLE: WRAPPER})
    except StepFailed as exc:
        message = str(exc)
        if " is not granted; " in message:
            raise  # lifeos's own line, naming the --allow to add
        why = message.rsplit(" failed: ", 1)[-1]
        if why.startswith("timed out"):
            raise StepFailed(f"pytest did not finish on {target!r}: {why} (raise the timeout param)") from None
        raise StepFailed(f"could not run {python}: {why}") from None
    record: dict[str, Any] = {"mode": "pytest", "target": target, "python": python, "args": list(payload["args"]),
                              "exit_code": completed.exit_code}
    state["run_tests"] = record
    if completed.stdout.startswith(NO_PYTEST):
        raise StepFailed(f"pytest is not installed for {python}: install it there ({python} -m pip install pytest) "
                         "or name an interpreter that has it with the python param")
    xml_text = _between_markers(completed.stdout)
    if completed.exit_code in EXIT_CODES:
        if xml_text:  # pytest 'interrupted' by collection errors still reports them: keep what it says
            try:
                record["tests"] = parse_report(xml_text)
                record["counts"] = count(record["tests"])
            except ReportError:
                pass
        bad = [f"{test['id']}: {test['message']}" for test in record.get("tests", ())
               if test["outcome"] in ("failed", "error")]
        record["error"] = "; ".join(bad[:SHOWN]) if bad else _pytest_error(completed.stderr)
        raise StepFailed(f"pytest could not run the tests of {target!r} (exit code {completed.exit_code}, "
                         f"{EXIT_CODES[completed.exit_code]}): {record['error']}", state=state)
    if xml_text is None:
        raise StepFailed(f"{python} gave no pytest report (exit code {completed.exit_code}): "
                         f"{_tail(completed.stderr) or 'it wrote nothing on standard error'}", state=state)
    try:
        tests = parse_report(xml_text)
    except ReportError as exc:
        raise StepFailed(f"{exc} (pytest exit code {completed.exit_code})", state=state) from None
    counts = count(tests)
    red = counts["failed"] + counts["errors"] > 0 or completed.exit_code not in (0, NOTHING_COLLECTED)
    record.update(counts=counts, tests=tests,
                  verdict="no tests" if counts["tests"] == 0 and not red else "failed" if red else "passed")
    record["passed"] = record["verdict"] == "passed"
    if red and counts["failed"] + counts["errors"] == 0:
        record["error"] = _tail(completed.stderr)  # red, yet no test says why: pytest's own words do
    return state


def report(state: dict[str, Any], payload: dict[str, Any], context: StepContext) -> dict[str, Any]:
    """Judge the run: fail naming the failing tests, unless a person is to sign it off."""
    record = state.get("run_tests")
    if not isinstance(record, dict) or "verdict" not in record:
        raise StepFailed("there is no pytest run to report: run tests-run first")
    if record["verdict"] == "no tests":
        raise StepFailed(f"pytest collected no tests in {record['target']!r} (exit code 5): nothing was tested",
                         state=state)
    if record["verdict"] == "failed":
        if payload.get("signoff"):
            record["signoff"] = "asked"  # the verdict stands; the human step after this one is the gate
            return state
        raise StepFailed(verdict_line(record), state=state)
    return state


def verdict_line(record: Mapping[str, Any]) -> str:
    """One line for a run: ``2 of 5 tests failed: a.py::b, c.py::d`` (at most ten named,
    then how many more), or ``all 5 tests passed``."""
    counts = record["counts"]
    failing = [test["id"] for test in record["tests"] if test["outcome"] in ("failed", "error")]
    if not failing:
        if record["verdict"] == "no tests":
            return f"no tests were collected in {record['target']!r}: nothing was tested"
        if record["verdict"] == "failed":
            return (f"pytest exited with code {record['exit_code']} though no test failed: "
                    f"{record.get('error') or 'see its output'}")
        passed = "the 1 test passed" if counts["tests"] == 1 else f"all {counts['tests']} tests passed"
        return passed + (f" ({counts['skipped']} skipped)" if counts["skipped"] else "")
    errors = f" ({counts['errors']} with an error)" if counts["errors"] else ""
    more = f", and {len(failing) - SHOWN} more" if len(failing) > SHOWN else ""
    tests = "1 test" if counts["tests"] == 1 else f"{counts['tests']} tests"
    return f"{len(failing)} of {tests} failed{errors}: {', '.join(failing[:SHOWN])}{more}"


def summary_lines(record: Mapping[str, Any], step_id: str | None) -> list[str]:
    """The run for a person: the counts, then each failing test with its message's first line."""
    if "verdict" not in record:
        if "error" in record:
            return [(f"pytest could not run the tests of {record.get('target')!r} "
                     f"(exit code {record.get('exit_code')}): {record['error']}")]
        return [f"pytest has not run yet on {record.get('target')!r}"]
    counts = record["counts"]
    lines = [(f"pytest on {record['target']!r} with {record['python']}: {counts['passed']} passed, "
              f"{counts['failed']} failed, {counts['errors']} errors, {counts['skipped']} skipped "
              f"(exit code {record['exit_code']})"),
             verdict_line(record)]
    for test in [test for test in record["tests"] if test["outcome"] in ("failed", "error")][:SHOWN]:
        first = test["message"].splitlines()[0] if test["message"].strip() else "(no message)"
        lines.append(f"  {test['outcome'].upper()} {test['id']}: {first}")
    if step_id is not None and record["verdict"] == "failed":
        lines.append("approving signs off this red run as it is; rejecting ends the run rejected")
    return lines


def _between_markers(stdout: str) -> str | None:
    start = stdout.find(REPORT_START)
    end = stdout.rfind(REPORT_END)
    if start < 0 or end < start:
        return None
    return stdout[start + len(REPORT_START):end].strip()


def _pytest_error(stderr: str) -> str:
    """pytest's own words on why it stopped: its ``ERROR``/``INTERNALERROR`` lines and
    usage errors when there are any (the rest of standard error is its usual report),
    else the last lines."""
    lines = [line.rstrip() for line in stderr.splitlines()]
    said = [line for line in lines if line.startswith(("ERROR", "INTERNALERROR")) or ": error: " in line]
    return "\n".join(said[-8:])[-2000:] if said else _tail(stderr)


def _tail(text: str, lines: int = 8, limit: int = 2000) -> str:
    """The last lines of what a command said: pytest's own words on why it stopped."""
    kept = [line.rstrip() for line in text.strip().splitlines() if line.strip()][-lines:]
    return "\n".join(kept)[-limit:]
