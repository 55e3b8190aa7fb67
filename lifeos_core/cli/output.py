"""How the CLI speaks: exit codes, the one-line error format, consoles, JSON.

Every command reports a user's mistake the same way: ``error: <what and how
to fix it>`` on stderr and exit code 2. ``--debug`` shows the traceback
instead. Rich is imported only when a command prints for people.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

EXIT_OK = 0
EXIT_FAILED = 1  # the mission or the test plan failed
EXIT_USAGE = 2  # bad input: flags, files, plans, params
EXIT_INTERNAL = 3  # a bug in lifeos or in a plugin

F = TypeVar("F", bound=Callable[..., Any])


class Settings:
    """Options of the whole invocation, set by the root callback."""

    debug = False


def format_error(exc: BaseException) -> str:
    """The one line a user sees for an error."""
    from ..errors import LifeosError

    if isinstance(exc, LifeosError):
        return f"error: {exc}"
    return (f"error: internal error: {type(exc).__name__}: {exc} "
            "(run again with --debug for the traceback, and please report it)")


def fail_usage(message: str) -> typer.Exit:
    """Print ``message`` as the error line; return the exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def reports_errors(command: F) -> F:
    """Run a command so that errors become one line on stderr and an exit code."""
    from ..errors import LifeosError

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except LifeosError as exc:
            if Settings.debug:
                raise
            typer.echo(format_error(exc), err=True)
            raise typer.Exit(EXIT_USAGE) from None
        except Exception as exc:
            if Settings.debug:
                raise
            typer.echo(format_error(exc), err=True)
            raise typer.Exit(EXIT_INTERNAL) from None

    return wrapper  # type: ignore[return-value]


def is_terminal(stream: Any = None) -> bool:
    """Whether output goes to a person at a terminal (tests patch this)."""
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def console(stderr: bool = False) -> Any:
    """A Rich console for people; wide when piped, so lines are not wrapped."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if is_terminal(stream) else 200
    return Console(file=stream, width=width, highlight=False, soft_wrap=True)


def escape(text: Any) -> str:
    """Make user text safe to print with Rich markup around it."""
    from rich.markup import escape as rich_escape

    return rich_escape(str(text))


def print_table(out: Any, table: Any) -> None:
    """Print a Rich table without the padding Rich leaves at line ends."""
    with out.capture() as captured:
        out.print(table)
    out.file.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


def emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
