"""Reading pytest's JUnit XML reports: the reports come from real pytest runs."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from lifeos_mission_run_tests.junit import ReportError, count, node_id, parse_report

PROJECT = {
    "pkg/tests/test_mixed.py": '''
        import pytest

        class TestGroup:
            def test_ok(self):
                pass

            def test_wrong(self):
                assert 1 + 1 == 3, "arithmetic"

        @pytest.mark.parametrize("n", [1, 2])
        def test_param(n):
            assert n == 1

        @pytest.mark.skip(reason="not today")
        def test_skipped():
            pass

        @pytest.fixture
        def broken():
            raise RuntimeError("the fixture broke")

        def test_uses_broken(broken):
            pass

        @pytest.fixture
        def leaves_a_mess():
            yield
            raise RuntimeError("teardown broke")

        def test_fails_and_errs(leaves_a_mess):
            assert False, "call failed"
    ''',
    "pkg/tests/test_unimportable.py": "import no_such_module_here\n",
}

EXPECTED = {
    "pkg/tests/test_mixed.py::TestGroup::test_ok": "passed",
    "pkg/tests/test_mixed.py::TestGroup::test_wrong": "failed",
    "pkg/tests/test_mixed.py::test_param[1]": "passed",
    "pkg/tests/test_mixed.py::test_param[2]": "failed",
    "pkg/tests/test_mixed.py::test_skipped": "skipped",
    "pkg/tests/test_mixed.py::test_uses_broken": "error",
    "pkg/tests/test_mixed.py::test_fails_and_errs": "failed",
    "pkg/tests/test_unimportable.py": "error",
}


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, str]:
    """The XML reports of one real pytest run of PROJECT, per junit family."""
    root = tmp_path_factory.mktemp("project")
    (root / "pytest.ini").write_text("[pytest]\n")
    for name, source in PROJECT.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(source))
    found = {}
    for family in ("xunit1", "xunit2"):
        report = root / f"{family}.xml"
        subprocess.run([sys.executable, "-m", "pytest", "pkg", "--continue-on-collection-errors", "-p",
                        "no:cacheprovider", f"--junitxml={report}", "-o", f"junit_family={family}"],
                       cwd=root, capture_output=True, check=False)
        found[family] = report.read_text(encoding="utf-8")
    return found


@pytest.mark.parametrize("family", ["xunit1", "xunit2"])
def test_each_test_gets_its_node_id_and_outcome(reports, family):
    tests = parse_report(reports[family])
    assert {test["id"]: test["outcome"] for test in tests} == EXPECTED
    assert count(tests) == {"tests": 8, "passed": 2, "failed": 3, "errors": 2, "skipped": 1}


def test_messages_durations_and_merged_teardown_errors(reports):
    tests = {test["id"]: test for test in parse_report(reports["xunit1"])}
    assert tests["pkg/tests/test_mixed.py::TestGroup::test_wrong"]["message"].startswith("AssertionError: arithmetic")
    assert tests["pkg/tests/test_mixed.py::TestGroup::test_ok"]["message"] == ""
    assert tests["pkg/tests/test_mixed.py::test_skipped"]["message"] == "not today"
    assert "the fixture broke" in tests["pkg/tests/test_mixed.py::test_uses_broken"]["message"]
    assert tests["pkg/tests/test_unimportable.py"]["message"] == (
        "collection failure: ModuleNotFoundError: No module named 'no_such_module_here'")
    # The call failed and the teardown erred: pytest writes two testcases, read as one failed test.
    assert tests["pkg/tests/test_mixed.py::test_fails_and_errs"]["message"].startswith("AssertionError: call failed")
    assert all(type(test["duration"]) is float and test["duration"] >= 0 for test in tests.values())


@pytest.mark.parametrize(("classname", "name", "file", "expected"), [
    ("tests.test_x", "test_y", "tests/test_x.py", "tests/test_x.py::test_y"),
    ("tests.test_x.TestA.TestB", "test_y[a-b]", "tests/test_x.py", "tests/test_x.py::TestA::TestB::test_y[a-b]"),
    ("tests.test_x.TestA", "test_y", None, "tests/test_x.py::TestA::test_y"),
    ("my.pkg.test_x", "test_y", "my.pkg/test_x.py", "my.pkg/test_x.py::test_y"),  # a dot in a folder's name
    ("", "tests.test_x", "tests/test_x.py", "tests/test_x.py"),
    ("", "tests.test_x", None, "tests/test_x.py"),
])
def test_node_ids_from_classname_name_and_file(classname, name, file, expected):
    assert node_id(classname, name, file) == expected


@pytest.mark.parametrize("text", ["", "<testsuites><testsuite>", "<html></html>"])
def test_what_is_not_a_report_is_refused(text):
    with pytest.raises(ReportError, match="JUnit XML report"):
        parse_report(text)


def test_a_report_of_one_testsuite_is_read_too():
    tests = parse_report('<testsuite name="x"><testcase classname="t" name="a" time="0.5"/></testsuite>')
    assert tests == [{"id": "t.py::a", "outcome": "passed", "duration": 0.5, "message": ""}]


def test_the_example_project_is_its_own_rootdir():
    example = Path(__file__).resolve().parents[3] / "examples" / "pytest-project"
    assert (example / "pytest.ini").is_file() and (example / "test_arithmetic.py").is_file()
