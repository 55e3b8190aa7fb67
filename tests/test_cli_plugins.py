"""``lifeos plugins``: what each plugin provides, what failed, and what clashes."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from lifeos_core import Mission, StepSpec, hookimpl
from lifeos_core.cli import app

runner = CliRunner()
HELLO = Mission("hello", "Say hello.", lambda params: [StepSpec("hi", "runtime", {"operation": "wave"})])


def wave(state, payload, context):
    """Wave at the state."""
    return state


class Broken:
    @hookimpl
    def lifeos_register_operations(self, register):
        raise RuntimeError("cannot reach the config server")


def test_plugins_json_lists_everything(registry_with, pack):
    registry_with(greeter=pack([HELLO], {"wave": wave}), copycat=pack(operations={"wave": wave}), broken=Broken())
    data = json.loads(runner.invoke(app, ["plugins", "--json"]).stdout)
    by_name = {plugin["name"]: plugin for plugin in data["plugins"]}
    assert by_name["lifeos_core"]["distribution"] == "lifeos-core"
    assert by_name["lifeos_core"]["operations"] == ["fail", "noop", "set"]
    assert by_name["lifeos_core"]["effect_kinds"] == ["read_text", "list_files", "run", "http", "write_text"]
    assert by_name["greeter"].pop("module") == "lifeos_core.testing"  # where the Plugin class lives
    assert by_name["greeter"].pop("load_ms") >= 0 and by_name["greeter"].pop("slow") is False
    assert by_name["greeter"] == {
        "name": "greeter", "distribution": "greeter", "version": "local",
        "hooks": ["lifeos_register_missions", "lifeos_register_operations"],
        "missions": ["hello"], "operations": [],  # 'wave' is claimed twice, so nobody gets it
        "effect_kinds": [], "effects_needed": {},
    }
    assert data["failed"] == [{"name": "broken", "distribution": "broken", "version": "local", "mission": None,
                               "error": "lifeos_register_operations failed: RuntimeError: cannot reach the config server"}]
    assert data["conflicts"][0]["name"] == "wave"
    assert data["conflicts"][0]["providers"] == ["greeter local", "copycat local"]


def test_plugins_for_people(registry_with, pack):
    registry_with(greeter=pack([HELLO], {"wave": wave}), broken=Broken())
    result = runner.invoke(app, ["plugins"])
    assert result.exit_code == 0
    out = result.stdout
    assert "greeter greeter local" in out
    assert "  missions: hello" in out
    assert "  operations: wave" in out
    assert "failed broken broken local: lifeos_register_operations failed: RuntimeError" in out
