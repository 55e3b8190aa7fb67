"""Recording CLI runs in the ledger: the shared options and the one way to record."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from .output import EXIT_USAGE, format_error

LedgerOption = Annotated[Optional[Path], typer.Option(
    "--ledger", metavar="PATH",
    help="The ledger file (default: $LIFEOS_LEDGER, else the user data directory).")]
NoRecordOption = Annotated[bool, typer.Option("--no-record", help="Do not record this run in the ledger.")]


def record_run(ledger: Path | None, write: Callable[[Any], Any], *, quiet: bool) -> int | None:
    """Record with ``write(open_ledger)``; say where on stderr. Returns an exit
    code to use instead of the run's own when recording failed (the run's
    output has been printed already, so nothing is lost)."""
    from ..errors import LifeosError
    from ..ledger import open_ledger

    try:
        with open_ledger(ledger) as book:
            record = write(book)
            where = book.path
    except LifeosError as exc:
        typer.echo(f"{format_error(exc)} (the run was not recorded)", err=True)
        return EXIT_USAGE
    if not quiet:
        typer.echo(f"recorded as {record.id[:12]} in {where}", err=True)
    return None
