"""JUnit XML for a test run: one testcase per expectation, as CI systems read it."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree


def junit_xml(execution: Any, expectations: Any) -> str:
    """The JUnit XML report of ``execution`` (a PlanExecution) for the plan's
    ``expectations`` (a SuiteExpectationsDefinition), in plan order."""
    result = execution.result
    verdicts = result.expectations_result.expectation_results
    suite_name = result.suite_result.suite_name
    failures = sum(1 for verdict in verdicts.values() if not verdict.passed)
    root = ElementTree.Element("testsuites", name="lifeos", tests=str(len(expectations.expectations)),
                               failures=str(failures), errors="0", skipped=str(len(execution.skipped)))
    suite = ElementTree.SubElement(root, "testsuite", name=suite_name, tests=str(len(expectations.expectations)),
                                   failures=str(failures), errors="0", skipped=str(len(execution.skipped)), time="0")
    properties = ElementTree.SubElement(suite, "properties")
    for key in ("suite_hash", "expectations_hash", "test_run_hash"):
        ElementTree.SubElement(properties, "property", name=key, value=str(result.metadata[key]))
    for expectation in expectations.expectations:
        case = ElementTree.SubElement(suite, "testcase", classname=f"{suite_name}.{expectation.scenario_name}",
                                      name=expectation.id, time="0")
        verdict = verdicts.get(expectation.id)
        if verdict is None:
            ElementTree.SubElement(case, "skipped",
                                   message=f"not run: --fail-fast stopped after scenario {execution.stopped_after!r}")
        elif not verdict.passed:
            details = verdict.details
            failure = ElementTree.SubElement(case, "failure", message=_failure_message(details),
                                             type=str(details.get("reason", "failed")))
            failure.text = json.dumps({"path": expectation.path, "op": expectation.op, "expected": verdict.expected,
                                       "actual": verdict.actual, "details": details}, indent=2, ensure_ascii=False)
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _failure_message(details: dict[str, Any]) -> str:
    message = str(details.get("message", "expectation failed"))
    if details.get("mission_error"):
        message += f" (mission failed: {details['mission_error']})"
    return message
