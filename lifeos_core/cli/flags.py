"""The Typer declarations of options several commands share.

Kept apart from what the options do (:mod:`lifeos_core.cli.options`,
:mod:`lifeos_core.cli.recording`), so that code run without Typer (``lifeos
run``'s quick path, see :mod:`lifeos_core.cli.running`) imports none of it.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer


def _format_option(value: str | None) -> str | None:
    from .params import check_format

    return check_format(value)


FormatOption = Annotated[Optional[str], typer.Option(
    "--format", metavar="FORMAT", callback=_format_option,
    help="The format of what is read from standard input ('-'): json, yaml or toml (default: detected); "
         "files are read by their extension.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print less: only the verdict.")]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Print more: every detail.")]
LedgerOption = Annotated[Optional[str], typer.Option(
    "--ledger", metavar="PATH|URL",
    help="The ledger: a file, or a postgresql://USER@HOST:PORT/DB URL for a team's database (default: "
         "$LIFEOS_LEDGER, else a file in the user data directory).")]
NoRecordOption = Annotated[bool, typer.Option("--no-record", help="Do not record this run in the ledger.")]
ByOption = Annotated[Optional[str], typer.Option(
    "--by", metavar="NAME", help="Who decides (recorded with each decision; default: $LIFEOS_USER, else your "
                                 "login name).")]
NoteOption = Annotated[Optional[str], typer.Option(
    "--note", metavar="TEXT", help="A note recorded with the decisions made by this command.")]
AllowOption = Annotated[Optional[list[str]], typer.Option(
    "--allow", metavar="SCOPE:WHAT", help="Grant an effect: read:PATH, write:PATH, run:COMMAND, net:HOST[:PORT], "
                                         "env:NAME (or a plugin's scope); repeatable.")]
