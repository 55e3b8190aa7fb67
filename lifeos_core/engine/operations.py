"""The operations every lifeos installation has: ``noop``, ``fail`` and ``set``.

Plain functions of the engine's own; :mod:`lifeos_core.plugins.builtins`
registers them through the same hook a mission pack uses, so they are found
like any other operation. The engine knows ``noop`` by identity, to pass the
state through without copying it.
"""

from __future__ import annotations

from typing import Any

from ..errors import StepFailed


def noop(state: dict[str, Any], payload: dict[str, Any], context: Any) -> dict[str, Any]:
    """Leave the state unchanged (the operation of a step that names none)."""
    return state


def fail(state: dict[str, Any], payload: dict[str, Any], context: Any) -> dict[str, Any]:
    """Halt the run here with ``payload["reason"]`` (useful in tests and drills)."""
    raise StepFailed(str(payload.get("reason", "the step is set to fail")))


def set_values(state: dict[str, Any], payload: dict[str, Any], context: Any) -> dict[str, Any]:
    """Write ``payload["values"]`` (an object) into the top level of the state."""
    values = payload.get("values", {})
    if not isinstance(values, dict):
        raise StepFailed(f"payload 'values' must be an object, got {type(values).__name__}")
    state.update(values)
    return state
