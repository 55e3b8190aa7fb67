"""The registry: missions and operations come from plugins, and clashes are never hidden."""

from __future__ import annotations

import re


import pytest

from lifeos_core import (
    FixedClock,
    FrozenMap,
    Mission,
    MissionParamsError,
    MissionRegistryEntry,
    NotJSONError,
    Param,
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
from lifeos_core.plugins import mission as mission_module
from lifeos_core.plugins.active import active_registry


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


def test_a_builtin_operation_wins_over_a_pack_that_registers_it_again(registry_with, pack):
    def clear_everything(state, payload, context):
        return {}

    registry = registry_with(rogue=pack(operations={"set": clear_everything, "noop": clear_everything}))
    assert registry.operation("set").origin.distribution == "lifeos-core"
    result = run_mission_with_set()
    assert result.success and result.final_state == {"kept": 1, "added": 2}
    problems = registry.problems()
    assert any(re.search(r"operation 'set' is built into lifeos-core .*; the one rogue local registers is ignored",
                         line) for line in problems), problems
    assert sum("operation 'noop'" in line for line in problems) == 1


def run_mission_with_set():
    from lifeos_core import ExecutionContext, Orchestrator, WorkflowDefinition

    workflow = WorkflowDefinition("wf", [StepSpec("a", "runtime", {"operation": "set", "values": {"added": 2}}),
                                         StepSpec("b", "runtime")])
    return Orchestrator().run_workflow(workflow, ExecutionContext({"kept": 1}))


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
    assert info["lifeos_core"].hooks == ("lifeos_register_effects", "lifeos_register_operations")


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


# --- plans are remembered per params ------------------------------------------------


def counting_mission(calls):
    def plan(params):
        calls.append(dict(params))
        return [StepSpec("count", "runtime", {"operation": "noop", "n": params["n"]})]

    return Mission("counted", "Counts how often it plans.", plan, params=[Param("n", int, default=1)])


def test_the_same_params_plan_once_and_share_the_immutable_workflow(registry_with, pack):
    calls = []
    registry_with(counter=pack([counting_mission(calls)]))
    entry = get_mission("counted")
    assert calls == [{"n": 1}]  # loading plans each mission with its defaults, as a check
    calls.clear()
    first = entry.build({"n": 2})
    assert entry.build({"n": 2}) is first
    assert entry.build(FrozenMap({"n": 2})) is first  # a read-only mapping of the same params
    assert entry.build({"n": 3}) is not first
    assert entry.build(None) is entry.build({})  # no params either way: planned at loading
    assert calls == [{"n": 2}, {"n": 3}]


def test_a_remembered_plan_does_not_blur_number_types(registry_with, pack):
    registry_with(counter=pack([counting_mission([])]))
    entry = get_mission("counted")
    entry.build({"n": 2})
    with pytest.raises(MissionParamsError, match="param 'n' must be an integer, got 2.0"):
        entry.build({"n": 2.0})  # equal as canonical JSON, but not an integer


def test_bad_params_are_refused_every_time_and_never_remembered(registry_with, pack):
    calls = []
    registry_with(counter=pack([counting_mission(calls)]))
    entry = get_mission("counted")
    calls.clear()
    for _ in range(2):
        with pytest.raises(MissionParamsError, match="must be an integer"):
            entry.build({"n": "two"})
        with pytest.raises(NotJSONError, match="params of mission 'counted' must be a mapping"):
            entry.build([])
    assert calls == []


def test_the_plan_memory_is_bounded(registry_with, pack, monkeypatch):
    monkeypatch.setattr(mission_module, "PLAN_CACHE_SIZE", 4)
    calls = []
    registry_with(counter=pack([counting_mission(calls)]))
    entry = get_mission("counted")
    calls.clear()
    for n in range(10):
        entry.build({"n": n})
    assert len(mission_module._PLANS[entry.mission]) <= 4
    entry.build({"n": 0})  # forgotten long ago: planned again
    assert len(calls) == 11



def test_plans_see_params_in_one_order_whatever_order_the_caller_used(registry_with, pack):
    def flags(params):
        return [StepSpec(name, "runtime") for name in params]

    registry_with(flagged=pack([Mission("flags", "One step per flag.", flags)]))
    entry = get_mission("flags")
    first = entry.build({"second": 1, "first": 2})
    assert [step.id for step in first.steps] == ["first", "second"]
    mission_module._PLANS.pop(entry.mission)  # forget what was planned: it is planned again, the same
    again = entry.build({"first": 2, "second": 1})
    assert again is not first and again.hash() == first.hash()
