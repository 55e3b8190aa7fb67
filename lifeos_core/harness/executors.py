"""Where the scenarios of a suite run: here, one after the other, or elsewhere.

Scenarios are independent and deterministic, so where they run cannot change
what they give. An *executor* takes the scenarios of a suite and hands back
their results **in plan order**; :func:`~lifeos_core.run_suite`,
:func:`~lifeos_core.run_test_run` and ``lifeos test`` merge them exactly as a
sequential run does, so every hash and every ``to_dict()`` is the same
whichever executor ran the plan.

:class:`SequentialExecutor` (the default) runs them in this process.
:class:`~lifeos_core.harness.dask.DaskExecutor` runs them on Dask, on local
worker processes or on a cluster; it needs the ``dask`` extra.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import LifeosError

if TYPE_CHECKING:
    from .scenarios import ScenarioDefinition, ScenarioResult


class ExecutorError(LifeosError):
    """An executor cannot run a plan: Dask is missing, the workers differ from
    this machine, no worker is there, or a batch kept failing."""


class Executor(Protocol):
    """What :func:`run_suite` needs of an executor."""

    def map_scenarios(self, scenarios: Sequence[ScenarioDefinition], *,
                      verify: bool = False) -> Iterator[ScenarioResult]:
        """Run each scenario and yield its result, in the order given.

        Errors in a scenario's plan (an unknown mission, params it refuses)
        propagate, as from :func:`run_scenario`. Closing the iterator early
        (a fail-fast run stopping) abandons the scenarios not yet yielded.
        """
        ...

    def describe(self) -> dict[str, Any]:
        """What ran the plan, for the ledger (never part of a result or its hash)."""
        ...


class SequentialExecutor:
    """Runs scenarios one after the other, in this process."""

    def map_scenarios(self, scenarios: Sequence[ScenarioDefinition], *,
                      verify: bool = False) -> Iterator[ScenarioResult]:
        from .scenarios import run_scenario

        for scenario in scenarios:
            yield run_scenario(scenario, verify=verify)

    def describe(self) -> dict[str, Any]:
        return {"kind": "sequential"}

    def __repr__(self) -> str:
        return "SequentialExecutor()"


SEQUENTIAL = SequentialExecutor()


def resolve_executor(executor: Executor | None) -> Executor:
    """``executor``, or the sequential one when none is given."""
    if executor is None:
        return SEQUENTIAL
    if not callable(getattr(executor, "map_scenarios", None)):
        raise ExecutorError(f"executor must have a map_scenarios() method (e.g. DaskExecutor), "
                            f"got {type(executor).__name__}")
    return executor


def describe_executor(executor: Executor | None) -> dict[str, Any]:
    """:meth:`Executor.describe` of ``executor`` (or of the sequential one)."""
    described = getattr(resolve_executor(executor), "describe", None)
    return dict(described()) if callable(described) else {"kind": type(executor).__name__}
