"""``lifeos runs copy``: a whole ledger from one store into another (SQLite, PostgreSQL)."""

from __future__ import annotations

from typing import Annotated

import typer

from .output import echo, emit_json, reports_errors
from .runs import runs_app


@runs_app.command("copy")
@reports_errors
def copy_runs(
    source: Annotated[str, typer.Option("--from", metavar="PATH|URL", help="The ledger to copy (it must verify).")],
    destination: Annotated[str, typer.Option("--to", metavar="PATH|URL",
                                             help="An empty ledger to copy it into (created if it is a new file).")],
    json_output: Annotated[bool, typer.Option("--json", help="Print what was copied as JSON.")] = False,
) -> None:
    """Copy every record of a ledger into an empty one, byte for byte: SQLite to
    PostgreSQL to move a ledger to a team's database, and back. The source must
    verify first; a destination that holds any record is refused (chains are
    never merged); the copy is verified, with the same head, after.

    Examples:

      lifeos runs copy --from ~/.local/share/lifeos/ledger.sqlite3 --to postgresql://ana@db.example:5432/lifeos

      lifeos runs copy --from postgresql://ana@db.example:5432/lifeos --to backup.sqlite3
    """
    from ..ledger.copying import copy_ledger
    from ..ledger.store import open_ledger

    with open_ledger(source, read_only=True) as origin, open_ledger(destination) as target:
        copied = copy_ledger(origin, target)
        shown_from, shown_to = str(origin.path), str(target.path)
    if json_output:
        emit_json({"records": copied.records, "bodies": copied.bodies, "head": copied.head,
                   "from": shown_from, "to": shown_to})
        return
    echo(f"copied {copied.records} record(s) and {copied.bodies} stored body(ies) from {shown_from} to {shown_to}; "
         f"both verify, head {copied.head}")
