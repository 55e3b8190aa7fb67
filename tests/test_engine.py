"""The engine: checks before running, runs in order, fails cleanly, records everything."""

from __future__ import annotations

import copy
import json
import pickle
from datetime import datetime, timezone

import pytest

from lifeos_core import (
    AntiFailureViolation,
    EnvelopeViolation,
    ExecutionContext,
    FixedClock,
    NotJSONError,
    OrchestrationResult,
    Orchestrator,
    StepFailed,
    StepSpec,
    WorkflowDefinition,
    WorkflowInputError,
    stable_hash,
    state_hash,
)
from lifeos_core.plugins.builtins import fail, noop, set_values
from lifeos_core.values.jsonvalue import thaw

BUILTINS = {"noop": noop, "fail": fail, "set": set_values}


def runtime(step_id: str, operation: str | None = None, **payload):
    if operation is not None:
        payload["operation"] = operation
    return StepSpec(step_id, "runtime", payload)


def human(step_id: str):
    return StepSpec(step_id, "human", {"description": f"decide {step_id}"})


def run(steps, state=None, operations=BUILTINS, **context):
    workflow = WorkflowDefinition("wf-test", steps)
    return Orchestrator(operations).run_workflow(workflow, ExecutionContext(initial_state=state or {}, **context))


# --- checks before anything runs -------------------------------------------------


def test_six_steps_break_the_limit_before_any_step_runs():
    calls = []

    def counting(state, payload, context):
        calls.append(context.step_id)
        return state

    steps = [runtime(f"s{i}", "count") for i in range(6)]
    with pytest.raises(AntiFailureViolation, match="'wf-test' has 6 steps; the Anti-Failure limit is 5 steps"):
        run(steps, operations={"count": counting})
    assert calls == []


def test_three_human_steps_break_the_limit_naming_them():
    steps = [human("h1"), human("h2"), human("h3")]
    with pytest.raises(AntiFailureViolation, match=r"3 human steps \(h1, h2, h3\); the Anti-Failure limit is 2"):
        run(steps)


def test_five_steps_with_two_human_ones_are_allowed():
    result = run([human("h1"), runtime("a"), human("h2"), runtime("b"), runtime("c")])
    assert result.success is True
    assert [step.id for step in result.executed_steps] == ["h1", "a", "h2", "b", "c"]


@pytest.mark.parametrize("kind", ["network", "subprocess", "Runtime", "HUMAN"])
def test_kinds_outside_the_envelope_are_refused_naming_the_step(kind):
    with pytest.raises(EnvelopeViolation, match=f"step 'x' has kind '{kind}'; the envelope allows only"):
        run([runtime("ok"), StepSpec("x", kind)])


def test_an_unregistered_operation_is_refused_before_running():
    calls = []

    def spy(state, payload, context):
        calls.append(1)
        return state

    with pytest.raises(EnvelopeViolation, match="step 'b': unknown operation 'teleport'; known: noop, spy"):
        run([runtime("a", "spy"), runtime("b", "teleport")], operations={"noop": noop, "spy": spy})
    assert calls == []


def test_an_operation_name_must_be_text():
    with pytest.raises(EnvelopeViolation, match="step 'a' has operation 5"):
        run([runtime("a", operation=5)])


def test_a_human_step_may_not_name_an_operation():
    with pytest.raises(EnvelopeViolation, match="human step 'h' names operation 'set'"):
        run([StepSpec("h", "human", {"operation": "set"})])


def test_a_decision_for_a_step_that_is_not_human_is_refused():
    with pytest.raises(WorkflowInputError, match=r"step 'a', which is not a human step .* \(its human steps: h\)"):
        run([runtime("a"), human("h")], approvals={"a": True})


def test_decisions_must_be_booleans():
    with pytest.raises(WorkflowInputError, match="approval for step 'h' must be true"):
        ExecutionContext(approvals={"h": "yes"})


def test_the_engine_needs_real_workflow_and_context_objects():
    with pytest.raises(WorkflowInputError, match="needs a WorkflowDefinition"):
        Orchestrator(BUILTINS).run_workflow({"id": "wf"})  # type: ignore[arg-type]
    with pytest.raises(WorkflowInputError, match="needs an ExecutionContext"):
        Orchestrator(BUILTINS).run_workflow(WorkflowDefinition("wf", []), {"x": 1})  # type: ignore[arg-type]


# --- running ------------------------------------------------------------------------


def test_steps_run_in_order_each_seeing_the_previous_state():
    def append(state, payload, context):
        state.setdefault("log", []).append(payload["item"])
        return state

    result = run([runtime("one", "append", item="A"), runtime("two", "append", item="B")], operations={"append": append})
    assert result.final_state == {"log": ["A", "B"]}


def test_a_step_without_an_operation_is_a_noop():
    result = run([runtime("quiet")], state={"x": 1})
    assert result.success and result.final_state == {"x": 1}
    assert result.lineage[0]["operation"] == "noop"


def test_set_writes_values_into_the_state():
    result = run([runtime("s", "set", values={"mode": "focus", "n": 2})], state={"n": 1})
    assert result.final_state == {"n": 2, "mode": "focus"}


def test_a_failing_step_halts_the_run_and_is_the_last_executed():
    result = run([runtime("a"), runtime("boom", "fail", reason="disk is full"), runtime("never")], state={"v": 1})
    assert result.success is False
    assert result.failed_step_id == "boom"
    assert result.error_message == "step 'boom' failed: disk is full"
    assert [step.id for step in result.executed_steps] == ["a", "boom"]
    assert result.final_state == {"v": 1}
    assert result.lineage[-1]["status"] == "failed" and result.lineage[-1]["output_hash"] is None


def test_an_exception_in_an_operation_becomes_a_failed_run_with_its_type():
    def broken(state, payload, context):
        return {"tasks": state["tasks"]}

    result = run([runtime("load", "broken")], operations={"broken": broken})
    assert result.success is False
    assert result.error_message == "step 'load' failed: KeyError: 'tasks'"


def test_an_operation_must_return_a_mapping():
    result = run([runtime("a", "bad")], operations={"bad": lambda state, payload, context: None})
    assert result.error_message == (
        "step 'a' failed: operation 'bad' returned NoneType; an operation must return the new state as a dict"
    )


def test_an_operation_must_return_json():
    result = run([runtime("a", "bad")], operations={"bad": lambda state, payload, context: {"when": datetime.now()}})
    assert result.success is False
    assert "state returned by step 'a'['when'] is a datetime.datetime" in result.error_message


def test_step_failed_gives_a_plain_reason():
    def picky(state, payload, context):
        raise StepFailed("the list is empty")

    assert run([runtime("p", "picky")], operations={"picky": picky}).error_message == "step 'p' failed: the list is empty"


def test_a_reason_holding_a_lone_surrogate_is_recorded_with_a_replacement_character():
    def undecodable(state, payload, context):
        raise StepFailed(b"file caf\xe9.txt".decode("utf-8", "surrogateescape"))

    result = run([runtime("p", "undecodable")], operations={"undecodable": undecodable})
    assert result.error_message == "step 'p' failed: file caf\ufffd.txt"
    assert len(result.result_hash()) == 64
    json.dumps(result.to_dict(), ensure_ascii=False).encode("utf-8")  # a valid record


def test_a_result_built_by_hand_refuses_text_that_is_not_unicode():
    with pytest.raises(NotJSONError, match="lone surrogate"):
        OrchestrationResult("wf", False, [], {}, "a", "bad \ud800", [], {})


# --- human steps ------------------------------------------------------------------


def test_an_undecided_human_step_awaits_attestation_and_the_run_goes_on():
    result = run([human("confirm"), runtime("after", "set", values={"done": True})])
    assert result.success is True
    assert result.final_state == {"done": True}
    assert result.receipt["human_steps"] == [{"id": "confirm", "status": "awaiting_attestation"}]


def test_an_approved_human_step_is_recorded_as_approved():
    result = run([human("confirm"), runtime("after")], approvals={"confirm": True})
    assert result.receipt["human_steps"] == [{"id": "confirm", "status": "approved"}]


def test_a_rejection_halts_the_run_at_that_step():
    result = run([runtime("before"), human("confirm"), runtime("after"), human("later")], approvals={"confirm": False})
    assert result.success is False
    assert result.failed_step_id == "confirm"
    assert result.error_message == "step 'confirm' was rejected at human attestation"
    assert [step.id for step in result.executed_steps] == ["before", "confirm"]
    assert result.receipt["human_steps"] == [
        {"id": "confirm", "status": "rejected"},
        {"id": "later", "status": "not_reached"},
    ]


# --- operations get private copies ---------------------------------------------------


def test_operations_cannot_touch_the_callers_objects():
    seen = {}

    def vandal(state, payload, context):
        state["tasks"].append("injected")
        payload["values"]["x"] = "changed"
        seen["state"], seen["payload"] = state, payload
        return {"replaced": True}

    initial = {"tasks": ["a"]}
    step = runtime("v", "vandal", values={"x": 1})
    context = ExecutionContext(initial_state=initial)
    result = Orchestrator({"vandal": vandal}).run_workflow(WorkflowDefinition("wf", [step]), context)
    assert initial == {"tasks": ["a"]}
    assert thaw(context.initial_state) == {"tasks": ["a"]}
    assert step.to_dict()["payload"] == {"operation": "vandal", "values": {"x": 1}}
    assert result.executed_steps[0].payload["values"]["x"] == 1
    assert result.final_state == {"replaced": True}
    seen["state"]["late"] = "mutation after the step"
    assert result.final_state == {"replaced": True}


def test_inputs_changed_after_the_run_do_not_change_the_result():
    initial = {"n": 1}
    payload = {"values": {"m": 2}}
    workflow = WorkflowDefinition("wf", [StepSpec("s", "runtime", {"operation": "set", **payload})])
    result = Orchestrator(BUILTINS).run_workflow(workflow, ExecutionContext(initial_state=initial))
    before = stable_hash(result.to_dict())
    initial["n"] = 100
    payload["values"]["m"] = 200
    assert stable_hash(result.to_dict()) == before


def test_the_result_hands_out_copies_and_cannot_be_changed():
    result = run([runtime("a", "set", values={"items": [1]})])
    result.final_state["items"].append(2)
    result.receipt["steps"].append("forged")
    result.lineage.clear()
    result.executed_steps.clear()
    assert result.final_state == {"items": [1]}
    assert result.receipt["steps"] == ["a"]
    assert len(result.lineage) == 1 and len(result.executed_steps) == 1
    with pytest.raises(AttributeError):
        result.success = False  # type: ignore[misc]
    with pytest.raises(TypeError):
        result.executed_steps[0].payload["operation"] = "other"  # type: ignore[index]


# --- time, determinism, the record ------------------------------------------------------


def test_time_comes_from_the_context_clock():
    def stamp(state, payload, context):
        state["planned_for"] = context.now().date().isoformat()
        return state

    moment = datetime(2026, 3, 4, 9, 30, tzinfo=timezone.utc)
    result = run([runtime("s", "stamp")], operations={"stamp": stamp}, clock=FixedClock(moment))
    assert result.final_state == {"planned_for": "2026-03-04"}
    assert result.receipt["start_time"] == result.receipt["end_time"] == "2026-03-04T09:30:00Z"


def test_the_default_clock_is_a_fixed_logical_one():
    result = run([runtime("a")])
    assert result.receipt["start_time"] == "1970-01-01T00:00:00Z"


def test_two_runs_of_the_same_inputs_are_byte_identical():
    steps = [runtime("a", "set", values={"x": 1.5, "y": [True, None]}), human("h"), runtime("b")]
    first = run(steps, state={"seed": 7, "nested": {"k": "v"}})
    second = run(list(steps), state={"nested": {"k": "v"}, "seed": 7})
    assert json.dumps(first.to_dict(), sort_keys=True) == json.dumps(second.to_dict(), sort_keys=True)
    assert stable_hash(first.to_dict()) == stable_hash(second.to_dict())
    assert first == second


def test_the_same_context_can_be_reused_and_deep_copied():
    context = ExecutionContext(initial_state={"seed": 1}, approvals={"h": True}, clock=FixedClock("2026-01-01T00:00:00Z"))
    workflow = WorkflowDefinition("wf", [human("h"), runtime("a")])
    engine = Orchestrator(BUILTINS)
    results = [engine.run_workflow(workflow, context), engine.run_workflow(workflow, copy.deepcopy(context))]
    assert results[0].to_dict() == results[1].to_dict()


def test_the_receipt_and_lineage_record_the_run():
    steps = [runtime("a", "set", values={"x": 1}), human("h"), runtime("b")]
    result = run(steps, state={"x": 0})
    workflow = WorkflowDefinition("wf-test", steps)
    receipt = result.receipt
    assert receipt == {
        "workflow_id": "wf-test",
        "workflow_hash": workflow.hash(),
        "steps": ["a", "h", "b"],
        "human_steps": [{"id": "h", "status": "awaiting_attestation"}],
        "start_time": "1970-01-01T00:00:00Z",
        "end_time": "1970-01-01T00:00:00Z",
        "initial_state_hash": state_hash({"x": 0}),
        "final_state_hash": state_hash({"x": 1}),
        "success": True,
        "failed_step_id": None,
        "violation": None,
    }
    assert [(entry["step_id"], entry["status"]) for entry in result.lineage] == [
        ("a", "completed"),
        ("h", "awaiting_attestation"),
        ("b", "completed"),
    ]
    assert result.lineage[0]["input_hash"] == state_hash({"x": 0})
    assert result.lineage[0]["output_hash"] == result.lineage[1]["input_hash"] == state_hash({"x": 1})
    json.dumps(result.lineage)
    json.dumps(result.receipt)


def test_the_result_is_pure_json_and_survives_pickling():
    result = run([runtime("a", "set", values={"x": [1, {"y": 2}]})])
    as_dict = result.to_dict()
    assert json.loads(json.dumps(as_dict)) == as_dict
    assert set(as_dict) == {
        "id", "success", "executed_steps", "final_state", "failed_step_id", "error_message", "lineage", "receipt"
    }
    restored = pickle.loads(pickle.dumps(result))
    assert isinstance(restored, OrchestrationResult)
    assert restored.to_dict() == as_dict
    assert result.receipt_hash() == stable_hash(as_dict["receipt"])


def test_the_view_of_a_result_is_its_dict_built_part_by_part():
    result = run([runtime("a", "set", values={"x": [1, {"y": 2}]})], state={"big": "x" * 1000})
    view = result.view()
    assert view["success"] is True
    assert "final_state" not in view._parts  # judging the verdict did not decode the state
    assert dict(view) == result.to_dict()
    assert len(view) == 8 and "receipt" in view and "nothing" not in view
    with pytest.raises(KeyError):
        view["nothing"]
    with pytest.raises(TypeError):
        view["success"] = False


def test_the_result_hash_follows_every_part_of_the_result():
    base = run([runtime("a", "set", values={"x": 1})], state={"n": 1})
    assert base.result_hash() == run([runtime("a", "set", values={"x": 1})], state={"n": 1}).result_hash()
    others = [
        run([runtime("a", "set", values={"x": 1})], state={"n": 2}),  # another state
        run([runtime("a", "set", values={"x": 2})], state={"n": 1}),  # another payload
        run([runtime("b", "set", values={"x": 1})], state={"n": 1}),  # another step
        run([runtime("a", "fail", reason="no")], state={"n": 1}),  # another verdict
        run([runtime("a", "set", values={"x": 1})], state={"n": 1}, clock=FixedClock("2026-01-01T00:00:00Z")),
    ]
    hashes = {base.result_hash(), *(other.result_hash() for other in others)}
    assert len(hashes) == 1 + len(others)


def test_a_float_that_is_whole_stays_a_float_in_the_final_state():
    result = run([runtime("quiet")], state={"ratio": 10.0, "count": 10})
    assert result.final_state == {"ratio": 10.0, "count": 10}
    assert type(result.final_state["ratio"]) is float and type(result.final_state["count"]) is int


def test_operations_come_from_the_installed_plugins_by_default(registry_with, pack):
    def double(state, payload, context):
        state["n"] *= 2
        return state

    registry_with(maths=pack(operations={"double": double}))
    workflow = WorkflowDefinition("wf", [runtime("d", "double"), runtime("e", "double")])
    assert Orchestrator().run_workflow(workflow, ExecutionContext({"n": 3})).final_state == {"n": 12}
    with pytest.raises(EnvelopeViolation, match="unknown operation 'triple'.*install the plugin that provides it"):
        Orchestrator().run_workflow(WorkflowDefinition("wf", [runtime("t", "triple")]))


def test_an_operation_returning_float_subclasses_or_enum_keys_still_ends_in_a_result():
    class Money(float):
        pass

    def price(state, payload, context):
        state["price"] = Money(9.5)
        return state

    result = run([runtime("price", "price")], operations={"price": price})
    assert result.success and result.final_state == {"price": 9.5}


def test_a_result_built_by_hand_checks_its_receipt_and_lineage():
    base = dict(id="wf", success=True, executed_steps=[], final_state={}, failed_step_id=None, error_message=None,
                lineage=[])
    with pytest.raises(NotJSONError, match=r"receipt\['score'\] is nan"):
        OrchestrationResult(**base, receipt={"score": float("nan")})
    with pytest.raises(NotJSONError, match="receipt has the key 1"):
        OrchestrationResult(**base, receipt={1: "x"})
    receipt = {"score": 1e16, "ratio": 1.0}
    result = OrchestrationResult(**base, receipt=receipt)
    assert result.receipt_hash() == stable_hash(receipt)  # RFC 8785 bytes, not orjson's 1e+16
    receipt["score"] = 0
    assert result.receipt == {"score": 1e16, "ratio": 1.0}


def test_the_snapshot_a_context_holds_cannot_be_swapped():
    context = ExecutionContext(initial_state={"a": 1})
    with pytest.raises(AttributeError, match="is immutable"):
        context.snapshot.stored = b'{"a":999}'
    result = Orchestrator(BUILTINS).run_workflow(WorkflowDefinition("wf", [runtime("quiet")]), context)
    assert result.final_state == {"a": 1}


def test_a_workflow_that_has_run_can_still_be_pickled_and_copied():
    workflow = WorkflowDefinition("wf", [runtime("quiet")])
    Orchestrator(BUILTINS).run_workflow(workflow, ExecutionContext())
    for copied in (pickle.loads(pickle.dumps(workflow)), copy.deepcopy(workflow)):
        assert copied == workflow and copied.hash() == workflow.hash()
