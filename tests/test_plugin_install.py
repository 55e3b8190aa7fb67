"""A mission pack is found by installing it and lost by uninstalling it.

These tests build real wheels and install them into a fresh virtual
environment beside lifeos-core, the way a user does with pip. The wheels and
the environment are built once per session; installs use --no-index.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]

PACK_PYPROJECT = """\
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "lifeos-mission-tide"
version = "2.3.4"
requires-python = ">=3.10"
dependencies = ["lifeos-core"]

[project.entry-points.lifeos]
tide = "lifeos_mission_tide"

[tool.setuptools]
py-modules = ["lifeos_mission_tide"]
"""

PACK_MODULE = '''\
from lifeos_core import Mission, Param, StepSpec, hookimpl


def rise(state, payload, context):
    state["level"] = state.get("level", 0) + payload["by"]
    return state


MISSION = Mission(
    "tide",
    "Raise the water level.",
    lambda params: [StepSpec("rise", "runtime", {"operation": "tide.rise", "by": params["by"]})],
    params=(Param("by", int, default=1),),
)


@hookimpl
def lifeos_register_missions(register):
    register(MISSION)


@hookimpl
def lifeos_register_operations(register):
    register("tide.rise", rise)
'''

PROBE = """\
import json, lifeos_core
names = lifeos_core.list_missions()
result = lifeos_core.run_mission("tide", {"by": 3}, {"level": 1}) if "tide" in names else None
entry = lifeos_core.get_mission("tide") if "tide" in names else None
print(json.dumps({
    "missions": names,
    "final_state": result.final_state if result else None,
    "origin": [entry.distribution, entry.version] if entry else None,
}))
"""


def pip(*args: str | Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *map(str, args)],
                   check=True, capture_output=True, text=True)


def build_wheels(source: Path, wheel_dir: Path, *, with_dependencies: bool = False) -> None:
    """Build from a copy of ``source``, so the build leaves nothing in the tree."""
    scratch = wheel_dir.parent / f"build-{source.name}"
    shutil.copytree(source, scratch, ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", "tests", "plugins"))
    deps = [] if with_dependencies else ["--no-deps"]
    pip("wheel", *deps, "--no-build-isolation", "--quiet", "--wheel-dir", wheel_dir, scratch)


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels of lifeos-core and everything it depends on."""
    folder = tmp_path_factory.mktemp("wheelhouse")
    build_wheels(ROOT, folder, with_dependencies=True)
    return folder


@pytest.fixture(scope="session")
def fresh_env(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> Path:
    """A new virtual environment holding only lifeos-core and its dependencies."""
    target = tmp_path_factory.mktemp("fresh") / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    pip("--python", python, "install", "--quiet", "--no-index", "--find-links", wheelhouse, "lifeos-core")
    return python


@pytest.fixture(scope="session")
def pack_wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("pack-source")
    (source / "pyproject.toml").write_text(PACK_PYPROJECT)
    (source / "lifeos_mission_tide.py").write_text(PACK_MODULE)
    folder = tmp_path_factory.mktemp("pack-wheels")
    build_wheels(source, folder)
    return folder


def probe(python: Path) -> dict:
    output = subprocess.run([str(python), "-c", PROBE], check=True, capture_output=True, text=True).stdout
    return json.loads(output)


def check_console_script(lifeos: Path) -> None:
    """The installed `lifeos` command, run as a user runs it."""

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(lifeos), *args], capture_output=True, text=True)

    listing = run("missions", "list")
    assert listing.returncode == 0
    assert listing.stdout.splitlines()[1].split()[:3] == ["tide", "1", "(0"]
    assert "lifeos-mission-tide 2.3.4" in listing.stdout
    assert run("--version").stdout.startswith("lifeos ")
    ran = run("run", "tide", "--param", "by=2", "--json")
    assert ran.returncode == 0
    assert json.loads(ran.stdout)["final_state"] == {"level": 2}
    unknown = run("run", "tidal")
    assert unknown.returncode == 2
    assert unknown.stderr == "error: unknown mission 'tidal' (did you mean 'tide'?); installed: tide\n"


def test_installing_a_pack_adds_its_mission_and_uninstalling_removes_it(fresh_env, wheelhouse, pack_wheels):
    assert probe(fresh_env)["missions"] == []

    pip("--python", fresh_env, "install", "--quiet", "--no-index",
        "--find-links", wheelhouse, "--find-links", pack_wheels, "lifeos-mission-tide")
    try:
        installed = probe(fresh_env)
        assert installed == {
            "missions": ["tide"], "final_state": {"level": 4}, "origin": ["lifeos-mission-tide", "2.3.4"]
        }
        check_console_script(fresh_env.parent / "lifeos")
    finally:
        pip("--python", fresh_env, "uninstall", "--yes", "--quiet", "lifeos-mission-tide")
    assert probe(fresh_env)["missions"] == []


def test_the_standard_packs_install_from_their_own_folders(fresh_env, wheelhouse, tmp_path):
    folder = tmp_path / "standard"
    for name in ("lifeos-mission-echo", "lifeos-mission-daily-loop", "lifeos-mission-run-tests"):
        build_wheels(ROOT / "plugins" / name, folder)
    pip("--python", fresh_env, "install", "--quiet", "--no-index", "--find-links", wheelhouse,
        "--find-links", folder, "lifeos-mission-echo", "lifeos-mission-daily-loop", "lifeos-mission-run-tests")
    try:
        script = textwrap.dedent("""\
            import json, lifeos_core
            result = lifeos_core.run_mission("daily_loop", {"date": "2026-01-05"}, {"tasks": [{"id": 1, "title": "t"}]})
            print(json.dumps([lifeos_core.list_missions(), result.success]))
        """)
        output = subprocess.run([str(fresh_env), "-c", script], check=True, capture_output=True, text=True).stdout
        assert json.loads(output) == [["daily_loop", "echo", "run_tests"], True]
    finally:
        pip("--python", fresh_env, "uninstall", "--yes", "--quiet",
            "lifeos-mission-echo", "lifeos-mission-daily-loop", "lifeos-mission-run-tests")
