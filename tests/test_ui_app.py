"""``lifeos ui`` in-process: the token gate, CSRF, read-only mode, the pages, and deciding.

The app is driven directly through ASGI (a few lines below, no HTTP client
needed); the ledger is a temporary one holding a daily_loop run that paused
at ``confirm-plan``, recorded by the real ``lifeos run`` command. One test
starts the real ``lifeos ui`` command and asks it over HTTP. The browser
tests (a real server and a headless browser) are in the other tests/test_ui*.py.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

pytest.importorskip("starlette")
pytest.importorskip("jinja2")

from lifeos_core.ui import make_app
from lifeos_core.ui.security import cookie_name, cookie_value, csrf_value

LIFEOS = Path(sys.executable).parent / "lifeos"
REPO = Path(__file__).resolve().parent.parent
TOKEN = "test-token-0123456789"
CSRF = csrf_value(TOKEN)


class Response:
    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status = status
        self.headers = {name.decode().lower(): value.decode() for name, value in headers}
        self.cookies = [value.decode() for name, value in headers if name.lower() == b"set-cookie"]
        self.text = body.decode("utf-8")


class Browser:
    """Sends requests straight to the ASGI app, keeping the cookie like a browser."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.cookie: str | None = None

    def get(self, url: str, **options: Any) -> Response:
        return self.request("GET", url, **options)

    def post(self, url: str, form: dict[str, str], **options: Any) -> Response:
        return self.request("POST", url, form=form, **options)

    def request(self, method: str, url: str, form: dict[str, str] | None = None,
                cookie: str | None = None) -> Response:
        return asyncio.run(self._send(method, url, form, cookie if cookie is not None else self.cookie))

    async def _send(self, method: str, url: str, form: dict[str, str] | None, cookie: str | None) -> Response:
        path, _, query = url.partition("?")
        body = urlencode(form).encode() if form is not None else b""
        headers = [(b"host", b"127.0.0.1:8765")]
        if cookie:
            headers.append((b"cookie", f"{cookie_name(8765)}={cookie_value(cookie)}".encode()))
        if form is not None:
            headers += [(b"content-type", b"application/x-www-form-urlencoded"),
                        (b"content-length", str(len(body)).encode())]
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
                 "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
                 "root_path": "", "headers": headers, "client": ("127.0.0.1", 50000),
                 "server": ("127.0.0.1", 8765)}
        done = asyncio.Event()
        messages: list[dict[str, Any]] = []
        delivered = False

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            messages.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                done.set()

        await self.app(scope, receive, send)
        start = next(m for m in messages if m["type"] == "http.response.start")
        content = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        return Response(start["status"], start.get("headers", []), content)


def lifeos(folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LIFEOS), *arguments], check=False, cwd=REPO, env=os.environ.copy(),
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def paused_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger holding one daily_loop run paused at confirm-plan (recorded once, copied per test)."""
    folder = tmp_path_factory.mktemp("paused")
    ledger = folder / "ledger.sqlite3"
    env = {**os.environ, "LIFEOS_LEDGER": str(ledger), "XDG_CONFIG_HOME": str(folder / "config"),
           "XDG_DATA_HOME": str(folder / "data"), "LIFEOS_USER": "starter", "TZ": "UTC"}
    done = subprocess.run([str(LIFEOS), "run", "daily_loop", "--state", "examples/tasks.yaml", "--clock",
                           "2026-11-23T08:00:00Z"], check=False, cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 4, done.stderr
    return ledger


@pytest.fixture
def ledger(paused_ledger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "ledger.sqlite3"
    shutil.copy(paused_ledger, copy)
    monkeypatch.setenv("LIFEOS_LEDGER", str(copy))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return copy


def signed_in(ledger: Path | None, *, read_only: bool = False, by: str = "ana") -> Browser:
    browser = Browser(make_app(str(ledger) if ledger else None, token=TOKEN, by=by, read_only=read_only))
    browser.cookie = TOKEN
    return browser


def records(ledger: Path) -> list[Any]:
    from lifeos_core import open_ledger

    with open_ledger(str(ledger), read_only=True) as book:
        return book.records()


def paused_id(ledger: Path) -> str:
    return next(record.id for record in records(ledger) if record.status == "paused")


# --- the token, the cookie, the headers ---------------------------------------------------------------


def test_a_request_without_the_token_is_refused(ledger):
    browser = Browser(make_app(str(ledger), token=TOKEN, by="ana"))
    for url in ("/runs", "/pending", "/chain", "/", "/static/style.css", "/runs?token=wrong"):
        response = browser.get(url)
        assert response.status == 403, url
        assert response.text == "403: open the URL lifeos ui printed (with its token)"
        assert response.headers["x-frame-options"] == "DENY"
    assert browser.get("/runs", cookie="wrong").status == 403


def test_the_token_in_the_url_becomes_a_cookie_and_leaves_the_url(ledger):
    browser = Browser(make_app(str(ledger), token=TOKEN, by="ana"))
    response = browser.get(f"/runs?verdict=waiting&token={TOKEN}")
    assert response.status == 303
    assert response.headers["location"] == "/runs?verdict=waiting"
    cookie = response.cookies[0]
    assert cookie.startswith(f"{cookie_name(8765)}={cookie_value(TOKEN)};") and "HttpOnly" in cookie \
        and "samesite=strict" in cookie.lower()
    assert TOKEN not in cookie  # the cookie holds an HMAC of the token, never the token
    page = browser.get("/runs?verdict=waiting", cookie=TOKEN)
    assert page.status == 200 and '<table id="runs">' in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["content-security-policy"] == "default-src 'self'; frame-ancestors 'none'"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert browser.get("/", cookie=TOKEN).headers["location"] == "/runs"


# --- the pages ------------------------------------------------------------------------------------------


def test_a_ledger_not_recorded_yet_shows_empty_pages_and_stays_uncreated(tmp_path, monkeypatch):
    missing = tmp_path / "none.sqlite3"
    browser = signed_in(missing)
    assert "No recorded runs yet." in browser.get("/runs").text
    assert '<p id="nothing-pending">No runs are waiting for a human.</p>' in browser.get("/pending").text
    chain = browser.get("/chain?verify=1")
    assert chain.status == 200 and '<span id="count">0</span>' in chain.text
    assert browser.get("/tests").status == 200
    assert browser.get("/runs/abcd").status == 404
    assert not missing.exists()


def test_the_runs_page_lists_the_paused_run_and_filters_by_verdict(ledger):
    browser = signed_in(ledger)
    run_id = paused_id(ledger)
    page = browser.get("/runs").text
    assert f'<tr class="run" data-id="{run_id}">' in page
    assert "waiting at confirm-plan" in page and 'Pending (<span id="pending-count">1</span>)' in page
    assert run_id in browser.get("/runs?verdict=waiting").text
    assert run_id not in browser.get("/runs?verdict=success").text
    assert run_id not in browser.get("/runs?mission=echo").text
    assert run_id not in browser.get(f"/runs?before={records(ledger)[0].seq}").text


def test_paging_goes_by_seq(ledger):
    from lifeos_core import open_ledger
    from lifeos_core.ui.queries import page

    assert lifeos(ledger.parent, "run", "echo", "--param", "message=a").returncode == 0
    assert lifeos(ledger.parent, "run", "echo", "--param", "message=b").returncode == 0
    with open_ledger(str(ledger), read_only=True) as book:
        first = page(book, limit=2)
        assert [r.seq for r in first.records] == [3, 2] and first.older == 2
        rest = page(book, before=first.older, limit=2)
        assert [r.seq for r in rest.records] == [1] and rest.older is None
        assert [r.seq for r in page(book, verdict="success", limit=5).records] == [3, 2]
        assert [r.seq for r in page(book, verdict="waiting", limit=5).records] == [1]
    html = signed_in(ledger).get("/runs").text
    assert html.count('<tr class="run"') == 3 and 'id="older"' not in html


def test_pending_shows_the_waiting_run_with_its_plan_and_the_decide_form(ledger):
    run_id = paused_id(ledger)
    page = signed_in(ledger).get("/pending").text
    assert f'<section class="pending" data-run="{run_id}" data-step="confirm-plan">' in page
    summary = re.search(r'<pre class="summary">(.*?)</pre>', page, re.DOTALL)
    assert summary and "Plan for 2026-11-23: 3 task(s)" in summary[1]
    assert f'<form method="post" action="/runs/{run_id}/decide" class="decide">' in page
    assert f'<input type="hidden" name="csrf" value="{CSRF}">' in page
    assert '<input type="hidden" name="step" value="confirm-plan">' in page
    assert '<textarea name="note"' in page
    assert '<button name="decision" value="approve" class="approve">Approve</button>' in page
    assert '<button name="decision" value="reject" class="reject">Reject</button>' in page
    assert "starter" in page  # started by


def test_the_run_page_shows_steps_state_receipt_and_verifies_the_record(ledger):
    run_id = paused_id(ledger)
    browser = signed_in(ledger)
    page = browser.get(f"/runs/{run_id[:8]}").text
    for step in ("summarise", "prioritise", "confirm-plan"):
        assert f'<tr class="step" data-step="{step}">' in page
    assert '<pre id="final-state">' in page and '<pre id="receipt">' in page and '<ul id="decisions">' in page
    assert "awaiting_attestation" in page and 'class="decide"' in page
    checked = browser.get(f"/runs/{run_id}?verify=1").text
    assert '<p id="verdict" class="ok">This record holds' in checked
    assert browser.get("/runs/ffffffff").status == 404
    assert browser.get("/runs/not-an-id").status == 404


def test_the_chain_page_shows_the_head_and_verifies(ledger):
    page = signed_in(ledger).get("/chain?verify=1").text
    assert f'<code id="head">{records(ledger)[0].id}</code>' in page
    assert '<p id="verdict" class="ok">intact' in page


def test_a_test_run_shows_its_expectations(ledger):
    assert lifeos(ledger.parent, "test", "examples/smoke.lifeos.yaml").returncode == 0
    browser = signed_in(ledger)
    tests = browser.get("/tests").text
    test_id = next(r.id for r in records(ledger) if r.kind == "test_run")
    assert f'href="/runs/{test_id}"' in tests
    page = browser.get(f"/runs/{test_id}").text
    assert '<table id="expectations">' in page
    assert '<tr class="expectation" data-id="echo-succeeds" data-passed="true">' in page
    assert '<tr class="scenario" data-id="empty-day" data-passed="true">' in page


# --- deciding -------------------------------------------------------------------------------------------


def test_approving_in_the_browser_records_the_decision_and_resumes_the_run(ledger):
    run_id = paused_id(ledger)
    browser = signed_in(ledger)
    response = browser.post(f"/runs/{run_id}/decide", {"csrf": CSRF, "step": "confirm-plan", "decision": "approve",
                                                       "note": "looks <right>"})
    assert response.status == 303
    new_id = response.headers["location"].split("/runs/")[1].split("?")[0]
    assert response.headers["location"] == f"/runs/{new_id}?decided=1"
    page = browser.get(response.headers["location"]).text
    assert '<p id="outcome" class="ok">approved by ana: the run succeeded</p>' in page
    assert "looks &lt;right&gt;" in page and "looks <right>" not in page
    latest = records(ledger)[0]
    assert latest.id == new_id and latest.status == "succeeded" and latest.body["resumes"] == run_id
    assert latest.body["decision"]["by"] == "ana" and latest.body["decision"]["note"] == "looks <right>"
    assert latest.body["decision"]["approved"] is True and latest.body["decision"]["step"] == "confirm-plan"
    assert latest.body["inputs"]["decisions"]["confirm-plan"]["by"] == "ana"
    verified = lifeos(ledger.parent, "runs", "verify")
    assert verified.returncode == 0, verified.stderr
    assert '<p id="nothing-pending">' in browser.get("/pending").text
    again = browser.post(f"/runs/{run_id}/decide", {"csrf": CSRF, "step": "confirm-plan", "decision": "reject"})
    assert again.status == 409 and '<p class="error">' in again.text and "approved already by ana" in again.text
    assert len(records(ledger)) == 2


def test_rejecting_ends_the_run(ledger):
    run_id = paused_id(ledger)
    browser = signed_in(ledger, by="bo")
    response = browser.post(f"/runs/{run_id}/decide", {"csrf": CSRF, "step": "confirm-plan", "decision": "reject"})
    page = browser.get(response.headers["location"]).text
    assert "rejected by bo: the run ended at confirm-plan" in page
    assert records(ledger)[0].status == "failed"


@pytest.mark.parametrize("csrf", [None, "", "0" * 64, csrf_value("another-token")])
def test_a_decision_without_the_csrf_value_is_refused_and_nothing_recorded(ledger, csrf):
    run_id = paused_id(ledger)
    form = {"step": "confirm-plan", "decision": "approve"}
    if csrf is not None:
        form["csrf"] = csrf
    response = signed_in(ledger).post(f"/runs/{run_id}/decide", form)
    assert response.status == 403 and "CSRF" in response.text
    assert len(records(ledger)) == 1


def test_a_decision_without_the_token_is_refused(ledger):
    run_id = paused_id(ledger)
    browser = Browser(make_app(str(ledger), token=TOKEN, by="ana"))
    response = browser.post(f"/runs/{run_id}/decide", {"csrf": CSRF, "step": "confirm-plan", "decision": "approve"})
    assert response.status == 403
    assert len(records(ledger)) == 1


def test_deciding_is_post_only(ledger):
    run_id = paused_id(ledger)
    assert signed_in(ledger).get(f"/runs/{run_id}/decide?step=confirm-plan&decision=approve").status == 405
    assert len(records(ledger)) == 1


def test_read_only_shows_no_buttons_and_refuses_a_forged_decision(ledger):
    run_id = paused_id(ledger)
    browser = signed_in(ledger, read_only=True)
    for url in ("/pending", f"/runs/{run_id}", "/runs"):
        page = browser.get(url).text
        assert "<button" not in page and "<form" not in page, url
    assert f'data-run="{run_id}"' in browser.get("/pending").text
    response = browser.post(f"/runs/{run_id}/decide", {"csrf": CSRF, "step": "confirm-plan", "decision": "approve"})
    assert response.status == 403 and "read-only" in response.text
    assert len(records(ledger)) == 1


# --- the command ------------------------------------------------------------------------------------


def test_the_command_prints_the_url_and_serves(ledger, tmp_path):
    env = {**os.environ, "LIFEOS_UI_TOKEN": TOKEN}
    server = subprocess.Popen([str(LIFEOS), "ui", "--port", "0", "--host", "localhost", "--by", "ana"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        line = server.stdout.readline()
        match = re.fullmatch(r"lifeos ui: http://localhost:(\d+)/\?token=(.+)\n", line)
        assert match and match[2] == TOKEN, line
        base = f"http://localhost:{match[1]}"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/runs", timeout=10)
        assert refused.value.code == 403
        request = urllib.request.Request(f"{base}/pending",
                                         headers={"Cookie": f"{cookie_name(int(match[1]))}={cookie_value(TOKEN)}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200 and "data-step=\"confirm-plan\"" in response.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_host_other_than_local_is_warned_about(ledger):
    env = {**os.environ, "LIFEOS_UI_TOKEN": TOKEN}
    server = subprocess.Popen([str(LIFEOS), "ui", "--port", "0", "--host", "0.0.0.0"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        assert server.stdout.readline().startswith("lifeos ui: http://0.0.0.0:")
        warning = server.stderr.readline()
        assert warning.startswith("warning: ") and "reachable from other machines" in warning
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_without_the_extra_the_command_says_what_to_install(ledger):
    code = ("import sys; sys.modules['uvicorn'] = None; sys.argv = ['lifeos', 'ui']\n"
            "from lifeos_core.cli import main; main()")
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert done.stderr.strip() == "error: lifeos ui needs its extra: pip install 'lifeos-core[ui]'"
    assert done.stdout == ""


def test_a_changed_record_is_named_by_verify_on_its_page_and_on_the_chain(ledger):
    import sqlite3

    run_id = paused_id(ledger)
    with sqlite3.connect(ledger) as db:
        db.execute("UPDATE records SET body = replace(body, 'File the tax return', 'File the tax returm') "
                   "WHERE id = ?", (run_id,))
    browser = signed_in(ledger)
    page = browser.get(f"/runs/{run_id}?verify=1").text
    assert '<p id="verdict" class="broken">This record does not hold:</p>' in page
    assert "its content does not match its id (the record was altered)" in page
    chain = browser.get("/chain?verify=1").text
    assert '<p id="verdict" class="broken">broken: 1 problem(s) in 1 record(s)</p>' in chain


def test_paging_numbers_that_are_not_plain_digits_are_ignored(ledger):
    client = signed_in(ledger)
    for query in ("/runs?before=%C2%B2", "/runs?before=99999999999999999999999", "/pending?after=%C2%B2",
                  "/tests?before=%C2%B2"):
        response = client.get(query)
        assert response.status == 200, query


def test_a_failure_inside_a_page_still_carries_the_security_headers(ledger, monkeypatch):
    from lifeos_core.ui import pages

    def broken(request: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(pages, "chain", broken)  # before the app is built: its routes take the function
    client = signed_in(ledger)
    response = client.get("/chain")
    assert response.status == 500
    assert response.headers.get("x-frame-options") == "DENY"
    assert "frame-ancestors 'none'" in response.headers.get("content-security-policy", "")


def test_the_token_url_never_redirects_off_the_server(ledger):
    client = signed_in(ledger)
    response = client.request("GET", "//evil.example?token=" + TOKEN, cookie="")
    assert response.status == 303
    assert response.headers["location"].startswith("/evil.example")


def test_the_server_answers_only_to_its_own_host_names(ledger):
    env = {**os.environ, "LIFEOS_UI_TOKEN": TOKEN}
    server = subprocess.Popen([str(LIFEOS), "ui", "--port", "0", "--by", "ana"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        port = int(re.fullmatch(r"lifeos ui: http://127\.0\.0\.1:(\d+)/\?token=.+\n", server.stdout.readline())[1])
        cookie = {"Cookie": f"{cookie_name(port)}={cookie_value(TOKEN)}"}
        with urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/runs", headers=cookie),
                                    timeout=30) as response:
            assert response.status == 200
        rebound = urllib.request.Request(f"http://127.0.0.1:{port}/runs", headers={**cookie, "Host": "evil.example"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(rebound, timeout=30)
        assert refused.value.code == 400  # a name rebound to 127.0.0.1 reaches nothing
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_note_longer_than_a_note_is_refused_and_nothing_recorded(ledger):
    client = signed_in(ledger)
    before = len(records(ledger))
    response = client.post(f"/runs/{paused_id(ledger)}/decide",
                           {"csrf": CSRF, "step": "confirm-plan", "decision": "approve", "note": "x" * 10_001})
    assert response.status == 409 and "at most 10000" in response.text
    assert len(records(ledger)) == before
