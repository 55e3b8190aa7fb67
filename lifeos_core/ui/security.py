"""Who may use ``lifeos ui``: the start-up token, its cookie, the CSRF value, and the headers of every response.

The UI can approve runs, so reaching its port must not be enough to use it.
As Jupyter does, the server prints a URL carrying a random token: the first
request with it gets an HttpOnly, SameSite=Strict cookie and is redirected to
the same URL without it (so the token leaves the address bar and the
history); every other request needs that cookie. Anything else gets a 403
that says where the right URL is. Browsers keep cookies by host, not by
port, so the cookie is named after the port (two servers on one machine do
not log each other out) and holds an HMAC of the token, not the token (a
cookie sent to another local server does not unlock this one).

Forms carry a CSRF value derived from the token (an HMAC, so the page never
shows the token itself): a page of another site cannot post a decision
through a browser that holds the cookie. The headers keep the pages out of
frames, caches and ``Referer`` headers (where the token could leak).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from urllib.parse import urlencode

COOKIE = "lifeos_ui"
"""The start of the cookie's name: ``lifeos_ui_PORT``."""
FORBIDDEN = "403: open the URL lifeos ui printed (with its token)"
HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
)


def cookie_name(port: Any) -> str:
    return f"{COOKIE}_{port}"


def cookie_value(token: str) -> str:
    """What the cookie holds: HMAC-SHA256 of ``"cookie"`` keyed by the token, in hex."""
    return hmac.new(token.encode("utf-8"), b"cookie", hashlib.sha256).hexdigest()


def number(text: str) -> int | None:
    """A paging number from the query (``?before=``): plain ASCII digits of a size a database takes, else None."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def csrf_value(token: str) -> str:
    """The value every form carries: HMAC-SHA256 of ``"csrf"`` keyed by the token, in hex."""
    return hmac.new(token.encode("utf-8"), b"csrf", hashlib.sha256).hexdigest()


def same(given: Any, expected: str) -> bool:
    """Whether ``given`` is ``expected``, compared in constant time (no timing hint to a guesser)."""
    if not isinstance(given, str):
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


class TokenGate:
    """ASGI middleware: lets a request through only with the token (in the
    query, once, or in the cookie), and adds :data:`HEADERS` to every response
    (the 403s and redirects included)."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.token = token
        self.cookie = cookie_value(token)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from starlette.requests import Request
        from starlette.responses import PlainTextResponse, RedirectResponse

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message = {**message, "headers": [*message.get("headers", []),
                                                  *(pair for pair in HEADERS if pair[0] not in present)]}
            await send(message)

        request = Request(scope)
        name = cookie_name((scope.get("server") or ("", ""))[1])
        given = request.query_params.get("token")
        if given is not None:
            if not same(given, self.token):
                response: Any = PlainTextResponse(FORBIDDEN, status_code=403)
            else:  # once: keep it in a cookie, and take it out of the address bar
                rest = urlencode([(key, value) for key, value in request.query_params.multi_items() if key != "token"])
                path = "/" + request.url.path.lstrip("/\\")  # never "//host": a redirect stays on this server
                response = RedirectResponse(path + (f"?{rest}" if rest else ""), status_code=303)
                response.set_cookie(name, self.cookie, httponly=True, samesite="strict", path="/")
            await response(scope, receive, send_with_headers)
            return
        if not same(request.cookies.get(name), self.cookie):
            await PlainTextResponse(FORBIDDEN, status_code=403)(scope, receive, send_with_headers)
            return
        started = False

        async def tracked(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send_with_headers(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:  # a bug: the 500 gets the same headers as every other answer, and the trace goes to stderr
            if started:
                raise
            import traceback

            traceback.print_exc()
            await PlainTextResponse("500: lifeos ui failed on this request; the server's output says why",
                                    status_code=500)(scope, receive, send_with_headers)
