"""A real PostgreSQL server for the tests, started and stopped by them.

The server programs come from the machine (Debian's ``postgresql`` package;
``.ci/run`` installs it where it is missing). The server lives in a temporary
folder of its own, listens on a free local port, takes passwords over TCP
(scram-sha-256, so a wrong one is refused for real) and trusts only its own
Unix socket, which the tests use to create a database for each test. As
root, the programs run as the ``postgres`` user (``initdb`` refuses root).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import count

ROLE, PASSWORD = "lifeos", "lifeos-test-password"
_numbers = count(1)


def server_programs() -> str | None:
    """The folder of initdb, pg_ctl and psql, or None when PostgreSQL is not installed."""
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda folder: int(folder.split("/")[-2]))
    for folder in reversed(folders):
        if os.path.exists(os.path.join(folder, "initdb")):
            return folder
    found = shutil.which("initdb")
    return os.path.dirname(os.path.realpath(found)) if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    programs: str
    folder: str
    port: int
    as_user: list[str]

    def admin(self, *sql: str) -> None:
        """Run statements as the server's superuser, over its Unix socket."""
        command = [f"{self.programs}/psql", "-q", "-h", self.folder, "-p", str(self.port), "-U", "admin",
                   "-d", "postgres", "-v", "ON_ERROR_STOP=1"]
        for statement in sql:
            command += ["-c", statement]
        subprocess.run(command, check=True, capture_output=True, text=True)

    def new_database(self) -> str:
        """A fresh, empty database owned by the test role; its URL (with the password)."""
        name = f"ledger_{os.getpid()}_{next(_numbers)}"
        self.admin(f"CREATE DATABASE {name} OWNER {ROLE} ENCODING 'UTF8' TEMPLATE template0")
        return self.url(name)

    def url(self, database: str, password: str | None = PASSWORD) -> str:
        secret = f":{password}" if password is not None else ""
        return f"postgresql://{ROLE}{secret}@127.0.0.1:{self.port}/{database}"


@contextmanager
def postgres_server() -> Iterator[Server]:
    programs = server_programs()
    if programs is None:
        raise RuntimeError("PostgreSQL is not installed here (Debian: apt-get install postgresql); .ci/run installs it")
    as_user: list[str] = []
    owner = None
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres") if _has_user("postgres") else pwd.getpwnam("nobody")
        as_user = ["setpriv", f"--reuid={owner.pw_uid}", f"--regid={owner.pw_gid}", "--clear-groups", "--"]
    folder = tempfile.mkdtemp(prefix="lifeos-pg.", dir="/tmp")  # pytest's tmp_path is 0700 for root: unreadable
    try:
        secret_file = os.path.join(folder, "admin-password")
        with open(secret_file, "w") as handle:
            handle.write("admin-password\n")
        if owner is not None:
            for path in (folder, secret_file):
                os.chown(path, owner.pw_uid, owner.pw_gid)

        def run(*command: str) -> None:
            subprocess.run([*as_user, *command], check=True, cwd=folder, capture_output=True, text=True)

        run(f"{programs}/initdb", "-D", f"{folder}/data", "-U", "admin", f"--pwfile={secret_file}",
            "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        for attempt in range(3):  # a free port may be taken between finding it and binding it
            port = _free_port()
            try:
                run(f"{programs}/pg_ctl", "-D", f"{folder}/data", "-l", f"{folder}/server.log", "-w", "-t", "60",
                    "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                          "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100", "start")
                break
            except subprocess.CalledProcessError:
                if attempt == 2:
                    raise
        server = Server(programs, folder, port, as_user)
        server.admin(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'")
        yield server
    finally:
        if os.path.exists(f"{folder}/data/postmaster.pid"):
            subprocess.run([*as_user, f"{programs}/pg_ctl", "-D", f"{folder}/data", "-m", "immediate", "-w", "stop"],
                           capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
