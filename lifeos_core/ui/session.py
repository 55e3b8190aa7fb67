"""One ``lifeos ui`` session: its ledger, who it decides as, whether it may decide, and its templates.

Fixed when the server starts and shared by every request, so that a page
never decides *where* the ledger is or *who* is deciding from anything a
browser sends. Reading opens the ledger read-only per request (nothing is
held open between requests, and a run recorded meanwhile shows at once);
deciding goes through :func:`lifeos_core.cli.deciding.decide`, one decision
at a time in this process.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..ledger.records import NoLedgerYet
from ..ledger.store import Ledger, default_ledger_path, open_ledger
from .security import csrf_value

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


class Session:
    """What every request of one server shares (see the module's docstring)."""

    def __init__(self, ledger: str | None, *, token: str, by: str, read_only: bool = False) -> None:
        import jinja2

        self.location = ledger
        self.shown = str(default_ledger_path(ledger))  # checks the folder now; a URL's password shows as ***
        self.token = token
        self.csrf = csrf_value(token)
        self.by = by
        self.read_only = read_only
        self._deciding = threading.Lock()
        self.templates = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                                            trim_blocks=True, lstrip_blocks=True)
        for name in self.templates.list_templates():  # compiled now, not on a person's first request
            self.templates.get_template(name)

    @contextmanager
    def reading(self) -> Iterator[Ledger | None]:
        """The ledger, opened read-only for one request; ``None`` when nothing was recorded yet."""
        if not default_ledger_path(self.location).exists():
            yield None
            return
        try:
            book = open_ledger(self.location, read_only=True)
        except NoLedgerYet:
            yield None
            return
        with book:
            yield book

    def warm(self) -> None:
        """Read the ledger once, as the runs page does, before the first person
        asks: their first page then comes as quickly as the next ones."""
        import starlette.responses  # noqa: F401 - imported now rather than on the first request

        from ..errors import LifeosError
        from .queries import page, waiting_count

        try:
            with self.reading() as book:
                if book is not None:
                    page(book, limit=1)
                    waiting_count(book)
        except LifeosError:
            pass  # the pages say what is wrong with the ledger, when asked

    def decide(self, approved: bool, record_id: str, step: str, note: str | None) -> Any:
        """Decide as ``lifeos runs approve/reject`` does (the same function, the
        same record), one decision at a time: two clicks in this process never
        run a run's steps twice."""
        from ..cli.deciding import decide

        with self._deciding:
            return decide(approved, record_id, step, self.by, note, ledger=self.location)

    def render(self, name: str, book: Ledger | None, *, status: int = 200, **context: Any) -> Any:
        """A page: ``name``'s template with what every page shows (the nav's pending count, who, the mode)."""
        from starlette.responses import HTMLResponse

        from .queries import WAITING_CAP, waiting_count

        page = self.templates.get_template(name).render(
            pending_count=waiting_count(book) if book is not None else 0, waiting_cap=WAITING_CAP, by=self.by, read_only=self.read_only,
            csrf=self.csrf, ledger=self.shown, **context)
        return HTMLResponse(page, status_code=status)
