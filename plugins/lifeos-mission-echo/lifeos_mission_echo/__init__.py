"""The ``echo`` mission: hands its params back in the state.

The smallest complete mission pack: one mission, one operation, both
registered through the lifeos hooks and found through the ``lifeos`` entry
point group.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable

from lifeos_core import Mission, StepSpec, hookimpl

if TYPE_CHECKING:
    from lifeos_core import StepContext


def echo(state: dict[str, Any], payload: dict[str, Any], context: StepContext) -> dict[str, Any]:
    """Copy the step's ``params`` into ``state["echo"]``."""
    state["echo"] = payload.get("params", {})
    return state


def plan(params: Mapping[str, Any]) -> list[StepSpec]:
    return [
        StepSpec(
            id="echo",
            kind="runtime",
            payload={"operation": "echo", "params": params, "description": "Echo the params into the state"},
        )
    ]


MISSION = Mission(
    name="echo",
    description="Echo the given params back into the state under 'echo'.",
    plan=plan,
)


@hookimpl
def lifeos_register_missions(register: Callable[[Mission], None]) -> None:
    register(MISSION)


@hookimpl
def lifeos_register_operations(register: Callable[..., None]) -> None:
    register("echo", echo)
