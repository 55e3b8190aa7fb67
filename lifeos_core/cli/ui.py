"""``lifeos ui``: serve the ledger in a browser, and decide waiting runs there.

The command prints one line, the URL with the session's token, then serves
until Ctrl-C (uvicorn, one process). It binds 127.0.0.1 unless ``--host``
says otherwise, and warns then: anyone who can reach the port and has the
token may decide runs. The web app itself is :mod:`lifeos_core.ui`; it
needs the ``ui`` extra, imported only here, when the command runs.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .flags import ByOption, LedgerOption
from .output import EXIT_OK, EXIT_USAGE, echo, reports_errors, warn

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
EXTRA_MISSING = "error: lifeos ui needs its extra: pip install 'lifeos-core[ui]'"


def _have_extra() -> bool:
    """Whether the ``ui`` extra is installed (its packages import)."""
    import importlib

    try:
        for name in ("starlette", "jinja2", "uvicorn"):
            importlib.import_module(name)
        try:
            importlib.import_module("python_multipart")
        except ImportError:
            importlib.import_module("multipart")
    except ImportError:
        return False
    return True


def _listen(host: str, port: int) -> Any:
    """A listening socket on ``host``:``port`` (0: any free port), or a usage error naming why not."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        echo(f"error: cannot listen on {host}:{port}: {exc.strerror or exc}; choose another --port or --host", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    return sock


def _url(host: str, port: int, token: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/?token={token}"


@reports_errors
def serve(
    ledger: LedgerOption = None,
    host: Annotated[str, typer.Option("--host", metavar="HOST", help="Where to listen; anything but 127.0.0.1, "
                                      "localhost or ::1 is reachable from other machines.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", metavar="PORT", min=0, max=65535,
                                      help="The port; 0 picks a free one.")] = 8765,
    open_browser: Annotated[bool, typer.Option("--open", help="Open the page in a web browser once serving.")] = False,
    read_only: Annotated[bool, typer.Option("--read-only", help="Show runs, but decide none (no buttons; a "
                                            "decision posted anyway is refused).")] = False,
    by: ByOption = None,
) -> None:
    r"""Serve the ledger in a browser: runs, one run whole, the runs waiting for a
    human (Approve / Reject, recorded as lifeos runs approve records them), the
    chain, the test runs.

    Prints the URL to open, with the session's token (needed by every request;
    $LIFEOS_UI_TOKEN sets it), then serves until Ctrl-C. Needs the ui extra:
    pip install 'lifeos-core\[ui]'.

    Examples:

      lifeos ui --open

      lifeos ui --read-only --port 0
    """
    import os
    import secrets

    from .params import decider

    if not _have_extra():
        echo(EXTRA_MISSING, err=True)
        raise typer.Exit(EXIT_USAGE)
    who = decider(by)
    _check_ledger(ledger)
    token = os.environ.get("LIFEOS_UI_TOKEN") or secrets.token_urlsafe(32)
    if host not in LOCAL_HOSTS:
        warn(f"--host {host}: lifeos ui is reachable from other machines on the network; anyone who can reach it "
             "and has the token can decide runs")
    sock = _listen(host, port)
    url = _url(host, sock.getsockname()[1], token)
    echo(f"lifeos ui: {url}")
    echo(f"serving {'read-only ' if read_only else ''}the ledger for {who}; Ctrl-C to stop", err=True)
    _serve(sock, ledger, token, who, read_only, url if open_browser else None, host in LOCAL_HOSTS)
    raise typer.Exit(EXIT_OK)


def _check_ledger(ledger: str | None) -> None:
    """Refuse, before serving, a ledger location that cannot be (a missing folder,
    a file that is not a ledger); a ledger not recorded yet is fine."""
    from ..ledger.records import NoLedgerYet
    from ..ledger.store import default_ledger_path, open_ledger

    if default_ledger_path(ledger).exists():
        try:
            open_ledger(ledger, read_only=True).close()
        except NoLedgerYet:
            pass


def _serve(sock: Any, ledger: str | None, token: str, who: str, read_only: bool, open_url: str | None,
           local: bool) -> None:
    import threading

    import uvicorn

    from ..ui import make_app

    loopback = ["127.0.0.1", "localhost", "::1", "[::1]"] if local else None  # other Host names: refused
    app = make_app(ledger, token=token, by=who, read_only=read_only, hosts=loopback)  # warmed at start-up
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
    if open_url is not None:
        def open_when_started() -> None:
            import time
            import webbrowser

            while not server.started and not server.should_exit:
                time.sleep(0.05)
            if server.started:
                webbrowser.open(open_url)

        threading.Thread(target=open_when_started, daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


def register(app: typer.Typer) -> None:
    app.command("ui")(serve)
