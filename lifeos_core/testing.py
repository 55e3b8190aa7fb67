"""Testing mission packs with pytest.

lifeos-core offers this module to pytest through a ``pytest11`` entry point,
so its fixture is available in any project that has lifeos-core installed:

- ``lifeos_registry(*plugins, **named_plugins)``: make the given plugin objects
  (modules, classes or instances with ``@hookimpl`` functions) the only ones
  installed, for the rest of the test, with no entry-point discovery; returns
  the registry.

and its helpers can be imported anywhere:

- :func:`assert_deterministic`: a mission gives byte-identical results twice
  and leaves its inputs alone;
- :func:`assert_verified`: every step of a mission gives the same outcome when
  run twice on independent copies, and none leaves the envelope;
- :func:`assert_within_limits`: a mission plans within the Anti-Failure limits
  for each of a range of params;
- :func:`assert_rejects_params`: a mission refuses bad params with a clear error;
- :class:`Plugin`: a plugin made of given missions and operations, in memory.

It is cheap to import: lifeos itself is imported when a helper runs.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .engine.result import OrchestrationResult
    from .plugins.mission import Mission
    from .plugins.active import Registry
    from .engine.workflow import WorkflowDefinition


class Plugin:
    """A plugin providing the given missions and operations (name -> function)."""

    def __init__(self, missions: Sequence[Mission] = (), operations: Mapping[str, Callable[..., Any]] | None = None):
        from .plugins.hookspecs import hookimpl

        self.missions = list(missions)
        self.operations = dict(operations or {})

        # Hooks are bound per instance so that the marker pluggy reads is there.
        @hookimpl
        def lifeos_register_missions(register: Callable[[Any], None]) -> None:
            for mission in self.missions:
                register(mission)

        @hookimpl
        def lifeos_register_operations(register: Callable[..., None]) -> None:
            for name, function in self.operations.items():
                register(name, function)

        self.lifeos_register_missions = lifeos_register_missions
        self.lifeos_register_operations = lifeos_register_operations


@pytest.fixture
def lifeos_registry() -> Iterator[Callable[..., Registry]]:
    """Install plugins for one test: ``lifeos_registry(my_pack)`` or
    ``lifeos_registry(name=plugin)``; nothing else is loaded."""
    from .plugins.active import load_registry, use_registry

    with ExitStack() as stack:

        def install(*plugins: Any, **named: Any) -> Registry:
            registry = load_registry([*plugins, *named.items()], discover=False)
            stack.enter_context(use_registry(registry))
            return registry

        yield install


def assert_deterministic(
    mission: str,
    params: Mapping[str, Any] | None = None,
    state: Mapping[str, Any] | None = None,
    *,
    approvals: Mapping[str, bool] | None = None,
    clock: Any = None,
    runs: int = 2,
) -> OrchestrationResult:
    """Run ``mission`` ``runs`` times on the same inputs and check that every
    result hashes the same and that neither params nor state were changed.
    Returns the first result."""
    from .values.canonical import stable_hash
    from .values.jsonvalue import first_difference
    from .missions import run_mission

    before = copy.deepcopy((params, state))
    results = [run_mission(mission, params, state, approvals=approvals, clock=clock) for _ in range(runs)]
    first = results[0].to_dict()
    for number, result in enumerate(results[1:], 2):
        other = result.to_dict()
        if stable_hash(other) != stable_hash(first):
            raise AssertionError(f"mission {mission!r} is not deterministic: run {number} differs from run 1 "
                                 f"at {first_difference(first, other)!r}")
    if (params, state) != before:
        which = "params" if params != before[0] else "initial state"
        raise AssertionError(f"mission {mission!r} changed the {which} it was given")
    return results[0]


def run_with_effects(
    mission: str,
    params: Mapping[str, Any] | None = None,
    state: Mapping[str, Any] | None = None,
    *,
    fixtures: Sequence[Mapping[str, Any]] = (),
    grants: Sequence[str] = (),
    approvals: Mapping[str, Any] | None = None,
    clock: Any = None,
    pause_at_undecided: bool = False,
) -> OrchestrationResult:
    """Run ``mission`` with its effects answered by ``fixtures`` (plan-file
    shorthand: ``{"read": "tasks.md", "text": "- [ ] Pay rent"}``, ``{"run":
    ["pytest", "-q"], "exit_code": 1, "stdout": "1 failed"}``, ``{"http": "GET
    https://api.example.com/x", "status": 200, "body": "{}"}``), so a test of a
    mission with effects needs no files, commands or network. An effect no
    fixture answers is refused, unless ``grants`` allow it (then it really
    happens). Deferred writes are in ``result.receipt["writes"]``, never applied."""
    from .engine.effects import EffectFixture, EffectPolicy
    from .missions import run_mission

    policy = EffectPolicy(grants, fixtures=[EffectFixture.shorthand(item) for item in fixtures])
    return run_mission(mission, params, state, approvals=approvals, clock=clock, effects=policy,
                       pause_at_undecided=pause_at_undecided)


def written_text(result: OrchestrationResult, path: str) -> str | None:
    """The text ``result``'s run intends to write to ``path`` (resolved as the
    run resolved it), or ``None`` when it writes nothing there."""
    from .engine.grants import resolve_path

    target = resolve_path(path)
    for write in result.receipt.get("writes", []):
        if write.get("path") == target:
            return result.effect_bodies()[write["sha256"]].decode("utf-8")
    return None


def assert_verified(
    mission: str,
    params: Mapping[str, Any] | None = None,
    state: Mapping[str, Any] | None = None,
    *,
    approvals: Mapping[str, bool] | None = None,
    clock: Any = None,
) -> OrchestrationResult:
    """Run ``mission`` with verification (every runtime step twice, on
    independent copies) and fail if a step disagreed with itself or left the
    envelope. Returns the result (which may be a failure for other reasons,
    such as a rejected human step, for the test to judge)."""
    from .missions import run_mission

    result = run_mission(mission, params, state, approvals=approvals, clock=clock, verify=True)
    statuses = {entry["status"] for entry in result.lineage}
    if {"nondeterministic", "envelope_violation"} & statuses:
        raise AssertionError(f"mission {mission!r}: {result.error_message}")
    return result


def assert_within_limits(mission: str, params_list: Iterable[Mapping[str, Any] | None]) -> list[WorkflowDefinition]:
    """Plan ``mission`` for each params in ``params_list``; fail listing every
    params for which planning failed (over the limits, or params refused)."""
    from .missions import MissionSpec, build_workflow
    from .errors import LifeosError

    workflows, failures = [], []
    for params in params_list:
        try:
            workflows.append(build_workflow(MissionSpec(mission, params)))
        except LifeosError as exc:
            failures.append(f"params {dict(params or {})!r}: {exc}")
    if failures:
        raise AssertionError(f"mission {mission!r} could not be planned for {len(failures)} params: "
                             + "; ".join(failures))
    return workflows


def assert_rejects_params(mission: str, params: Mapping[str, Any], match: str | None = None) -> Exception:
    """Check that planning ``mission`` with ``params`` fails with a params error
    (or an Anti-Failure planning error) naming the mission, and matching the
    regular expression ``match`` if given. Returns the error."""
    from .missions import MissionSpec, build_workflow
    from .errors import AntiFailurePlanningError, MissionParamsError

    try:
        build_workflow(MissionSpec(mission, params))
    except (MissionParamsError, AntiFailurePlanningError) as exc:
        message = str(exc)
        if repr(mission) not in message:
            raise AssertionError(f"the error does not name mission {mission!r}: {message}") from exc
        if match is not None and not re.search(match, message):
            raise AssertionError(f"the error does not match {match!r}: {message}") from exc
        return exc
    raise AssertionError(f"mission {mission!r} accepted params {dict(params)!r}")
