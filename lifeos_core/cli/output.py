"""How the CLI speaks: exit codes, the one-line error format, consoles, JSON.

Every command reports a user's mistake the same way: ``error: <what and how
to fix it>`` on stderr and exit code 2. ``--debug`` shows the traceback
instead. Rich is imported only when a command prints for people.

Standard output belongs to the command alone: while a command runs, anything
else that prints (a plugin, an operation) is sent to standard error, so
``--json`` output is always a clean document. A closed pipe (``lifeos ... |
head -1``) ends the command quietly once its work is done and recorded.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from contextlib import redirect_stdout
from typing import Any, TypeVar

# Typer is imported by the functions that need it, not here: `lifeos missions
# list` runs without it (see lifeos_core.cli.main).

EXIT_OK = 0
EXIT_FAILED = 1  # the mission or the test plan failed
EXIT_USAGE = 2  # bad input: flags, files, plans, params
EXIT_INTERNAL = 3  # a bug in lifeos or in a plugin
EXIT_WAITING = 4  # the run paused at a human step: it waits for a decision (lifeos runs approve/reject)
EXIT_NOTHING_TESTED = 5  # the plan has no scenarios or no expectations (as pytest's 5)

F = TypeVar("F", bound=Callable[..., Any])


class Settings:
    """Options of the whole invocation, set by the root callback, and where
    the running command's own output goes."""

    debug = False
    stdout: Any = None
    """The command's standard output while it runs (``sys.stdout`` is stderr meanwhile)."""
    outcome: int | None = None
    """The exit code a command has settled on before printing, for a quiet end on a closed pipe."""


def stdout() -> Any:
    """Where the running command's own output goes."""
    return Settings.stdout if Settings.stdout is not None else sys.stdout


def format_error(exc: BaseException) -> str:
    """The one line a user sees for an error."""
    from ..errors import LifeosError

    if isinstance(exc, LifeosError):
        return f"error: {exc}"
    return (f"error: internal error: {type(exc).__name__}: {exc} "
            "(run again with --debug for the traceback, and please report it)")


def echo(text: str = "", err: bool = False) -> None:
    """Print one line for people or machines (stderr with ``err``)."""
    stream = sys.stderr if err else stdout()
    stream.write(text + "\n")
    stream.flush()


def fail_usage(message: str) -> SystemExit:
    """Print ``message`` as the error line; return the exit to raise."""
    echo(f"error: {message}", err=True)
    return SystemExit(EXIT_USAGE)


def silence_closed_pipe(stream: Any) -> None:
    """After EPIPE: point ``stream``'s descriptor at /dev/null, so that Python's
    last flush at exit does not complain about the closed pipe a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):  # not a real file (a test's capture): nothing to silence
        pass


def reports_errors(command: F, *, owns_stdout: bool = False) -> F:
    """Run a command so that errors become one line on stderr and an exit code,
    its own output alone reaches standard output, and a closed pipe ends it quietly.

    ``owns_stdout`` leaves ``sys.stdout`` as it is while the command runs: for
    commands plugins add, whose output is whatever they print."""
    import contextlib

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        outer = Settings.stdout, Settings.outcome
        Settings.stdout, Settings.outcome = sys.stdout, None
        try:
            with contextlib.nullcontext() if owns_stdout else redirect_stdout(sys.stderr):
                return _run_reporting(command, args, kwargs)
        except BrokenPipeError:
            silence_closed_pipe(Settings.stdout)
            raise SystemExit(EXIT_OK if Settings.outcome is None else Settings.outcome) from None
        finally:
            Settings.stdout, Settings.outcome = outer

    return wrapper  # type: ignore[return-value]


def _run_reporting(command: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    """Run ``command``; a LifeosError is exit 2, any other error exit 3, each one line.

    Typer is not imported here: a command run without it (``lifeos run``'s
    quick path) can raise none of its exceptions."""
    from ..errors import LifeosError

    try:
        return command(*args, **kwargs)
    except (KeyboardInterrupt, BrokenPipeError):
        raise
    except LifeosError as exc:
        if Settings.debug:
            raise
        echo(format_error(exc), err=True)
        raise SystemExit(EXIT_USAGE) from None
    except Exception as exc:
        typer_exits = sys.modules.get("typer.exceptions")
        if typer_exits is not None and isinstance(exc, (typer_exits.Exit, typer_exits.Abort)):
            raise
        click = sys.modules.get("typer._click.exceptions")
        if click is not None and isinstance(exc, click.ClickException):  # a usage error found inside the command
            from .extensions import one_line

            echo(f"error: {one_line(exc)}", err=True)
            raise SystemExit(EXIT_USAGE) from None
        if Settings.debug:
            raise
        echo(format_error(exc), err=True)
        raise SystemExit(EXIT_INTERNAL) from None


def is_terminal(stream: Any = None) -> bool:
    """Whether output goes to a person at a terminal (tests patch this)."""
    stream = stream or stdout()
    return bool(getattr(stream, "isatty", lambda: False)())


_CONSOLE: Any = None


def console(stderr: bool = False) -> Any:
    """A Rich console for people; wide when piped, so lines are not wrapped.

    On a closed pipe it raises BrokenPipeError like any other write, where
    Rich's own console would end the process with exit code 1 (and point
    the stream's descriptor, which may be stderr's, at /dev/null): the
    command then ends quietly with the exit code it settled on."""
    global _CONSOLE
    if _CONSOLE is None:
        from rich.console import Console

        class QuietOnClosedPipe(Console):
            def on_broken_pipe(self) -> None:
                raise BrokenPipeError(32, "Broken pipe")

        _CONSOLE = QuietOnClosedPipe
    stream = sys.stderr if stderr else stdout()
    width = None if is_terminal(stream) else 200
    return _CONSOLE(file=stream, width=width, highlight=False, soft_wrap=True)


def say(*parts: str | tuple[str, str], to_stderr: bool = False) -> None:
    """One line for people, made of plain text and ``(text, style)`` parts: at
    a terminal Rich prints it, styled; piped, the same text is written plainly
    without importing Rich (``lifeos run`` prints this way, and starts fast).
    The texts are printed as they are: they hold no markup to escape."""
    stream = sys.stderr if to_stderr else stdout()
    if is_terminal(stream):
        from rich.text import Text

        console(stderr=to_stderr).print(Text.assemble(*parts))
    else:
        echo("".join(part if isinstance(part, str) else part[0] for part in parts), err=to_stderr)


def escape(text: Any) -> str:
    """Make user text safe to print with Rich markup around it."""
    from rich.markup import escape as rich_escape

    return rich_escape(str(text))


def print_table(
    rows: list[list[str]],
    headers: list[str] | None = None,
    styles: dict[int, Callable[[str], str]] | None = None,
    to_stderr: bool = False,
) -> None:
    """Print plain-text ``rows`` as aligned columns, two spaces apart.

    At a terminal Rich draws the table, with bold headers and the style that
    ``styles[column](cell)`` names for a cell; piped, the same columns are
    written as plain text without importing Rich, which keeps commands fast
    in scripts. Lines never end in padding.
    """
    if is_terminal(sys.stderr if to_stderr else None):
        _print_rich_table(rows, headers, styles or {}, to_stderr)
        return
    lines = ([headers] if headers else []) + rows
    widths = [max(len(line[column]) for line in lines) for column in range(len(lines[0]))] if lines else []
    for line in lines:
        echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip(), err=to_stderr)


def _print_rich_table(rows: list[list[str]], headers: list[str] | None, styles: dict[int, Callable[[str], str]],
                      to_stderr: bool = False) -> None:
    from rich.table import Table

    out = console(stderr=to_stderr)
    table = Table(box=None, pad_edge=False, show_edge=False, show_header=headers is not None)
    for column in headers or [""] * (len(rows[0]) if rows else 0):
        table.add_column(column)
    for row in rows:
        cells = []
        for index, cell in enumerate(row):
            style = styles[index](cell) if index in styles else ""
            cells.append(f"[{style}]{escape(cell)}[/]" if style else escape(cell))
        table.add_row(*cells)
    with out.capture() as captured:
        out.print(table)
    out.file.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


def warn(message: str) -> None:
    """A one-line warning on stderr."""
    echo(f"warning: {message}", err=True)


def emit_json(data: Any) -> None:
    echo(json.dumps(data, indent=2, ensure_ascii=False))
