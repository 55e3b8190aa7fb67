"""What options several commands share do: how much to print, and writing an
output after the work is done (their Typer declarations: :mod:`lifeos_core.cli.flags`)."""

from __future__ import annotations

from typing import Any

from .output import EXIT_USAGE, fail_usage, warn


def verbosity_of(quiet: bool, verbose: bool) -> int:
    """-1 for ``--quiet``, 1 for ``--verbose``, 0 for neither."""
    if quiet and verbose:
        raise fail_usage("--quiet and --verbose contradict each other; give one")
    return -1 if quiet else 1 if verbose else 0


def write_after_the_run(label: str, write: Any) -> int | None:
    """Write one output of a finished run (``-`` reaches the command's standard
    output); a failure is said, and is exit 2 (the run itself is kept)."""
    from contextlib import redirect_stdout

    from ..errors import LifeosError
    from .output import stdout

    try:
        with redirect_stdout(stdout()):
            write()
    except LifeosError as exc:
        warn(f"{label} was not written: {exc} (the run itself finished and was recorded)")
        return EXIT_USAGE
    return None
