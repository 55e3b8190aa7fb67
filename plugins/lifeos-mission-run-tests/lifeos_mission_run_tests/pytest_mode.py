"""Pytest mode: run a project's own pytest suite through a granted ``run`` effect.

Steps (at most three, one of them human):

- ``tests-run`` runs ``PYTHON -c LAUNCHER TARGET ARGS...``, whose script
  (:data:`WRAPPER`, passed in the command's environment) calls
  ``pytest.main`` with a JUnit XML report and a small plugin that writes each
  test's own node id into it, keeps pytest's terminal output in a temporary
  file, and prints the interpreter's path, the report (cut to what the
  mission reads) and the end of the terminal output. The report thus comes
  back inside the effect's recorded response: a replay parses the same text
  and needs no I/O, not even pytest. The argv holds no temporary path (a
  replay matches an effect by its argv). ``PYTHON`` is the ``python``
  param, else the interpreter lifeos runs with, worked out when the step
  runs (the plan holds ``None``), and the record names the interpreter as it
  said itself, from the response.
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

MAX_MESSAGE = 1000
"""How many characters of a failure's message the record keeps (the report is cut to that too)."""
NODE_ID_PROPERTY = "lifeos_nodeid"
"""The testcase property the wrapper writes each test's real pytest node id in."""

NO_PYTEST = "<<lifeos-run-tests:no-pytest>>"
PYTHON_MARK = "<<lifeos-run-tests:python>>"
REPORT_START = "<<lifeos-run-tests:junit>>"
REPORT_END = "<</lifeos-run-tests:junit>>"
OUTPUT_TAIL = 64 * 1024
"""How many bytes of the end of pytest's terminal output come back (on standard error)."""

# The script that runs pytest: Python 3 of any age, the standard library and pytest only.
# It travels in the command's environment, recorded with the request like the argv, so
# the argv (what messages about the effect show) stays short and holds no temporary path.
#
# - pytest's terminal output (and whatever the tests print, their subprocesses too: file
#   descriptors 1 and 2 point at an unnamed temporary file while pytest runs) is kept
#   out of the response: only its last OUTPUT_TAIL bytes come back, on standard error,
#   without the "generated xml file" line (a temporary path, different every run).
# - the report is asked for as xunit1 (it names each test's file), without captured
#   output (junit_logging=no) or a prefix, with each test's own node id as a property
#   (a plugin object given to pytest.main), and is cut down before it is printed to what
#   the mission reads: no system-out/err, no other properties, each failure's message
#   and text cut (the text to its first line, its last "E " line and its last line), and
#   no timestamp or host name.
# - on Linux the report is an unlinked file reached through /proc/self/fd, so nothing is
#   left behind even when the process group is killed at the timeout; elsewhere it is a
#   named temporary file removed in a finally.
# - the exit code is pytest's own.
WRAPPER = f"""\
import importlib.util, os, sys, tempfile
if importlib.util.find_spec("pytest") is None:
    print("{NO_PYTEST}", sys.executable)
    sys.exit(99)
import pytest
import xml.etree.ElementTree as ET
print("{PYTHON_MARK}", sys.executable)
sys.stdout.flush()

class LifeosNodeIds:
    def pytest_itemcollected(self, item):
        item.user_properties.append(("{NODE_ID_PROPERTY}", item.nodeid))

def cut(data):
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return data[:{OUTPUT_TAIL}]
    for suite in root.iter("testsuite"):
        for name in ("timestamp", "hostname"):
            suite.attrib.pop(name, None)
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag in ("system-out", "system-err"):
                parent.remove(child)
            elif child.tag == "properties":
                for prop in list(child):
                    if parent.tag != "testcase" or prop.get("name") != "{NODE_ID_PROPERTY}":
                        child.remove(prop)
            elif child.tag in ("failure", "error", "skipped"):
                if child.get("message"):
                    child.set("message", child.get("message")[:{MAX_MESSAGE}])
                lines = [line.strip()[:{MAX_MESSAGE}] for line in (child.text or "").splitlines() if line.strip()]
                raised = [line for line in lines if line.startswith("E ")]
                child.text = "\\n".join(lines[:1] + raised[-1:] + lines[-1:])
    return ET.tostring(root, encoding="utf-8")

output = tempfile.TemporaryFile()
if os.path.isdir("/proc/self/fd"):
    xml = tempfile.TemporaryFile()
    report, named = "/proc/self/fd/%d" % xml.fileno(), None
else:
    handle, named = tempfile.mkstemp(suffix=".xml")
    os.close(handle)
    report, xml = named, None
try:
    saved = os.dup(1), os.dup(2)
    sys.stderr.flush()
    os.dup2(output.fileno(), 1)
    os.dup2(output.fileno(), 2)
    try:
        code = int(pytest.main(sys.argv[1:] + ["--junitxml=" + report, "--junit-prefix=",
                                               "-o", "junit_family=xunit1", "-o", "junit_logging=no",
                                               "-o", "junit_log_passing_tests=false"],
                               plugins=[LifeosNodeIds()]))
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
    if xml is not None:
        xml.seek(0)
        data = xml.read()
    else:
        with open(named, "rb") as handle:
            data = handle.read()
finally:
    if named is not None and os.path.exists(named):
        os.remove(named)
size = output.seek(0, 2)
output.seek(max(0, size - {OUTPUT_TAIL}))
said = output.read().decode("utf-8", "replace")
if size > {OUTPUT_TAIL}:
    said = "[the first %d bytes of pytest's output are left out]\\n" % (size - {OUTPUT_TAIL}) + said.split("\\n", 1)[-1]
said = "".join(line for line in said.splitlines(True) if "generated xml file: " not in line)
sys.stderr.write(said)
sys.stderr.flush()
if data:
    sys.stdout.buffer.write(b"{REPORT_START}\\n" + cut(data) + b"\\n{REPORT_END}\\n")
sys.stdout.flush()
sys.exit(code)
"""
WRAPPER_VARIABLE = "LIFEOS_RUN_TESTS_WRAPPER"
LAUNCHER = f"import os;exec(os.environ.pop({WRAPPER_VARIABLE!r}))"

EXIT_CODES = {2: "interrupted", 3: "internal error", 4: "usage error"}
"""pytest's exit codes that mean it could not run the tests: the step fails with its own words."""
NOTHING_COLLECTED = 5


def steps(params: Mapping[str, Any]) -> list[StepSpec]:
    """The steps for validated params; everything an operation needs is in its payload.

    ``python`` stays ``None`` when not given: the interpreter lifeos runs with
    is worked out by ``tests-run`` when it runs, not written into the plan,
    so the same params plan the same workflow under any interpreter."""
    planned = [
        StepSpec("tests-run", "runtime", {
            "operation": "run_tests.pytest",
            "description": "Run pytest on the target and read its JUnit XML report",
            "target": params.get("target") or DEFAULT_TARGET,
            "args": list(params.get("args") or []),
            "python": params.get("python") or None,
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
    """The command the ``tests-run`` step runs: the payload's ``python``, else the
    interpreter lifeos runs with, then the launcher, the target and the args."""
    return [payload.get("python") or sys.executable, "-c", LAUNCHER, payload["target"], *payload["args"]]


GIVEN_ARGV0 = "<the python lifeos runs with>"
"""What ``tests-run`` says it asked for as the command when ``python`` is not given
(for a ``run`` effect that can match a replay by it: see :func:`_effect_options`)."""


def _effect_options(payload: Mapping[str, Any], effects: Any) -> dict[str, Any]:
    """With ``python`` not given, the command is the interpreter that runs the step, which
    differs from machine to machine: a ``run`` effect that takes ``given_argv0`` (what was
    asked for, matched on replay instead of the resolved ``argv[0]``) gets told so."""
    if payload.get("python"):
        return {}
    import inspect

    try:
        takes = "given_argv0" in inspect.signature(effects.run).parameters
    except (TypeError, ValueError):
        takes = False
    return {"given_argv0": GIVEN_ARGV0} if takes else {}


def run(state: dict[str, Any], payload: dict[str, Any], context: StepContext) -> dict[str, Any]:
    """Run pytest through the ``run`` effect and record each test's outcome."""
    # xml.etree is loaded when tests run, not with the plugin.
    from .junit import ReportError, count, read_report

    target = payload["target"]
    command = argv(payload)
    try:
        completed = context.effects.run(command, timeout=payload["timeout"], env={WRAPPER_VARIABLE: WRAPPER},
                                        **_effect_options(payload, context.effects))
    except StepFailed as exc:
        message = str(exc)
        if " is not granted; " in message:
            raise  # lifeos's own line, naming the --allow to add
        if " bytes per response" in message:  # the run happened: what it said was too much to record
            raise StepFailed(f"pytest's output on {target!r} is too large to record: {message}") from None
        why = message.rsplit(" failed: ", 1)[-1]
        if why.startswith("timed out"):
            raise StepFailed(f"pytest did not finish on {target!r}: {why} (raise the timeout param)") from None
        raise StepFailed(f"could not run {payload.get('python') or 'the python lifeos runs with'}: {why}") from None
    # The interpreter that ran, as it said itself: from the response, so a replay records the same one.
    python = _said_python(completed.stdout) or payload.get("python") or "python"
    record: dict[str, Any] = {"mode": "pytest", "target": target, "python": python, "args": list(payload["args"]),
                              "exit_code": completed.exit_code}
    state["run_tests"] = record
    if completed.stdout.startswith(NO_PYTEST):
        raise StepFailed(f"pytest is not installed for {python}: install it there ({python} -m pip install pytest) "
                         "or name an interpreter that has it with the python param")
    xml_text = _between_markers(completed.stdout)
    internal = None
    if completed.exit_code in EXIT_CODES:
        if xml_text:  # pytest 'interrupted' by collection errors still reports them: keep what it says
            try:
                tests, internal = read_report(xml_text)
                record["tests"], record["counts"] = tests, count(tests)
            except ReportError:
                pass
        bad = [f"{test['id']}: {test['message']}" for test in record.get("tests", ())
               if test["outcome"] in ("failed", "error")]
        said = [*bad[:SHOWN]]
        if internal:
            said.append(f"internal error: {internal}")
        if completed.exit_code != 4:
            said += [line for line in _stop_lines(completed.stderr) if line not in said]
        record["error"] = "; ".join(said) if said else _pytest_error(completed.stderr)
        raise StepFailed(f"pytest could not run the tests of {target!r} (exit code {completed.exit_code}, "
                         f"{EXIT_CODES[completed.exit_code]}): {record['error']}", state=state)
    if xml_text is None:
        raise StepFailed(f"{python} gave no pytest report (exit code {completed.exit_code}): "
                         f"{_tail(completed.stderr) or 'it wrote nothing on standard error'}", state=state)
    try:
        tests, internal = read_report(xml_text)
    except ReportError as exc:
        raise StepFailed(f"{exc} (pytest exit code {completed.exit_code})", state=state) from None
    counts = count(tests)
    red = counts["failed"] + counts["errors"] > 0 or completed.exit_code not in (0, NOTHING_COLLECTED)
    if red:
        verdict = "failed"
    elif counts["tests"] == 0:
        verdict = "no tests"
    elif counts["skipped"] == counts["tests"]:
        verdict = "skipped"  # pytest exits 0, and so does the mission; but no test ran
    else:
        verdict = "passed"
    record.update(counts=counts, tests=tests, verdict=verdict, passed=verdict == "passed")
    if red and counts["failed"] + counts["errors"] == 0:
        # red, yet no test says why: pytest's own words do
        record["error"] = f"internal error: {internal}" if internal else _tail(completed.stderr)
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
    then how many more), ``all 5 tests passed``, ``4 of 5 tests passed (1 skipped)``,
    or ``0 of 3 tests ran (3 skipped): nothing was tested``."""
    counts = record["counts"]
    failing = [test["id"] for test in record["tests"] if test["outcome"] in ("failed", "error")]
    if not failing:
        if record["verdict"] == "no tests":
            return f"no tests were collected in {record['target']!r}: nothing was tested"
        if record["verdict"] == "failed":
            return (f"pytest exited with code {record['exit_code']} though no test failed: "
                    f"{record.get('error') or 'see its output'}")
        if record["verdict"] == "skipped":
            return f"0 of {_tests(counts['tests'])} ran ({counts['skipped']} skipped): nothing was tested"
        if counts["skipped"]:
            return f"{counts['passed']} of {_tests(counts['tests'])} passed ({counts['skipped']} skipped)"
        return "the 1 test passed" if counts["tests"] == 1 else f"all {counts['tests']} tests passed"
    errors = f" ({counts['errors']} with an error)" if counts["errors"] else ""
    more = f", and {len(failing) - SHOWN} more" if len(failing) > SHOWN else ""
    return f"{len(failing)} of {_tests(counts['tests'])} failed{errors}: {', '.join(failing[:SHOWN])}{more}"


def _tests(number: int) -> str:
    return "1 test" if number == 1 else f"{number} tests"


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


def _said_python(stdout: str) -> str | None:
    """The interpreter the wrapper says it runs under (its first line), or ``None``."""
    first = stdout.split("\n", 1)[0]
    for mark in (PYTHON_MARK, NO_PYTEST):
        if first.startswith(mark + " "):
            return first[len(mark) + 1:].strip() or None
    return None


def _between_markers(stdout: str) -> str | None:
    start = stdout.find(REPORT_START)
    end = stdout.rfind(REPORT_END)
    if start < 0 or end < start:
        return None
    return stdout[start + len(REPORT_START):end].strip()


def _stop_lines(stderr: str) -> list[str]:
    """Why pytest stopped, in its own words: the text of its ``!!!! ... !!!!`` lines
    (``Interrupted: 1 error during collection``, ``_pytest.outcomes.Exit: reason``)."""
    found = []
    for line in stderr.splitlines():
        line = line.strip()
        if len(line) > 8 and line.startswith("!!!") and line.endswith("!!!"):
            text = line.strip("!").strip()
            if text and text not in found:
                found.append(text[:MAX_MESSAGE])
    return found[-4:]


def _pytest_error(stderr: str) -> str:
    """pytest's own words on why it stopped: its ``ERROR``/``INTERNALERROR`` lines and
    usage errors when there are any (the rest of standard error is its usual report),
    else the last lines."""
    lines = [line.rstrip() for line in stderr.splitlines()]
    said = [line for line in lines if line.startswith(("ERROR", "INTERNALERROR")) or ": error: " in line]
    return "\n".join(said[-8:])[-2000:] if said else _tail(stderr)


def _tail(text: str, lines: int = 8, limit: int = 2000) -> str:
    """The last lines of what a command said: pytest's own words on why it stopped."""
    kept = [line.rstrip() for line in text.strip().splitlines() if line.strip()]
    return "\n".join(kept[-lines:])[-limit:]
