"""``lifeos new pack``: the files of a new mission pack, ready to install and test.

:func:`pack_files` is pure (a name in, file contents out); :func:`write_pack`
writes them, refusing to touch a folder that already holds anything.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import LifeosError
from ..version import __version__

_DIST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
_MISSION = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class ScaffoldError(LifeosError, ValueError):
    """A pack cannot be created with the name or folder given."""


def core_requirement(version: str = __version__) -> str:
    """The lifeos-core range a new pack depends on: this minor series (0.x) or major."""
    parts = re.findall(r"\d+", version)
    major, minor = (int(parts[0]), int(parts[1])) if len(parts) >= 2 else (0, 1)
    upper = f"{major}.{minor + 1}" if major == 0 else f"{major + 1}"
    return f"lifeos-core>={major}.{minor},<{upper}"


def module_name(distribution: str) -> str:
    return re.sub(r"[-.]+", "_", distribution).lower()


def default_mission(distribution: str) -> str:
    """``lifeos-mission-water`` gives ``water``; ``acme-tools`` gives ``acme_tools``."""
    name = module_name(distribution)
    for prefix in ("lifeos_", "mission_"):
        if name.startswith(prefix) and len(name) > len(prefix):
            name = name[len(prefix):]
    return name


def pack_files(distribution: str, mission: str | None = None) -> dict[str, str]:
    """The files of a new pack, by path relative to the pack folder."""
    if not _DIST.match(distribution):
        raise ScaffoldError(f"{distribution!r} is not a valid distribution name; use letters, digits, '-', '_' "
                            "and '.', starting and ending with a letter or digit (e.g. lifeos-mission-water)")
    module = module_name(distribution)
    mission = mission or default_mission(distribution)
    if not _MISSION.match(mission):
        raise ScaffoldError(f"{mission!r} is not a valid mission name; use letters, digits and '_', starting "
                            "with a letter (e.g. water)")
    values = {"dist": distribution, "module": module, "mission": mission, "core": core_requirement()}
    return {path.format(**values): template.format(**values) for path, template in _TEMPLATES.items()}


def write_pack(folder: str | Path, files: dict[str, str]) -> list[Path]:
    """Write ``files`` under ``folder``; refuse if ``folder`` exists and is not empty."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ScaffoldError(f"{folder} already exists and is not empty; choose another --dir or remove it")
    written = []
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


_PYPROJECT = '''[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "{dist}"
version = "0.1.0"
description = "The {mission} mission for lifeos."
readme = "README.md"
requires-python = ">=3.10"
dependencies = ["{core}"]

[project.optional-dependencies]
test = ["pytest>=8"]

[project.entry-points.lifeos]
{mission} = "{module}"

[tool.setuptools]
packages = ["{module}"]
'''

_MODULE = '''"""The ``{mission}`` mission: keep a running total, one confirmed entry at a time.

A starting point: rename the operation, change the plan, declare your params.
lifeos's authoring guide (docs/authoring.md) has the rules a mission follows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable

from lifeos_core import Mission, Param, StepSpec, hookimpl


def add(state: dict[str, Any], payload: dict[str, Any], context: Any) -> dict[str, Any]:
    """Add the step's amount to the running total, noting the run's time."""
    record = state.setdefault("{mission}", {{"total": 0, "entries": []}})
    record["total"] += payload["amount"]
    record["entries"].append({{"amount": payload["amount"], "at": context.now().isoformat()}})
    return state


def plan(params: Mapping[str, Any]) -> list[StepSpec]:
    return [
        StepSpec("add", "runtime", {{
            "operation": "{mission}.add",
            "amount": params["amount"],
            "description": "Add the amount to the running total",
        }}),
        StepSpec("confirm", "human", {{"description": "Confirm the new total"}}),
    ]


MISSION = Mission(
    name="{mission}",
    description="Keep a running total, one confirmed entry at a time.",
    plan=plan,
    params=(Param("amount", int, default=1, minimum=1, help="how much to add"),),
    reads={{"{mission}": "the running total and its entries (the mission starts one when there is none)"}},
)


@hookimpl
def lifeos_register_missions(register: Callable[[Mission], None]) -> None:
    register(MISSION)


@hookimpl
def lifeos_register_operations(register: Callable[..., None]) -> None:
    register("{mission}.add", add)
'''

_TESTS = '''"""Tests of the {mission} mission, with the fixture and helpers of lifeos_core.testing."""

from __future__ import annotations

import pytest

import {module}
from lifeos_core import FixedClock, reload_plugins, run_mission
from lifeos_core.testing import assert_deterministic, assert_rejects_params, assert_within_limits


@pytest.fixture(autouse=True)
def only_this_pack(lifeos_registry):
    lifeos_registry({module})


def test_adds_to_the_running_total():
    start = {{"{mission}": {{"total": 4, "entries": []}}}}
    result = run_mission("{mission}", {{"amount": 3}}, start, clock=FixedClock("2026-01-05T09:00:00Z"))
    assert result.success
    assert result.final_state["{mission}"] == {{
        "total": 7, "entries": [{{"amount": 3, "at": "2026-01-05T09:00:00+00:00"}}],
    }}
    assert result.receipt["human_steps"] == [{{"id": "confirm", "status": "awaiting_attestation"}}]


def test_is_deterministic():
    assert_deterministic("{mission}", {{"amount": 2}}, {{}})


def test_stays_within_the_limits():
    assert_within_limits("{mission}", [{{}}, {{"amount": 1}}, {{"amount": 1000}}])


def test_rejects_bad_params():
    assert_rejects_params("{mission}", {{"amount": 0}}, match="amount")


def test_is_found_through_its_entry_point():
    # Needs the pack installed: pip install -e .
    registry = reload_plugins()
    assert registry.missions["{mission}"].distribution == "{dist}"
'''

_README = '''# {dist}

The `{mission}` mission for lifeos.

```console
pip install -e ".[test]"
lifeos missions show {mission}
lifeos run {mission} --param amount=3 --approve confirm
pytest
```

`pip install` needs lifeos-core ({core}). In the environment lifeos is installed in, it
is there already; in a new virtual environment, point pip at a folder holding a
lifeos-core wheel (`python3 dev.py wheels` in the lifeos repository builds one into
its `dist/`): `pip install --find-links /path/to/lifeos/dist -e ".[test]"`.
'''

_GITIGNORE = '''__pycache__/
*.egg-info/
build/
dist/
.pytest_cache/
'''

_TEMPLATES = {
    "pyproject.toml": _PYPROJECT,
    "README.md": _README,
    ".gitignore": _GITIGNORE,
    "{module}/__init__.py": _MODULE,
    "tests/test_{mission}.py": _TESTS,
}
