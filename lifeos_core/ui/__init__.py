"""``lifeos ui``: the ledger in a browser, and deciding human steps there.

A small server-rendered web app (Starlette and Jinja2, the ``ui`` extra):
the runs, one run whole, the runs waiting for a human with Approve and
Reject, the chain, the test runs. It reads the ledger read-only per
request, and decides through the very function ``lifeos runs approve``
uses, so the record is the same. Safe to leave running: a token for every
request, CSRF on every form, a read-only mode, security headers.

Modules: :mod:`.app` (the routes), :mod:`.security` (token, cookie, CSRF,
headers), :mod:`.session` (what requests share), :mod:`.queries` (the
indexed reads a page needs), :mod:`.views` (what a record shows), :mod:`.pages`
(the pages that read), :mod:`.deciding` (the one that decides).

May import: anything of lifeos_core (it sits with ``cli``, at the top);
Starlette, Jinja2 and uvicorn only inside functions, so importing it costs
nothing without the extra.
"""

from __future__ import annotations

from typing import Any


def make_app(ledger: str | None = None, *, token: str, by: str, read_only: bool = False,
             hosts: list[str] | None = None) -> Any:
    """The app: see :func:`lifeos_core.ui.app.make_app`."""
    from .app import make_app as build

    return build(ledger, token=token, by=by, read_only=read_only, hosts=hosts)


__all__ = ["make_app"]
