"""The execution envelope, enforced while an operation runs (PEP 578 audit hooks).

One audit hook is installed per process, the first time a step runs guarded;
it does nothing unless the current context is inside a step (a context
variable says so), so the rest of the program, the CLI writing its outputs
included, is never affected. Inside a step it refuses, by raising before the
action happens, so nothing the step attempted takes effect:

- network: creating or connecting sockets, binding, sending, name lookups;
- processes: ``subprocess``, ``os.system``, ``os.exec*``, ``os.spawn*``,
  ``os.posix_spawn``, ``os.fork`` (``multiprocessing`` goes through these);
- files: opening for writing, creating, deleting, renaming, changing
  permissions or times, temporary files (reading and importing stay allowed;
  Python's own bytecode cache in ``__pycache__`` may still be written);
- native code: ``ctypes`` loading a library;
- threads: refused on Python 3.12+ through the audit event for starting one;
  on 3.10 and 3.11, which have no such event, ``threading.Thread.start`` is
  wrapped (once, at install) to refuse the same way when called inside a step.

The refusal is a :class:`EnvelopeBreach`, a ``BaseException`` so that an
``except Exception`` in the operation cannot swallow it; the guard also keeps
the first breach, so the step fails even if the operation catches it anyway.

Audit hooks catch accidents, not adversaries: code determined to escape can.
See docs/envelope.md.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

NETWORK = "network access"
PROCESS = "to start a process"
FILES = "to write to the file system"
NATIVE = "to load a native library"
THREAD = "to start a thread"

_EVENTS: dict[str, str] = {
    **{event: NETWORK for event in (
        "socket.__new__", "socket.bind", "socket.connect", "socket.getaddrinfo", "socket.gethostbyaddr",
        "socket.gethostbyname", "socket.getnameinfo", "socket.getservbyname", "socket.getservbyport",
        "socket.sendmsg", "socket.sendto", "socket.sethostname")},
    **{event: PROCESS for event in (
        "subprocess.Popen", "os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork", "os.forkpty",
        "os.startfile", "pty.spawn")},
    **{event: FILES for event in (
        "os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.symlink", "os.link", "os.truncate", "os.chmod",
        "os.chown", "os.chflags", "os.lchflags", "os.utime", "os.setxattr", "os.removexattr", "os.mkfifo",
        "os.mknod", "shutil.copyfile", "shutil.copymode", "shutil.copystat", "shutil.copytree", "shutil.rmtree",
        "shutil.move", "shutil.chown", "shutil.make_archive", "tempfile.mkstemp", "tempfile.mkdtemp")},
    "ctypes.dlopen": NATIVE,
    "_thread.start_new_thread": THREAD,
    "_thread.start_joinable_thread": THREAD,
}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
THREAD_EVENTS_AUDITED = sys.version_info >= (3, 12)


class EnvelopeBreach(BaseException):
    """An operation tried something outside the envelope (raised inside the step)."""

    def __init__(self, what: str, event: str) -> None:
        super().__init__(f"{what} ({event})")
        self.what = what
        self.event = event


_current: ContextVar[guarded | None] = ContextVar("lifeos_step_guard", default=None)
_installed = False
_install_lock = threading.Lock()
_enabled = True


def _in_bytecode_cache(path: Any) -> bool:
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    return isinstance(path, str) and "__pycache__" in path


def _audit(event: str, args: tuple[Any, ...]) -> None:
    guard = _current.get()
    if guard is None or not _enabled:
        return
    if event == "open":
        path, _mode, flags = (tuple(args) + (None, None, None))[:3]
        if isinstance(flags, int) and flags & _WRITE_FLAGS and not _in_bytecode_cache(path):
            guard.refuse(FILES, "open")
        return
    what = _EVENTS.get(event)
    if what is None:
        return
    if what is FILES and args and _in_bytecode_cache(args[0]):
        return  # the import system caching bytecode, not the operation
    guard.refuse(what, event)


def _install() -> None:
    global _installed, _thread_start
    with _install_lock:
        if not _installed:
            sys.addaudithook(_audit)
            if not THREAD_EVENTS_AUDITED:
                _thread_start = threading.Thread.start
                threading.Thread.start = _refusing_thread_start  # type: ignore[method-assign]
            _installed = True


_thread_start: Any = None  # Thread.start as it was when the guard was installed


def _refusing_thread_start(self: threading.Thread) -> None:
    """``threading.Thread.start`` on 3.10 and 3.11, where starting a thread
    raises no audit event: inside a step it refuses, as the audit hook does on
    later Pythons; elsewhere it calls what was there before (the original, or
    another library's wrapper of it)."""
    guard = _current.get()
    if guard is not None and _enabled:
        guard.refuse(THREAD, "threading.Thread.start")
    _thread_start(self)


class guarded:
    """The envelope of one step: ``with guarded() as guard: ...`` runs the
    enclosed code (one operation) inside it; afterwards ``guard.breach`` is
    the first thing the code tried that the envelope refused, if any. (A
    class, not a generator, and one object per step: it runs for every step.)
    """

    __slots__ = ("breach", "place", "outer", "_token")

    def __init__(self, place: tuple[str, str] = ("", "")) -> None:
        self.breach: EnvelopeBreach | None = None
        self.place = place  # (workflow id, step id): where the guarded code runs
        self.outer: guarded | None = None  # the guard of the step this one runs inside, if any

    def refuse(self, what: str, event: str) -> None:
        breach = EnvelopeBreach(what, event)
        if self.breach is None:
            self.breach = breach
        raise breach

    def __enter__(self) -> guarded:
        self.outer = _current.get()
        self._token = _current.set(self)
        if _enabled and not _installed:
            _install()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        _current.reset(self._token)


def inside_step() -> bool:
    """Whether the current code runs inside a step's operation."""
    return _current.get() is not None


def enclosing_steps() -> list[tuple[str, str]]:
    """The ``(workflow id, step id)`` of each step the current code runs
    inside, innermost first (a step's operation may start runs of its own)."""
    places, guard = [], _current.get()
    while guard is not None:
        places.append(guard.place)
        guard = guard.outer
    return places


@contextmanager
def unguarded_for_benchmarks() -> Iterator[None]:
    """Turn the guard off in this process for the enclosed code. Only for
    measuring the guard's own cost (benchmarks/guard_overhead.py): runs made
    here are not inside the envelope."""
    global _enabled
    _enabled = False
    try:
        yield
    finally:
        _enabled = True
