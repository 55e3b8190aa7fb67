"""Effects: the one way an operation reaches the world, granted and recorded.

Inside a step, ``context.effects`` offers ``read_text``, ``list_files``,
``run``, ``http`` and ``write_text`` (and ``call`` for the kinds plugins add).
Each call

1. builds its *request* (plain JSON: resolved paths, the command, the URL);
2. takes the response from a recording when the run has one (a replay, the
   second pass of ``verify``, a plan's fixtures), so no I/O happens at all;
3. otherwise checks the request against the run's grants (no grant: the
   step fails, naming the ``--allow`` to add) and performs it *outside* the
   envelope guard, which stays on for everything else the operation does;
4. records the request and the response's digest in the step's lineage, and
   keeps the response's canonical bytes for the ledger (content-addressed).

A failure of the world (a missing file, a refused connection) is a response
too (``{"error": ...}``), so a replay fails the same way. Writes are
*deferred*: ``write_text`` records an intent (the path, the digest of the new
text, and of what the file held before) and touches nothing; the command line
applies the writes of a run that succeeded, after its record was committed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..errors import StepFailed, WorkflowInputError
from ..values.canonical import encode, encode_own, sha256_hex, stable_hash
from ..values.frozen import Frozen
from .grants import Grants, command_path, host_and_port, resolve_path

MAX_RESPONSE_BYTES = 16 * 1024 * 1024
"""The largest response one effect may bring into a run (canonical JSON, 16 MiB)."""


class EffectKind(Frozen):
    """A kind of effect: its name, the grant scope it needs, what in a request
    the grant is matched against (``target``), and how it is performed.

    ``perform(request)`` does the I/O and returns the response (JSON). A kind
    whose ``write`` is true is deferred: during the run only the intent is
    recorded; ``perform`` runs when the writes of a finished run are applied.
    """

    __slots__ = _fields = ("name", "scope", "target", "perform", "write", "description")

    def __init__(self, name: str, scope: str, target: Callable[[Mapping[str, Any]], str],
                 perform: Callable[[Mapping[str, Any]], Any], write: bool = False, description: str = "") -> None:
        if not isinstance(name, str) or not name or not isinstance(scope, str) or not scope:
            raise ValueError("an effect kind needs a name and a grant scope")
        if not callable(target) or not callable(perform):
            raise TypeError(f"effect kind {name!r}: target and perform must be callable")
        self._set(name=name, scope=scope, target=target, perform=perform, write=bool(write),
                  description=description)


class Completed(Frozen):
    """What ``effects.run`` gives back."""

    __slots__ = _fields = ("exit_code", "stdout", "stderr")

    def __init__(self, exit_code: int, stdout: str, stderr: str) -> None:
        self._set(exit_code=exit_code, stdout=stdout, stderr=stderr)


class Response(Frozen):
    """What ``effects.http`` gives back."""

    __slots__ = _fields = ("status", "headers", "body")

    def __init__(self, status: int, headers: dict[str, str], body: str) -> None:
        self._set(status=status, headers=dict(headers), body=body)


# --- the built-in kinds: how each is performed (outside the envelope) --------------------------


def _read_text(request: Mapping[str, Any]) -> dict[str, Any]:
    # The bytes as stored, decoded (no newline translation): hashing the text
    # again gives the file's own digest, which a later write is checked against.
    with open(request["path"], "rb") as handle:
        return {"text": handle.read().decode("utf-8")}


def _list_files(request: Mapping[str, Any]) -> dict[str, Any]:
    import glob

    inside = request["folder"].rstrip(os.sep) + os.sep  # the granted folder: nothing a symlink leads out to
    found = (os.path.realpath(path) for path in glob.glob(request["pattern"], recursive=True) if os.path.isfile(path))
    return {"paths": sorted(path for path in found if path.startswith(inside) or path == request["folder"])}


def _run(request: Mapping[str, Any]) -> dict[str, Any]:
    import subprocess

    environment = {**{name: os.environ[name] for name in request["granted_env"] if name in os.environ},
                   **request["env"]}
    import shutil

    command = request["argv"][0]
    location = shutil.which(command) if os.sep not in command else command  # as found: a symlink stays one
    if location is None or command_path(command) is None:
        return {"error": f"command {command!r} not found"}
    location = os.path.abspath(location)  # the file the grant was checked against, whatever cwd the command gets
    # Its own process group, so a timeout stops what the command started too (a test's server, a worker).
    process = subprocess.Popen([location, *request["argv"][1:]], cwd=request["cwd"], env=environment,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                               start_new_session=os.name == "posix")
    try:
        stdout, stderr = process.communicate(timeout=request["timeout"])
    except subprocess.TimeoutExpired:
        _stop_group(process)
        return {"error": f"timed out after {request['timeout']} s"}
    except BaseException:
        _stop_group(process)
        raise
    return {"exit_code": process.returncode, "stdout": stdout.decode("utf-8", "replace"),
            "stderr": stderr.decode("utf-8", "replace")}


def _stop_group(process: Any) -> None:
    """Kill a command and every process it started (its process group), and reap it."""
    import signal

    try:
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except (ProcessLookupError, PermissionError):
        pass
    process.communicate()


def _http(request: Mapping[str, Any]) -> dict[str, Any]:
    import urllib.error
    import urllib.request

    data = request["body"].encode("utf-8") if request["body"] is not None else None
    prepared = urllib.request.Request(request["url"], data=data, method=request["method"],
                                      headers=request["headers"])
    class _NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None  # a redirect is the answer: following it could reach a host nobody granted

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())
    try:
        with opener.open(prepared, timeout=request["timeout"]) as answer:
            status, headers, body = answer.status, dict(answer.headers.items()), answer.read()
    except urllib.error.HTTPError as exc:  # a status is an answer, not a failure
        status, headers, body = exc.code, dict(exc.headers.items()), exc.read()
    return {"status": status, "headers": {key.lower(): value for key, value in sorted(headers.items())},
            "body": body.decode("utf-8", "replace")}


def file_digest(path: str) -> str | None:
    """The SHA-256 of a file's bytes, ``None`` when there is no file."""
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except FileNotFoundError:
        return None


def _write_text(request: Mapping[str, Any]) -> dict[str, Any]:
    """Deferred: only what the file holds now is read during the run; the
    write itself is applied later (lifeos_core.ledger.writes)."""
    return {"before_sha256": file_digest(request["path"]), "deferred": True}


BUILTIN_KINDS: tuple[EffectKind, ...] = (
    EffectKind("read_text", "read", lambda request: request["path"], _read_text,
               description="read a text file (UTF-8)"),
    EffectKind("list_files", "read", lambda request: request["folder"], _list_files,
               description="list the files a glob pattern matches"),
    EffectKind("run", "run", lambda request: request["executable"], _run,
               description="run a command: its exit code, stdout and stderr"),
    EffectKind("http", "net", lambda request: request["host"], _http,
               description="an HTTP request: its status, headers and body"),
    EffectKind("write_text", "write", lambda request: request["path"], _write_text, write=True,
               description="write a text file, after the run succeeded and was recorded"),
)


_BUILTIN = {kind.name: kind for kind in BUILTIN_KINDS}


# --- fixtures: recorded responses given by a test ----------------------------------------------


class EffectFixture(Frozen):
    """A response to give an effect instead of performing it (tests, plans):
    the first fixture of the same kind whose ``match`` fields all equal the
    request's (a path matches by its last parts: ``tasks.md`` matches
    ``/home/ada/tasks.md``; a command by its name) answers."""

    __slots__ = _fields = ("kind", "match", "response")

    def __init__(self, kind: str, match: Mapping[str, Any], response: Mapping[str, Any]) -> None:
        from ..values.jsonvalue import freeze_mapping

        self._set(kind=kind, match=freeze_mapping(match, f"match of a {kind} fixture"),
                  response=freeze_mapping(response, f"response of a {kind} fixture"))

    def matches(self, kind: str, request: Mapping[str, Any]) -> bool:
        if kind != self.kind:
            return False
        for key, wanted in self.match.items():
            found = request.get(key)
            if key in ("path", "pattern", "cwd") and isinstance(wanted, str) and isinstance(found, str):
                wanted_parts = [part for part in wanted.split("/") if part and part != "."]
                if found.split(os.sep)[-len(wanted_parts):] != wanted_parts:
                    return False
            elif key == "argv" and isinstance(found, list):
                if len(found) != len(wanted) or os.path.basename(found[0]) != os.path.basename(wanted[0]) or (
                        list(found[1:]) != list(wanted[1:])):
                    return False
            elif found != wanted:
                return False
        return True

    @classmethod
    def shorthand(cls, config: Mapping[str, Any]) -> "EffectFixture":
        """A fixture as plan files write it: ``{read: tasks.md, text: ...}``,
        ``{run: [pytest, -q], exit_code: 1, stdout: ...}``, ``{http: GET URL,
        status: 200, body: ...}``, ``{list: "*.md", paths: [...]}``, or
        ``{kind: K, request: {...}, response: {...}}``."""
        config = dict(config)
        for key, wanted in (("read", str), ("list", str), ("text", str), ("stdout", str), ("stderr", str),
                            ("body", str), ("exit_code", int), ("status", int), ("paths", list), ("http", str)):
            if key in config and not isinstance(config[key], wanted):
                raise WorkflowInputError(f"an effect fixture's {key!r} must be {wanted.__name__}, got "
                                         f"{type(config[key]).__name__}")
        if "kind" in config:
            return cls(config["kind"], config.get("request") or {}, config.get("response") or {})
        if "read" in config:
            return cls("read_text", {"path": config.pop("read")}, {"text": "", **config})
        if "list" in config:
            return cls("list_files", {"pattern": config.pop("list")}, {"paths": [], **config})
        if "run" in config:
            argv = config.pop("run")
            argv = argv.split() if isinstance(argv, str) else list(argv)
            return cls("run", {"argv": argv}, {"exit_code": 0, "stdout": "", "stderr": "", **config})
        if "http" in config:
            method, _, url = str(config.pop("http")).partition(" ")
            return cls("http", {"method": method.upper(), "url": url},
                       {"status": 200, "headers": {}, "body": "", **config})
        raise WorkflowInputError("an effect fixture names its kind: read, list, run, http, or kind/request/response")


# --- what a run allows, and what it was given --------------------------------------------------


class EffectPolicy(Frozen):
    """What a run's effects may do: its grants, the kinds it knows (the
    built-in ones, or those of the installed plugins), recorded responses to
    give back instead of performing anything (``recorded``: a replay; step id
    to a list of ``(kind, request, response)``), ``fixtures``, and ``ask``, a
    function the command line passes at a terminal to ask the user for a
    missing grant (``ask(scope, target) -> grant text or None``). ``folder``
    is what relative paths (``tasks.md``, a command's ``cwd``) are relative
    to: the folder the run was started in, recorded with it, so the steps
    after a pause reach the same files wherever the decision is made (the
    working directory when ``None``)."""

    __slots__ = _fields = ("grants", "kinds", "recorded", "fixtures", "ask", "folder")

    def __init__(self, grants: Grants | Iterable[str] = (), kinds: Iterable[EffectKind] | None = None,
                 recorded: Mapping[str, list[tuple[str, Any, Any]]] | None = None,
                 fixtures: Iterable[EffectFixture] = (), ask: Callable[[str, str], str | None] | None = None,
                 folder: str | None = None) -> None:
        kinds = {kind.name: kind for kind in (BUILTIN_KINDS if kinds is None else kinds)}
        if not isinstance(grants, Grants):
            grants = Grants.parse(grants, None)  # the command line checks scopes against the installed kinds
        if folder is not None and (not isinstance(folder, str) or not os.path.isabs(folder)):
            raise WorkflowInputError(f"an effect policy's folder must be an absolute path, got {folder!r}")
        self._set(grants=grants, kinds=kinds, recorded=recorded, fixtures=tuple(fixtures), ask=ask, folder=folder)

    def replace_kinds(self, kinds: Iterable[EffectKind]) -> "EffectPolicy":
        return EffectPolicy(self.grants, kinds, self.recorded, self.fixtures, self.ask, self.folder)


NO_EFFECTS = EffectPolicy()


class EffectSession:
    """The effects of one run as it goes: what each step took, the response
    bytes by digest, the writes it intends, and the grants it used."""

    def __init__(self, policy: EffectPolicy) -> None:
        self.policy = policy
        self.grants = policy.grants
        self.taken: list[dict[str, Any]] = []  # the current step's effects, for its lineage entry
        self.bodies: dict[str, bytes] = {}
        self.writes: list[dict[str, Any]] = []
        self.used: set[str] = set()
        if policy.recorded is not None:  # a replay: the grants its record names, not worked out on this machine
            self.used = {str(grant) for grant in policy.grants.grants}
        self.refusal: str | None = None  # an ungranted effect fails its step even if the operation catches it
        self.reads: dict[str, str] = {}  # path -> the text the run read there
        self.read_digests: dict[str, str] = {}  # path -> SHA-256 of what the run read there before a pause
        self._replaying: list[tuple[str, Any, Any]] | None = None
        self.again = False  # the second pass of verify: its intents were noted by the first

    def begin(self, step_id: str, again: bool = False) -> None:
        """A step starts; ``again`` runs it on the responses of its first pass (``verify``)."""
        recorded = self.policy.recorded
        if again:
            self._replaying = [(entry["kind"], entry["request"], entry["response"]) for entry in self.taken]
        elif recorded is not None:
            self._replaying = list(recorded.get(step_id, []))
        else:
            self._replaying = None
        self.taken, self.refusal, self.again = [], None, again

    def end(self) -> list[dict[str, Any]]:
        """The step's effects, as its lineage records them."""
        return [{"kind": entry["kind"], "request": entry["request"], "response_sha256": entry["digest"]}
                for entry in self.taken]

    # --- one effect ------------------------------------------------------------------------------

    def take(self, kind_name: str, request: dict[str, Any]) -> Any:
        kind = self.policy.kinds.get(kind_name)
        if kind is None:
            raise StepFailed(f"unknown effect kind {kind_name!r}; known: {', '.join(sorted(self.policy.kinds))}")
        response = self._recorded(kind_name, request)
        if response is None:
            response = self._fixture(kind_name, request)
        if response is not None and self.policy.recorded is None:  # from a fixture: the grant that covered it
            grant = self.grants.find(kind.scope, kind.target(request))
            if grant is not None:
                self.used.add(str(grant))
        if kind.write and kind_name != "write_text":  # a plugin's write: its intent now, performed when applied
            if response is None:
                self._check_grant(kind, request)
                response = {"deferred": True}
            if not self.again:
                self.writes.append({"kind": kind_name, "request": request})
        performed = response is None
        if performed:
            self._check_grant(kind, request)
            from .guard import outside_the_envelope

            with outside_the_envelope():
                try:
                    response = kind.perform(request)
                except Exception as exc:  # the world said no: a response like any other, replayed as such
                    response = {"error": f"{type(exc).__name__}: {exc}"}
        if performed and kind is _BUILTIN.get(kind_name):
            canonical = encode_own(response)[1]  # text, integers, lists: no float to look for in 1 MB of text
        else:
            canonical = encode(response)[1]
        if len(canonical) > MAX_RESPONSE_BYTES:
            raise StepFailed(f"effect {describe(kind_name, request)} brought {len(canonical)} bytes; the limit is "
                             f"{MAX_RESPONSE_BYTES} bytes per response")
        digest = sha256_hex(canonical)
        self.bodies[digest] = canonical
        self.taken.append({"kind": kind_name, "request": request, "response": response, "digest": digest})
        if kind_name == "read_text" and "text" in response:
            self.reads.setdefault(request["path"], response["text"])  # hashed only if the run writes there
        if isinstance(response, Mapping) and "error" in response:
            raise StepFailed(f"effect {describe(kind_name, request)} failed: {response['error']}")
        return response

    def _recorded(self, kind_name: str, request: dict[str, Any]) -> Any:
        if self._replaying is None:
            return None
        if not self._replaying:
            raise StepFailed(f"effect {describe(kind_name, request)} was not taken by the recorded run; "
                             "the run no longer does what was recorded")
        kind, recorded_request, response = self._replaying.pop(0)
        loose = kind_name in _BUILTIN  # only the built-in kinds resolve fields on the machine that runs
        if kind != kind_name or (_as_asked(recorded_request) != _as_asked(request) if loose
                                 else stable_hash(recorded_request) != stable_hash(request)):
            raise StepFailed(f"effect {describe(kind_name, request)} differs from the recorded one, "
                             f"{describe(kind, recorded_request)}")
        request.clear()
        request.update(recorded_request)  # the record's request: resolved where the run ran, not here
        return response

    def _fixture(self, kind_name: str, request: dict[str, Any]) -> Any:
        for fixture in self.policy.fixtures:
            if fixture.matches(kind_name, request):
                from ..values.jsonvalue import thaw

                return thaw(fixture.response)
        return None

    def _check_grant(self, kind: EffectKind, request: Mapping[str, Any]) -> None:
        target = kind.target(request)
        grant = self.grants.find(kind.scope, target)
        if grant is None and self.policy.ask is not None:
            from .guard import outside_the_envelope

            with outside_the_envelope():
                answer = self.policy.ask(kind.scope, target)
            if answer:
                self.grants = self.grants + Grants.parse([answer], {kind.scope})
                grant = self.grants.find(kind.scope, target)
        if grant is None:
            self.refusal = (f"effect {describe(kind.name, request)} is not granted; allow it with "
                            f"--allow {kind.scope}:{target}")
            raise StepFailed(self.refusal)
        self.used.add(str(grant))

    # --- deferred writes -------------------------------------------------------------------------

    def intend_write(self, path: str, text: str, given: str | None = None) -> None:
        data = text.encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()
        request = {"path": path, "given": given or path, "sha256": digest, "size": len(data)}
        response = self.take("write_text", request)
        path = request["path"]  # in a replay, the path the record holds
        self.bodies[digest] = data
        # What the run saw there: its first read (before a pause, if there was one), else the file
        # as it was when the intent was made.
        before = self.read_digests.get(path)
        if before is None and path in self.reads:
            before = hashlib.sha256(self.reads[path].encode("utf-8")).hexdigest()
        if before is None:
            before = response.get("before_sha256")
        intent = {"kind": "write_text", "path": path, "sha256": digest, "before_sha256": before}
        for index, write in enumerate(self.writes):
            if write.get("path") == path:  # the last text of a file wins, in the place of its first write,
                self.writes[index] = {**intent, "before_sha256": write["before_sha256"]}  # checked as the first
                return
        self.writes.append(intent)

    def read_record(self) -> dict[str, str]:
        """What the run read, by path, as SHA-256 digests: kept in a paused run's
        receipt, so a write after the pause is checked against what was read before it."""
        return {**self.read_digests, **{path: hashlib.sha256(text.encode("utf-8")).hexdigest()
                                        for path, text in self.reads.items()}}


_RESOLVED_HERE = ("path", "pattern", "folder", "executable", "cwd", "granted_env")
"""Request fields worked out on the machine that runs (paths resolved against
its working directory, commands found on its PATH): a replay elsewhere matches
a recorded effect by what the operation asked (``given``), not by these."""


def _as_asked(request: Mapping[str, Any]) -> str:
    asked = {key: value for key, value in request.items() if key not in _RESOLVED_HERE}
    if asked.get("given_argv0") is not None and asked.get("argv"):
        asked["argv"] = list(asked["argv"])[1:]  # the command was found here: given_argv0 is what was asked
    return stable_hash(asked)


def describe(kind: str, request: Mapping[str, Any]) -> str:
    """An effect in a few words: ``read_text('/home/ada/tasks.md')``."""
    shown = {"read_text": "path", "write_text": "path", "list_files": "pattern", "http": "url"}.get(kind)
    if kind == "run":
        return f"run({' '.join(map(str, request.get('argv', [])))!r})"
    if shown is not None:
        return f"{kind}({request.get(shown)!r})"
    return f"{kind}({stable_hash(request)[:12]})"


class Effects:
    """``context.effects``: the effects one step may take."""

    __slots__ = ("_session",)

    def __init__(self, session: EffectSession) -> None:
        self._session = session

    @property
    def _folder(self) -> str | None:
        return self._session.policy.folder

    def read_text(self, path: str) -> str:
        """The text of a file (UTF-8). Needs ``--allow read:PATH``."""
        return self._session.take("read_text", {"path": resolve_path(_text(path, "path"), self._folder),
                                                "given": path})["text"]

    def list_files(self, pattern: str) -> list[str]:
        """The files a glob pattern matches (``**`` included), resolved and
        sorted. Needs ``read`` on the folder the pattern starts from."""
        given = _text(pattern, "pattern")
        pattern = os.path.abspath(os.path.join(self._folder or os.getcwd(), os.path.expanduser(given)))
        folder = pattern
        while any(mark in folder for mark in "*?["):
            folder = os.path.dirname(folder)
        return list(self._session.take("list_files", {"pattern": pattern, "folder": os.path.realpath(folder),
                                                      "given": given})["paths"])

    def run(self, argv: list[str], cwd: str | None = None, timeout: float = 600,
            env: Mapping[str, str] | None = None, given_argv0: str | None = None) -> Completed:
        """Run a command (no shell): its exit code, stdout and stderr. Needs
        ``--allow run:COMMAND``; the command sees ``env`` and the variables
        granted with ``--allow env:NAME``, nothing else of the environment.
        ``given_argv0`` says what was asked for when ``argv[0]`` was worked out
        on this machine (``"the python lifeos runs with"`` for
        ``sys.executable``): a replay then matches the effect by it, not by a
        path another machine or interpreter does not have."""
        if isinstance(argv, str) or not argv or not all(isinstance(part, str) for part in argv):
            raise StepFailed("effects.run needs argv as a non-empty list of strings")
        executable = command_path(argv[0]) or argv[0]
        granted_env = sorted(self._session.grants.names("env"))
        self._session.used.update(f"env:{name}" for name in granted_env)
        folder = self._folder
        request = {"argv": list(argv), "executable": executable,
                   "cwd": resolve_path(cwd, folder) if cwd is not None else folder, "given_cwd": cwd, "timeout": timeout,
                   "env": dict(env or {}), "granted_env": granted_env}
        if given_argv0 is not None:
            request["given_argv0"] = _text(given_argv0, "given_argv0")
        response = self._session.take("run", request)
        return Completed(response["exit_code"], response["stdout"], response["stderr"])

    def http(self, method: str, url: str, headers: Mapping[str, str] | None = None, body: str | None = None,
             timeout: float = 30) -> Response:
        """An HTTP request: its status, headers and body (text). Needs
        ``--allow net:HOST`` (or ``HOST:PORT``)."""
        try:
            host, port = host_and_port(_text(url, "url"))
        except WorkflowInputError as exc:
            raise StepFailed(str(exc)) from None
        shown_host = f"[{host}]" if ":" in host else host  # an IPv6 address in brackets, as URLs write it
        request = {"method": _text(method, "method").upper(), "url": url, "host": f"{shown_host}:{port}",
                   "headers": dict(headers or {}), "body": body, "timeout": timeout}
        response = self._session.take("http", request)
        return Response(response["status"], response["headers"], response["body"])

    def write_text(self, path: str, text: str) -> None:
        """Write ``text`` to a file, *after* the run succeeded and was recorded
        (atomically; refused then if the file changed since the run read it).
        Needs ``--allow write:PATH``."""
        if not isinstance(text, str):
            raise StepFailed(f"effects.write_text needs text, got {type(text).__name__}")
        self._session.intend_write(resolve_path(_text(path, "path"), self._folder), text, path)

    def call(self, kind: str, request: Mapping[str, Any]) -> Any:
        """An effect of a kind a plugin registered: its response."""
        from ..values.jsonvalue import thaw, freeze_mapping

        if kind in _BUILTIN:  # their requests are built (resolved) by the methods above, never given
            raise StepFailed(f"effect kind {kind!r} is built in: use context.effects.{kind}(...)")
        try:
            plain = thaw(freeze_mapping(request, f"request of effect {kind!r}"))
        except Exception as exc:  # noqa: BLE001 - not JSON: the step's mistake
            raise StepFailed(str(exc)) from None
        return self._session.take(kind, plain)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise StepFailed(f"an effect's {what} must be a non-empty string, got {value!r}")
    return value
