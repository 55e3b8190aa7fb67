"""The ``lifeos`` command line (see :mod:`lifeos_core.cli.application`).

May import: every other part of lifeos_core; nothing imports it but the
console script and ``python -m lifeos_core``.

``main`` runs the most frequent commands, ``lifeos missions list [--json]``
and a plain ``lifeos run MISSION [options]``, without building the Typer
application (whose first use imports more than a whole small run costs);
everything else goes through Typer. Both paths run the same function.
"""

from __future__ import annotations

import os
import sys
from typing import Any

_FAST = {("missions", "list"): False, ("missions", "list", "--json"): True}


def main() -> None:
    """Console-script entry point."""
    arguments = tuple(sys.argv[1:])
    if arguments in _FAST:
        from .listing import list_missions_output, warn_about_plugin_selection
        from .output import silence_closed_pipe

        warn_about_plugin_selection()
        try:
            code = list_missions_output(json_output=_FAST[arguments])
        except BrokenPipeError:  # `lifeos missions list | head -1`: the reader has all it wanted
            silence_closed_pipe(sys.stdout)
            code = 0
        sys.exit(code)
    if arguments[:1] == ("run",) and not any(name.startswith("_LIFEOS_COMPLETE") for name in os.environ):
        from .running import quick_arguments

        quick = quick_arguments(arguments[1:])
        if quick is not None:
            from .listing import warn_about_plugin_selection
            from .running import run_command

            warn_about_plugin_selection()
            run_command(**quick)  # ends with the command's exit code
    from .application import app

    app(prog_name="lifeos")


def __getattr__(name: str) -> Any:
    if name == "app":
        from .application import app

        globals()["app"] = app
        return app
    raise AttributeError(f"module 'lifeos_core.cli' has no attribute {name!r}")
