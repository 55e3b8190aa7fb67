"""`lifeos run` without Typer: the quick path reads what Typer reads, and leaves the rest to it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lifeos_core import Mission, Param, StepSpec
from lifeos_core.cli import app, main
from lifeos_core.cli.running import RUN_OPTIONS, quick_arguments


def bump(state, payload, context):
    state["count"] = state.get("count", 0) + payload["by"]
    return state


COUNTER = Mission("counter", "Count up.", lambda params: [
    StepSpec("bump", "runtime", {"operation": "bump", "by": params["by"]}),
    StepSpec("check", "human", {"description": "Is the count right?"}),
], params=(Param("by", int, default=1),))


@pytest.fixture(autouse=True)
def installed(registry_with, pack, tmp_path, monkeypatch):
    registry_with(counting=pack([COUNTER], {"bump": bump}))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "state.json").write_text('{"count": 5}')


def test_the_quick_path_knows_every_option_typer_declares_and_no_other():
    import typer.main

    command = typer.main.get_command(app).commands["run"]
    declared = {}
    for parameter in command.params:
        if parameter.param_type_name != "option" or parameter.name == "help":
            continue
        kind = "flag" if parameter.is_flag else "values" if parameter.multiple else "value"
        for flag in (*parameter.opts, *parameter.secondary_opts):
            declared[flag] = (parameter.name, kind)
    assert declared == RUN_OPTIONS


def by_typer(arguments):
    result = CliRunner().invoke(app, ["run", *arguments])
    return result.exit_code, result.stdout, result.stderr


def by_the_quick_path(arguments, monkeypatch, capsys):
    assert quick_arguments(arguments) is not None
    monkeypatch.setattr(sys, "argv", ["lifeos", "run", *arguments])
    with pytest.raises(SystemExit) as ended:
        main()
    captured = capsys.readouterr()
    return ended.value.code, captured.out, captured.err


@pytest.mark.parametrize("arguments", [
    ["counter", "--no-record", "--clock", "2026-01-01T00:00:00Z"],
    ["counter", "-p", "by=3", "--param=by=4", "--approve", "check", "--no-record", "--clock=2026-01-01T00:00:00Z"],
    ["counter", "--state", "state.json", "--yes", "--json", "--no-record", "--clock", "2026-01-01T00:00:00Z"],
    ["counter", "--reject", "check", "-q", "--no-record", "--clock", "2026-01-01T00:00:00Z"],
    ["counter", "-v", "--save-state", "out.yaml", "--no-record", "--clock", "2026-01-01T00:00:00Z"],
    ["counter", "--quiet", "--verbose", "--no-record"],
    ["counter", "-p", "bye=2", "--no-record"],
    ["countr", "--no-record"],
    ["counter", "--format", "xml", "--no-record"],
    ["counter", "--state", "missing.json", "--no-record"],
    ["counter", "--ledger", "book.sqlite3", "--clock", "2026-01-01T00:00:00Z", "--yes"],
])
def test_the_quick_path_does_what_typer_does(arguments, monkeypatch, capsys):
    quick = by_the_quick_path(arguments, monkeypatch, capsys)
    for produced in ("out.yaml", "book.sqlite3"):  # both paths start from the same files
        Path(produced).unlink(missing_ok=True)
    typed = by_typer(arguments)
    normalise = (lambda text: "\n".join(line for line in text.splitlines() if not line.startswith("recorded as ")))
    assert (quick[0], quick[1], normalise(quick[2])) == (typed[0], typed[1], normalise(typed[2]))


@pytest.mark.parametrize("arguments", [
    ["--help"], ["counter", "--help"], ["counter", "-h"], [], ["counter", "extra"], ["counter", "--nope"],
    ["counter", "-pby=3"], ["counter", "-qy"], ["counter", "--yes=1"], ["counter", "--param"], ["counter", "--"],
    ["--no-record"],
])
def test_what_the_quick_path_does_not_read_is_left_to_typer(arguments):
    assert quick_arguments(arguments) is None


def test_a_plain_run_imports_neither_typer_nor_rich_nor_pydantic(tmp_path):
    code = ("import sys; sys.argv = ['lifeos', 'run', 'echo', '--no-record', '-p', 'message=hi']\n"
            "from lifeos_core.cli import main\n"
            "try:\n    main()\nexcept SystemExit as end:\n    code = end.code\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'typer', 'rich', 'pydantic', 'click'})\n"
            "print(code, heavy, file=sys.stderr)\n")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                               env={**os.environ, "LIFEOS_LEDGER": str(tmp_path / "l.sqlite3")})
    if "unknown mission 'echo'" in completed.stderr:
        pytest.skip("the echo pack is not installed")
    assert completed.stderr.strip().splitlines()[-1] == "0 []"
    assert "echo succeeded" in completed.stdout
