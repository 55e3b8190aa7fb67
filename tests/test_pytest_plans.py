"""pytest collects lifeos test plans: files, scenarios and expectations become collectors and items.

Each test runs pytest inside pytest (the ``pytester`` fixture) on a small
project made for it. The missions come from the registry this test installs:
the inner run happens in this process, so it sees the same registry, and the
``tally`` operation counts how often it really runs.
"""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ElementTree

import pytest
import yaml  # noqa: F401  imported here, before pytester's runs: see below

import lifeos_core.harness.checks  # noqa: F401  (with the run path and the checks), for the same reason
import lifeos_core.harness.pytest_plugin  # noqa: F401
from lifeos_core import Mission, Param, StepFailed, StepSpec, run_plan  # noqa: F401

# pytester's in-process runs drop the modules they import when they finish. PyYAML's
# C extension cannot be imported twice: a second import keeps the exception classes of
# the first, so errors libyaml raises would no longer be `yaml.YAMLError`. Importing
# PyYAML before any inner run keeps one copy for the whole session. lifeos's own
# modules likewise: a class imported twice is two classes, and isinstance fails.

pytest_plugins = ["pytester"]

RUNS: list[int] = []


def tally(state, payload, context):
    RUNS.append(payload["n"])
    state["total"] = state.get("total", 0) + payload["n"]
    return state


def grumpy(state, payload, context):
    raise StepFailed("not today")


def restless(state, payload, context):
    RUNS.append(0)
    state["moves"] = len(RUNS)  # differs between two runs of the same step
    return state


MISSIONS = [
    Mission("tally", "Add n.", lambda params: [StepSpec("add", "runtime", {"operation": "tally", "n": params["n"]})],
            params=(Param("n", int, default=1),)),
    Mission("grumpy", "Always fails.", lambda params: [StepSpec("sulk", "runtime", {"operation": "grumpy"})]),
    Mission("restless", "Not deterministic.", lambda params: [StepSpec("move", "runtime", {"operation": "restless"})]),
]

PLAN = """\
suite_name: sums
scenarios:
  - scenario_name: small
    initial_state: {total: 1}
    missions:
      - {name: tally, params: {n: 2}}
    expectations:
      - {id: small-succeeds, mission_name: tally, path: success, op: eq, expected: true}
      - {id: small-total, mission_name: tally, path: final_state.total, op: eq, expected: 3}
      - {id: small-one-step, mission_name: tally, path: executed_steps, op: len_eq, expected: 1}
  - scenario_name: large
    missions:
      - {name: tally, params: {n: 40}}
    expectations:
      - {id: large-total, mission_name: tally, path: final_state.total, op: ge, expected: 40}
"""


@pytest.fixture(autouse=True)
def installed(registry_with, pack):
    registry_with(test_pack=pack(MISSIONS, {"tally": tally, "grumpy": grumpy, "restless": restless}))
    RUNS.clear()


def write_plan(pytester, name="sums.lifeos.yaml", text=PLAN):
    path = pytester.path / name
    path.write_text(textwrap.dedent(text))
    return path


def succeeds_plan(mission):
    """A plan of one scenario that runs ``mission`` and expects it to succeed."""
    return f"""\
        suite_name: {mission}
        scenarios:
          - scenario_name: once
            missions: [{{name: {mission}}}]
            expectations:
              - {{id: {mission}-succeeds, mission_name: {mission}, path: success, op: eq, expected: true}}
        """


def test_each_expectation_is_an_item_named_by_file_scenario_and_id(pytester):
    write_plan(pytester)
    result = pytester.runpytest("--collect-only", "-q")
    assert result.outlines[:4] == [
        "sums.lifeos.yaml::small::small-succeeds",
        "sums.lifeos.yaml::small::small-total",
        "sums.lifeos.yaml::small::small-one-step",
        "sums.lifeos.yaml::large::large-total",
    ]
    assert RUNS == []  # collecting runs nothing


def test_a_passing_plan_passes_every_item_and_runs_each_scenario_once(pytester):
    write_plan(pytester)
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=4)
    assert sorted(RUNS) == [2, 40]  # three expectations on 'small', one run of it


def test_a_failing_expectation_fails_alone_reporting_expected_against_actual(pytester):
    write_plan(pytester, text=PLAN.replace("expected: 3}", "expected: 4}"))
    result = pytester.runpytest()
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines([
        "*_ small::small-total _*",
        "expectation 'small-total' failed: tally: final_state.total == 4",
        "  expected: 4 (eq)",
        "  actual:   3",
        "  reason:   eq_mismatch: expected final_state.total == 4, got 3",
        "FAILED sums.lifeos.yaml::small::small-total - expectation*",
    ])
    assert "Traceback" not in result.stdout.str()
    assert "lifeos_core" not in result.stdout.str()  # no internals in the report


def test_a_failed_mission_reports_its_error_message(pytester):
    write_plan(pytester, text=succeeds_plan("grumpy"))
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "  actual:   false",
        "  mission grumpy failed: step 'sulk' failed: not today",
    ])


def test_an_expectation_on_a_scenario_the_plan_lacks_is_a_collection_error_as_in_lifeos_test(pytester):
    write_plan(pytester, text=PLAN + """\
expectations:
  - {id: weekend-total, scenario_name: weekend, mission_name: tally, path: success, op: eq, expected: true}
""")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([
        "*expectation 'weekend-total' names scenario 'weekend', which the plan does not have "
        "(scenarios: small, large)*",
    ])
    assert RUNS == []


def test_a_plan_without_expectations_warns_that_it_tests_nothing(pytester):
    pytester.makefile(".lifeos.yaml", quiet="""\
suite_name: quiet
scenarios:
  - scenario_name: only
    missions: [{name: tally, params: {n: 1}}]
""")
    result = pytester.runpytest("-W", "default")
    result.stdout.fnmatch_lines(["*LifeosPlanWarning*quiet.lifeos.yaml: nothing to test: the plan has no expectations*"])


def test_k_selects_a_scenario_and_only_that_scenario_runs(pytester):
    write_plan(pytester)
    result = pytester.runpytest("-k", "large")
    result.assert_outcomes(passed=1, deselected=3)
    assert RUNS == [40]


def test_one_item_by_node_id_runs_only_its_scenario(pytester):
    write_plan(pytester)
    result = pytester.runpytest("sums.lifeos.yaml::small::small-total")
    result.assert_outcomes(passed=1)
    assert RUNS == [2]


def test_deselect_last_failed_and_exitfirst_work_as_usual(pytester):
    write_plan(pytester, text=PLAN.replace("expected: 3}", "expected: 4}"))
    pytester.runpytest().assert_outcomes(passed=3, failed=1)
    rerun = pytester.runpytest("--lf")
    rerun.assert_outcomes(failed=1, deselected=3)
    stopped = pytester.runpytest("-x")
    stopped.assert_outcomes(passed=1, failed=1)
    pytester.runpytest("--deselect", "sums.lifeos.yaml::small::small-total").assert_outcomes(passed=3, deselected=1)


@pytest.mark.parametrize(("text", "words"), [
    ("suite_name: broken\nscenarios: [\n", "test plan lifeos_broken.yaml: invalid YAML at line 3, column 1"),
    ("suite_name: s\nscenarios:\n  - {scenario_name: a, missions: [{name: nosuch}]}\n",
     "scenarios[0].missions[0]: unknown mission 'nosuch'"),
    ("suite_name: s\nscenarios:\n  - {scenario_name: a, missions: [{name: tally, params: {n: many}}]}\n",
     "scenarios[0].missions[0]: mission 'tally': param 'n' must be an integer, got 'many'"),
    ("suite_name: s\n", "Missing required field 'scenarios'"),
])
def test_a_plan_that_cannot_run_is_a_collection_error_naming_file_place_and_fix(pytester, text, words):
    write_plan(pytester, name="lifeos_broken.yaml", text=text)
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    output = result.stdout.str()
    assert "ERROR collecting lifeos_broken.yaml" in output
    assert "lifeos test plan lifeos_broken.yaml cannot run:" in output
    assert words in output
    assert "lifeos validate" in output
    assert "Traceback" not in output


def test_names_that_pytest_could_not_select_are_refused_at_collection(pytester):
    write_plan(pytester, text=PLAN.replace("scenario_name: small", "scenario_name: 'small::one'")
               .replace("id: large-total", "id: 'large[total]'"))
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([
        "  sums.lifeos.yaml: scenario name 'small::one' cannot be part of a pytest node id (it holds '::' or '['); "
        "rename it, or run this plan with `lifeos test`",
        "  sums.lifeos.yaml: expectation id 'large?total?' cannot be part of a pytest node id*",
    ])


def test_verify_catches_a_mission_that_is_not_deterministic(pytester):
    write_plan(pytester, text=succeeds_plan("restless"))
    pytester.runpytest().assert_outcomes(passed=1)
    result = pytester.runpytest("--lifeos-verify")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["  mission restless failed: step 'move' is not deterministic*"])


def test_plans_can_be_switched_off_or_matched_by_other_patterns(pytester):
    write_plan(pytester)
    write_plan(pytester, name="checks.plan.yaml")
    assert pytester.runpytest("--lifeos-no-plans").ret == pytest.ExitCode.NO_TESTS_COLLECTED
    pytester.makeini("[pytest]\nlifeos_plan_files = *.plan.yaml\n")
    result = pytester.runpytest("--collect-only", "-q")
    assert [line for line in result.outlines if "::" in line] == [
        "checks.plan.yaml::small::small-succeeds",
        "checks.plan.yaml::small::small-total",
        "checks.plan.yaml::small::small-one-step",
        "checks.plan.yaml::large::large-total",
    ]


def test_toml_and_json_plans_are_collected_too(pytester):
    write_plan(pytester, name="sums.lifeos.toml", text="""\
        suite_name = "sums"
        [[scenarios]]
        scenario_name = "small"
        missions = [{name = "tally", params = {n = 2}}]
        expectations = [{id = "toml-total", mission_name = "tally", path = "final_state.total", op = "eq", expected = 2}]
        """)
    write_plan(pytester, name="sums.lifeos.json", text="""\
        {"suite_name": "sums", "scenarios": [{"scenario_name": "small", "missions": [{"name": "tally"}],
         "expectations": [{"id": "json-total", "mission_name": "tally", "path": "final_state.total",
                           "op": "eq", "expected": 1}]}]}
        """)
    pytester.runpytest().assert_outcomes(passed=2)


def test_plans_and_python_tests_run_side_by_side_into_one_junit_report(pytester):
    write_plan(pytester, text=PLAN.replace("expected: 3}", "expected: 4}"))
    pytester.makepyfile(test_plain="def test_arithmetic():\n    assert 1 + 1 == 2\n")
    result = pytester.runpytest("--junit-xml=report.xml")
    result.assert_outcomes(passed=4, failed=1)
    cases = ElementTree.parse(pytester.path / "report.xml").getroot().iter("testcase")
    verdicts = {(case.get("classname"), case.get("name")): [child.tag for child in case] for case in cases}
    assert verdicts[("sums.lifeos.yaml.small", "small-total")] == ["failure"]
    assert verdicts[("sums.lifeos.yaml.large", "large-total")] == []
    assert verdicts[("test_plain", "test_arithmetic")] == []


@pytest.mark.slow  # starts worker processes
def test_xdist_spreads_plan_files_over_workers_with_the_same_verdicts(pytester):
    pytest.importorskip("xdist")
    # Workers are separate processes: they load the installed packs, not this test's registry.
    for index in range(4):
        write_plan(pytester, name=f"echo{index}.lifeos.yaml", text=f"""\
            suite_name: echo{index}
            scenarios:
              - scenario_name: round-{index}
                missions: [{{name: echo, params: {{index: {index}}}}}]
                expectations:
                  - {{id: echo-{index}-succeeds, mission_name: echo, path: success, op: eq, expected: true}}
                  - {{id: echo-{index}-index, mission_name: echo, path: final_state.echo.index, op: eq,
                      expected: {index if index else 99}}}
            """)
    for mode in ("loadfile", "load"):
        result = pytester.runpytest_subprocess("-p", "xdist", "-n", "2", "--dist", mode)
        result.assert_outcomes(passed=7, failed=1)
        result.stdout.fnmatch_lines(["FAILED echo0.lifeos.yaml::round-0::echo-0-index*"])


# --- collecting again from pytest's cache -------------------------------------------------


@pytest.fixture
def checks_counted(monkeypatch):
    """How often a plan file is read and checked (the work the cache saves)."""
    from lifeos_core.harness import checks

    calls = []
    real = checks.validate_plan_files
    monkeypatch.setattr(checks, "validate_plan_files", lambda *args, **kwargs: calls.append(args) or real(*args, **kwargs))
    return calls


def test_a_plan_that_passed_its_checks_is_collected_again_from_the_cache(pytester, checks_counted):
    write_plan(pytester)
    first = pytester.runpytest("--collect-only", "-q")
    second = pytester.runpytest("--collect-only", "-q")
    assert second.outlines[:4] == first.outlines[:4]
    assert len(checks_counted) == 1
    pytester.runpytest().assert_outcomes(passed=4)  # its definitions are read when it runs
    assert sorted(RUNS) == [2, 40] and len(checks_counted) == 1


def test_a_changed_plan_or_other_versions_are_checked_again(pytester, checks_counted, registry_with, pack):
    path = write_plan(pytester)
    pytester.runpytest("--collect-only", "-q")
    path.write_text(path.read_text().replace("expected: 40}", "expected: 41}"))
    pytester.runpytest("--collect-only", "-q")
    assert len(checks_counted) == 2
    another = Mission("other", "Another.", lambda params: [StepSpec("a", "runtime")])
    registry_with(test_pack=pack([*MISSIONS, another], {"tally": tally, "grumpy": grumpy, "restless": restless}))
    pytester.runpytest("--collect-only", "-q")
    assert len(checks_counted) == 3


def test_warnings_come_back_from_the_cache_and_failures_are_never_cached(pytester, checks_counted):
    quiet = "suite_name: quiet\nscenarios:\n  - {scenario_name: only, missions: [{name: tally}]}\n"
    write_plan(pytester, "quiet.lifeos.yaml", quiet)
    for _ in range(2):
        pytester.runpytest("quiet.lifeos.yaml", "-W", "default").stdout.fnmatch_lines(
            ["*LifeosPlanWarning*quiet.lifeos.yaml: nothing to test*"])
    assert len(checks_counted) == 1
    write_plan(pytester, text=PLAN.replace("name: tally", "name: tallly"))
    for _ in range(2):
        pytester.runpytest("sums.lifeos.yaml", "--collect-only", "-q").stdout.fnmatch_lines(
            ["*unknown mission 'tallly'*"])
    assert len(checks_counted) == 3


def test_without_the_cache_every_collection_checks_the_plan(pytester, checks_counted):
    write_plan(pytester)
    for _ in range(2):
        pytester.runpytest("-p", "no:cacheprovider", "--collect-only", "-q")
    assert len(checks_counted) == 2


def test_a_plan_changed_after_it_was_collected_from_the_cache_fails_clearly(pytester):
    path = write_plan(pytester)
    pytester.runpytest("--collect-only", "-q")  # remembered now
    pytester.makeconftest(f"""
        def pytest_collection_finish(session):
            path = {str(path)!r}
            text = open(path).read().replace("small-total", "small-sum")
            open(path, "w").write(text)
        """)
    result = pytester.runpytest("-k", "small")
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(["*the plan sums.lifeos.yaml changed since it was collected; run pytest again*"])
