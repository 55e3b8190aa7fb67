"""``lifeos runs``: the recorded runs: list, show, verify, replay, export.

Every one of these only reads: the ledger is opened read-only, so they work
for someone who may not write it, and never create, migrate or change it.
"""

from __future__ import annotations

import json
from pathlib import Path
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
from .flags import LedgerOption

runs_app = typer.Typer(help="The ledger of recorded runs: list, show, verify, replay, export.",
                       no_args_is_help=True)
IdArgument = Annotated[str, typer.Argument(metavar="ID", help="A record id, or any unique prefix of it (4+ characters).")]


def _open(ledger: Path | None) -> Any:
    """The ledger, opened for reading: these commands never create, migrate or write it."""
    from ..ledger.store import open_ledger

    return open_ledger(ledger, read_only=True)


def _verdict(record: Any) -> str:
    return "success" if record.success else "FAILED"


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
    from ..ledger.store import default_ledger_path

    records: list[Any] = []
    if default_ledger_path(ledger).exists():  # no ledger yet: nothing recorded, and nothing to create
        with _open(ledger) as book:
            records = book.records(name=mission, failed=failed, limit=limit,
                                   on_damaged=lambda line: warn(f"not listed: {line}"))
    if json_output:
        emit_json([{"id": r.id, "seq": r.seq, "kind": r.kind, "name": r.name, "success": r.success,
                    "recorded_at": r.recorded_at, "result_hash": r.body["result_hash"]} for r in records])
        return
    if not records:
        echo("No recorded runs match." if (mission or failed) else "No recorded runs yet.")
        return
    print_table([[r.id[:12], r.recorded_at, r.kind.replace("_", " "), r.name, _verdict(r)] for r in records],
                headers=["ID", "Recorded", "Kind", "Name", "Verdict"],
                styles={4: lambda cell: "green" if cell == "success" else "red bold"})


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
    if json_output:
        emit_json({"id": record.id, **record.body})
        return
    body = record.body
    out = console()
    out.print(f"[bold]{escape(record.kind.replace('_', ' '))} {escape(record.name)}[/] "
              f"{'[green]success[/]' if record.success else '[red bold]FAILED[/]'}")
    out.print(f"  id            {record.id}")
    out.print(f"  record        #{record.seq}, after {body['previous'] or 'nothing (the first record)'}")
    out.print(f"  recorded at   {body['recorded_at']}")
    out.print(f"  result hash   {body['result_hash']}")
    versions = [f"lifeos-core {body['versions'].get('lifeos-core')}"]
    versions += [f"{p['distribution']} {p['version']}" for p in body["versions"].get("plugins", [])]
    out.print(f"  versions      {escape(', '.join(versions))}")
    if "executor" in body:
        out.print(f"  run by        {escape(describe_run_by(body['executor']))}")
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
    """Check every record's hash and its link to the one before: exit 1 if any is broken.

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
                   "problems": list(report.problems),
                   "expected_head": None if expected is None else {
                       "given": expected.given, "found": expected.found, "id": expected.id, "seq": expected.seq,
                       "added_after": expected.added_after, "message": expected.message}})
    elif report.intact:
        echo(f"{report.records} record(s) in {where}: the chain is intact; head {report.head or '-'}")
        if expected is not None:
            echo(f"note: {expected.message}")
    else:
        for problem in report.problems:
            echo(f"broken: {problem}", err=True)
        broken = len(report.problems) - (expected is not None and not expected.found)
        if broken:
            echo(f"{broken} broken record(s) of {report.records} in {where}", err=True)
        else:
            echo(f"{report.records} record(s) in {where}, head {report.head or '-'}: the expected head is not "
                 "among them", err=True)
    raise typer.Exit(EXIT_OK if report.intact else EXIT_FAILED)


@runs_app.command("replay")
@reports_errors
def replay_run(
    record_id: IdArgument,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
    ledger: LedgerOption = None,
) -> None:
    """Run a recorded run again, from its recorded inputs, with the plugins installed now.

    Compares the new result's hash with the recorded one; on a difference,
    prints the paths that differ and the versions that changed, and exits 1.

    Example: lifeos runs replay 3f2a9c
    """
    from ..ledger.replay import replay

    with _open(ledger) as book:
        record = book.get(record_id)
    outcome = replay(record)
    if json_output:
        emit_json({"id": record.id, "same": outcome.same, "recorded_hash": record.body["result_hash"],
                   "replayed_hash": outcome.result_hash, "differences": list(outcome.differences),
                   "version_changes": list(outcome.version_changes)})
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
        if not outcome.version_changes:
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


def register(app: typer.Typer) -> None:
    app.add_typer(runs_app, name="runs")
