"""``lifeos run``: plan a mission, decide its human steps, run it, report."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from .missions import complete_mission
from .recording import LedgerOption, NoRecordOption, record_run
from .output import EXIT_FAILED, EXIT_OK, console, emit_json, escape, is_terminal, print_table, reports_errors

_STATUS_STYLE = {
    "completed": "green",
    "approved": "green",
    "awaiting_attestation": "yellow",
    "rejected": "red",
    "failed": "red",
}


def ask_for_decisions(workflow: Any, decided: dict[str, bool]) -> dict[str, bool]:
    """At a terminal, ask about each human step that has no decision yet.

    Answers: approve, reject, or later (the step stays awaiting attestation).
    """
    from rich.prompt import Prompt

    out = console(stderr=True)
    answers = dict(decided)
    for step in workflow.human_steps:
        if step.id in answers:
            continue
        out.print(f"[bold]Human step[/] {escape(step.id)}: {escape(step.description or '(no description)')}")
        choice = Prompt.ask("  approve, reject, or decide later?", choices=["approve", "reject", "later"],
                            default="later", console=out)
        if choice != "later":
            answers[step.id] = choice == "approve"
    return answers


def print_run_summary(mission: str, result: Any, initial_state: dict[str, Any]) -> None:
    out = console()
    receipt = result.receipt
    verdict = "[green]succeeded[/]" if result.success else "[red bold]FAILED[/]"
    out.print(f"[bold]{escape(mission)}[/] {verdict} ({escape(receipt['workflow_id'])}, "
              f"clock {receipt['start_time']})")
    print_table([[f"  {entry['step_id']}", entry["kind"], entry["operation"] or "-", entry["status"]]
                 for entry in result.lineage], styles={3: lambda status: _STATUS_STYLE.get(status, "")})
    if result.error_message:
        out.print(f"[red]error:[/] {escape(result.error_message)}")
    waiting = [item["id"] for item in receipt["human_steps"] if item["status"] == "awaiting_attestation"]
    if waiting:
        out.print(f"awaiting attestation: {escape(', '.join(waiting))} (decide with --approve STEP or --reject STEP)")
    final_state = result.final_state
    changed = sorted(key for key in set(initial_state) | set(final_state)
                     if initial_state.get(key, _MISSING) != final_state.get(key, _MISSING))
    out.print(f"state changed: {escape(', '.join(changed)) if changed else 'nothing'}")
    out.print(f"receipt {result.receipt_hash()}")


_MISSING = object()


@reports_errors
def run(
    mission: Annotated[str, typer.Argument(metavar="MISSION", help="The mission to run (see `lifeos missions list`).",
                                           autocompletion=complete_mission)],
    param: Annotated[Optional[list[str]], typer.Option(
        "--param", "-p", metavar="KEY=VALUE", help="A param as key=value (JSON values allowed); repeatable.")] = None,
    params_file: Annotated[Optional[Path], typer.Option(
        "--params", metavar="FILE", help="Params from a JSON, YAML or TOML file (--param wins).")] = None,
    state: Annotated[Optional[Path], typer.Option(
        "--state", metavar="FILE", help="The initial state, from a JSON, YAML or TOML file.")] = None,
    approve: Annotated[Optional[list[str]], typer.Option(
        "--approve", metavar="STEP", help="Approve a human step; repeatable.")] = None,
    reject: Annotated[Optional[list[str]], typer.Option(
        "--reject", metavar="STEP", help="Reject a human step; repeatable.")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Approve every human step not decided otherwise.")] = False,
    clock: Annotated[Optional[str], typer.Option(
        "--clock", metavar="TIME", help="The run's time (ISO 8601), instead of now, to reproduce a run.")] = None,
    verify: Annotated[bool, typer.Option(
        "--verify", help="Run each step twice and fail if the two runs differ (proves determinism).")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the full result as JSON.")] = False,
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", metavar="FILE", help="Also write the full result as JSON to FILE (atomically).")] = None,
    ledger: LedgerOption = None,
    no_record: NoRecordOption = False,
) -> None:
    """Run a mission and report its outcome.

    Human steps: --approve/--reject decide them, --yes approves the rest; at a
    terminal you are asked about any left; otherwise they are recorded as
    awaiting attestation. The current time is the run's clock (--clock to
    reproduce a run). The run is recorded in the ledger (see lifeos runs)
    unless --no-record. Exit code 0 on success, 1 when the mission failed, 2
    on bad input.

    Examples:

      lifeos run echo --param message=hello

      lifeos run daily_loop --state tasks.yaml --param capacity_minutes=180 --approve confirm-plan

      lifeos run daily_loop --state tasks.yaml --yes --json --output result.json
    """
    from ..builder import MissionSpec, build_workflow
    from ..clock import FixedClock, format_instant, parse_instant
    from ..engine import ExecutionContext, Orchestrator
    from ..files import write_text_atomically
    from .params import collect_params, decisions, read_state

    params = collect_params(params_file, param)
    initial_state = read_state(state)
    instant = parse_instant(clock) if clock else datetime.now(timezone.utc).replace(microsecond=0)
    workflow = build_workflow(MissionSpec(mission, params))
    approvals = decisions(approve, reject)
    if yes:
        approvals = {**{step.id: True for step in workflow.human_steps}, **approvals}
    elif workflow.human_steps and not json_output and is_terminal() and is_terminal_input():
        approvals = ask_for_decisions(workflow, approvals)
    clock_input = FixedClock(instant)
    context = ExecutionContext(initial_state=initial_state, approvals=approvals, clock=clock_input)
    result = Orchestrator().run_workflow(workflow, context, verify=verify)
    if output is not None:
        write_text_atomically(output, json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n")
    if json_output:
        emit_json(result.to_dict())
    else:
        print_run_summary(mission, result, initial_state)
    failed_to_record = None
    if not no_record:
        from ..plugins import active_registry
        from ..recording import record_mission_run

        failed_to_record = record_run(ledger, lambda book: record_mission_run(
            book, mission=mission, params=params, initial_state=initial_state, approvals=approvals,
            clock=format_instant(instant), verify=verify, workflow=workflow, result=result,
            registry=active_registry()), quiet=False)
    raise typer.Exit(failed_to_record or (EXIT_OK if result.success else EXIT_FAILED))


def is_terminal_input() -> bool:
    import sys

    return is_terminal(sys.stdin)


def register(app: typer.Typer) -> None:
    app.command()(run)
