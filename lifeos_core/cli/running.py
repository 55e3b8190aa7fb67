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
import os
from datetime import datetime, timezone
from typing import Any

from .output import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_WAITING,
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
    "--tz": ("tz", "value"),
    "--verify": ("verify", "flag"),
    "--json": ("json_output", "flag"),
    "--output": ("output", "value"), "-o": ("output", "value"),
    "--save-state": ("save_state", "value"),
    "--quiet": ("quiet", "flag"), "-q": ("quiet", "flag"),
    "--verbose": ("verbose", "flag"), "-v": ("verbose", "flag"),
    "--ledger": ("ledger", "value"),
    "--no-record": ("no_record", "flag"),
    "--by": ("by", "value"),
    "--note": ("note", "value"),
    "--allow": ("allow", "values"),
    "--no-prompt": ("no_prompt", "flag"),
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
    return {"mission": mission, **values}


_STATUS_STYLE = {
    "completed": "green",
    "approved": "green",
    "awaiting_attestation": "yellow",
    "rejected": "red",
    "failed": "red",
}

def ask_at_step(entry: Any, result: Any) -> bool | None:
    """At a terminal, when a run has paused at a human step: show what ran and
    what there is to approve (the mission's own summary of the state so far),
    then ask. ``True`` approves, ``False`` rejects, ``None`` decides later
    (the run stays paused: also on Ctrl-D or Ctrl-C, so the run is recorded,
    not lost). Nothing is approved by default."""
    from rich.prompt import Prompt

    out = console(stderr=True)
    step_id = result.paused_at
    description = next((step.description for step in result.executed_steps if step.id == step_id), "")
    print_steps(result, to_stderr=True)
    out.print(f"\n[bold]Human step[/] {escape(step_id)}: {escape(description or '(no description)')}")
    summary = entry.summarise(result.final_state, step_id)
    if summary:
        for line in summary.splitlines():
            out.print(f"  {escape(line)}")
    try:
        choice = Prompt.ask("approve, reject, or decide later?", choices=["approve", "reject", "later"],
                            default="later", console=out)
    except (EOFError, KeyboardInterrupt):  # Ctrl-D or Ctrl-C: no decision; the run waits, recorded
        out.print()
        return None
    return None if choice == "later" else choice == "approve"


_MISSING = object()


def changed_keys(initial_state: dict[str, Any], final_state: dict[str, Any]) -> list[str]:
    """The top-level state keys a run added, removed or changed."""
    return sorted(key for key in set(initial_state) | set(final_state)
                  if initial_state.get(key, _MISSING) != final_state.get(key, _MISSING))


def print_steps(result: Any, *, verbosity: int = 0, to_stderr: bool = False) -> None:
    """Each step that ran (or was reached), with its kind, operation and status."""
    descriptions = {step.id: step.description for step in result.executed_steps}
    rows = []
    for entry in result.lineage:
        row = [f"  {entry['step_id']}", entry["kind"], entry["operation"] or "-", entry["status"]]
        if verbosity > 0:
            row.append(descriptions.get(entry["step_id"], ""))
        rows.append(row)
    print_table(rows, styles={3: lambda status: _STATUS_STYLE.get(status, "")}, to_stderr=to_stderr)


def print_run_summary(mission: str, result: Any, initial_state: dict[str, Any], *, verbosity: int = 0,
                      to_stderr: bool = False, record_id: str | None = None, summary: str | None = None) -> None:
    """The verdict, each step with its status, what changed and the receipt;
    ``verbosity`` -1 prints the verdict line alone, 1 adds step descriptions
    and the changed state's values. A paused run says what its step asks,
    ``summary`` (the mission's own account of what is to be approved), and how
    to decide it: on record ``record_id``, or, unrecorded, that it cannot be. A
    finished run prints ``summary`` as the mission's account of what it did."""
    receipt = result.receipt
    paused = result.paused_at
    verdict = (("succeeded", "green") if result.success else ("PAUSED", "yellow bold") if paused is not None
               else ("FAILED", "red bold"))
    waiting = [item["id"] for item in receipt["human_steps"] if item["status"] == "awaiting_attestation"]
    say((mission, "bold"), " ", verdict, f" ({receipt['workflow_id']}, clock {receipt['start_time']})"
        + (f", waiting at {paused}" if paused is not None and verbosity < 0 else "")
        + (f", awaiting {', '.join(waiting)}" if waiting and paused is None and verbosity < 0 else ""),
        to_stderr=to_stderr)
    if verbosity < 0:
        return
    print_steps(result, verbosity=verbosity, to_stderr=to_stderr)
    if result.error_message:
        say(("error:", "red"), f" {result.error_message}", to_stderr=to_stderr)
    for item in receipt["human_steps"]:
        if item.get("by") is not None:
            note = f": {item['note']}" if item.get("note") else ""
            say(f"{item['id']} {item['status']} by {item['by']} at {item['at']}{note}", to_stderr=to_stderr)
    if paused is not None:
        description = next((step.description for step in result.executed_steps if step.id == paused), "")
        say(f"waiting for a human at {paused}: {description or '(no description)'}", to_stderr=to_stderr)
        for line in (summary or "").splitlines():
            say(f"  {line}", to_stderr=to_stderr)
        if record_id is not None:
            say(f"decide with: lifeos runs approve {record_id[:12]} {paused}   "
                f"(or: lifeos runs reject {record_id[:12]} {paused})", to_stderr=to_stderr)
        else:
            say("this run was not recorded (--no-record), so it cannot be resumed: run it again without "
                f"--no-record, or decide in advance with --approve {paused} / --reject {paused}", to_stderr=to_stderr)
    elif waiting:
        say(f"awaiting attestation: {', '.join(waiting)} (decide with --approve STEP or --reject STEP)",
            to_stderr=to_stderr)
    if paused is None and summary:
        for line in summary.splitlines():
            say(line, to_stderr=to_stderr)
    final_state = result.final_state
    changed = changed_keys(initial_state, final_state)
    say(f"state {'so far ' if paused is not None else ''}changed: {', '.join(changed) if changed else 'nothing'}",
        to_stderr=to_stderr)
    if verbosity > 0:
        for key in changed:
            text = json.dumps(final_state.get(key), ensure_ascii=False, sort_keys=True)
            say(f"  {key} = {text if len(text) <= 200 else text[:197] + '...'}", to_stderr=to_stderr)
    say(f"receipt {result.receipt_hash()}", to_stderr=to_stderr)


def resolved_grants(texts: list[str]) -> list[str]:
    """Grants as recorded with a run: resolved (``read:notes.md`` as the absolute
    path it meant here), so resuming or replaying elsewhere grants the same files."""
    from ..engine.grants import Grants

    return [str(grant) for grant in Grants.parse(texts, None).grants]


def apply_recorded_writes(recorder: Any) -> int | None:
    """Apply the deferred writes of the run just recorded (it succeeded); an exit
    code when one was refused."""
    from ..ledger.writes import apply_writes
    from .grants import report_applied

    record = recorder.record
    if record is None or not record.success or not record.body["result"]["receipt"].get("writes"):
        return None
    return None if report_applied(apply_writes(recorder.book, record), record.id) else EXIT_FAILED


def clock_of_run(clock: str | None, tz: str | None) -> Any:
    """The run's clock: ``--clock`` (else now) in the person's time zone, which
    is ``--tz``, else the zone or offset ``--clock`` was written with, else
    ``$TZ``, else this machine's. A ``--clock`` without an offset is a local
    time in that zone. What day it is for a mission follows from it."""
    from ..values.clock import FixedClock, clock_from_text
    from ..values.zones import canonical_zone, system_zone

    if clock is None:
        now = datetime.now(timezone.utc).replace(microsecond=0)
        return FixedClock(now, canonical_zone(tz) if tz is not None else system_zone())
    return clock_from_text(clock, tz, system_zone)


def exit_code_of(result: Any) -> int:
    """0 succeeded, 1 failed, 4 waiting for a human."""
    return EXIT_OK if result.success else EXIT_WAITING if result.paused_at is not None else EXIT_FAILED


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
    tz: str | None = None,
    verify: bool = False,
    json_output: bool = False,
    output: str | None = None,
    save_state: str | None = None,
    quiet: bool = False,
    verbose: bool = False,
    ledger: str | None = None,
    no_record: bool = False,
    by: str | None = None,
    note: str | None = None,
    allow: list[str] | None = None,
    no_prompt: bool = False,
) -> None:
    """``lifeos run``: see :func:`lifeos_core.cli.run.run` for what each option means.
    Ends with ``SystemExit`` and the command's exit code."""
    from ..engine.decisions import Decision
    from ..engine.effects import EffectPolicy
    from .grants import Asker, known_scopes, run_grants
    from ..missions import get_mission, plan_mission, resume_planned, run_planned
    from ..values.clock import format_instant
    from ..values.writing import check_output, write_data_file, write_text_atomically
    from .params import check_format, collect_params, decider, decisions, read_state, refuse_two_stdin_inputs

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
    run_clock = clock_of_run(clock, tz)
    instant = run_clock.instant
    entry = get_mission(mission)
    workflow = plan_mission(mission, params, strict=True)
    for message in entry.state_warnings(initial_state):
        warn(message)
    decided_at = format_instant(instant)
    advance = decisions(approve, reject)
    if yes:
        advance = {**{step.id: True for step in workflow.human_steps}, **advance}
    interactive = not json_output and is_terminal() and is_terminal_input()
    # Who decides must be known before anything runs when anyone may decide
    # (a name missing after the steps ran would lose the run); else it is optional.
    who = decider(by, required=bool(advance) or (interactive and bool(workflow.human_steps)))
    if note is not None and not advance and not (interactive and workflow.human_steps):
        warn("--note: this run makes no decision, so the note is not recorded")
    approvals = {step: Decision(approved, who, decided_at, note) for step, approved in advance.items()}
    grants = run_grants(allow, known_scopes())
    ask = Asker() if interactive and not no_prompt else None
    effects = EffectPolicy(grants, ask=ask, folder=os.getcwd())
    for message in _checked_inputs(entry, params, initial_state, effects):
        warn(message)
    book = None if no_record else open_for_recording(ledger)
    try:
        result = run_planned(workflow, initial_state, approvals=approvals, clock=run_clock, verify=verify,
                             pause_at_undecided=True, effects=effects)
        while result.paused_at is not None and interactive:
            # The prompt comes when the step is reached, showing what there is to approve.
            answer = ask_at_step(entry, result)
            if answer is None:
                break
            now = decided_at if clock else format_instant(datetime.now(timezone.utc).replace(microsecond=0))
            decision = Decision(answer, who, now, note)
            reached = {item["id"] for item in result.receipt["human_steps"] if item["status"] != "not_reached"}
            later = {step: given for step, given in approvals.items() if step not in reached}
            approvals[result.paused_at] = decision
            result = resume_planned(workflow, result, {**later, result.paused_at: decision}, clock=run_clock,
                                    verify=verify, effects=effects)
        if verify:
            difference = _difference_elsewhere(mission, params, initial_state, approvals, run_clock.input_text(),
                                               workflow, result)
            if difference is not None:
                echo(f"error: {difference}", err=True)
                raise SystemExit(EXIT_FAILED)
        code = exit_code_of(result)
        if book is not None:
            from ..ledger.recording import record_mission_run

            code = record_run(book, lambda ledger_: record_mission_run(
                ledger_, mission=mission, params=params, initial_state=initial_state, approvals=approvals,
                clock=run_clock.input_text(), verify=verify, workflow=workflow, result=result, pause=True,
                started_by=who, grants=resolved_grants([*grants, *(ask.granted if ask else [])]),
                folder=effects.folder)) or code
            code = apply_recorded_writes(book) or code
        elif result.success and result.receipt.get("writes"):
            warn(f"{len(result.receipt['writes'])} write(s) not applied: a run's writes are applied only once it "
                 "is recorded (drop --no-record)")
    finally:
        if book is not None:
            book.close()
    document = result.to_dict() if (json_output or output is not None) else None
    for label, path in (("--output", output), ("--save-state", save_state)):
        if path is not None and path != "-" and _resolved(path) in read_by(result):
            echo(f"error: {label} {path}: the run read that file, so the result is not written over it (the run "
                 "itself finished and was recorded); give another file", err=True)
            output, save_state, code = (None, save_state, EXIT_USAGE) if label == "--output" else (
                output, None, EXIT_USAGE)
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
                          to_stderr="-" in (output, save_state),
                          record_id=None if book is None or book.record is None else book.record.id,
                          summary=entry.summarise(result.final_state, result.paused_at))
    raise SystemExit(code)


def _checked_inputs(entry: Any, params: dict[str, Any], state: dict[str, Any], effects: Any) -> list[str]:
    """The mission's own check of what it reads (its files, say), before the
    run: its warnings; every problem it finds is an error line, exit 2, and
    nothing runs or is recorded."""
    from ..errors import MissionInputError

    try:
        return entry.check_inputs(params, state, effects)
    except MissionInputError as exc:
        for problem in exc.problems:
            echo(f"error: {problem}", err=True)
        if len(exc.problems) > 1:
            echo(f"error: {len(exc.problems)} problems in what mission {entry.name!r} reads; nothing was run",
                 err=True)
        raise SystemExit(EXIT_USAGE) from None


def read_by(result: Any) -> set[str]:
    """The files a run read through its effects (resolved), which an output of
    the command must not replace: ``-o tasks.md`` after planning from it."""
    return {effect["request"]["path"] for entry in result.lineage for effect in entry.get("effects", ())
            if effect["kind"] == "read_text"}


def _resolved(path: str) -> str:
    return os.path.realpath(os.path.abspath(os.path.expanduser(path)))


def _ended(result: Any) -> str:
    """How a run that did not succeed ended, in words."""
    if result.paused_at is not None:
        return f"paused at {result.paused_at!r}, waiting for a human"
    statuses = {entry["step_id"]: entry["status"] for entry in result.lineage}
    if statuses.get(result.failed_step_id) == "rejected":
        return f"was rejected at {result.failed_step_id!r}"
    return f"failed at {result.failed_step_id!r}"


def _difference_elsewhere(mission: str, params: dict[str, Any], initial_state: dict[str, Any],
                          approvals: dict[str, Any], clock: str, workflow: Any, result: Any) -> str | None:
    """Run the same inputs in a second process (another hash seed): why the run is
    not reproducible, or ``None``. Such a run is refused before it is recorded."""
    from ..values.jsonvalue import first_difference
    from .crosscheck import differs_elsewhere

    if any(entry["status"] == "nondeterministic" for entry in result.lineage):
        return None  # the in-process verification caught it already; the result says so
    here = result.to_dict()
    decided = {step: decision.to_dict() for step, decision in approvals.items()}
    there = differs_elsewhere({"kind": "mission", "mission": mission, "params": params,
                               "initial_state": initial_state, "approvals": decided, "clock": clock,
                               "pause": True, "effects": recorded_effects(result)}, here,
                              [workflow])
    if there is None:
        return None
    return (f"mission {mission!r} is not reproducible: run again in a second process (another PYTHONHASHSEED), "
            f"its result differs at {first_difference(here, there)!r}; it depends on set order, hash(), id(), the "
            "pid or the environment (see docs/envelope.md). The run was not recorded.")


def recorded_effects(result: Any) -> dict[str, Any]:
    """What ``result``'s effects took, as the second process of ``--verify`` gets it
    back (it takes no effect itself): the grants, and each step's responses."""
    bodies = result.effect_bodies()
    steps: dict[str, list[Any]] = {}
    for entry in result.lineage:
        for effect in entry.get("effects", []):
            steps.setdefault(entry["step_id"], []).append(
                [effect["kind"], effect["request"], json.loads(bodies[effect["response_sha256"]])])
    return {"grants": result.receipt.get("grants", []), "steps": steps}


def is_terminal_input() -> bool:
    import sys

    return is_terminal(sys.stdin)


