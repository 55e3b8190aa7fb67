"""The registry: missions and operations come from plugins, and clashes are never hidden."""

from __future__ import annotations

import pytest

from lifeos_core import (
    FixedClock,
    Mission,
    MissionRegistryEntry,
    PluginConflictError,
    StepSpec,
    UnknownMissionError,
    get_mission,
    hookimpl,
    list_missions,
    load_registry,
    reload_plugins,
    run_mission,
    use_registry,
)
from lifeos_core.plugins import active_registry


def greet_plan(params):
    return [StepSpec("greet", "runtime", {"operation": "greet", "name": params.get("name", "world")})]


def greet(state, payload, context):
    state["greeting"] = f"hello {payload['name']}"
    return state


GREET = Mission("greet", "Say hello.", greet_plan)


def test_missions_are_listed_sorted_with_their_origin(registry_with, pack):
    registry_with(
        greetings=pack([GREET], {"greet": greet}),
        zoo=pack([Mission("zebra", "Last in the alphabet.", lambda params: [])]),
    )
    assert list_missions() == ["greet", "zebra"]
    entry = get_mission("greet")
    assert isinstance(entry, MissionRegistryEntry)
    assert (entry.name, entry.description, entry.distribution, entry.version) == (
        "greet", "Say hello.", "greetings", "local"
    )


def test_run_mission_plans_and_runs(registry_with, pack):
    registry_with(greetings=pack([GREET], {"greet": greet}))
    result = run_mission("greet", {"name": "Ada"}, {"visits": 1})
    assert result.success is True
    assert result.final_state == {"visits": 1, "greeting": "hello Ada"}


def test_run_mission_passes_approvals_and_clock(registry_with, pack):
    def plan(params):
        return [StepSpec("ok", "human")]

    registry_with(gate=pack([Mission("gate", "One human gate.", plan)]))
    result = run_mission("gate", approvals={"ok": False}, clock=FixedClock("2030-05-06T07:08:09Z"))
    assert result.success is False
    assert result.receipt["start_time"] == "2030-05-06T07:08:09Z"


def test_an_unknown_mission_lists_what_is_installed_and_suggests(registry_with, pack):
    registry_with(greetings=pack([GREET], {"greet": greet}))
    with pytest.raises(UnknownMissionError, match=r"unknown mission 'gret' \(did you mean 'greet'\?\); installed: greet"):
        get_mission("gret")
    with pytest.raises(ValueError):
        run_mission("nothing-like-it")


def test_two_plugins_with_one_mission_name_is_an_error_naming_both(registry_with, pack):
    registry = registry_with(first=pack([GREET]), second=pack([Mission("greet", "Another.", greet_plan)]))
    assert "greet" not in list_missions()
    with pytest.raises(PluginConflictError, match=r"mission 'greet' is provided by more than one plugin \(first local and second local\)"):
        get_mission("greet")
    assert [conflict.name for conflict in registry.conflicts] == ["greet"]


def test_two_plugins_with_one_operation_name_is_an_error_naming_both(registry_with, pack):
    registry_with(greetings=pack([GREET], {"greet": greet}), copycat=pack(operations={"greet": greet}))
    with pytest.raises(PluginConflictError, match=r"operation 'greet' .* \(greetings local and copycat local\)"):
        run_mission("greet")


def test_a_plugin_may_not_redefine_a_builtin_operation(registry_with, pack):
    registry_with(rogue=pack(operations={"noop": lambda state, payload, context: {}}))
    with pytest.raises(PluginConflictError, match=r"operation 'noop' .*lifeos-core .* and rogue local"):
        run_mission_with_noop()


def run_mission_with_noop():
    from lifeos_core import Orchestrator, WorkflowDefinition

    return Orchestrator().run_workflow(WorkflowDefinition("wf", [StepSpec("a", "runtime")]))


def test_a_failing_hook_is_recorded_and_the_rest_still_loads(registry_with, pack):
    class Broken:
        @hookimpl
        def lifeos_register_missions(self, register):
            register(GREET)
            raise RuntimeError("database unreachable")

    registry = registry_with(broken=Broken(), fine=pack([Mission("fine", "Works.", lambda params: [])]))
    assert list_missions() == ["fine"]  # nothing half-registered from the broken plugin
    [failure] = registry.failures
    assert failure.origin.plugin == "broken"
    assert failure.error == "lifeos_register_missions failed: RuntimeError: database unreachable"
    with pytest.raises(UnknownMissionError, match=r"1 plugin\(s\) failed to load"):
        get_mission("greet")


def test_register_checks_what_it_is_given(registry_with):
    class Sloppy:
        @hookimpl
        def lifeos_register_missions(self, register):
            register({"name": "not a Mission"})

        @hookimpl
        def lifeos_register_operations(self, register):
            register("op", "not callable")

    registry = registry_with(sloppy=Sloppy())
    assert sorted(failure.error for failure in registry.failures) == [
        "lifeos_register_missions failed: TypeError: register() takes a lifeos_core.Mission, got dict",
        "lifeos_register_operations failed: TypeError: operation 'op' must be callable, got str",
    ]


def test_plugin_info_records_hooks_and_module(registry_with, pack):
    registry = registry_with(greetings=pack([GREET], {"greet": greet}))
    info = {plugin.origin.plugin: plugin for plugin in registry.plugins}
    assert info["greetings"].hooks == ("lifeos_register_missions", "lifeos_register_operations")
    assert info["lifeos_core"].origin.distribution == "lifeos-core"
    assert info["lifeos_core"].hooks == ("lifeos_register_operations",)


def test_the_installed_registry_is_loaded_once_and_can_be_reloaded():
    first = active_registry()
    assert active_registry() is first
    reloaded = reload_plugins()
    assert reloaded is not first and active_registry() is reloaded
    assert reloaded.mission_names() == first.mission_names()


def test_use_registry_overrides_and_restores():
    installed = active_registry()
    empty = load_registry(discover=False)
    with use_registry(empty):
        assert list_missions() == []
        assert "noop" in empty.operations  # the built-ins are always there
    assert active_registry() is installed
