"""Planning: params are validated by the mission, limits fail closed, metadata traces the request."""

from __future__ import annotations

import pytest

from lifeos_core import (
    AntiFailurePlanningError,
    Mission,
    MissionParamsError,
    MissionSpec,
    NotJSONError,
    Param,
    StepSpec,
    UnknownMissionError,
    WorkflowDefinition,
    WorkflowInputError,
    build_workflow,
    stable_hash,
)


def repeat_plan(params):
    return [StepSpec(f"step-{index}", "runtime") for index in range(params["times"])]


def _check_even(value):
    if value % 2:
        raise ValueError("must be even")


REPEAT = Mission(
    "repeat",
    "Run noop steps, as many as asked.\nSecond line is not part of the description.",
    repeat_plan,
    params=(
        Param("times", int, default=1, minimum=1, help="how many steps"),
        Param("label", str, default=None),
        Param("mode", str, default="plain", choices=("plain", "fancy")),
        Param("ratio", float, default=0.5, minimum=0, maximum=1),
        Param("pairs", int, default=2, check=_check_even),
    ),
)
NEEDY = Mission("needy", "Needs a target.", lambda params: [StepSpec("go", "runtime")],
                params=(Param("target", str),))


@pytest.fixture(autouse=True)
def missions(registry_with, pack):
    registry_with(test_pack=pack([REPEAT, NEEDY]))


def test_a_mission_builds_a_workflow_with_its_id_and_traceable_metadata():
    workflow = build_workflow(MissionSpec("repeat", {"times": 2, "ticket": "OPS-1"}))
    assert isinstance(workflow, WorkflowDefinition)
    assert workflow.id == "wf-repeat"
    assert workflow.name == "repeat"
    assert [step.id for step in workflow.steps] == ["step-0", "step-1"]
    assert workflow.to_dict()["metadata"] == {
        "mission_type": "repeat",
        "params": {"times": 2, "ticket": "OPS-1"},
        "resolved_params": {"times": 2, "ticket": "OPS-1", "label": None, "mode": "plain", "ratio": 0.5, "pairs": 2},
    }


def test_the_description_is_one_line():
    from lifeos_core import get_mission

    assert get_mission("repeat").description == "Run noop steps, as many as asked."


def test_params_default_to_none_and_an_empty_mapping():
    assert build_workflow(MissionSpec("repeat")).steps == build_workflow(MissionSpec("repeat", None)).steps


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"times": "3"}, "param 'times' must be an integer >= 1, got '3'"),
        ({"times": True}, "param 'times' must be an integer >= 1, got True"),
        ({"times": 0}, "param 'times' must be an integer >= 1, got 0"),
        ({"times": 1.5}, "param 'times' must be an integer >= 1, got 1.5"),
        ({"mode": "loud"}, "param 'mode' must be one of 'plain', 'fancy', got 'loud'"),
        ({"ratio": 2}, "param 'ratio' must be a number from 0 to 1, got 2"),
        ({"label": 7}, "param 'label' must be a string, got 7"),
        ({"pairs": 3}, "param 'pairs': must be even"),
    ],
)
def test_declared_params_with_a_wrong_type_or_value_are_refused(params, message):
    with pytest.raises(MissionParamsError, match=f"mission 'repeat': {message}"):
        build_workflow(MissionSpec("repeat", params))


def test_a_required_param_must_be_given():
    with pytest.raises(MissionParamsError, match=r"mission 'needy' needs param 'target' \(a string\); pass it as target=..."):
        build_workflow(MissionSpec("needy", {}))
    assert build_workflow(MissionSpec("needy", {"target": "x"})).metadata["resolved_params"] == {"target": "x"}


def test_params_must_be_json():
    with pytest.raises(NotJSONError, match=r"params of mission 'repeat'\['when'\] is a builtins.object"):
        MissionSpec("repeat", {"when": object()})


def test_a_plan_over_the_limits_fails_closed():
    with pytest.raises(AntiFailurePlanningError, match=r"mission 'repeat' cannot be planned: .*has 6 steps; the Anti-Failure limit is 5"):
        build_workflow(MissionSpec("repeat", {"times": 6}))


def test_too_many_human_steps_fail_planning(registry_with, pack):
    humans = Mission("humans", "Approvals, as many as asked.",
                     lambda params: [StepSpec(f"h{i}", "human") for i in range(params["count"])],
                     params=(Param("count", int, default=1),))
    registry_with(p=pack([humans]))
    with pytest.raises(AntiFailurePlanningError, match="3 human steps"):
        build_workflow(MissionSpec("humans", {"count": 3}))


def test_unknown_mission_types_raise_a_value_error():
    with pytest.raises(UnknownMissionError, match="installed: needy, repeat") as caught:
        build_workflow(MissionSpec("repeet"))
    assert isinstance(caught.value, ValueError)


def test_building_is_deterministic_and_does_not_touch_the_params():
    params = {"times": 3, "extra": {"nested": [1, 2]}}
    first = build_workflow(MissionSpec("repeat", params))
    params["extra"]["nested"].append(3)
    second = build_workflow(MissionSpec("repeat", {"times": 3, "extra": {"nested": [1, 2]}}))
    assert stable_hash(first.to_dict()) == stable_hash(second.to_dict())
    assert params == {"times": 3, "extra": {"nested": [1, 2, 3]}}


def test_bad_specs_and_mission_definitions_are_refused():
    with pytest.raises(WorkflowInputError, match="mission type must be a non-empty string"):
        MissionSpec("")
    with pytest.raises(WorkflowInputError, match="build_workflow needs a MissionSpec"):
        build_workflow("repeat")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must start with a letter"):
        Mission("9lives", "x", repeat_plan)
    with pytest.raises(ValueError, match="needs a one-line description"):
        Mission("quiet", "  ", repeat_plan)
    with pytest.raises(ValueError, match="declares a param twice"):
        Mission("twice", "x", repeat_plan, params=(Param("a"), Param("a")))
    with pytest.raises(TypeError, match="type must be one of"):
        Param("when", type=tuple)
