"""lifeos_core.testing: the fixture and helpers pack authors test their missions with."""

from __future__ import annotations

import random

import pytest

from lifeos_core import Mission, Param, StepSpec, list_missions
from lifeos_core.testing import Plugin, assert_deterministic, assert_rejects_params, assert_within_limits

def tally(state, payload, context):
    state["total"] = state.get("total", 0) + payload["n"]
    return state


def dice(state, payload, context):
    state["roll"] = random.random()  # not allowed: randomness that is not an input
    return state


TALLY = Mission("tally", "Add n.", lambda params: [StepSpec("add", "runtime", {"operation": "tally", "n": params["n"]})],
                params=(Param("n", int, default=1, minimum=0, maximum=1000),))
SIZED = Mission("sized", "n noop steps.", lambda params: [StepSpec(f"s{i}", "runtime") for i in range(params["n"])],
                params=(Param("n", int, default=1),))
DICE = Mission("dice", "Roll.", lambda params: [StepSpec("roll", "runtime", {"operation": "dice"})])


@pytest.fixture(autouse=True)
def installed(lifeos_registry):
    lifeos_registry(Plugin([TALLY, SIZED, DICE], {"tally": tally, "dice": dice}))


def test_the_fixture_installs_only_the_given_plugins():
    # lifeos_registry comes from lifeos-core's pytest11 entry point, as in any project
    assert list_missions() == ["dice", "sized", "tally"]


def test_the_fixture_names_plugins_and_accepts_several(lifeos_registry):
    registry = lifeos_registry(Plugin([TALLY], {"tally": tally}), other=Plugin([DICE], {"dice": dice}))
    assert {info.origin.plugin for info in registry.plugins} == {"lifeos_core", "Plugin", "other"}


def test_assert_deterministic_passes_a_pure_mission_and_returns_its_result():
    result = assert_deterministic("tally", {"n": 2}, {"total": 1})
    assert result.final_state == {"total": 3}


def test_assert_deterministic_catches_hidden_randomness_naming_the_path():
    with pytest.raises(AssertionError, match=r"^mission 'dice' is not deterministic: run 2 differs from run 1 at "
                                             r"'final_state.roll'$"):
        assert_deterministic("dice")


def test_assert_within_limits_lists_every_failing_params():
    assert len(assert_within_limits("sized", [{"n": 1}, {"n": 5}])) == 2
    with pytest.raises(AssertionError, match=r"could not be planned for 2 params: params \{'n': 6\}: .*; params \{'n': 9\}"):
        assert_within_limits("sized", [{"n": 2}, {"n": 6}, {"n": 9}])


def test_assert_rejects_params():
    error = assert_rejects_params("tally", {"n": -1}, match="param 'n'")
    assert "must be an integer from 0 to 1000" in str(error)
    with pytest.raises(AssertionError, match=r"mission 'tally' accepted params \{'n': 3\}"):
        assert_rejects_params("tally", {"n": 3})
    with pytest.raises(AssertionError, match="does not match 'colour'"):
        assert_rejects_params("tally", {"n": "x"}, match="colour")


def test_assert_verified_names_the_step_that_disagrees_with_itself():
    from lifeos_core.testing import assert_verified

    assert assert_verified("tally", {"n": 2}, {"total": 1}).final_state == {"total": 3}
    with pytest.raises(AssertionError, match=r"^mission 'dice': step 'roll' is not deterministic: two runs of its "
                                             r"operation differ at state path 'roll'$"):
        assert_verified("dice")
