"""Reading a JUnit XML report (as pytest writes it) into per-test outcomes.

The report reaches the mission as text, inside the recorded response of the
``run`` effect, so parsing it is pure: a replay parses the same text and gets
the same outcomes. Only the standard library's ``xml.etree`` is used.

Each ``<testcase>`` becomes ``{"id", "outcome", "duration", "message"}``:

- ``id`` is a pytest node id, ``path::Class::name``. The mission's wrapper
  records each test's own ``item.nodeid`` as a ``lifeos_nodeid`` property of
  its testcase (:data:`NODE_ID_PROPERTY`): when there is one, it is the id,
  as pytest prints it, whatever module the test function or its base class
  comes from. Otherwise (a collection error, a report made without the
  wrapper) the id is rebuilt from the attributes: pytest writes a test's
  file (relative to its rootdir) in the ``file`` attribute when the report
  family is ``xunit1`` (the mission asks for it), and its dotted module and
  classes in ``classname``: the path is ``file``, the classes are what
  ``classname`` holds after the dotted module. A report without ``file``
  (``xunit2``, or another tool) is read the other way round: the trailing
  parts of ``classname`` that start with a capital letter are classes, the
  rest is the module (``a.b.test_x.TestY`` -> ``a/b/test_x.py::TestY``).
  A collection error (no classname, the module as its name) is the file.
- ``outcome`` is ``failed`` (a ``<failure>``), ``error`` (an ``<error>``: an
  exception outside the test body, a fixture, a collection error),
  ``skipped`` (``<skipped>``, xfail too) or ``passed``.
- ``duration`` is ``time`` in seconds, a float.
- ``message`` is the failure's, error's or skip's ``message`` attribute
  (else the first line of its text; for a collection error, whose attribute
  says only ``collection failure``, the exception its text ends with), at
  most 1000 characters; ``""`` for a test that passed.

pytest writes two testcases for one test whose call failed and whose
teardown errored too: they are merged into one, failed, their durations
added. Only testcases of the same test are merged: the same
``lifeos_nodeid`` or, for testcases without one, the same rebuilt id.

pytest's own internal error is written as a testcase too (classname
``pytest``, name ``internal``): it is no test, and :func:`read_report`
gives its message apart.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from .pytest_mode import MAX_MESSAGE, NODE_ID_PROPERTY

OUTCOMES = ("passed", "failed", "error", "skipped")
_RANK = {"passed": 0, "skipped": 1, "error": 2, "failed": 3}  # which outcome a merged test keeps


class ReportError(ValueError):
    """The text is not a JUnit XML report."""


def parse_report(text: str) -> list[dict[str, Any]]:
    """Every test of a JUnit XML report, in report order (see the module doc)."""
    return read_report(text)[0]


def read_report(text: str) -> tuple[list[dict[str, Any]], str | None]:
    """Every test of a JUnit XML report, and pytest's internal error when it
    reported one (its exception's last line), else ``None``."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ReportError(f"the JUnit XML report is not well-formed: {exc}") from None
    if root.tag not in ("testsuites", "testsuite"):
        raise ReportError(f"the JUnit XML report's root is <{root.tag}>, not <testsuites> or <testsuite>")
    tests: dict[tuple[str, str], dict[str, Any]] = {}
    internal = None
    for case in root.iter("testcase"):
        if (case.get("classname"), case.get("name")) == ("pytest", "internal"):
            internal = _internal_error(case)
            continue
        real = _node_id_property(case)
        test = _outcome(case, real)
        key = ("nodeid", real) if real is not None else ("rebuilt", test["id"])
        seen = tests.get(key)
        if seen is None:
            tests[key] = test
            continue
        seen["duration"] = round(seen["duration"] + test["duration"], 6)
        if _RANK[test["outcome"]] > _RANK[seen["outcome"]]:
            seen["outcome"], seen["message"] = test["outcome"], test["message"]
        elif not seen["message"]:
            seen["message"] = test["message"]
    return list(tests.values()), internal


def count(tests: list[dict[str, Any]]) -> dict[str, int]:
    """How many tests there are, and how many of each outcome."""
    counts = {"tests": len(tests), "passed": 0, "failed": 0, "errors": 0, "skipped": 0}
    for test in tests:
        counts["errors" if test["outcome"] == "error" else test["outcome"]] += 1
    return counts


def node_id(classname: str, name: str, file: str | None = None) -> str:
    """The pytest node id of a testcase (see the module doc for how)."""
    parts = [part for part in classname.split(".") if part]
    if file:
        path = file.replace("\\", "/")
        module = path.removesuffix(".py")
        dotted = module.replace("/", ".").split(".")
        classes = parts[len(dotted):] if parts[:len(dotted)] == dotted else [
            part for part in parts if part[:1].isupper()]
        if not parts and name.split(".") == dotted:  # a collection error: the module itself
            return path
    else:
        if not parts:  # a collection error: the module's dotted name is the name
            return "/".join(name.split(".")) + ".py"
        split = len(parts)
        while split > 1 and parts[split - 1][:1].isupper():
            split -= 1
        path, classes = "/".join(parts[:split]) + ".py", parts[split:]
    return "::".join([path, *classes, name])


def _node_id_property(case: ET.Element) -> str | None:
    for prop in case.iter("property"):
        if prop.get("name") == NODE_ID_PROPERTY and prop.get("value"):
            return prop.get("value")
    return None


def _internal_error(case: ET.Element) -> str:
    """The exception of pytest's internal error: the last ``E`` line of its text, else its last line."""
    found = case.find("error")
    lines = [line.strip() for line in ((found.text if found is not None else "") or "").splitlines() if line.strip()]
    raised = [line[1:].strip() for line in lines if line.startswith("E ")]
    return (raised[-1] if raised else lines[-1] if lines else "internal error")[:MAX_MESSAGE]


def _outcome(case: ET.Element, real: str | None = None) -> dict[str, Any]:
    outcome, message = "passed", ""
    for tag, called in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
        found = case.find(tag)
        if found is not None:
            outcome, message = called, _message(found)
            break
    try:
        duration = float(case.get("time") or 0)
    except ValueError:
        duration = 0.0
    test_id = real if real is not None else node_id(case.get("classname") or "", case.get("name") or "",
                                                    case.get("file"))
    return {"id": test_id,
            "outcome": outcome, "duration": duration, "message": message}


def _message(element: ET.Element) -> str:
    lines = [line.strip() for line in (element.text or "").splitlines() if line.strip()]
    message = element.get("message")
    if message == "collection failure":  # pytest says no more in the attribute: the exception is in the text
        raised = [line[1:].strip() for line in lines if line.startswith("E ")]
        message = f"collection failure: {raised[-1]}" if raised else message
    if not message:
        message = lines[0] if lines else ""
    return message[:MAX_MESSAGE]
