"""``lifeos runs``: the recorded runs: list, show, verify, replay, export, and
the runs waiting for a human: pending, approve, reject.

All but approve, reject and apply only read: the ledger is opened read-only, so
they work for someone who may not write it, and never create, migrate or change
it. Approve and reject record a decision and the run it resumes; apply notes the
deferred writes it applied.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Optional

import typer

from .output import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    console,
    echo,
    emit_json,
    escape,
    print_table,
    reports_errors,
    warn,
)
from .flags import AllowOption, ByOption, LedgerOption, NoteOption

runs_app = typer.Typer(help="The ledger of recorded runs: list, show, verify, replay, export, apply, copy; the runs "
                            "waiting for a human: pending, approve, reject.",
                       no_args_is_help=True)
IdArgument = Annotated[str, typer.Argument(metavar="ID", help="A record id, or any unique prefix of it (4+ characters).")]


def _open(ledger: str | None) -> Any:
    """The ledger, opened for reading: these commands never create, migrate or write it."""
    from ..ledger.store import open_ledger

    return open_ledger(ledger, read_only=True)


def _verdict_style(cell: str) -> str:
    return ("green" if cell == "success" else "yellow" if cell.startswith("waiting") else "dim"
            if cell.startswith("paused") else "red bold")


@runs_app.command("list")
@reports_errors
def list_runs(
    mission: Annotated[Optional[str], typer.Option("--mission", metavar="NAME",
                                                   help="Only runs of this mission or test plan.")] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Only runs that failed.")] = False,
    limit: Annotated[int, typer.Option("--limit", "-n", metavar="N", min=1, help="At most N runs.")] = 20,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
    ledger: LedgerOption = None,
) -> None:
    """List recorded runs, newest first.

    A ledger that does not exist yet lists no runs. A damaged record is left
    out, and named in a warning on stderr (lifeos runs verify checks them all).

    Examples:

      lifeos runs list

      lifeos runs list --mission daily_loop --failed --limit 5
    """
    from ..ledger.records import NoLedgerYet
    from ..ledger.store import default_ledger_path

    records: list[Any] = []
    resumed: set[str] = set()
    if default_ledger_path(ledger).exists():  # no ledger yet: nothing recorded, and nothing to create
        try:
            with _open(ledger) as book:
                records = book.records(name=mission, failed=failed, limit=limit,
                                       on_damaged=lambda line: warn(f"not listed: {line}"))
                resumed = book.resumed_ids()
        except NoLedgerYet:
            pass  # a team's database nothing was recorded in yet
    if json_output:
        emit_json([{"id": r.id, "seq": r.seq, "kind": r.kind, "name": r.name, "success": r.success,
                    "status": r.status if r.kind == "mission_run" else ("passed" if r.success else "failed"),
                    "paused_at": r.paused_at, "resumes": r.body.get("resumes"), "resumed": r.id in resumed,
                    "recorded_at": r.recorded_at, "result_hash": r.body["result_hash"]} for r in records])
        return
    if not records:
        echo("No recorded runs match." if (mission or failed) else "No recorded runs yet.")
        return
    print_table([[r.id[:12], r.recorded_at, r.kind.replace("_", " "), r.name, r.verdict(r.id in resumed)]
                 for r in records],
                headers=["ID", "Recorded", "Kind", "Name", "Verdict"],
                styles={4: _verdict_style})


def describe_run_by(executor: dict[str, Any]) -> str:
    """What ran a test run, in words: ``sequential``, ``dask, 2 local workers``."""
    if executor.get("kind") != "dask":
        return str(executor.get("kind", "?"))
    where = (f"{executor['workers']} local worker{'s' if executor['workers'] != 1 else ''}" if "workers" in executor
             else f"scheduler {executor.get('scheduler', '?')}")
    return f"dask, {where}" + (f", batches of {executor['batch_size']}" if "batch_size" in executor else "")


@runs_app.command("show")
@reports_errors
def show_run(
    record_id: IdArgument,
    json_output: Annotated[bool, typer.Option("--json", help="Print the whole record as JSON.")] = False,
    ledger: LedgerOption = None,
) -> None:
    """Show one recorded run: its inputs, the versions involved, and its outcome.

    Examples:

      lifeos runs show 3f2a9c

      lifeos runs show 3f2a9c --json
    """
    with _open(ledger) as book:
        record = book.get(record_id)
        following = book.resumed_by(record.id) if record.status == "paused" else None
    if json_output:
        emit_json({"id": record.id, **record.body})
        return
    body = record.body
    out = console()
    verdict = record.verdict(following is not None)
    out.print(f"[bold]{escape(record.kind.replace('_', ' '))} {escape(record.name)}[/] "
              f"[{_verdict_style(verdict)}]{escape(verdict)}[/]")
    out.print(f"  id            {record.id}")
    out.print(f"  record        #{record.seq}, after {body['previous'] or 'nothing (the first record)'}")
    out.print(f"  recorded at   {body['recorded_at']}")
    out.print(f"  result hash   {body['result_hash']}")
    versions = [f"lifeos-core {body['versions'].get('lifeos-core')}"]
    versions += [f"{p['distribution']} {p['version']}" for p in body["versions"].get("plugins", [])]
    out.print(f"  versions      {escape(', '.join(versions))}")
    if "executor" in body:
        out.print(f"  run by        {escape(describe_run_by(body['executor']))}")
    if isinstance(body.get("started_by"), str):
        out.print(f"  started by    {escape(body['started_by'])}")
    if isinstance(body.get("resumes"), str):
        decision = body.get("decision") or {}
        out.print(f"  resumes       {body['resumes']}, deciding {escape(str(decision.get('step')))}"
                  + (" (with --allow-upgrade)" if body.get("allow_upgrade") else ""))
    if record.kind == "mission_run":
        for line in _decision_lines(body["result"]):
            out.print(f"  human step    {escape(line)}")
    if following is not None:
        out.print(f"  resumed by    {following.id}")
    elif record.status == "paused":
        out.print(f"  decide with   lifeos runs approve {record.id[:12]} {escape(str(record.paused_at))} "
                  f"(or reject)")
    for key, value in body["inputs"].items():
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        out.print(f"  {escape(key):<13} {escape(text if len(text) <= 100 else text[:97] + '...')}")
    result = body["result"]
    if record.kind == "mission_run" and result.get("error_message"):
        out.print(f"  [red]error[/]         {escape(result['error_message'])}")
    verdicts = _expectation_verdicts(result) if record.kind == "test_run" else None
    if verdicts is not None:
        failed = [key for key, verdict in verdicts.items() if not (isinstance(verdict, dict) and verdict.get("passed"))]
        out.print(f"  verdict       {len(verdicts) - len(failed)} of {len(verdicts)} expectations passed"
                  + (f"; failed: {escape(', '.join(failed))}" if failed else ""))


def _decision_lines(result: dict[str, Any]) -> list[str]:
    """Each human step of a recorded run's receipt: its status, and who decided, when, with what note."""
    receipt = result.get("receipt")
    lines = []
    for entry in (receipt or {}).get("human_steps", []) if isinstance(receipt, dict) else []:
        if not isinstance(entry, dict):
            continue
        line = f"{entry.get('id')}: {entry.get('status')}"
        if entry.get("by") is not None:
            line += f" by {entry['by']} at {entry.get('at')}"
            if entry.get("note"):
                line += f" ({entry['note']})"
        lines.append(line)
    return lines


def _expectation_verdicts(result: dict[str, Any]) -> dict[str, Any] | None:
    """A test run's verdict per expectation, if its result holds them as a test run's does."""
    judged = result.get("expectations_result")
    verdicts = judged.get("expectation_results") if isinstance(judged, dict) else None
    return verdicts if isinstance(verdicts, dict) else None


@runs_app.command("verify")
@reports_errors
def verify_runs(
    expect_head: Annotated[Optional[str], typer.Option(
        "--expect-head", metavar="HASH",
        help="The head printed by an earlier verify (its id, or a unique prefix of 4+ hex characters): "
             "exit 1 if the chain no longer contains it.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
    ledger: LedgerOption = None,
) -> None:
    """Check every record's hash and its link to the one before: exit 1 if any is broken,
    or if a recorded run's writes were not all applied (lifeos runs apply finishes them).

    Prints the head of the chain: keep it somewhere else, and give it later
    with --expect-head to tell that no record was removed from the end.

    Examples:

      lifeos runs verify

      lifeos runs verify --expect-head 5d1e0c8f6a21
    """
    with _open(ledger) as book:
        report = book.verify(expect_head=expect_head)
        where = book.path
    expected = report.expected_head
    if json_output:
        emit_json({"intact": report.intact, "records": report.records, "head": report.head,
                   "problems": list(report.problems), "unapplied_writes": list(report.unapplied),
                   "expected_head": None if expected is None else {
                       "given": expected.given, "found": expected.found, "id": expected.id, "seq": expected.seq,
                       "added_after": expected.added_after, "message": expected.message}})
    elif report.intact:
        echo(f"{report.records} record(s) in {where}: the chain is intact; head {report.head or '-'}")
        if expected is not None:
            echo(f"note: {expected.message}")
        for write in report.unapplied:
            echo(f"unapplied write: {write}; finish it with lifeos runs apply {write.rsplit('(record ', 1)[1][:12]}",
                 err=True)
    else:
        for problem in report.problems:
            echo(f"broken: {problem}", err=True)
        broken = len(report.problems) - (expected is not None and not expected.found)
        if broken:
            echo(f"{broken} broken record(s) of {report.records} in {where}", err=True)
        else:
            echo(f"{report.records} record(s) in {where}, head {report.head or '-'}: the expected head is not "
                 "among them", err=True)
    raise typer.Exit(EXIT_OK if report.intact and not report.unapplied else EXIT_FAILED)


@runs_app.command("replay")
@reports_errors
def replay_run(
    record_id: IdArgument,
    live: Annotated[bool, typer.Option(
        "--live", help="Take the run's effects again (with its recorded grants; writes are never applied) and "
                       "say which responses changed.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
    ledger: LedgerOption = None,
) -> None:
    """Run a recorded run again, from its recorded inputs, with the plugins installed now.

    Compares the new result's hash with the recorded one; on a difference,
    prints the paths that differ and the versions that changed, and exits 1.
    The run's effects get their recorded responses back: no file is read, no
    command run, nothing sent. --live takes them again and names each
    response that changed.

    Example: lifeos runs replay 3f2a9c
    """
    from ..ledger.replay import replay

    with _open(ledger) as book:
        record = book.get(record_id)
        outcome = replay(record, blob=book.blob, live=live)
    if json_output:
        emit_json({"id": record.id, "same": outcome.same, "recorded_hash": record.body["result_hash"],
                   "replayed_hash": outcome.result_hash, "differences": list(outcome.differences),
                   "version_changes": list(outcome.version_changes),
                   "changed_effects": list(outcome.changed_effects)})
    elif outcome.same:
        echo(f"{record.kind.replace('_', ' ')} {record.name} ({record.id[:12]}) replayed: same result "
             f"{outcome.result_hash}")
    else:
        echo(f"{record.kind.replace('_', ' ')} {record.name} ({record.id[:12]}) replayed: the result differs")
        echo(f"  recorded {record.body['result_hash']}")
        echo(f"  replayed {outcome.result_hash}")
        for path in outcome.differences:
            echo(f"  differs at {path or '(the whole result)'}")
        for change in outcome.version_changes:
            echo(f"  version changed: {change}")
        for change in outcome.changed_effects:
            echo(f"  effect changed: {change}")
        if not outcome.version_changes and not outcome.changed_effects:
            echo("  no version changed: the difference comes from code that is not versioned, "
                 "or from a mission that is not deterministic (try --verify)")
    raise typer.Exit(EXIT_OK if outcome.same else EXIT_FAILED)


@runs_app.command("export")
@reports_errors
def export_run(
    record_id: IdArgument,
    format: Annotated[str, typer.Option("--format", metavar="FORMAT", help="The format: in-toto.")] = "in-toto",
    ledger: LedgerOption = None,
) -> None:
    """Export a recorded run as an attestation other tools can consume.

    in-toto: an in-toto Statement v1 whose subject is the result's SHA-256
    digest and whose predicate is the run's receipt.

    Example: lifeos runs export 3f2a9c --format in-toto > run.intoto.json
    """
    from ..ledger.attestation import in_toto_statement

    if format != "in-toto":
        echo(f"error: unknown export format {format!r}; the formats are: in-toto", err=True)
        raise typer.Exit(EXIT_USAGE)
    with _open(ledger) as book:
        record = book.get(record_id)
    emit_json(in_toto_statement(record))


@runs_app.command("pending")
@reports_errors
def pending_runs(
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
    ledger: LedgerOption = None,
) -> None:
    """List the runs waiting for a human, oldest first: the step each waits at,
    and since when.

    Decide one with lifeos runs approve ID STEP (or reject).

    Example: lifeos runs pending
    """
    from ..ledger.records import NoLedgerYet
    from ..ledger.resuming import waiting_runs
    from ..ledger.store import default_ledger_path

    waiting: list[Any] = []
    if default_ledger_path(ledger).exists():
        try:
            with _open(ledger) as book:
                waiting = waiting_runs(book)
        except NoLedgerYet:
            pass
    if json_output:
        emit_json([{**item.to_dict(), "short_id": item.record.id[:12]} for item in waiting])
        return
    if not waiting:
        echo("No runs are waiting for a human.")
        return
    print_table([[item.record.id[:12], item.record.name, item.step_id, item.record.recorded_at,
                  item.started_by or "-", item.description] for item in waiting],
                headers=["ID", "Mission", "Step", "Waiting since", "Started by", "Asks"])
    echo("decide with: lifeos runs approve ID STEP [--note TEXT]   (or: lifeos runs reject ID STEP)")


def _decide(approved: bool, record_id: str, step: str, by: str | None, note: str | None, clock: str | None,
            allow_upgrade: bool, json_output: bool, ledger: str | None, allow: list[str] | None = None) -> None:
    """Decide ``step`` of a waiting run, resume it, record it, report as ``lifeos run`` does."""
    from ..missions import get_mission
    from .deciding import decide
    from .params import decider
    from .running import exit_code_of, print_run_summary

    decided = decide(approved, record_id, step, decider(by), note, clock=clock, allow_upgrade=allow_upgrade,
                     ledger=ledger, allow=allow)
    for change in decided.resumption.upgraded:
        warn(f"resuming with another version than the run was paused with: {change} (recorded)")
    result = decided.resumption.result
    if decided.code is not None:
        raise typer.Exit(decided.code)
    if json_output:
        emit_json(result.to_dict())
    else:
        mission = decided.resumption.paused.name
        summary = get_mission(mission).summarise(result.final_state, result.paused_at)
        print_run_summary(mission, result, decided.resumption.inputs["initial_state"], record_id=decided.record.id,
                          summary=summary)
    raise typer.Exit(decided.written or exit_code_of(result))


RunArgument = Annotated[str, typer.Argument(
    metavar="RUN", help="The waiting run: the id of any of its records, or a unique prefix (4+ characters).")]
StepArgument = Annotated[str, typer.Argument(metavar="STEP", help="The human step it waits at.")]
DecisionClockOption = Annotated[Optional[str], typer.Option(
    "--clock", metavar="TIME", help="When the decision was made (ISO 8601), instead of now.")]
AllowUpgradeOption = Annotated[bool, typer.Option(
    "--allow-upgrade", help="Resume even though the mission or lifeos-core version differs from the paused "
                            "run's (recorded).")]
DecisionJsonOption = Annotated[bool, typer.Option("--json", help="Print the resumed run's full result as JSON.")]


@runs_app.command("approve")
@reports_errors
def approve_run(record_id: RunArgument, step: StepArgument, by: ByOption = None, note: NoteOption = None,
                clock: DecisionClockOption = None, allow_upgrade: AllowUpgradeOption = False,
                allow: AllowOption = None, json_output: DecisionJsonOption = False,
                ledger: LedgerOption = None) -> None:
    """Approve the human step a run waits at, and resume it from there.

    Nothing that ran before the pause runs again, and no effect it took is
    taken again; the steps after it have the run's grants (and --allow). The
    run's writes are applied once it succeeded and was recorded. Prints the outcome as
    lifeos run does; exit 0 when the run then succeeds, 1 when it fails, 4
    when it pauses again at another human step. A step is decided once: a
    second decision is refused, naming who decided and when.

    Examples:

      lifeos runs approve 3f2a9c confirm-plan

      lifeos runs approve 3f2a9c confirm-plan --by ana --note "looks right"
    """
    _decide(True, record_id, step, by, note, clock, allow_upgrade, json_output, ledger, allow)


@runs_app.command("reject")
@reports_errors
def reject_run(record_id: RunArgument, step: StepArgument, by: ByOption = None, note: NoteOption = None,
               clock: DecisionClockOption = None, allow_upgrade: AllowUpgradeOption = False,
               allow: AllowOption = None, json_output: DecisionJsonOption = False,
               ledger: LedgerOption = None) -> None:
    """Reject the human step a run waits at: the run ends there, failed (exit 1).

    Example: lifeos runs reject 3f2a9c confirm-plan --note "wrong priorities"
    """
    _decide(False, record_id, step, by, note, clock, allow_upgrade, json_output, ledger, allow)


@runs_app.command("apply")
@reports_errors
def apply_run(
    record_id: IdArgument,
    ledger: LedgerOption = None,
) -> None:
    """Apply the writes of a recorded run that were not applied (an interrupted
    run, or a write refused earlier). ID may name any record of the run. Idempotent: a file that already holds
    what the run wrote is left alone; a file that changed since the run read it
    is refused, naming it (exit 1).

    Example: lifeos runs apply 3f2a9c
    """
    from ..ledger.store import open_ledger
    from ..ledger.writes import apply_writes
    from .grants import report_applied

    from ..ledger.resuming import first_of_run

    with open_ledger(ledger, create=False) as book:
        record = book.run_of(first_of_run(book, book.get(record_id)))[-1]  # any record of the run: where it ended
        if record.status == "paused":
            echo(f"error: run {record.id[:12]} waits at {record.paused_at!r}; its writes are applied once it is "
                 f"approved (lifeos runs approve {record.id[:12]} {record.paused_at})", err=True)
            raise typer.Exit(EXIT_USAGE)
        if not record.success:
            echo(f"error: record {record.id[:12]} is a run that did not succeed; its writes are never applied",
                 err=True)
            raise typer.Exit(EXIT_USAGE)
        pending = book.unapplied_writes(record.id)
        if not pending:
            echo(f"nothing to apply: every write of {record.id[:12]} was applied")
            raise typer.Exit(EXIT_OK)
        done = report_applied(apply_writes(book, record), record.id)
    raise typer.Exit(EXIT_OK if done else EXIT_FAILED)


def register(app: typer.Typer) -> None:
    from . import runs_copy  # noqa: F401 - adds `runs copy` to runs_app

    app.add_typer(runs_app, name="runs")
