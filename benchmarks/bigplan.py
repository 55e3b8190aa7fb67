"""A large test plan for the benchmarks, as JSON and as YAML, and the same checks as a pytest file.

Half the scenarios run ``echo`` and check the message it echoes, half run
``daily_loop`` on eight tasks and check that it succeeds: the plan a person
would write to test those missions, 10,000 scenarios long. The pytest file
does exactly the same checks with ``run_mission`` and ``@pytest.mark.parametrize``
over the JSON plan (its fastest way to read it): what a user would write
without lifeos's harness.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

TASKS = [{"id": f"t{index}", "title": f"task {index}", "priority": ["high", "medium", "low"][index % 3],
          "estimate_minutes": 15 + index} for index in range(8)]

PYTEST_FILE = '''
import json
from pathlib import Path

import pytest

from lifeos_core import FixedClock, run_mission

SCENARIOS = json.loads((Path(__file__).parent / "plan.json").read_text())["scenarios"]


def found(result, path):
    value = result.to_dict()
    for part in path.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[scenario["scenario_name"] for scenario in SCENARIOS])
def test_scenario(scenario):
    call = scenario["missions"][0]
    clock = FixedClock(scenario["clock"]) if "clock" in scenario else None
    result = run_mission(call["name"], call.get("params"), scenario["initial_state"], clock=clock)
    for expectation in scenario["expectations"]:
        assert found(result, expectation["path"]) == expectation["expected"]
'''


def plan(count: int) -> dict[str, Any]:
    scenarios = []
    for index in range(count):
        if index % 2:
            scenarios.append({
                "scenario_name": f"s{index}", "initial_state": {"seen": index},
                "missions": [{"name": "echo", "params": {"message": f"m{index}"}}],
                "expectations": [{"id": f"e{index}", "mission_name": "echo", "path": "final_state.echo.message",
                                  "op": "eq", "expected": f"m{index}"}]})
        else:
            scenarios.append({
                "scenario_name": f"s{index}", "clock": "2026-11-23T08:00:00Z", "initial_state": {"tasks": TASKS},
                "missions": [{"name": "daily_loop"}],
                "expectations": [{"id": f"e{index}", "mission_name": "daily_loop", "path": "success", "op": "eq",
                                  "expected": True}]})
    return {"suite_name": "bench", "scenarios": scenarios}


def write(folder: Path, count: int) -> dict[str, Path]:
    """``plan.json``, ``plan.lifeos.yaml`` (the same plan) and ``test_plan.py`` in ``folder``."""
    data = plan(count)
    paths = {"json": folder / "plan.json", "yaml": folder / "plan.lifeos.yaml", "pytest": folder / "test_plan.py"}
    paths["json"].write_text(json.dumps(data))
    paths["yaml"].write_text(yaml.safe_dump(data, sort_keys=False))
    paths["pytest"].write_text(PYTEST_FILE)
    return paths
