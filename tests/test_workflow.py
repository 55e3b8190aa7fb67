"""Steps and workflows are checked and frozen when they are built."""

from __future__ import annotations

import pytest

from lifeos_core import NotJSONError, StepSpec, WorkflowDefinition, WorkflowInputError, stable_hash


def test_a_step_can_be_built_positionally_and_defaults_to_an_empty_payload():
    step = StepSpec("fetch", "runtime")
    assert (step.id, step.kind, dict(step.payload)) == ("fetch", "runtime", {})
    assert step.operation == "noop"
    assert StepSpec("s", "runtime", {"operation": "set"}).operation == "set"
    assert StepSpec("h", "human", {"description": "Sign off"}).operation is None


def test_the_payload_is_a_frozen_snapshot():
    payload = {"values": {"x": 1}}
    step = StepSpec("s", "runtime", payload)
    payload["values"]["x"] = 2
    assert step.to_dict() == {"id": "s", "kind": "runtime", "payload": {"values": {"x": 1}}}
    with pytest.raises(TypeError):
        step.payload["values"] = {}  # type: ignore[index]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("", "runtime"), "step id must be a non-empty string"),
        ((3, "runtime"), "step id must be a non-empty string"),
        (("s", ""), "kind of step 's' must be a non-empty string"),
    ],
)
def test_bad_steps_are_refused_with_the_reason(arguments, message):
    with pytest.raises(WorkflowInputError, match=message):
        StepSpec(*arguments)


def test_a_payload_must_be_a_json_object():
    with pytest.raises(NotJSONError, match="payload of step 's' must be a mapping"):
        StepSpec("s", "runtime", ["not", "a", "mapping"])  # type: ignore[arg-type]
    with pytest.raises(NotJSONError, match=r"payload of step 's'\['when'\] is a builtins.object"):
        StepSpec("s", "runtime", {"when": object()})


def test_duplicate_step_ids_are_refused_naming_the_id():
    with pytest.raises(WorkflowInputError, match="two steps with id 'a'"):
        WorkflowDefinition("wf", [StepSpec("a", "runtime"), StepSpec("b", "runtime"), StepSpec("a", "human")])


def test_steps_must_be_step_specs():
    with pytest.raises(WorkflowInputError, match="step 0 of workflow 'wf' is a dict"):
        WorkflowDefinition("wf", [{"id": "a", "kind": "runtime"}])  # type: ignore[list-item]


def test_a_workflow_freezes_its_steps_and_metadata():
    steps = [StepSpec("a", "runtime")]
    metadata = {"owner": "me"}
    workflow = WorkflowDefinition("wf", steps, metadata=metadata, name="demo")
    steps.append(StepSpec("b", "runtime"))
    metadata["owner"] = "someone else"
    assert workflow.steps == (StepSpec("a", "runtime"),)
    assert workflow.to_dict() == {
        "id": "wf",
        "name": "demo",
        "steps": [{"id": "a", "kind": "runtime", "payload": {}}],
        "metadata": {"owner": "me"},
    }


def test_the_workflow_hash_is_the_hash_of_its_dict():
    workflow = WorkflowDefinition("wf", [StepSpec("a", "human")])
    assert workflow.hash() == stable_hash(workflow.to_dict())
    assert workflow.hash() == WorkflowDefinition("wf", [StepSpec("a", "human")]).hash()
    assert workflow.hash() != WorkflowDefinition("wf", [StepSpec("a", "runtime")]).hash()
