"""``lifeos new pack``: a complete pack from a name, never over existing files."""

from __future__ import annotations

import ast

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import pytest
from typer.testing import CliRunner

from lifeos_core.cli import app
from lifeos_core.cli.scaffold import ScaffoldError, core_requirement, default_mission, pack_files, write_pack

runner = CliRunner()


def test_the_files_of_a_pack():
    files = pack_files("lifeos-mission-water")
    assert sorted(files) == [".gitignore", "README.md", "lifeos_mission_water/__init__.py", "pyproject.toml",
                             "tests/test_water.py"]
    project = tomllib.loads(files["pyproject.toml"])["project"]
    assert project["name"] == "lifeos-mission-water"
    assert project["entry-points"]["lifeos"] == {"water": "lifeos_mission_water"}
    assert project["dependencies"] == [core_requirement()]
    for path in ("lifeos_mission_water/__init__.py", "tests/test_water.py"):
        ast.parse(files[path])  # valid Python
    assert 'register("water.add", add)' in files["lifeos_mission_water/__init__.py"]


def test_names_and_ranges():
    assert default_mission("lifeos-mission-water") == "water"
    assert default_mission("Acme.Tools") == "acme_tools"
    assert core_requirement("0.1.0") == "lifeos-core>=0.1,<0.2"
    assert core_requirement("1.4.2") == "lifeos-core>=1.4,<2"
    assert "tests/test_standup.py" in pack_files("acme-missions", mission="standup")


@pytest.mark.parametrize(("name", "mission", "message"), [
    ("-bad", None, "is not a valid distribution name"),
    ("good", "9lives", "is not a valid mission name"),
])
def test_bad_names_are_refused(name, mission, message):
    with pytest.raises(ScaffoldError, match=message):
        pack_files(name, mission)


def test_an_existing_folder_with_files_is_never_touched(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(ScaffoldError, match="already exists and is not empty"):
        write_pack(tmp_path, pack_files("lifeos-mission-water"))
    assert [path.name for path in tmp_path.iterdir()] == ["keep.txt"]


def test_the_command(tmp_path):
    target = tmp_path / "packs" / "water"
    result = runner.invoke(app, ["new", "pack", "lifeos-mission-water", "--dir", str(target)])
    assert result.exit_code == 0, result.output
    assert (target / "lifeos_mission_water" / "__init__.py").exists()
    assert 'pip install -e ".[test]" && pytest' in result.stdout
    again = runner.invoke(app, ["new", "pack", "lifeos-mission-water", "--dir", str(target)])
    assert again.exit_code == 2
    assert again.stderr.startswith("error: ") and "already exists and is not empty" in again.stderr
    bad = runner.invoke(app, ["new", "pack", "no way", "--dir", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "is not a valid distribution name" in bad.stderr


def test_the_authoring_guide_shows_exactly_what_the_scaffold_writes():
    import re
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[1] / "docs" / "authoring.md").read_text()
    shown = dict(re.findall(r"<!-- scaffold: (\S+) -->\n```\w+\n(.*?)```", guide, re.S))
    files = pack_files("lifeos-mission-water")
    assert set(shown) == {"pyproject.toml", "lifeos_mission_water/__init__.py", "tests/test_water.py"}
    for path, text in shown.items():
        assert text == files[path], f"docs/authoring.md shows another {path} than `lifeos new pack` writes"
    assert core_requirement() in guide
