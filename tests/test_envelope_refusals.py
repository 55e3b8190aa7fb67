"""What a step may not do beyond files, network and processes, and proof that nothing happened.

Databases on disk, shared memory, descriptors opened before the step, the
environment, the working directory, the umask, signals to other processes,
trace functions: each is refused before it takes effect.
"""

from __future__ import annotations

import mmap
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading
import uuid
from pathlib import Path

import pytest

from lifeos_core import ExecutionContext, Orchestrator, StepSpec, WorkflowDefinition


def in_a_step(action, *, state=None):
    """Run ``action()`` as the operation of a one-step workflow; it stores what it returns."""
    def operation(state, payload, context):
        state["returned"] = action()
        return state

    workflow = WorkflowDefinition("wf-try", [StepSpec("try", "runtime", {"operation": "try"})])
    return Orchestrator({"try": operation}).run_workflow(workflow, ExecutionContext(state or {}))


def assert_refused(result, what, event):
    assert result.success is False
    assert result.receipt["violation"] == {"step_id": "try", "event": event, "action": what}
    assert result.error_message == f"step 'try' tried {what} ({event}) — operations may not leave the envelope"
    assert "returned" not in result.final_state


FILES = "to write to the file system"


# --- databases ----------------------------------------------------------------------------------------


@pytest.fixture
def ledger(tmp_path):
    """A database with one row, made outside any step."""
    path = tmp_path / "ledger.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE runs (id TEXT)")
        db.execute("INSERT INTO runs VALUES ('r1')")
    db.close()
    return path


def rows(path):
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT id FROM runs").fetchall()
    finally:
        db.close()


def test_a_step_cannot_open_an_existing_database_to_rewrite_it(ledger):
    def rewrite():
        db = sqlite3.connect(ledger)
        db.execute("DELETE FROM runs")
        db.commit()

    assert_refused(in_a_step(rewrite), "to open a database file", "sqlite3.connect")
    assert rows(ledger) == [("r1",)]


@pytest.mark.parametrize(("name", "uri"), [
    ("new.sqlite3", False), ("", False), ("file:new.sqlite3", True), ("file:new.sqlite3?mode=memory&mode=rwc", True),
    ("file::memory:", False),  # without uri=True, SQLite may take it for a file's name
])
def test_a_step_cannot_create_a_database_on_disk(name, uri, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = in_a_step(lambda: sqlite3.connect(name, uri=uri).execute("CREATE TABLE t (x)"))
    assert_refused(result, "to open a database file", "sqlite3.connect")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", [":memory:", "file::memory:", "file::memory:?cache=shared",
                                  "file:scratch?mode=memory"])
def test_in_memory_databases_stay_allowed(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def compute():
        db = sqlite3.connect(name, uri=name.startswith("file:"))
        db.execute("CREATE TABLE t (x)")
        db.executemany("INSERT INTO t VALUES (?)", [(1,), (2,), (3,)])
        total = db.execute("SELECT sum(x) FROM t").fetchone()[0]
        db.close()
        return total

    result = in_a_step(compute)
    assert result.success is True, result.error_message
    assert result.final_state["returned"] == 6
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("statement", ["ATTACH DATABASE '{path}' AS other", "VACUUM INTO '{path}'"])
def test_an_in_memory_database_cannot_attach_a_file(statement, ledger, tmp_path):
    target = ledger if statement.startswith("ATTACH") else tmp_path / "copy.sqlite3"

    def attach():
        db = sqlite3.connect(":memory:")
        db.execute(statement.format(path=target))
        db.execute("DELETE FROM other.runs")

    assert_refused(in_a_step(attach), "to open a database file", "sqlite3 ATTACH")
    assert rows(ledger) == [("r1",)]
    assert not (tmp_path / "copy.sqlite3").exists()


def test_a_connection_made_outside_steps_attaches_as_usual(ledger):
    db = sqlite3.connect(":memory:")
    db.execute(f"ATTACH DATABASE '{ledger}' AS other")
    assert db.execute("SELECT id FROM other.runs").fetchall() == [("r1",)]
    db.close()


@pytest.mark.parametrize(("name", "expected"), [
    (":memory:", True), ("file::memory:", True), ("FILE::memory:?cache=shared", True),
    ("file:x?mode=memory", True), ("file:x?cache=shared&mode=memory", True),
    ("", False), ("x.db", False), (" :memory:", False), ("file:x", False), ("file:x?mode=ro", False),
    ("file:x?mode=memory&mode=rwc", False), ("file:x?%6Dode=memory", False), (b":memory:", True),
    (Path("x.db"), False), (42, False),
])
def test_which_names_are_in_memory(name, expected):
    from lifeos_core.engine.guard import in_memory_database

    assert in_memory_database(name) is expected


# --- shared memory, descriptors, mappings -------------------------------------------------------------------


def test_shared_memory_is_not_created():
    from multiprocessing import shared_memory

    name = f"lifeos-test-{uuid.uuid4().hex[:12]}"
    result = in_a_step(lambda: shared_memory.SharedMemory(name=name, create=True, size=64).name)
    assert_refused(result, FILES, "_posixshmem.shm_open")
    assert not Path("/dev/shm", name).exists()
    with pytest.raises(FileNotFoundError):
        shared_memory.SharedMemory(name=name)


def test_existing_shared_memory_is_neither_written_nor_unlinked():
    from multiprocessing import shared_memory

    segment = shared_memory.SharedMemory(name=f"lifeos-test-{uuid.uuid4().hex[:12]}", create=True, size=8)
    try:
        segment.buf[:4] = b"keep"

        def attach():
            other = shared_memory.SharedMemory(name=segment.name)
            other.buf[:4] = b"gone"

        assert_refused(in_a_step(attach), FILES, "_posixshmem.shm_open")
        assert_refused(in_a_step(segment.unlink), FILES, "_posixshmem.shm_unlink")
        assert bytes(segment.buf[:4]) == b"keep"
        assert Path("/dev/shm", segment.name).exists()
    finally:
        segment.close()
        segment.unlink()


@pytest.fixture
def descriptor(tmp_path):
    """A file opened for writing before the step, as a ledger's handle would be."""
    path = tmp_path / "opened-before.txt"
    path.write_bytes(b"")
    fd = os.open(path, os.O_RDWR)
    yield path, fd
    os.close(fd)


def _spliced(fd):
    reader, writer = os.pipe()  # filled outside the step
    os.write(writer, b"x")
    os.close(writer)
    return lambda: os.splice(reader, fd, 1)


def _sent(function, fd):
    source = os.open(__file__, os.O_RDONLY)
    return lambda: function(fd, source, 0, 10) if function is os.sendfile else function(source, fd, 10)


# each prepares, outside the step, what the step then tries
DESCRIPTOR_WRITES = [
    ("os.write", lambda fd: lambda: os.write(fd, b"x")),
    ("os.writev", lambda fd: lambda: os.writev(fd, [b"x", b"y"])),
    ("os.pwrite", lambda fd: lambda: os.pwrite(fd, b"x", 0)),
    ("os.pwritev", lambda fd: lambda: os.pwritev(fd, [b"x"], 0)),
    ("os.sendfile", lambda fd: _sent(os.sendfile, fd)),
    ("os.copy_file_range", lambda fd: _sent(os.copy_file_range, fd)),
    ("os.splice", _spliced),
    ("os.posix_fallocate", lambda fd: lambda: os.posix_fallocate(fd, 0, 4096)),
]


@pytest.mark.parametrize(("event", "prepare"), DESCRIPTOR_WRITES, ids=[event for event, _ in DESCRIPTOR_WRITES])
def test_a_descriptor_opened_before_the_step_is_not_written(event, prepare, descriptor):
    path, fd = descriptor
    if not hasattr(os, event.split(".")[1]):
        pytest.skip(f"{event} does not exist here")
    assert_refused(in_a_step(prepare(fd)), FILES, event)
    assert path.read_bytes() == b""


def test_a_writable_mapping_of_a_descriptor_is_refused(tmp_path):
    path = tmp_path / "mapped.bin"
    path.write_bytes(b"keep")
    with open(path, "r+b") as handle:
        def scribble():
            mapping = mmap.mmap(handle.fileno(), 0)
            mapping[:4] = b"gone"
            mapping.flush()

        assert_refused(in_a_step(scribble), FILES, "mmap.__new__")
    assert path.read_bytes() == b"keep"


def test_reading_through_a_mapping_and_anonymous_memory_stay_allowed(tmp_path):
    path = tmp_path / "mapped.bin"
    path.write_bytes(b"data")

    def read():
        with open(path, "rb") as handle:
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                text = mapped[:4].decode()
            with mmap.mmap(handle.fileno(), 0, prot=mmap.PROT_READ) as mapped:  # ACCESS_DEFAULT, read-only fd
                text += mapped[:4].decode()
        scratch = mmap.mmap(-1, 16)
        scratch[:2] = b"ok"
        return text + scratch[:2].decode()

    result = in_a_step(read)
    assert result.success is True, result.error_message
    assert result.final_state["returned"] == "datadataok"


# --- process state -----------------------------------------------------------------------------------------


def test_the_environment_cannot_be_changed(monkeypatch, tmp_path):
    monkeypatch.setenv("LIFEOS_TEST_KEEP", "kept")
    before = dict(os.environ)
    elsewhere = str(tmp_path / "other.sqlite3")
    for change, event in ((lambda: os.environ.__setitem__("LIFEOS_LEDGER", elsewhere), "os.putenv"),
                          (lambda: os.environ.pop("LIFEOS_TEST_KEEP"), "os.unsetenv"),
                          (lambda: os.putenv("LIFEOS_TEST_NEW", "x"), "os.putenv"),
                          (os.environ.clear, "os.unsetenv")):
        assert_refused(in_a_step(change), "to change the environment", event)
    assert dict(os.environ) == before
    # and what a child process inherits (the C environment) is unchanged too
    echoed = subprocess.run([sys.executable, "-c", "import os; print(os.environ.get('LIFEOS_TEST_NEW'))"],
                            capture_output=True, text=True, check=True)
    assert echoed.stdout.strip() == "None"


def test_the_working_directory_cannot_be_changed(tmp_path, monkeypatch):
    before = os.getcwd()
    monkeypatch.chdir(before)  # back there at teardown, whatever the step did
    assert_refused(in_a_step(lambda: os.chdir(tmp_path)), "to change the working directory", "os.chdir")
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        assert_refused(in_a_step(lambda: os.fchdir(fd)), "to change the working directory", "os.chdir")
    finally:
        os.close(fd)
    assert os.getcwd() == before


def test_the_umask_cannot_be_changed():
    before = os.umask(0o022)
    os.umask(before)
    try:
        assert_refused(in_a_step(lambda: os.umask(0)), "to change the umask", "os.umask")
        now = os.umask(before)
        assert now == before
    finally:
        os.umask(before)


@pytest.fixture
def other_process():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    yield child
    child.kill()
    child.wait()


@pytest.mark.parametrize(("event", "send"), [
    ("os.kill", lambda pid: os.kill(pid, signal.SIGTERM)),
    ("os.killpg", lambda pid: os.killpg(os.getpgid(pid), signal.SIGTERM)),
])
def test_another_process_cannot_be_signalled(event, send, other_process):
    assert_refused(in_a_step(lambda: send(other_process.pid)), "to signal a process", event)
    with pytest.raises(subprocess.TimeoutExpired):
        other_process.wait(timeout=0.2)  # alive: it would have ended at once
    assert other_process.returncode is None


def test_the_own_process_cannot_be_signalled():
    received = []
    previous = signal.signal(signal.SIGUSR1, lambda signum, frame: received.append(signum))
    try:
        assert_refused(in_a_step(lambda: signal.raise_signal(signal.SIGUSR1)), "to signal a process",
                       "signal.raise_signal")
        assert_refused(in_a_step(lambda: signal.pthread_kill(threading.main_thread().ident, signal.SIGUSR1)),
                       "to signal a process", "signal.pthread_kill")
        assert_refused(in_a_step(lambda: os.kill(os.getpid(), signal.SIGUSR1)), "to signal a process", "os.kill")
        assert received == []
    finally:
        signal.signal(signal.SIGUSR1, previous)


@pytest.mark.parametrize(("event", "setter", "getter"), [
    ("sys.settrace", sys.settrace, sys.gettrace),
    ("sys.setprofile", sys.setprofile, sys.getprofile),
])
def test_trace_and_profile_functions_cannot_be_set(event, setter, getter):
    before = getter()
    assert_refused(in_a_step(lambda: setter(lambda *args: None)), "to set a trace or profile function", event)
    assert getter() is before


def test_an_audit_hook_cannot_be_added():
    added = []
    assert_refused(in_a_step(lambda: sys.addaudithook(lambda event, args: added.append(event))),
                   "to change process state", "sys.addaudithook")
    sys.audit("lifeos.test.event")
    assert added == []


def test_siginterrupt_is_refused():
    assert_refused(in_a_step(lambda: signal.siginterrupt(signal.SIGUSR2, False)), "to change process state",
                   "signal.siginterrupt")


# --- local sockets: made, never connected ----------------------------------------------------------------


def test_a_local_socket_pair_may_be_used_within_the_step():
    def talk():
        left, right = socket.socketpair()
        with left, right:
            left.sendall(b"ping")
            return right.recv(4).decode()

    result = in_a_step(talk)
    assert result.success is True, result.error_message
    assert result.final_state["returned"] == "ping"


def test_a_local_socket_reaches_no_listener_and_binds_nothing(tmp_path):
    address = str(tmp_path / "listener.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(address)
    server.listen(1)
    server.settimeout(0.2)
    try:
        def reach():
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
                client.connect(address)

        assert_refused(in_a_step(reach), "network access", "socket.connect")
        with pytest.raises(socket.timeout):
            server.accept()
    finally:
        server.close()

    def bind():
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.bind(str(tmp_path / "bound.sock"))

    assert_refused(in_a_step(bind), "network access", "socket.bind")
    assert not (tmp_path / "bound.sock").exists()

    def send():
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.sendto(b"x", str(tmp_path / "nowhere.sock"))

    assert_refused(in_a_step(send), "network access", "socket.sendto")


# --- processes that raise no audit event -------------------------------------------------------------------


def test_spawnv_passfds_starts_no_process(tmp_path):
    from multiprocessing import util

    sentinel = tmp_path / "touched"
    result = in_a_step(lambda: util.spawnv_passfds("/usr/bin/touch", ["touch", str(sentinel)], []))
    assert_refused(result, "to start a process", "_posixsubprocess.fork_exec")
    subprocess.run([sys.executable, "-c", "pass"], check=True)  # outside the step, processes start as usual
    assert not sentinel.exists()


def run_in_child(program: str) -> subprocess.CompletedProcess[str]:
    """Run ``program`` in a fresh interpreter: the guard is installed once per process, at its first step,
    and were it to fail there, the damage stays in the child."""
    prologue = textwrap.dedent("""\
        import sys
        from lifeos_core import ExecutionContext, Orchestrator, StepSpec, WorkflowDefinition
        def in_a_step(action):
            def operation(state, payload, context):
                action()
                return state
            workflow = WorkflowDefinition("wf", [StepSpec("try", "runtime", {"operation": "try"})])
            return Orchestrator({"try": operation}).run_workflow(workflow, ExecutionContext())
        """)
    return subprocess.run([sys.executable, "-c", prologue + textwrap.dedent(program)], capture_output=True,
                          text=True, timeout=60)


def test_readline_history_is_not_written(tmp_path):
    history = tmp_path / "history"
    completed = run_in_child(f"""\
        print(in_a_step(lambda: __import__("readline")).error_message)  # not imported yet: refused
        import readline  # imported outside any step
        readline.add_history("secret")
        print(in_a_step(lambda: readline.write_history_file({str(history)!r})).error_message)
        print(in_a_step(lambda: readline.append_history_file(1, {str(history)!r})).error_message)
        readline.write_history_file({str(history) + ".outside"!r})  # outside a step, as usual
        """)
    if "No module named 'readline'" in completed.stderr:
        pytest.skip("no readline module in this Python")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == [
        "step 'try' tried to take over the terminal (import readline) — operations may not leave the envelope",
        "step 'try' tried to write to the file system (readline.write_history_file) — operations may not leave "
        "the envelope",
        "step 'try' tried to write to the file system (readline.append_history_file) — operations may not leave "
        "the envelope",
    ]
    assert not history.exists()
    assert Path(str(history) + ".outside").exists()
