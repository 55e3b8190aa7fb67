"""The echo pack: one step that hands the params back under 'echo'."""

from __future__ import annotations

import pytest

import lifeos_mission_echo
from lifeos_core import load_registry, run_mission, stable_hash, use_registry


@pytest.fixture(autouse=True)
def only_this_pack():
    with use_registry(load_registry({"echo": lifeos_mission_echo}, discover=False)):
        yield


def test_the_params_come_back_under_echo_and_the_state_is_kept():
    result = run_mission("echo", {"message": "hello", "n": 2}, {"existing": True})
    assert result.success is True
    assert result.final_state == {"existing": True, "echo": {"message": "hello", "n": 2}}


def test_the_step_payload_carries_the_params():
    result = run_mission("echo", {"id": "2"})
    [step] = result.executed_steps
    assert (step.id, step.kind, step.operation) == ("echo", "runtime", "echo")
    assert step.payload["params"] == {"id": "2"}


def test_no_params_echo_an_empty_object():
    assert run_mission("echo").final_state == {"echo": {}}


def test_echo_is_deterministic_and_leaves_its_inputs_alone():
    params, state = {"nested": {"list": [1, 2]}}, {"keep": [0]}
    first = run_mission("echo", params, state)
    params["nested"]["list"].append(3)
    state["keep"].append(1)
    second = run_mission("echo", {"nested": {"list": [1, 2]}}, {"keep": [0]})
    assert stable_hash(first.to_dict()) == stable_hash(second.to_dict())
    assert first.receipt["workflow_id"] == "wf-echo"
