"""The ``lifeos`` command: the root options and the commands it is made of.

Each command lives in its own module and imports what it needs when it runs,
so ``lifeos --help`` and ``lifeos missions list`` start fast.
"""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from . import missions
from . import new
from . import plans
from . import plugin_info
from . import run
from . import runs
from . import trust
from . import ui
from .extensions import LifeosGroup
from .output import EXIT_OK, Settings, echo

app = typer.Typer(
    cls=LifeosGroup,
    name="lifeos",
    help="Run bounded, deterministic, auditable missions, and test them with plans.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        from ..version import __version__

        echo(f"lifeos {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def root(
    version: Annotated[bool, typer.Option(
        "--version", "-V", callback=_show_version, is_eager=True, help="Show the version and exit.")] = False,
    debug: Annotated[bool, typer.Option(
        "--debug", help="Show the full traceback of an error instead of one line.")] = False,
    disable_plugin: Annotated[Optional[list[str]], typer.Option(
        "--disable-plugin", metavar="DIST", help="Do not load this plugin distribution; repeatable.")] = None,
) -> None:
    """Run bounded, deterministic, auditable missions, and test them with plans.

    Exit codes: 0 success, 1 the mission or test plan failed, 2 a usage or input
    error, 3 an internal error, 5 nothing was tested (a plan without scenarios
    or expectations).

    Examples:

      lifeos missions list

      lifeos run daily_loop --state examples/tasks.yaml --approve confirm-plan

      lifeos test examples/smoke.lifeos.yaml
    """
    Settings.debug = debug
    if disable_plugin or "lifeos_core.plugins.active" in sys.modules:  # no import cost when unused
        from ..plugins.active import configure_plugins

        configure_plugins(disabled=disable_plugin or ())
    from .listing import warn_about_plugin_selection

    warn_about_plugin_selection(tuple(disable_plugin or ()))


for module in (missions, run, plans, runs, plugin_info, new, trust, ui):
    module.register(app)
