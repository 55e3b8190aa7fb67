"""The documentation site builds strictly and includes every page."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_every_page_is_in_the_navigation():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    listed = {next(iter(entry.values())) for entry in config["nav"]}
    pages = {path.name for path in (ROOT / "docs").glob("*.md")}
    assert listed == pages


@pytest.mark.slow
def test_the_site_builds_strictly(tmp_path):
    if shutil.which("mkdocs", path=str(Path(sys.executable).parent)) is None:
        pytest.fail("mkdocs is not installed: pip install -e '.[dev]'")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "plugin-hooks" / "index.html").exists()


CONSOLE_BLOCK = re.compile(
    r"```console\n\$ lifeos (?P<args>[^\n]*)\n(?P<output>(?:(?!```).)*?)\[exit code (?P<code>\d+)\]\n```", re.S)


EXAMPLE_RECORD_ID = "c10e7bfd3983"
"""The record id the pages show where a command names the run it recorded (a
real id changes with the time it was recorded at)."""


def _reproducible(args: list[str]) -> bool:
    """Blocks whose output is the same on every run: not timed, not wall-clock, not
    writing files, not about records made by earlier blocks (their ids differ)."""
    if args[0] in {"plugins", "new"} or (args[0] == "run" and "--clock" not in args):
        return False
    if args[:2] in (["runs", "pending"], ["runs", "approve"], ["runs", "reject"]):
        return False
    if "--allow" in args:  # its effects record the resolved paths of this checkout: the receipt is the folder's own
        return False
    return all(not arg.endswith((".yaml", ".toml", ".json")) or (ROOT / arg).exists() for arg in args)


@pytest.mark.parametrize("name", ["cli.md", "quickstart.md"])
def test_the_command_examples_in_the_docs_show_real_output(monkeypatch, registry_with, name):
    """The pages show real output; LIFEOS_REGENERATE_DOCS=1 rewrites them from the installed packs."""
    from typer.testing import CliRunner

    from lifeos_core import load_registry
    from lifeos_core.cli import app

    installed = load_registry()
    if not {"echo", "daily_loop", "run_tests"} <= set(installed.missions):
        pytest.skip("the standard packs are not installed")
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("LIFEOS_USER", "ana")
    page = ROOT / "docs" / name
    text = page.read_text()
    from lifeos_core import use_registry

    def actual(match: re.Match) -> str:
        args = shlex.split(match["args"])
        if not _reproducible(args):
            return match[0]
        with use_registry(installed):
            result = CliRunner().invoke(app, args)
        # The ledger line names a fresh record id and path on every run; the page explains it instead.
        output = "".join(line for line in result.output.splitlines(True) if not line.startswith("recorded as "))
        output = re.sub(r"(lifeos runs (?:approve|reject) )[0-9a-f]{12}", rf"\g<1>{EXAMPLE_RECORD_ID}", output)
        return f"```console\n$ lifeos {match['args']}\n{output}[exit code {result.exit_code}]\n```"

    expected = CONSOLE_BLOCK.sub(actual, text)
    if os.environ.get("LIFEOS_REGENERATE_DOCS") == "1":
        page.write_text(expected)
    assert text == expected, f"docs/{name} is stale: run LIFEOS_REGENERATE_DOCS=1 pytest tests/test_docs.py"


PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def test_the_python_api_page_names_every_public_name():
    import lifeos_core

    page = (ROOT / "docs" / "python-api.md").read_text()
    missing = [name for name in lifeos_core.__all__ if f"`{name}" not in page]
    assert missing == []


@pytest.mark.parametrize("number", range(len(PYTHON_BLOCK.findall((ROOT / "docs" / "python-api.md").read_text()))))
def test_the_python_api_examples_run(number, tmp_path, monkeypatch, capsys):
    from lifeos_core import load_registry

    if "echo" not in load_registry().missions:
        pytest.skip("the echo pack is not installed")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LIFEOS_LEDGER", str(tmp_path / "ledger.sqlite3"))
    code = PYTHON_BLOCK.findall((ROOT / "docs" / "python-api.md").read_text())[number]
    exec(compile(code, f"docs/python-api.md block {number + 1}", "exec"), {})
