"""No plugin can break lifeos for everyone: each way a plugin can be broken is recorded against it."""

from __future__ import annotations

import time

import pytest

from lifeos_core import (
    Mission,
    Param,
    PluginError,
    StepSpec,
    hookimpl,
    list_missions,
    load_registry,
    run_mission,
)
from lifeos_core.plugins.loading import PluginSelection, normalize
from lifeos_core.plugins.active import selection_from_environment

FINE = Mission("fine", "Works.", lambda params: [StepSpec("ok", "runtime")])


def failures_of(registry):
    return {failure.origin.plugin: failure for failure in registry.failures}


def test_a_misspelt_hook_name_is_refused_with_a_suggestion(registry_with, pack):
    class Misspelt:
        @hookimpl
        def lifeos_register_mission(self, register):
            register(FINE)

    registry = registry_with(misspelt=Misspelt(), fine=pack([FINE]))
    failure = failures_of(registry)["misspelt"]
    assert failure.error == ("'lifeos_register_mission' is marked @hookimpl but lifeos has no such hook; "
                             "did you mean 'lifeos_register_missions'?")
    assert list_missions() == ["fine"]
    assert "misspelt" not in {info.origin.plugin for info in registry.plugins}


def test_a_hook_with_a_wrong_signature_is_refused(registry_with, pack):
    class WrongArguments:
        @hookimpl
        def lifeos_register_missions(self, registrar):
            registrar(FINE)

    registry = registry_with(wrong=WrongArguments(), fine=pack([FINE]))
    error = failures_of(registry)["wrong"].error
    assert error.startswith("could not register: ")
    assert "registrar" in error and "\n" not in error
    assert list_missions() == ["fine"]


def test_a_hook_that_returns_instead_of_registering_is_refused(registry_with):
    class Returner:
        @hookimpl
        def lifeos_register_missions(self, register):
            return [FINE]

    registry = registry_with(returner=Returner())
    assert failures_of(registry)["returner"].error == (
        "lifeos_register_missions returned a list; a hook calls register(...) for each thing it provides "
        "and returns nothing")
    assert list_missions() == []


def test_a_mission_whose_default_plan_breaks_the_limits_is_dropped_alone(registry_with, pack):
    huge = Mission("huge", "Too many steps.", lambda params: [StepSpec(f"s{i}", "runtime") for i in range(7)])
    crashing = Mission("crashing", "Crashes.", lambda params: [StepSpec("x", "runtime", {"n": 1 / 0})])
    needs_params = Mission("picky", "Needs a param.", lambda params: [StepSpec("x", "runtime")],
                           params=(Param("target", str),))
    registry = registry_with(mixed=pack([huge, FINE, crashing, needs_params]))
    assert list_missions() == ["fine", "picky"]
    by_mission = {failure.mission: failure for failure in registry.failures}
    assert "has 7 steps; the Anti-Failure limit is 5 steps" in by_mission["huge"].error
    assert "failed while planning: ZeroDivisionError" in by_mission["crashing"].error
    assert by_mission["huge"].describe().startswith("mission 'huge' of plugin mixed (mixed local): its default plan")


def test_the_same_plugin_object_twice_is_one_failure(registry_with, pack):
    plugin = pack([FINE])
    registry = registry_with(first=plugin, second=plugin)
    assert failures_of(registry)["second"].error.startswith("could not register:")
    assert list_missions() == ["fine"]


def test_load_time_is_measured_and_slow_plugins_are_flagged(registry_with):
    class Slow:
        @hookimpl
        def lifeos_register_missions(self, register):
            time.sleep(0.12)
            register(FINE)

    registry = registry_with(slow=Slow())
    info = {plugin.origin.plugin: plugin for plugin in registry.plugins}
    assert info["slow"].load_ms >= 100 and info["slow"].slow is True
    assert info["lifeos_core"].slow is False


def test_strict_mode_turns_problems_into_an_error(pack):
    class Broken:
        @hookimpl
        def lifeos_register_operations(self, register):
            raise OSError("no network")

    with pytest.raises(PluginError, match=r"strict plugin loading \(LIFEOS_STRICT_PLUGINS=1\) found 1 problem\(s\): "
                                          r"plugin broken \(broken local\): lifeos_register_operations failed"):
        load_registry({"broken": Broken(), "fine": pack([FINE])}, discover=False,
                      selection=PluginSelection(strict=True))
    assert load_registry({"fine": pack([FINE])}, discover=False, selection=PluginSelection(strict=True))


# --- choosing which installed plugins load -------------------------------------------------------


def test_names_compare_the_way_pip_compares_them():
    assert normalize("Lifeos_Mission.Echo") == "lifeos-mission-echo"


def test_the_environment_chooses_plugins():
    empty = selection_from_environment({})
    assert empty.skip_reason("anything") is None and empty.strict is False
    only = selection_from_environment({"LIFEOS_LOAD_PLUGINS": "pack-a, Pack_B"})
    assert only.skip_reason("pack-b") is None
    assert only.skip_reason("pack-c") == "not listed in LIFEOS_LOAD_PLUGINS"
    none = selection_from_environment({"LIFEOS_LOAD_PLUGINS": ""})
    assert none.skip_reason("pack-a") == "not listed in LIFEOS_LOAD_PLUGINS"
    disabled = selection_from_environment({"LIFEOS_DISABLE_PLUGINS": "pack-x"}, disabled=["pack_y"])
    assert disabled.skip_reason("Pack-X") == "disabled by LIFEOS_DISABLE_PLUGINS"
    assert disabled.skip_reason("pack-y") == "disabled by --disable-plugin"
    assert selection_from_environment({"LIFEOS_STRICT_PLUGINS": "1"}).strict is True
    assert selection_from_environment({"LIFEOS_STRICT_PLUGINS": "0"}).strict is False


def test_disabling_an_installed_pack_removes_its_missions():
    installed = load_registry()
    if "echo" not in installed.missions:
        pytest.skip("the echo pack is not installed")
    without = load_registry(selection=selection_from_environment({"LIFEOS_DISABLE_PLUGINS": "lifeos-mission-echo"}))
    assert "echo" not in without.missions
    assert [(skip.origin.distribution, skip.reason) for skip in without.skipped] == [
        ("lifeos-mission-echo", "disabled by LIFEOS_DISABLE_PLUGINS")]
    nothing = load_registry(selection=selection_from_environment({"LIFEOS_LOAD_PLUGINS": ""}))
    assert nothing.missions == {} and "noop" in nothing.operations  # the built-ins stay
    just_echo = load_registry(selection=selection_from_environment({"LIFEOS_LOAD_PLUGINS": "lifeos-mission-echo"}))
    assert list(just_echo.missions) == ["echo"]


def test_a_working_registry_still_runs_missions_beside_broken_plugins(registry_with, pack):
    class Broken:
        @hookimpl
        def lifeos_register_missions(self, register):
            raise RuntimeError("boom")

    registry_with(broken=Broken(), fine=pack([FINE]))
    assert run_mission("fine").success is True
