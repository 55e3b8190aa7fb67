"""Big states cost what a step reads and writes, and give exactly the results a plain dict gives."""

from __future__ import annotations

import copy
import enum
import gc
import json
import pickle
import types

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifeos_core import (
    ExecutionContext,
    Orchestrator,
    StepSpec,
    WorkflowDefinition,
    canonical_json,
    stable_hash,
    state_hash,
)
from lifeos_core.values import snapshot as snapshots
from lifeos_core.values import stateview
from lifeos_core.values.snapshot import Snapshot
from lifeos_core.values.stateview import LAZY_BYTES, StateView


def big_state() -> dict:
    """Two values above the lazy threshold, and small ones beside them."""
    return {
        "tasks": [{"id": index, "title": f"task number {index}", "done": index % 3 == 0} for index in range(4000)],
        "notes": {f"note-{index}": "x" * 40 for index in range(2500)},
        "count": 1,
        "owner": "ada",
    }


def plain_copy(state: dict) -> dict:
    """What an operation would get as a plain dict: a fresh copy, keys sorted."""
    return orjson.loads(orjson.dumps(state, option=orjson.OPT_SORT_KEYS))


def run_one(operation, state, **context):
    workflow = WorkflowDefinition("wf-big", [StepSpec("only", "runtime", {"operation": "op"})])
    return Orchestrator({"op": operation}).run_workflow(workflow, ExecutionContext(state, **context))


def test_the_big_values_are_above_the_threshold_so_the_view_is_lazy():
    sizes = {key: len(orjson.dumps(value)) for key, value in big_state().items()}
    assert sizes["tasks"] >= LAZY_BYTES and sizes["notes"] >= LAZY_BYTES
    seen = []
    run_one(lambda state, payload, context: seen.append(type(state)) or state, big_state())
    assert seen == [StateView]


def _bump(state):
    state["count"] += 1
    return state


def _append(state):
    state["tasks"].append({"id": -1, "title": "new", "done": False})
    return state


def _move(state):
    state["archive"] = state.pop("notes")
    return state


def _popitem(state):
    key, value = state.popitem()
    state["last"] = [key, len(value) if isinstance(value, (list, dict)) else value]
    return state


def _ior(state):
    state |= {"count": 5}
    return state


def _pickled(state):
    again = pickle.loads(pickle.dumps(state))
    again["count"] = type(again).__name__
    return again


def _deepcopied(state):
    again = copy.deepcopy(state)
    again["tasks"][0]["done"] = "copied"
    return {**state, "copy": again["tasks"][0]}


def _starred(**values):
    return sorted(values)


OPERATIONS = {
    "change a small key in place": _bump,
    "return a new dict with {**state}": lambda state: {**state, "count": 2},
    "dict(state) then change": lambda state: dict(state, count=3),
    "read from copies": lambda state: {"first": dict(state)["tasks"][0], "second": {**state}["notes"]["note-1"]},
    "state.copy() then change": lambda state: {**state.copy(), "owner": "grace"},
    "change a big value in place": _append,
    "read a big value and change nothing": lambda state: state if state["tasks"][0]["id"] == 0 else {},
    "move a big value to another key": _move,
    "delete a big value": lambda state: (state.pop("tasks"), state)[1],
    "pop with a default": lambda state: {**state, "gone": state.pop("missing", "default")},
    "popitem": _popitem,
    "setdefault on a big value and a new key": lambda state: {
        **state, "sizes": [len(state.setdefault("notes", {})), state.setdefault("fresh", 7)]},
    "update and |=": _ior,
    "state | other and other | state": lambda state: {**(state | {"count": 9}), "mirror": len({"z": 1} | state)},
    "items() and values()": lambda state: {"keys": [key for key, _ in state.items()],
                                           "sizes": [len(value) if isinstance(value, (list, dict)) else 0
                                                     for value in state.values()]},
    "get": lambda state: {"tasks": len(state.get("tasks")), "missing": state.get("missing", 0)},
    "json.dumps": lambda state: {"length": len(json.dumps(state))},
    "repr and ==": lambda state: {"repr": len(repr(state)), "equal": state == plain_copy(big_state()),
                                  "unequal": state != {}},
    "pickle": _pickled,
    "deepcopy": _deepcopied,
    "f(**state)": lambda state: {"keys": _starred(**state)},
    "keys without reading values": lambda state: {"keys": sorted(state.keys()), "n": len(state),
                                                  "has": "tasks" in state, "listed": list(state)},
    "return a read-only mapping": lambda state: types.MappingProxyType(dict(state)),
}


@pytest.mark.parametrize("name", OPERATIONS)
def test_each_way_of_using_the_state_gives_what_a_plain_dict_gives(name):
    operation = OPERATIONS[name]
    expected = dict(operation(plain_copy(big_state())))
    result = run_one(lambda state, payload, context: operation(state), big_state())
    assert result.success, result.error_message
    assert result.final_state == plain_copy(expected)
    assert result.receipt["final_state_hash"] == state_hash(expected)
    assert result.lineage[0]["output_hash"] == state_hash(expected)


def test_values_a_step_never_reads_are_never_decoded(monkeypatch):
    decoded = []
    real = stateview.decode
    monkeypatch.setattr(stateview, "decode", lambda stored: decoded.append(len(stored)) or real(stored))
    run_one(lambda state, payload, context: _bump(state), big_state())
    assert decoded == []
    run_one(lambda state, payload, context: _append(state), big_state())
    assert len(decoded) == 1 and decoded[0] >= LAZY_BYTES  # the one value read


def test_a_value_read_but_unchanged_is_not_hashed_again(monkeypatch):
    snapshot = Snapshot.of(big_state())
    hashed = []
    real = snapshots.sha256
    monkeypatch.setattr(snapshots, "sha256", lambda data: hashed.append(len(data)) or real(data))
    view = snapshot.for_operation()
    assert view["tasks"][0]["id"] == 0  # read, so encoded again; same bytes, so its digest is kept
    view["count"] = 2
    after = snapshot.after(view)
    assert all(size < 1000 for size in hashed)  # only the changed small value and the map of digests
    assert after.digest == state_hash({**big_state(), "count": 2})


def test_orjson_meets_the_unread_values_and_refuses_them_instead_of_writing_wrong_json():
    def dumps_directly(state, payload, context):
        try:
            orjson.dumps(state)
        except TypeError as exc:
            return {"refused": "not read yet" in repr(dict.__getitem__(state, "tasks")) and "Unread" in str(exc)}
        return {"refused": False}

    assert run_one(dumps_directly, big_state()).final_state == {"refused": True}


def test_the_state_hash_is_a_one_level_merkle_map_of_stable_hashes():
    state = {"b": [1, 2.5, "x"], "a": {"nested": True}, "é": None}
    assert state_hash(state) == stable_hash({key: stable_hash(value) for key, value in state.items()})
    assert state_hash({}) == stable_hash({})
    assert state_hash(state) != stable_hash(state)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=15,
)
KEYS = st.text(max_size=6) | st.sampled_from(["\U0001f600", "\uffff", "a\"b", "tab\t", "\x7f", "é"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(state=st.dictionaries(KEYS, JSON, max_size=6))
def test_a_snapshot_agrees_with_the_canonical_json_of_the_whole_state(state):
    snapshot = Snapshot.of(state)
    assert snapshot.size == len(canonical_json(state))
    assert snapshot.canonical() == canonical_json(state)
    assert snapshot.digest == stable_hash({key: stable_hash(value) for key, value in state.items()})
    loaded = snapshot.load()
    assert list(loaded) == sorted(state) and json.dumps(loaded, sort_keys=True) == json.dumps(state, sort_keys=True)
    assert pickle.loads(pickle.dumps(snapshot)) == snapshot


def test_a_number_that_changes_type_but_not_value_keeps_the_digest_and_its_type():
    def to_float(state, payload, context):
        state["n"] = 1.0
        return state

    result = run_one(to_float, {"n": 1})
    assert type(result.final_state["n"]) is float
    assert result.receipt["final_state_hash"] == result.receipt["initial_state_hash"] == state_hash({"n": 1.0})


def test_text_enum_keys_are_written_as_their_text():
    class Key(str, enum.Enum):
        TASKS = "tasks"

    assert Snapshot.of({Key.TASKS: [1]}).load() == {"tasks": [1]}
    assert state_hash({Key.TASKS: [1]}) == state_hash({"tasks": [1]})


def test_a_big_run_is_deterministic_and_its_inputs_and_outputs_are_its_own():
    state = big_state()
    context = ExecutionContext(state)
    state["count"] = 99  # after the context was made: changes nothing
    state["tasks"].clear()
    workflow = WorkflowDefinition("wf-big", [StepSpec(f"s{index}", "runtime", {"operation": "bump"})
                                             for index in range(4)])
    first = Orchestrator({"bump": lambda s, p, c: _bump(s)}).run_workflow(workflow, context)
    second = Orchestrator({"bump": lambda s, p, c: _bump(s)}).run_workflow(workflow, ExecutionContext(big_state()))
    assert first.result_hash() == second.result_hash()
    assert first.final_state["count"] == 5 and len(first.final_state["tasks"]) == 4000
    first.final_state["tasks"].clear()
    assert len(first.final_state["tasks"]) == 4000


def test_verify_runs_big_steps_twice_and_catches_a_step_that_differs():
    calls = []

    def drifting(state, payload, context):
        calls.append(1)
        state["tasks"][0]["title"] = f"call {len(calls)}"
        return state

    steady = run_one(lambda state, payload, context: _append(state), big_state())
    assert steady.success
    result = Orchestrator({"op": drifting}).run_workflow(
        WorkflowDefinition("wf-big", [StepSpec("only", "runtime", {"operation": "op"})]),
        ExecutionContext(big_state()), verify=True)
    assert result.success is False and "tasks.0.title" in result.error_message


def test_the_size_limit_counts_the_whole_state_as_canonical_json():
    state = big_state()
    limit = len(canonical_json(state))
    assert run_one(lambda s, p, c: s, state, max_state_bytes=limit).success
    grown = run_one(lambda s, p, c: _append(s), state, max_state_bytes=limit)
    assert grown.success is False and f"the limit is {limit} bytes" in grown.error_message


def test_decoding_a_big_value_pauses_the_collector_and_restores_it(monkeypatch):
    seen = []
    monkeypatch.setattr(stateview, "orjson", types.SimpleNamespace(loads=lambda data: seen.append(gc.isenabled())))
    big = b"[" + b"1," * 200_000 + b"1]"
    assert gc.isenabled()
    stateview.decode(big)
    stateview.decode(b"[1]")
    assert seen == [False, True] and gc.isenabled()
    gc.disable()
    try:
        stateview.decode(big)
        assert not gc.isenabled()  # the user's choice stays
    finally:
        gc.enable()
