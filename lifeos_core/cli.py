"""The ``lifeos`` command line: list missions and run them.

This is the output edge of the data flow: flags and files come in, are turned
into params, state and a clock, and the frozen result goes out as a summary for
people or JSON for machines. Exit codes: 0 success, 1 the mission failed,
2 a usage or input error (reported as one line on stderr, no traceback).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Optional, TypeVar

import typer

from .clock import FixedClock, parse_instant
from .errors import LifeosError
from .files import read_mapping_file
from .version import __version__

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

app = typer.Typer(
    name="lifeos",
    help="Run bounded, deterministic, auditable missions.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
missions_app = typer.Typer(help="List and inspect the installed missions.", no_args_is_help=True)
app.add_typer(missions_app, name="missions")

F = TypeVar("F", bound=Callable[..., Any])


def fail_usage(message: str) -> typer.Exit:
    """Print ``message`` as the one error line and give the usage exit code."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def reports_errors(command: F) -> F:
    """Turn lifeos errors raised by a command into one line and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except LifeosError as exc:
            raise fail_usage(str(exc)) from None

    return wrapper  # type: ignore[return-value]


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"lifeos {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Run bounded, deterministic, auditable missions.

    Examples:

      lifeos missions list

      lifeos run echo --param message=hello

      lifeos run daily_loop --state tasks.yaml --approve confirm-plan
    """


@missions_app.command("list")
@reports_errors
def missions_list(
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
) -> None:
    """List every installed mission with its description and origin.

    Example: lifeos missions list --json
    """
    from .plugins import active_registry

    registry = active_registry()
    rows = [
        {
            "name": entry.name,
            "description": entry.description,
            "distribution": entry.distribution,
            "version": entry.version,
        }
        for entry in (registry.missions[name] for name in registry.mission_names())
    ]
    problems = [f"plugin {failure.origin.plugin} ({failure.origin}): {failure.error}" for failure in registry.failures]
    problems += [conflict.message() for conflict in registry.conflicts]
    if json_output:
        typer.echo(json.dumps({"missions": rows, "problems": problems}, indent=2))
        return
    if not rows:
        typer.echo("No missions installed. Install a mission pack, e.g. pip install lifeos-mission-echo")
    width = max((len(row["name"]) for row in rows), default=0)
    for row in rows:
        typer.echo(f"{row['name']:<{width}}  {row['description']}  [{row['distribution']} {row['version']}]")
    for problem in problems:
        typer.echo(f"warning: {problem}", err=True)


def parse_param(text: str) -> tuple[str, Any]:
    """Read one ``--param key=value``; the value is JSON when it parses as JSON,
    else the plain string (so ``n=3`` is a number and ``date=2026-01-31`` text)."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise fail_usage(f"--param {text!r} must look like key=value, e.g. --param message=hello")
    try:
        return key, json.loads(raw)
    except ValueError:
        return key, raw


def _decisions(approve: list[str], reject: list[str]) -> dict[str, bool]:
    both = sorted(set(approve) & set(reject))
    if both:
        raise fail_usage(f"step {both[0]!r} is both approved and rejected; give one decision per step")
    return {**{step: True for step in approve}, **{step: False for step in reject}}


@app.command()
@reports_errors
def run(
    mission: Annotated[str, typer.Argument(metavar="MISSION", help="The mission to run (see `lifeos missions list`).")],
    param: Annotated[
        Optional[list[str]], typer.Option("--param", "-p", metavar="KEY=VALUE", help="A param as key=value (JSON values allowed); repeatable.")
    ] = None,
    params_file: Annotated[
        Optional[Path], typer.Option("--params", metavar="FILE", help="Params from a JSON, YAML or TOML file (--param wins).")
    ] = None,
    state: Annotated[
        Optional[Path], typer.Option("--state", metavar="FILE", help="The initial state from a JSON, YAML or TOML file.")
    ] = None,
    approve: Annotated[Optional[list[str]], typer.Option("--approve", metavar="STEP", help="Approve a human step; repeatable.")] = None,
    reject: Annotated[Optional[list[str]], typer.Option("--reject", metavar="STEP", help="Reject a human step; repeatable.")] = None,
    clock: Annotated[
        Optional[str], typer.Option("--clock", metavar="TIME", help="The run's time (ISO 8601), instead of now, to reproduce a run.")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the full result as JSON.")] = False,
) -> None:
    """Run a mission and report its outcome.

    Human steps without --approve/--reject are recorded as awaiting
    attestation. Exit code 0 on success, 1 when the mission failed, 2 on bad input.

    Examples:

      lifeos run echo --param message=hello

      lifeos run daily_loop --state tasks.yaml --param capacity_minutes=180 --approve confirm-plan
    """
    from .registry import run_mission

    params: dict[str, Any] = read_mapping_file(params_file, "params file") if params_file else {}
    params.update(parse_param(item) for item in param or [])
    initial_state = read_mapping_file(state, "state file") if state else {}
    instant = parse_instant(clock) if clock else datetime.now(timezone.utc).replace(microsecond=0)
    result = run_mission(
        mission,
        params,
        initial_state,
        approvals=_decisions(approve or [], reject or []),
        clock=FixedClock(instant),
    )
    if json_output:
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_summary(mission, result, initial_state)
    raise typer.Exit(EXIT_OK if result.success else EXIT_FAILED)


def _print_summary(mission: str, result: Any, initial_state: dict[str, Any]) -> None:
    receipt = result.receipt
    verdict = "succeeded" if result.success else "FAILED"
    typer.echo(f"{mission} {verdict} ({receipt['workflow_id']}, clock {receipt['start_time']})")
    statuses = {entry["step_id"]: entry["status"] for entry in result.lineage}
    width = max((len(step.id) for step in result.executed_steps), default=0)
    for step in result.executed_steps:
        typer.echo(f"  {step.id:<{width}}  {step.kind:<7}  {statuses.get(step.id, '')}")
    if result.error_message:
        typer.echo(f"error: {result.error_message}")
    waiting = [item["id"] for item in receipt["human_steps"] if item["status"] == "awaiting_attestation"]
    if waiting:
        typer.echo(f"awaiting attestation: {', '.join(waiting)} (decide with --approve STEP or --reject STEP)")
    final_state = result.final_state
    changed = sorted(key for key in set(initial_state) | set(final_state)
                     if initial_state.get(key, _MISSING) != final_state.get(key, _MISSING))
    typer.echo(f"state changed: {', '.join(changed) if changed else 'nothing'}")
    typer.echo(f"receipt {result.receipt_hash()}")


_MISSING = object()


def main() -> None:
    """Console-script entry point."""
    app(prog_name="lifeos")
