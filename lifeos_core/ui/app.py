"""The web app of ``lifeos ui``: its routes, the token gate around them, and the static files.

Built by :func:`make_app` from a ledger location, the token, the identity
decisions are recorded with, and the mode; the command (``lifeos ui``)
serves it with uvicorn, and tests build it directly.
"""

from __future__ import annotations

import contextlib
from typing import Any

from ..errors import LifeosError


def make_app(ledger: str | None = None, *, token: str, by: str, read_only: bool = False,
             hosts: list[str] | None = None) -> Any:
    """A Starlette app over the ledger at ``ledger`` (a path, a ``postgresql://``
    URL, or None for the default one): every request needs ``token`` (see
    :mod:`lifeos_core.ui.security`), decisions are recorded as made ``by``, and
    ``read_only`` shows runs without deciding any. ``hosts`` (the command
    passes the loopback names when it listens on one) refuses requests that
    name another host: a page of a site whose name was rebound to 127.0.0.1
    does not reach the server even before the token stops it."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    from . import deciding, pages
    from .security import TokenGate
    from .session import STATIC, Session

    if not token:
        raise ValueError("lifeos ui needs a token")
    session = Session(ledger, token=token, by=by, read_only=read_only)

    @contextlib.asynccontextmanager
    async def warmed(app: Any) -> Any:  # at start-up: the first page comes as quickly as the next ones
        from starlette.concurrency import run_in_threadpool

        await run_in_threadpool(session.warm)
        yield

    def shown_error(request: Any, exc: Exception) -> Any:  # a ledger that cannot be read, a damaged record
        return pages.error_page(session, None, str(exc), 500)

    app = Starlette(
        routes=[
            Route("/", pages.home),
            Route("/runs", pages.runs),
            Route("/runs/{record_id}", pages.run),
            Route("/runs/{record_id}/decide", deciding.decide, methods=["POST"]),
            Route("/pending", pages.pending),
            Route("/chain", pages.chain),
            Route("/tests", pages.tests),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=[*([Middleware(TrustedHostMiddleware, allowed_hosts=hosts)] if hosts else []),
                    Middleware(TokenGate, token=token)],
        exception_handlers={LifeosError: shown_error},
        lifespan=warmed,
    )
    app.state.session = session
    return app
