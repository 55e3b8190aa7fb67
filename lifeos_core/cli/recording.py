"""Recording CLI runs in the ledger: the shared options and the one way to record.

The ledger is opened *before* the run, so where a run is recorded is decided
by the command line and the environment as they were when it started (a
step cannot redirect it), and a ledger that cannot be opened stops the
command before anything runs. Before recording, the ledger's own code is
checked against a snapshot taken at opening: a run whose steps changed it is
not recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .output import EXIT_USAGE, echo, format_error


class Recorder:
    """An open ledger and what its code was when it was opened."""

    def __init__(self, book: Any, snapshot: Any) -> None:
        self.book = book
        self.snapshot = snapshot
        self.record: Any = None  # the record written, once it is

    def close(self) -> None:
        self.book.close()


def open_for_recording(ledger: str | None, *, create: bool = True) -> Recorder:
    """Open the ledger a run will be recorded in (raises LedgerError, before the
    run, if it cannot be; without ``create``, also when there is no ledger yet)."""
    from ..ledger.integrity import code_snapshot
    from ..ledger.store import open_ledger

    snapshot = code_snapshot()
    return Recorder(open_ledger(ledger, create=create), snapshot)


def record_run(recorder: Recorder, write: Callable[[Any], Any]) -> int | None:
    """Record with ``write(ledger)`` and say where on stderr. Returns an exit code
    to use instead of the run's own when the run could not be recorded."""
    from ..errors import LifeosError

    changed = recorder.snapshot.changes()
    if changed:
        echo(f"error: a step changed lifeos's ledger code ({', '.join(changed)}); the run was not recorded",
             err=True)
        return EXIT_USAGE
    from ..ledger.store import DecidedAlready

    try:
        record = write(recorder.book)
    except DecidedAlready as exc:  # someone else's decision was recorded first: theirs stands
        echo(f"{format_error(exc)}; your decision was not recorded", err=True)
        return EXIT_USAGE
    except LifeosError as exc:
        echo(f"{format_error(exc)} (the run was not recorded)", err=True)
        return EXIT_USAGE
    recorder.record = record
    echo(f"recorded as {record.id[:12]} in {recorder.book.path}", err=True)
    return None
