"""Running a mission or a plan once more, in another process, to prove it reproduces.

``verify`` runs every step twice in one process, which cannot see what is
equal within a process and differs between two: the iteration order of sets
of strings (hash randomisation), ``hash()``, ``id()``, the pid. A run whose
result depends on those replays differently later. :func:`rerun_elsewhere`
runs the same inputs in a fresh interpreter with another ``PYTHONHASHSEED``
and hands back its result, for the caller to compare; ``--verify`` on the
command line does, before it records anything.

The child is ``python -m lifeos_core.cli.crosscheck``, reading one job as JSON on
standard input and writing the result as JSON on standard output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import LifeosError


class CrossCheckError(LifeosError):
    """The second process could not run the job."""


def not_installed(registry: Any, missions: Iterable[str], operations: Iterable[str]) -> list[str]:
    """The missions and operations a second process could not load: those that
    come from plugins registered in memory rather than installed distributions."""
    from ..plugins.loading import LOCAL_VERSION

    found = [f"mission {name!r}" for name in missions
             if name in registry.missions and registry.missions[name].version == LOCAL_VERSION]
    found += [f"operation {name!r}" for name in operations
              if name in registry.operations and registry.operations[name].origin.version == LOCAL_VERSION]
    return found


def differs_elsewhere(job: Mapping[str, Any], here: Mapping[str, Any], workflows: Iterable[Any]) -> Any:
    """Run ``job`` again in a second process and give its result when it
    differs from ``here`` (the result of this process), ``None`` when it is
    the same, or when the missions of ``workflows`` cannot be loaded by a
    second process (they are not installed; a warning says the check was skipped)."""
    from ..plugins.active import active_registry, configured_disabled
    from .output import warn

    from ..values.canonical import stable_hash

    workflows = list(workflows)
    missions = {workflow.metadata.get("mission_type") for workflow in workflows}
    operations = {step.operation for workflow in workflows for step in workflow.steps if step.operation}
    local = not_installed(active_registry(), sorted(name for name in missions if isinstance(name, str)), operations)
    if local:
        warn(f"--verify: {', '.join(sorted(local))} not installed from a distribution, so the second-process "
             "check was skipped")
        return None
    there = rerun_elsewhere(job, configured_disabled())
    return None if stable_hash(there) == stable_hash(dict(here)) else there


def _other_hash_seed(environ: Mapping[str, str]) -> str:
    """A hash seed other than this process's (``0`` unless that is ours)."""
    return "1" if environ.get("PYTHONHASHSEED") == "0" else "0"


def rerun_elsewhere(job: Mapping[str, Any], disabled_plugins: tuple[str, ...] = ()) -> dict[str, Any]:
    """Run ``job`` (``{"kind": "mission" | "plan", ...}``, see :func:`_run`) in a
    new interpreter with another hash seed; return its result as plain data."""
    environment = {**os.environ, "PYTHONHASHSEED": _other_hash_seed(os.environ)}
    payload = json.dumps({**job, "disabled_plugins": list(disabled_plugins)})
    completed = subprocess.run([sys.executable, "-m", "lifeos_core.cli.crosscheck"], input=payload, text=True,
                               capture_output=True, env=environment)
    if completed.returncode != 0:
        last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise CrossCheckError(f"the second process of --verify could not run: {last}")
    try:
        return json.loads(completed.stdout)
    except ValueError:
        raise CrossCheckError("the second process of --verify gave no readable result") from None


def _run(job: Mapping[str, Any]) -> dict[str, Any]:
    from ..values.clock import FixedClock
    from ..plugins.active import configure_plugins

    configure_plugins(disabled=tuple(job.get("disabled_plugins", ())))
    if job["kind"] == "mission":
        from ..missions import run_mission

        from ..engine.effects import EffectPolicy

        taken = job.get("effects") or {}
        effects = EffectPolicy(taken.get("grants", []), recorded={
            step: [tuple(effect) for effect in effects] for step, effects in taken.get("steps", {}).items()}) \
            if taken.get("steps") else None
        result = run_mission(job["mission"], job["params"], job["initial_state"], approvals=job["approvals"],
                             clock=FixedClock(job["clock"]), verify=True, strict=True,
                             pause_at_undecided=job.get("pause", False), effects=effects)
        return result.to_dict()
    from ..harness.plans import parse_test_plan
    from ..ledger.recording import recorded_test_result
    from ..harness.testrun import run_plan

    plan = parse_test_plan(job["plan"], job["expectations"], source=job.get("source"))
    execution = run_plan(plan.suite, plan.expectations, fail_fast=job["fail_fast"], verify=True)
    return recorded_test_result(execution)


def main() -> None:
    from contextlib import redirect_stdout

    job = json.loads(sys.stdin.read())
    result = sys.stdout
    with redirect_stdout(sys.stderr):  # what plugins and steps print stays out of the result
        outcome = _run(job)
    result.write(json.dumps(outcome))


if __name__ == "__main__":
    main()
