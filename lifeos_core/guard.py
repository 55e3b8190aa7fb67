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
- threads: refused on Python 3.12+ (an audit event exists); on 3.10 and 3.11 a
  thread started during the step is detected and fails the step.

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
    global _installed
    with _install_lock:
        if not _installed:
            sys.addaudithook(_audit)
            _installed = True


# threading._active maps the running threads and threading._limbo holds those
# between start() and running (both are changed in place, never replaced);
# active_count() is the slower public form of the two.
_ACTIVE, _LIMBO = getattr(threading, "_active", None), getattr(threading, "_limbo", None)
if isinstance(_ACTIVE, dict) and isinstance(_LIMBO, dict):

    def _thread_count() -> int:
        """How many threads are started, those still starting included."""
        return len(_ACTIVE) + len(_LIMBO)  # type: ignore[arg-type]

else:  # pragma: no cover - another Python's threading module
    _thread_count = threading.active_count


_watching: guarded | None = None  # the step whose new threads the profile hook reports (3.10, 3.11)
_chained: Any = None  # the threading profile hook that was there before ours


def _notice_thread(*args: Any) -> None:
    """lifeos's threading profile hook (3.10, 3.11): runs first in every new
    thread; inside a step it reports the thread, then it hands the thread
    over to the hook that was installed before it, if any, so code outside
    steps sees no difference."""
    guard = _watching
    if guard is not None and guard.breach is None:
        guard.breach = EnvelopeBreach(THREAD, "threading.Thread.start")
    sys.setprofile(_chained)
    if _chained is not None:
        _chained(*args)


def _watch_threads() -> None:
    """Make our hook the threading profile hook, chaining to the one there
    was (someone may have set another since the last step)."""
    global _chained
    current = threading.getprofile()
    if current is not _notice_thread:
        _chained = current
        threading.setprofile(_notice_thread)


class guarded:
    """The envelope of one step: ``with guarded() as guard: ...`` runs the
    enclosed code (one operation) inside it; afterwards ``guard.breach`` is
    the first thing the code tried that the envelope refused, if any. (A
    class, not a generator, and one object per step: it runs for every step.)
    """

    __slots__ = ("breach", "place", "outer", "_threads_before", "_token", "_watched")

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
        global _watching
        self.outer = _current.get()
        self._token = _current.set(self)
        if not _enabled:
            return self
        if not _installed:
            _install()
        if not THREAD_EVENTS_AUDITED:
            _watch_threads()
            self._threads_before = _thread_count()
            self._watched, _watching = _watching, self
        return self

    def __exit__(self, *exc_info: Any) -> None:
        global _watching
        _current.reset(self._token)
        if not _enabled:
            return
        if not THREAD_EVENTS_AUDITED:
            _watching = self._watched
            # A thread still running (or still starting) shows in the count; one
            # that already ran was seen by the profile hook.
            if self.breach is None and _thread_count() > self._threads_before:
                self.breach = EnvelopeBreach(THREAD, "threading.Thread.start")


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
