"""``lifeos ui`` in a real browser: see the runs, approve a paused run, and be refused without the token.

Examples of use, end to end: a real ``lifeos ui`` server (a subprocess, as a
user starts it) over a ledger of this module's own, driven by a real headless
Chromium through Selenium and chromedriver (Debian's ``chromium`` and
``chromium-driver``; ``.ci/run`` installs them where they are missing). The
ledger holds a daily_loop run paused at its human step, an echo run and a test
run, recorded by the ``lifeos`` command itself.

The browser opens the URL the server prints (its token, once), lands on the
runs, finds the paused run among the pending approvals with its plan, and
approves it with a note; the ledger then verifies and holds the same record
``lifeos runs approve`` would have made. Requests without the token, or
without the CSRF token, are refused, and so is a forged decision sent to a
``--read-only`` server, which shows no buttons at all.

The pictures in docs/ui.md are taken here: every run saves them under the
test's ``tmp_path``; ``LIFEOS_REGENERATE_DOCS=1`` copies them to docs/images.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import re
import selectors
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow  # starts servers and a browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
LIFEOS = Path(sys.executable).parent / "lifeos"
REPO = Path(__file__).resolve().parent.parent
TASKS = REPO / "examples" / "tasks.yaml"
SMOKE = REPO / "examples" / "smoke.lifeos.yaml"
CLOCK = "2026-11-23T08:00:00Z"
IMAGES = REPO / "docs" / "images"
URL_LINE = re.compile(r"lifeos ui: (?P<base>http://(?P<host>[^:/]+):(?P<port>\d+))/\?token=(?P<token>[^\s&]+)")
NOTE = "checked the plan in the browser: fine"

if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
    pytest.skip(f"needs Debian's chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER}): "
                "apt-get install chromium chromium-driver (.ci/run installs them)", allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium: pip install 'selenium>=4.11'")

from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

# --- the lifeos command, a ledger and a home of this module's own ---------------------------------


class Lifeos:
    """The ``lifeos`` command with a ledger, a home and a working folder of its own (user ``ana``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ledger = folder / "ledger.sqlite3"
        home = folder / "home"
        home.mkdir()
        environment = {name: value for name, value in os.environ.items()
                       if not name.startswith("LIFEOS_") and name != "PYTHONPATH"}
        environment.update(LIFEOS_LEDGER=str(self.ledger), LIFEOS_USER="ana", HOME=str(home),
                           XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"),
                           TZ="UTC", COLUMNS="120")
        self.env = environment

    def __call__(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(LIFEOS), *arguments], check=False, env=self.env, cwd=self.folder,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)

    def json(self, *arguments: str) -> Any:
        completed = self(*arguments)
        assert completed.returncode == 0, completed.stderr
        return json.loads(completed.stdout)

    def records(self) -> list[dict[str, Any]]:
        """The records, newest first (as ``lifeos runs list --json`` gives them)."""
        return self.json("runs", "list", "--json", "--limit", "100000")

    def pending(self) -> list[dict[str, Any]]:
        return self.json("runs", "pending", "--json")

    def pause(self) -> str:
        """Record a daily_loop run that waits at confirm-plan; its record id."""
        paused = self("run", "daily_loop", "--state", str(TASKS), "--clock", CLOCK, "--quiet")
        assert paused.returncode == 4, paused.stdout + paused.stderr
        newest = self.records()[0]
        assert (newest["name"], newest["status"], newest["paused_at"]) == ("daily_loop", "paused", "confirm-plan")
        return newest["id"]

    def waiting(self) -> str:
        """A run waiting at confirm-plan (paused now when none is)."""
        waiting = [item["id"] for item in self.pending() if item["step"] == "confirm-plan"]
        return waiting[0] if waiting else self.pause()

    def resumer_of(self, record_id: str) -> dict[str, Any]:
        [resumer] = [record for record in self.records() if record["resumes"] == record_id]
        return self.json("runs", "show", resumer["id"], "--json")


class Server:
    """A running ``lifeos ui``: its address and token, from the first line it prints."""

    def __init__(self, process: subprocess.Popen[str], first_line: str) -> None:
        self.process = process
        self.first_line = first_line
        found = URL_LINE.fullmatch(first_line.strip())
        assert found, f"the first line of lifeos ui is not 'lifeos ui: http://HOST:PORT/?token=TOKEN': {first_line!r}"
        self.url = found[0].removeprefix("lifeos ui: ")
        self.base, self.host, self.port, self.token = found["base"], found["host"], int(found["port"]), found["token"]
        self.output: list[str] = []
        for stream in (process.stdout, process.stderr):  # keep reading, so that a full pipe never stops it
            threading.Thread(target=self._drain, args=(stream,), daemon=True).start()

    def _drain(self, stream: Any) -> None:
        for line in stream:
            self.output.append(line)

    @property
    def csrf(self) -> str:
        """The CSRF token the contract gives every form: HMAC-SHA256(token, "csrf"), hex."""
        return hmac.new(self.token.encode(), b"csrf", hashlib.sha256).hexdigest()

    def request(self, method: str, path: str, *, cookie: str | None = None,
                form: dict[str, str] | None = None) -> tuple[int, http.client.HTTPMessage, str]:
        """One request, no redirect followed: status, headers, body."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": cookie} if cookie else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.headers, response.read().decode("utf-8", "replace")
        finally:
            connection.close()

    def cookie(self) -> str:
        """The session cookie the token URL sets (``lifeos_ui=...``), as a Cookie header."""
        status, headers, _ = self.request("GET", f"/?token={self.token}")
        assert status == 303, status
        [set_cookie] = [value for name, value in headers.items() if name.lower() == "set-cookie"]
        return set_cookie.split(";", 1)[0]


def first_line_of(process: subprocess.Popen[str], seconds: float = 60) -> str:
    """The first line ``process`` prints on stdout; fails with its stderr when it ends first or is silent."""
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)  # type: ignore[arg-type]
    try:
        if selector.select(timeout=seconds):
            line = process.stdout.readline()  # type: ignore[union-attr]
            if line:
                return line
    finally:
        selector.close()
    process.kill()
    _, stderr = process.communicate(timeout=10)
    pytest.fail(f"lifeos ui printed no address within {seconds:g} s (exit {process.returncode}):\n{stderr}")


@contextmanager
def serving(lifeos: Lifeos, *options: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    """``lifeos ui --port 0 --by ana OPTIONS`` running until the block ends."""
    process = subprocess.Popen([str(LIFEOS), "ui", "--port", "0", "--by", "ana", *options],
                               env={**lifeos.env, **(env or {})}, cwd=lifeos.folder, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
    try:
        server = Server(process, first_line_of(process))
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


# --- fixtures: the ledger, the server, the browser ----------------------------------------------------


@pytest.fixture(scope="module")
def lifeos(tmp_path_factory: pytest.TempPathFactory) -> Lifeos:
    """A ledger with a paused daily_loop run, an echo run and a test run, made by ``lifeos`` itself."""
    lifeos = Lifeos(tmp_path_factory.mktemp("ui"))
    lifeos.paused = lifeos.pause()  # type: ignore[attr-defined]
    echo = lifeos("run", "echo", "--quiet")
    assert echo.returncode == 0, echo.stderr
    tested = lifeos("test", str(SMOKE), "-q")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert [(record["kind"], record["name"]) for record in lifeos.records()] == [
        ("test_run", "smoke"), ("mission_run", "echo"), ("mission_run", "daily_loop")]
    return lifeos


@pytest.fixture(scope="module")
def server(lifeos: Lifeos) -> Iterator[Server]:
    with serving(lifeos) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_window_size(1280, 900)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def log_in(browser: Any, server: Server) -> None:
    """Open the URL the server printed, as a user does (every server on 127.0.0.1 shares the cookie jar)."""
    browser.get(server.url)
    WebDriverWait(browser, 30).until(lambda driver: "token=" not in driver.current_url)


def path_of(browser: Any) -> str:
    return urllib.parse.urlsplit(browser.current_url).path


def shown(browser: Any, element_id: str) -> Any:
    return WebDriverWait(browser, 60).until(expected_conditions.presence_of_element_located((By.ID, element_id)))


def pending_section(browser: Any, run: str) -> Any:
    """The section of /pending for the run waiting at confirm-plan (its record id, or the run's first)."""
    sections = [section for section in browser.find_elements(By.CSS_SELECTOR, "section.pending")
                if section.get_attribute("data-step") == "confirm-plan"
                and run.startswith(section.get_attribute("data-run"))]
    assert len(sections) == 1, browser.page_source
    return sections[0]


def screenshot(browser: Any, folder: Path, name: str) -> Path:
    """Save the page as ``name`` under ``folder``, and in docs/images when LIFEOS_REGENERATE_DOCS=1."""
    path = folder / name
    browser.save_screenshot(str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5_000
    if os.environ.get("LIFEOS_REGENERATE_DOCS") == "1":
        IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, IMAGES / name)
    return path


# --- the browser --------------------------------------------------------------------------------------


def test_the_token_url_signs_in_and_lands_on_the_runs(browser, server, lifeos):
    log_in(browser, server)
    assert path_of(browser) == "/runs"
    assert "token" not in browser.current_url
    rows = browser.find_element(By.ID, "runs").find_elements(By.CSS_SELECTOR, "tr.run")
    assert [row.get_attribute("data-id") for row in rows] == [record["id"] for record in lifeos.records()]
    table = browser.find_element(By.ID, "runs").text
    for name in ("daily_loop", "echo", "smoke"):
        assert name in table
    # The token went into a cookie that scripts cannot read and other sites do not send.
    [cookie] = [cookie for cookie in browser.get_cookies() if cookie["name"].startswith("lifeos_ui_")]
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    assert "lifeos_ui" not in browser.execute_script("return document.cookie")


def test_screenshots_of_the_runs_a_run_and_the_pending_approvals(browser, server, lifeos, tmp_path):
    waiting = lifeos.waiting()
    log_in(browser, server)
    browser.get(f"{server.base}/runs")
    shown(browser, "runs")
    screenshot(browser, tmp_path, "ui-runs.png")

    browser.get(f"{server.base}/runs/{waiting}")
    steps = {row.get_attribute("data-step"): row.text
             for row in shown(browser, "steps").find_elements(By.CSS_SELECTOR, "tr.step")}
    assert "completed" in steps["summarise"] and "completed" in steps["prioritise"]
    assert "awaiting" in steps["confirm-plan"]
    assert browser.find_element(By.ID, "receipt").text.strip()
    screenshot(browser, tmp_path, "ui-run.png")

    browser.get(f"{server.base}/pending")
    assert "Plan for 2026-11-23" in pending_section(browser, waiting).find_element(By.CSS_SELECTOR,
                                                                                    "pre.summary").text
    screenshot(browser, tmp_path, "ui-pending.png")
    assert sorted(path.name for path in tmp_path.glob("ui-*.png")) == ["ui-pending.png", "ui-run.png",
                                                                      "ui-runs.png"]


def test_approving_in_the_browser_resumes_the_run_and_records_what_the_command_would(browser, server, lifeos):
    paused = lifeos.waiting()
    log_in(browser, server)
    browser.get(f"{server.base}/pending")
    section = pending_section(browser, paused)
    assert "Plan for 2026-11-23: 3 task(s)" in section.find_element(By.CSS_SELECTOR, "pre.summary").text
    form = section.find_element(By.CSS_SELECTOR, "form.decide")
    assert form.get_attribute("method") == "post"
    action = re.fullmatch(r"/runs/([0-9a-f]+)/decide", urllib.parse.urlsplit(form.get_attribute("action")).path)
    assert action and paused.startswith(action[1]), form.get_attribute("action")
    assert form.find_element(By.NAME, "csrf").get_attribute("value") == server.csrf
    form.find_element(By.NAME, "note").send_keys(NOTE)
    form.find_element(By.CSS_SELECTOR, "button[name=decision][value=approve]").click()

    outcome = shown(browser, "outcome").text.lower()
    assert "approved" in outcome or "succeeded" in outcome, outcome
    resumed = lifeos.resumer_of(paused)
    page = re.fullmatch(r"/runs/([0-9a-f]+)", path_of(browser))
    assert page and resumed["id"].startswith(page[1]), browser.current_url  # the new record's page
    steps = {row.get_attribute("data-step"): row.text for row in browser.find_elements(By.CSS_SELECTOR, "tr.step")}
    assert "approved" in steps["confirm-plan"] and "completed" in steps["log"], steps
    decisions = browser.find_element(By.ID, "decisions").text
    assert "ana" in decisions and NOTE in decisions
    assert "logged" in browser.find_element(By.ID, "final-state").text
    browser.get(f"{server.base}/runs")
    ids = [row.get_attribute("data-id") for row in browser.find_elements(By.CSS_SELECTOR, "#runs tr.run")]
    assert ids[0] == resumed["id"]
    assert paused not in [item["id"] for item in lifeos.pending()]

    # Outside the browser: the chain holds, and the record is the one `lifeos runs approve` makes.
    verified = lifeos("runs", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert resumed["status"] == "succeeded" and resumed["success"] is True and resumed["resumes"] == paused
    decision = resumed["decision"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", decision["at"])
    assert decision == {"step": "confirm-plan", "approved": True, "by": "ana", "at": decision["at"], "note": NOTE}
    other = lifeos.pause()
    approved = lifeos("runs", "approve", other, "confirm-plan", "--by", "ana", "--note", NOTE)
    assert approved.returncode == 0, approved.stderr
    assert same_but_when(resumed) == same_but_when(lifeos.resumer_of(other))


def same_but_when(record: dict[str, Any]) -> Any:
    """A record without what differs between two identical decisions: when, and where in the chain."""
    text = json.dumps({key: value for key, value in record.items()
                       if key not in {"id", "seq", "previous", "recorded_at", "resumes", "result_hash"}})
    return json.loads(text.replace(json.dumps(record["decision"]["at"]), '"AT"'))


def test_the_chain_page_gives_the_head_and_verifies_the_ledger(browser, server, lifeos):
    log_in(browser, server)
    browser.get(f"{server.base}/chain")
    assert shown(browser, "head").text == lifeos.records()[0]["id"]
    browser.find_element(By.ID, "verify").click()  # a plain link: /chain?verify=1
    assert "intact" in shown(browser, "verdict").text
    assert urllib.parse.urlsplit(browser.current_url).query == "verify=1"


def test_the_test_runs_page_lists_the_recorded_test_run(browser, server, lifeos):
    [smoke] = [record for record in lifeos.records() if record["kind"] == "test_run"]
    log_in(browser, server)
    browser.get(f"{server.base}/tests")
    assert smoke["id"] in [row.get_attribute("data-id") for row in browser.find_elements(By.CSS_SELECTOR, "tr")]
    assert "smoke" in browser.page_source and "11 of 11 passed" in browser.page_source


def test_a_postgresql_ledger_is_served_and_decided_the_same_way(browser, tmp_path, pg_ledger):
    pytest.importorskip("psycopg", reason="a PostgreSQL ledger needs psycopg: pip install 'lifeos-core[postgres]'")
    team = Lifeos(tmp_path)
    team.env["LIFEOS_LEDGER"] = pg_ledger
    paused = team.pause()
    with serving(team, "--ledger", pg_ledger) as server:
        log_in(browser, server)
        browser.get(f"{server.base}/pending")
        section = pending_section(browser, paused)
        assert "Plan for 2026-11-23" in section.find_element(By.CSS_SELECTOR, "pre.summary").text
        section.find_element(By.NAME, "note").send_keys("on the team's ledger")
        section.find_element(By.CSS_SELECTOR, "button[name=decision][value=approve]").click()
        assert "succeeded" in shown(browser, "outcome").text
        password = urllib.parse.urlsplit(pg_ledger).password
        assert password and password not in browser.page_source  # the footer names the ledger without it
    decision = team.resumer_of(paused)["decision"]
    assert (decision["by"], decision["note"]) == ("ana", "on the team's ledger")
    assert team("runs", "verify").returncode == 0


# --- refusals, without a browser ---------------------------------------------------------------------


def security_headers(headers: http.client.HTTPMessage) -> None:
    """The headers docs/ui.md promises on every response: no frames, no Referer, no caching, no sniffing."""
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_without_the_token_every_page_is_refused(server):
    for path in ("/", "/runs", "/pending", "/chain", "/tests"):
        status, headers, _ = server.request("GET", path)
        assert status == 403, path
        security_headers(headers)
    status, _, _ = server.request("GET", "/runs?token=not-the-token")
    assert status == 403
    status, headers, _ = server.request("GET", f"/?token={server.token}")
    assert status == 303 and "token" not in headers["Location"]
    set_cookie = headers["Set-Cookie"].lower()
    assert set_cookie.startswith("lifeos_ui_") and "httponly" in set_cookie and "samesite=strict" in set_cookie
    status, headers, body = server.request("GET", "/runs", cookie=server.cookie())
    assert status == 200 and 'id="runs"' in body
    security_headers(headers)


def test_a_decision_without_the_csrf_token_or_the_cookie_is_refused_and_nothing_recorded(server, lifeos):
    waiting = lifeos.waiting()
    before = len(lifeos.records())
    cookie = server.cookie()
    decide = f"/runs/{waiting}/decide"
    for headers, form in (
            ({"cookie": cookie}, {"decision": "approve", "note": "no csrf"}),
            ({"cookie": cookie}, {"decision": "approve", "note": "wrong csrf", "csrf": "0" * 64}),
            ({"cookie": cookie}, {"decision": "approve", "csrf": hmac.new(b"another", b"csrf",
                                                                          hashlib.sha256).hexdigest()}),
            ({"cookie": cookie}, {"decision": "approve", "csrf": server.token}),  # the token is not the csrf
            ({}, {"decision": "approve", "note": "no cookie", "csrf": server.csrf}),
            ({"cookie": "lifeos_ui=forged"}, {"decision": "reject", "csrf": server.csrf})):
        status, _, _ = server.request("POST", decide, form={"step": "confirm-plan", **form}, **headers)
        assert status == 403, (headers, form)
    assert len(lifeos.records()) == before
    assert waiting in [item["id"] for item in lifeos.pending()]


def test_a_read_only_server_shows_no_buttons_and_refuses_a_forged_decision(browser, lifeos):
    waiting = lifeos.pause()
    before = len(lifeos.records())
    with serving(lifeos, "--read-only", env={"LIFEOS_UI_TOKEN": "read-only-token-of-this-test"}) as server:
        assert server.token == "read-only-token-of-this-test"  # LIFEOS_UI_TOKEN fixes the token
        log_in(browser, server)
        browser.get(f"{server.base}/pending")
        section = pending_section(browser, waiting)
        assert "Plan for 2026-11-23" in section.find_element(By.CSS_SELECTOR, "pre.summary").text
        assert browser.find_elements(By.CSS_SELECTOR, "form.decide") == []
        assert browser.find_elements(By.CSS_SELECTOR, "button[name=decision]") == []
        assert browser.find_elements(By.CSS_SELECTOR, "form[method=post], form[method=POST]") == []
        browser.get(f"{server.base}/runs/{waiting}")  # the waiting run's own page: no form either
        assert "awaiting" in shown(browser, "steps").find_element(By.CSS_SELECTOR, "tr.step[data-step=confirm-plan]").text
        assert browser.find_elements(By.CSS_SELECTOR, "form.decide, button[name=decision]") == []

        status, _, _ = server.request("POST", f"/runs/{waiting}/decide", cookie=server.cookie(),
                                      form={"step": "confirm-plan", "decision": "approve", "note": "forged",
                                            "csrf": server.csrf})
        assert status == 403
    assert len(lifeos.records()) == before
    assert waiting in [item["id"] for item in lifeos.pending()]
    assert lifeos("runs", "verify").returncode == 0


# --- where it listens ---------------------------------------------------------------------------------


def listening_addresses(port: int) -> set[str]:
    """The local addresses a socket listens on at ``port`` (Linux: /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def outside_address() -> str | None:
    """An address of this machine other than loopback, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # no packet is sent: this only picks the outgoing interface
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def test_the_server_listens_on_127_0_0_1_only_unless_told(server):
    assert server.host == "127.0.0.1"
    if Path("/proc/net/tcp").exists():
        assert listening_addresses(server.port) == {"0100007F"}  # 127.0.0.1, and nothing else
    outside = outside_address()
    if outside is not None:
        with pytest.raises(OSError):
            socket.create_connection((outside, server.port), timeout=5).close()


def test_another_host_is_served_with_a_warning(lifeos):
    with serving(lifeos, "--host", "0.0.0.0") as server:
        deadline = time.monotonic() + 10
        while "warn" not in "".join(server.output).lower() and time.monotonic() < deadline:
            time.sleep(0.1)
        said = "".join(server.output)
        assert "warn" in said.lower() and "0.0.0.0" in server.first_line + said, said
        status, _, _ = server.request("GET", "/runs")
        assert status == 403  # reachable from elsewhere now: the token matters all the more


def test_the_docs_show_the_pictures_this_module_takes():
    page = (REPO / "docs" / "ui.md").read_text()
    for name in ("ui-runs.png", "ui-run.png", "ui-pending.png"):
        assert f"](images/{name})" in page
        assert (IMAGES / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
