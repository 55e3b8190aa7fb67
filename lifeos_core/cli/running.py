"""What ``lifeos run`` does, without Typer: plan a mission, decide its human
steps, run it, record it, report.

The order is what keeps a run from being lost: everything the command will
need is checked first (params, state, the files it will write, the ledger);
then the run; then the record; then the files; then what is printed. A write
that fails after the run says so, and the run is in the ledger all the same;
a closed pipe ends the command quietly after the record was made.

Its options are declared for Typer in :mod:`lifeos_core.cli.run` and listed
here again in :data:`RUN_OPTIONS` (a test keeps the two lists equal): a plain
``lifeos run MISSION --opt value ...`` is read by :func:`quick_arguments`
without building the Typer application, whose first use costs more than a
whole run of a small mission (it imports Typer, its Pydantic adapters and
Rich). Anything else it does not recognise (``--help``, a typo, ``-pVALUE``,
completion) is left to Typer, which reads it or explains what is wrong.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .output import (
    EXIT_FAILED,
    EXIT_OK,
    Settings,
    console,
    echo,
    emit_json,
    escape,
    fail_usage,
    is_terminal,
    print_table,
    reports_errors,
    say,
    warn,
)
from .options import verbosity_of, write_after_the_run
from .recording import open_for_recording, record_run

RUN_OPTIONS: dict[str, tuple[str, str]] = {
    # option: (parameter, "flag" | "value" | "values" (repeatable))
    "--param": ("param", "values"), "-p": ("param", "values"),
    "--params": ("params_file", "value"),
    "--state": ("state", "value"),
    "--format": ("input_format", "value"),
    "--approve": ("approve", "values"),
    "--reject": ("reject", "values"),
    "--yes": ("yes", "flag"), "-y": ("yes", "flag"),
    "--clock": ("clock", "value"),
    "--verify": ("verify", "flag"),
    "--json": ("json_output", "flag"),
    "--output": ("output", "value"), "-o": ("output", "value"),
    "--save-state": ("save_state", "value"),
    "--quiet": ("quiet", "flag"), "-q": ("quiet", "flag"),
    "--verbose": ("verbose", "flag"), "-v": ("verbose", "flag"),
    "--ledger": ("ledger", "value"),
    "--no-record": ("no_record", "flag"),
}
"""Every option of ``lifeos run``, as :mod:`lifeos_core.cli.run` declares it for Typer."""


def quick_arguments(arguments: list[str] | tuple[str, ...]) -> dict[str, Any] | None:
    """The arguments of ``lifeos run`` (those after ``run``) as the keyword
    arguments of :func:`run_command`, as Typer would give them; ``None`` when
    they hold anything but the mission and well-formed options (Typer decides)."""
    values: dict[str, Any] = {}
    mission = None
    position = 0
    while position < len(arguments):
        argument = arguments[position]
        position += 1
        if argument.startswith("-") and argument != "-":
            name, equals, inline = argument.partition("=") if argument.startswith("--") else (argument, "", "")
            known = RUN_OPTIONS.get(name)
            if known is None:
                return None
            parameter, kind = known
            if kind == "flag":
                if equals:
                    return None
                values[parameter] = True
                continue
            if not equals:
                if position == len(arguments):
                    return None
                inline = arguments[position]
                position += 1
            if kind == "values":
                values.setdefault(parameter, []).append(inline)
            else:
                values[parameter] = inline  # given twice: the last one counts, as with Typer
        elif mission is None:
            mission = argument
        else:
            return None
    if mission is None:
        return None
    if "ledger" in values:
        values["ledger"] = Path(values["ledger"])
    return {"mission": mission, **values}


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


_MISSING = object()


def changed_keys(initial_state: dict[str, Any], final_state: dict[str, Any]) -> list[str]:
    """The top-level state keys a run added, removed or changed."""
    return sorted(key for key in set(initial_state) | set(final_state)
                  if initial_state.get(key, _MISSING) != final_state.get(key, _MISSING))


def print_run_summary(mission: str, result: Any, initial_state: dict[str, Any], *, verbosity: int = 0,
                      to_stderr: bool = False) -> None:
    """The verdict, each step with its status, what changed and the receipt;
    ``verbosity`` -1 prints the verdict line alone, 1 adds step descriptions
    and the changed state's values."""
    receipt = result.receipt
    verdict = ("succeeded", "green") if result.success else ("FAILED", "red bold")
    waiting = [item["id"] for item in receipt["human_steps"] if item["status"] == "awaiting_attestation"]
    say((mission, "bold"), " ", verdict, f" ({receipt['workflow_id']}, clock {receipt['start_time']})"
        + (f", awaiting {', '.join(waiting)}" if waiting and verbosity < 0 else ""), to_stderr=to_stderr)
    if verbosity < 0:
        return
    descriptions = {step.id: step.description for step in result.executed_steps}
    rows = []
    for entry in result.lineage:
        row = [f"  {entry['step_id']}", entry["kind"], entry["operation"] or "-", entry["status"]]
        if verbosity > 0:
            row.append(descriptions.get(entry["step_id"], ""))
        rows.append(row)
    print_table(rows, styles={3: lambda status: _STATUS_STYLE.get(status, "")}, to_stderr=to_stderr)
    if result.error_message:
        say(("error:", "red"), f" {result.error_message}", to_stderr=to_stderr)
    if waiting:
        say(f"awaiting attestation: {', '.join(waiting)} (decide with --approve STEP or --reject STEP)",
            to_stderr=to_stderr)
    final_state = result.final_state
    changed = changed_keys(initial_state, final_state)
    say(f"state changed: {', '.join(changed) if changed else 'nothing'}", to_stderr=to_stderr)
    if verbosity > 0:
        for key in changed:
            text = json.dumps(final_state.get(key), ensure_ascii=False, sort_keys=True)
            say(f"  {key} = {text if len(text) <= 200 else text[:197] + '...'}", to_stderr=to_stderr)
    say(f"receipt {result.receipt_hash()}", to_stderr=to_stderr)


@reports_errors
def run_command(
    mission: str,
    param: list[str] | None = None,
    params_file: str | None = None,
    state: str | None = None,
    input_format: str | None = None,
    approve: list[str] | None = None,
    reject: list[str] | None = None,
    yes: bool = False,
    clock: str | None = None,
    verify: bool = False,
    json_output: bool = False,
    output: str | None = None,
    save_state: str | None = None,
    quiet: bool = False,
    verbose: bool = False,
    ledger: Path | None = None,
    no_record: bool = False,
) -> None:
    """``lifeos run``: see :func:`lifeos_core.cli.run.run` for what each option means.
    Ends with ``SystemExit`` and the command's exit code."""
    from ..missions import get_mission, plan_mission, run_planned
    from ..values.clock import FixedClock, format_instant, parse_instant
    from ..values.writing import check_output, write_data_file, write_text_atomically
    from .params import check_format, collect_params, decisions, read_state, refuse_two_stdin_inputs

    check_format(input_format)  # Typer's callback did, the quick path did not
    verbosity = verbosity_of(quiet, verbose)
    refuse_two_stdin_inputs(params=params_file, state=state)
    if output == "-" and save_state == "-":
        raise fail_usage("--output - and --save-state - would both write to standard output; "
                         "give a file for one of them")
    if json_output and "-" in (output, save_state):
        raise fail_usage("--json and a '-' output would both write to standard output; drop one")
    params = collect_params(params_file, param, input_format)
    initial_state = read_state(state, input_format)
    inputs = [(f"--{name} input", path) for name, path in (("state", state), ("params", params_file)) if path]
    for label, path in (("--output", output), ("--save-state", save_state)):
        if path is not None:
            check_output(path, label, inputs=[item for item in inputs if not (
                label == "--save-state" and item[0] == "--state input")],  # carrying a state forward is the point
                data=label == "--save-state")
    instant = parse_instant(clock) if clock else datetime.now(timezone.utc).replace(microsecond=0)
    entry = get_mission(mission)
    workflow = plan_mission(mission, params, strict=True)
    for message in entry.state_warnings(initial_state):
        warn(message)
    approvals = decisions(approve, reject)
    if yes:
        approvals = {**{step.id: True for step in workflow.human_steps}, **approvals}
    elif workflow.human_steps and not json_output and is_terminal() and is_terminal_input():
        approvals = ask_for_decisions(workflow, approvals)
    book = None if no_record else open_for_recording(ledger)
    try:
        result = run_planned(workflow, initial_state, approvals=approvals, clock=FixedClock(instant), verify=verify)
        if verify:
            difference = _difference_elsewhere(mission, params, initial_state, approvals, format_instant(instant),
                                               workflow, result)
            if difference is not None:
                echo(f"error: {difference}", err=True)
                raise SystemExit(EXIT_FAILED)
        code = EXIT_OK if result.success else EXIT_FAILED
        if book is not None:
            from ..ledger.recording import record_mission_run

            code = record_run(book, lambda ledger_: record_mission_run(
                ledger_, mission=mission, params=params, initial_state=initial_state, approvals=approvals,
                clock=format_instant(instant), verify=verify, workflow=workflow, result=result)) or code
    finally:
        if book is not None:
            book.close()
    document = result.to_dict() if (json_output or output is not None) else None
    if output is not None:
        code = write_after_the_run("--output", lambda: write_text_atomically(
            output, json.dumps(document, indent=2, ensure_ascii=False) + "\n")) or code
    if save_state is not None and not result.success:
        warn(f"--save-state: the state was not saved, because the run {_ended(result)}; {save_state} is unchanged")
    elif save_state is not None:
        code = write_after_the_run("--save-state", lambda: write_data_file(
            save_state, result.final_state, "saved state", format=input_format if save_state == "-" else None)) or code
    Settings.outcome = code
    if json_output:
        emit_json(document)
    else:
        print_run_summary(mission, result, initial_state, verbosity=verbosity,
                          to_stderr="-" in (output, save_state))
    raise SystemExit(code)


def _ended(result: Any) -> str:
    """How a run that did not succeed ended, in words."""
    statuses = {entry["step_id"]: entry["status"] for entry in result.lineage}
    if statuses.get(result.failed_step_id) == "rejected":
        return f"was rejected at {result.failed_step_id!r}"
    return f"failed at {result.failed_step_id!r}"


def _difference_elsewhere(mission: str, params: dict[str, Any], initial_state: dict[str, Any],
                          approvals: dict[str, bool], clock: str, workflow: Any, result: Any) -> str | None:
    """Run the same inputs in a second process (another hash seed): why the run is
    not reproducible, or ``None``. Such a run is refused before it is recorded."""
    from ..values.jsonvalue import first_difference
    from .crosscheck import differs_elsewhere

    if any(entry["status"] == "nondeterministic" for entry in result.lineage):
        return None  # the in-process verification caught it already; the result says so
    here = result.to_dict()
    there = differs_elsewhere({"kind": "mission", "mission": mission, "params": params,
                               "initial_state": initial_state, "approvals": approvals, "clock": clock}, here,
                              [workflow])
    if there is None:
        return None
    return (f"mission {mission!r} is not reproducible: run again in a second process (another PYTHONHASHSEED), "
            f"its result differs at {first_difference(here, there)!r}; it depends on set order, hash(), id(), the "
            "pid or the environment (see docs/envelope.md). The run was not recorded.")


def is_terminal_input() -> bool:
    import sys

    return is_terminal(sys.stdin)


