"""``lifeos trust FILE``: let a lifeos.toml (or a plan file) grant effects.

A file in a folder you cloned grants nothing until you read it and trust it;
trusting records its SHA-256 in your config directory, so a file changed
since has to be trusted again (see :mod:`lifeos_core.cli.grants`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .output import echo, reports_errors


@reports_errors
def trust_file(
    path: Annotated[Path, typer.Argument(metavar="FILE", help="The lifeos.toml (or plan file) whose grants you accept.")],
) -> None:
    """Trust FILE's grants, as it is now (a later change must be trusted again).

    Example: lifeos trust lifeos.toml
    """
    from .grants import trust

    digest = trust(path)
    echo(f"trusted {path.resolve()} (sha256 {digest[:12]}); its grants now count, until it changes")


def register(app: typer.Typer) -> None:
    app.command("trust")(trust_file)
