"""``lifeos new pack``: scaffold a mission pack that installs and tests green at once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .output import console, escape, reports_errors

new_app = typer.Typer(help="Create new things: mission packs.", no_args_is_help=True)


@new_app.command("pack")
@reports_errors
def new_pack(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The pack's distribution name, e.g. lifeos-mission-water.")],
    mission: Annotated[Optional[str], typer.Option(
        "--mission", metavar="NAME", help="The mission's name (default: from the pack name, e.g. water).")] = None,
    folder: Annotated[Optional[Path], typer.Option(
        "--dir", metavar="DIR", help="Where to create the pack (default: ./NAME); must be new or empty.")] = None,
) -> None:
    """Scaffold a mission pack: pyproject with the entry point, a mission, an operation, a README and tests.

    The tests pass as soon as the pack is installed (pip install -e ".[test]").

    Examples:

      lifeos new pack lifeos-mission-water

      lifeos new pack acme-missions --mission standup --dir packs/acme
    """
    from .scaffold import pack_files, write_pack

    target = folder if folder is not None else Path(name)
    written = write_pack(target, pack_files(name, mission))
    out = console()
    out.print(f"created {escape(name)} in {escape(target)}:")
    for path in written:
        out.print(f"  {escape(path.relative_to(target))}")
    out.print("next:")
    out.print(escape(f'  cd {target} && pip install -e ".[test]" && pytest'))
    out.print(escape("  (in a new virtual environment, add --find-links DIR, a folder with a lifeos-core wheel: "
                     "python3 dev.py wheels in the lifeos repository builds them)"))


def register(app: typer.Typer) -> None:
    app.add_typer(new_app, name="new")
