"""A mission checks what it reads before it runs, and says what it did when it ends.

Examples of use: ``Mission(check_inputs=...)`` reads the mission's files
through effects with the run's grants; every problem it finds is its own
``error:`` line and exit 2, with nothing run or recorded; its warnings are
printed and the run goes on. ``Mission(summary=...)`` is printed after a
finished run (called with ``step_id=None``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from lifeos_core import Mission, MissionInputError, Param, StepFailed, StepSpec
from lifeos_core.cli import app

runner = CliRunner()


def _numbers(text: str, shown: str) -> tuple[list[int], list[str]]:
    numbers, problems = [], []
    for line_number, line in enumerate(text.splitlines(), 1):
        if line.strip().isdigit():
            numbers.append(int(line))
        elif line.strip():
            problems.append(f"{shown}:{line_number}: {line.strip()!r} is not a whole number")
    return numbers, problems


def check(params: Any, state: Any, effects: Any) -> list[str]:
    numbers, problems = _numbers(effects.read_text(params["file"]), params["file"])
    if problems:
        raise MissionInputError(problems)
    return [f"{params['file']}: only {len(numbers)} number(s)"] if len(numbers) < 2 else []


def add_up(state: dict[str, Any], payload: dict[str, Any], context: Any) -> dict[str, Any]:
    numbers, problems = _numbers(context.effects.read_text(context.params["file"]), context.params["file"])
    if problems:
        raise StepFailed("; ".join(problems))
    state["total"] = sum(numbers)
    return state


def told(state: Any, step_id: str | None) -> str:
    return f"the numbers add up to {state.get('total')}" if step_id is None else "about to add"


SUM = Mission("sum", "Add up the numbers in a file.",
              lambda params: [StepSpec("add", "runtime", {"operation": "sum.add"})],
              params=(Param("file", str),), check_inputs=check, summary=told,
              effects={"read": "the file of numbers (the file param)"})


@pytest.fixture
def numbers_file(registry_with: Any, pack: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    registry_with(sums=pack([SUM], {"sum.add": add_up}))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "numbers.txt"


def recorded() -> list[Any]:
    return json.loads(runner.invoke(app, ["runs", "list", "--json"]).stdout)


def test_every_problem_is_reported_before_anything_runs(numbers_file: Path) -> None:
    numbers_file.write_text("1\ntwo\n3\nfour\n")
    result = runner.invoke(app, ["run", "sum", "-p", "file=numbers.txt", "--allow", "read:numbers.txt"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: numbers.txt:2: 'two' is not a whole number",
        "error: numbers.txt:4: 'four' is not a whole number",
        "error: 2 problems in what mission 'sum' reads; nothing was run",
    ]
    assert recorded() == []


def test_a_missing_grant_is_bad_input_too(numbers_file: Path) -> None:
    numbers_file.write_text("1\n2\n")
    result = runner.invoke(app, ["run", "sum", "-p", "file=numbers.txt"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"error: effect read_text({str(numbers_file)!r}) is not granted; allow it with "
                                     f"--allow read:{numbers_file}")
    assert recorded() == []


def test_warnings_are_shown_and_the_run_goes_on_and_says_what_it_did(numbers_file: Path) -> None:
    numbers_file.write_text("40\n")
    result = runner.invoke(app, ["run", "sum", "-p", "file=numbers.txt", "--allow", "read:numbers.txt"])
    assert result.exit_code == 0, result.output
    assert "warning: numbers.txt: only 1 number(s)" in result.stderr
    assert "the numbers add up to 40" in result.stdout
    assert len(recorded()) == 1


def test_a_broken_check_is_the_packs_bug_named_as_such(registry_with: Any, pack: Any, tmp_path: Path) -> None:
    def snoop(params: Any, state: Any, effects: Any) -> list[str]:
        with open(tmp_path / "notes.txt", "w") as handle:  # past the effects: the envelope stops it
            handle.write("checked")
        return []

    def crash(params: Any, state: Any, effects: Any) -> list[str]:
        raise KeyError("oops")

    for name, checker, says in (("snoop", snoop, "it tried"), ("crash", crash, "KeyError")):
        mission = Mission(name, "Checks badly.", lambda params: [StepSpec("go", "runtime")], check_inputs=checker)
        registry_with(broken=pack([mission]))
        result = runner.invoke(app, ["run", name, "--no-record"])
        assert result.exit_code == 2
        assert f"mission {name!r}" in result.stderr and "failed while checking its inputs" in result.stderr
        assert says in result.stderr
    assert not (tmp_path / "notes.txt").exists()


def test_the_python_api_leaves_the_check_to_the_steps(numbers_file: Path) -> None:
    from lifeos_core import EffectPolicy, run_mission

    numbers_file.write_text("1\nx\n")
    result = run_mission("sum", {"file": str(numbers_file)}, {}, effects=EffectPolicy([f"read:{numbers_file}"]))
    assert not result.success
    assert "'x' is not a whole number" in result.error_message


def test_mission_input_error_keeps_every_problem() -> None:
    error = MissionInputError(["a.md:1: bad", "a.md:2: worse", "a.md:9: worst"])
    assert error.problems == ("a.md:1: bad", "a.md:2: worse", "a.md:9: worst")
    assert str(error) == "a.md:1: bad (and 2 more problems)"
    with pytest.raises(ValueError):
        MissionInputError([])


def test_a_check_that_returns_something_else_than_warnings_is_the_packs_bug(registry_with: Any, pack: Any) -> None:
    for returned in (True, 5, {"a": 1}, "one line"):
        mission = Mission("odd", "Returns oddly.", lambda params: [StepSpec("go", "runtime")],
                          check_inputs=lambda params, state, effects, returned=returned: returned)
        registry_with(odd=pack([mission]))
        result = runner.invoke(app, ["run", "odd", "--no-record"])
        assert result.exit_code == 2, (returned, result.output)
        assert "returned something other than a list of warnings" in result.stderr
