"""A tiny pytest suite for the run_tests mission to run: one test passes, one fails on purpose.

    lifeos run run_tests -p target=examples/pytest-project --allow run:.venv/bin/python

gives 1 passed, 1 failed, and the mission fails naming the failing test. lifeos's own
suite does not collect this file (examples/conftest.py leaves this folder out).
"""


def add(a: int, b: int) -> int:
    return a + b


def test_addition_adds():
    assert add(2, 2) == 4


def test_addition_is_wrong_on_purpose():
    assert add(2, 2) == 5, "2 + 2 is 4: this test fails on purpose"
