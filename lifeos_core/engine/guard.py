"""The execution envelope, enforced while an operation runs (PEP 578 audit hooks).

One audit hook is installed per process, the first time a step runs guarded,
together with a few wrappers of functions that raise no audit event; all of
them do nothing unless the current context is inside a step (a context
variable says so), so the rest of the program, the CLI writing its outputs
included, is never affected. Inside a step the guard refuses, by raising
before the action happens, so nothing the step attempted takes effect:

- network: creating sockets other than local (``AF_UNIX``) ones, connecting,
  binding, sending to an address, name lookups;
- processes: ``subprocess``, ``os.system``, ``os.exec*``, ``os.spawn*``,
  ``os.posix_spawn``, ``os.fork``, ``_posixsubprocess.fork_exec`` (what
  ``multiprocessing`` and ``subprocess`` end in);
- files: opening for writing, creating, deleting, renaming, changing
  permissions or times, temporary files, writing to a descriptor through the
  ``os`` module, writable file mappings, shared memory, readline history
  (reading and importing stay allowed; Python's own bytecode cache in
  ``__pycache__`` may still be written);
- databases: ``sqlite3`` opening anything but an in-memory database (and
  attaching one);
- native code: ``ctypes`` or ``sqlite3`` loading a library;
- threads: refused on Python 3.12+ through the audit event for starting one;
  on 3.10 and 3.11, which have no such event, ``threading.Thread.start`` is
  wrapped (once, at install) to refuse the same way when called inside a step;
- process state that would outlive the step: the environment, the working
  directory, the umask, trace and profile functions, audit hooks, signals to
  any process, importing ``readline``.

Other process state a step may change for its own use and is put back when
the step ends: signal handlers, timers and masks, the recursion limit, the
switch interval, the integer string limit (their setters are wrapped and note
the first previous value), and ``sys.stdin``/``stdout``/``stderr`` and the
``sys`` and ``threading`` hooks (compared by identity when the last active
step of the process ends).

The refusal is a :class:`EnvelopeBreach`, a ``BaseException`` so that an
``except Exception`` in the operation cannot swallow it; the guard also keeps
the first breach, so the step fails even if the operation catches it anyway.

Audit hooks catch accidents, not adversaries: code determined to escape can.
See docs/envelope.md.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

NETWORK = "network access"
PROCESS = "to start a process"
FILES = "to write to the file system"
NATIVE = "to load a native library"
THREAD = "to start a thread"
DATABASE = "to open a database file"
ENVIRONMENT = "to change the environment"
WORKDIR = "to change the working directory"
UMASK = "to change the umask"
SIGNAL = "to signal a process"
TRACE = "to set a trace or profile function"
TERMINAL = "to take over the terminal"
PROCESS_STATE = "to change process state"
EXIT = "to end the process"

_EVENTS: dict[str, str] = {
    **{event: NETWORK for event in (
        "socket.bind", "socket.connect", "socket.getaddrinfo", "socket.gethostbyaddr",
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
    "sqlite3.enable_load_extension": NATIVE,
    "sqlite3.load_extension": NATIVE,
    "_thread.start_new_thread": THREAD,
    "_thread.start_joinable_thread": THREAD,
    "os.putenv": ENVIRONMENT,
    "os.unsetenv": ENVIRONMENT,
    "os.chdir": WORKDIR,
    "os.kill": SIGNAL,
    "os.killpg": SIGNAL,
    "signal.pthread_kill": SIGNAL,
    **{event: TRACE for event in (
        "sys.settrace", "sys.setprofile", "sys._settraceallthreads", "sys._setprofileallthreads",
        "sys.monitoring.register_callback")},
    "sys.addaudithook": PROCESS_STATE,
}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
THREAD_EVENTS_AUDITED = sys.version_info >= (3, 12)
_MARK = "__lifeos_guard__"  # set on every wrapper of ours, so that nothing is wrapped twice


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


# --- what the audit hook judges by its arguments ---------------------------------------------------------


def _in_bytecode_cache(path: Any) -> bool:
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    return isinstance(path, str) and "__pycache__" in path


def in_memory_database(name: Any) -> bool:
    """Whether SQLite opens ``name`` as an in-memory database (nothing on disk).

    ``":memory:"``, and the URIs ``file::memory:...`` or ``file:NAME?...``
    whose every ``mode`` parameter is ``memory``. Strict on purpose: a URI with
    a percent escape, where SQLite would decode names we did not read, does not
    count; neither does ``""`` (SQLite's temporary database lives on disk).
    """
    if isinstance(name, os.PathLike):
        name = os.fspath(name)
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    if not isinstance(name, str):
        return False
    if name == ":memory:":
        return True
    if name[:5].lower() != "file:" or "%" in name or "#" in name:
        return False
    path, _, query = name[5:].partition("?")
    if path == ":memory:":
        return True
    modes = [value for key, _, value in (item.partition("=") for item in query.split("&")) if key == "mode"]
    return bool(modes) and all(mode == "memory" for mode in modes)


_SQLITE_ATTACH, _SQLITE_DENY, _SQLITE_OK = 24, 1, 0


def _memory_only(action: int, first: Any, *rest: Any) -> int:
    """The SQLite authorizer of connections made in a step: ``ATTACH`` only
    in-memory databases (``VACUUM INTO`` attaches its target, so it is refused
    with it). SQLite turns an exception raised here into its own error, so the
    breach is kept on the guard rather than raised."""
    if action == _SQLITE_ATTACH and not in_memory_database(first):
        guard = _current.get()
        if guard is not None and _enabled and guard.breach is None:
            guard.breach = EnvelopeBreach(DATABASE, "sqlite3 ATTACH")
        return _SQLITE_DENY
    return _SQLITE_OK


def _check_open(guard: guarded, args: tuple[Any, ...]) -> None:
    path, _mode, flags = (tuple(args) + (None, None, None))[:3]
    if isinstance(flags, int) and flags & _WRITE_FLAGS and not _in_bytecode_cache(path):
        guard.refuse(FILES, "open")


def _check_socket(guard: guarded, args: tuple[Any, ...]) -> None:
    # A local socket reaches nothing by being made (asyncio's self-pipe is a
    # socketpair of two); connecting, binding and sending stay refused.
    if len(args) < 2 or args[1] != getattr(sys.modules.get("_socket"), "AF_UNIX", None):
        guard.refuse(NETWORK, "socket.__new__")


def _check_sqlite(guard: guarded, args: tuple[Any, ...]) -> None:
    if not args or not in_memory_database(args[0]):
        guard.refuse(DATABASE, "sqlite3.connect")


def _check_mmap(guard: guarded, args: tuple[Any, ...]) -> None:
    fileno, _length, access = (tuple(args) + (-1, 0, 0))[:3]
    if not isinstance(fileno, int) or fileno == -1 or access in (1, 3):  # anonymous, ACCESS_READ, ACCESS_COPY
        return
    if access == 0 and not _writable(fileno):  # ACCESS_DEFAULT of a read-only descriptor maps it read-only
        return
    guard.refuse(FILES, "mmap.__new__")


def _writable(fileno: int) -> bool:
    try:
        import fcntl

        return fcntl.fcntl(fileno, fcntl.F_GETFL) & os.O_ACCMODE != os.O_RDONLY
    except (ImportError, OSError):
        return True


def _check_import(guard: guarded, args: tuple[Any, ...]) -> None:
    # Importing readline takes over how the process reads its terminal, for
    # good; and a module imported here could be used before the guard wraps it.
    if args and args[0] == "readline":
        guard.refuse(TERMINAL, "import readline")


_CHECKS: dict[str, Callable[[guarded, tuple[Any, ...]], None]] = {
    "open": _check_open,
    "socket.__new__": _check_socket,
    "sqlite3.connect": _check_sqlite,
    "mmap.__new__": _check_mmap,
    "import": _check_import,
}


def _audit(event: str, args: tuple[Any, ...]) -> None:
    guard = _current.get()
    if guard is None or not _enabled:
        return
    check = _CHECKS.get(event)
    if check is not None:
        check(guard, args)
        return
    what = _EVENTS.get(event)
    if what is None:
        return
    if what is FILES and args and _in_bytecode_cache(args[0]):
        return  # the import system caching bytecode, not the operation
    guard.refuse(what, event)


# --- wrappers of what raises no audit event ------------------------------------------------------------------


def _replace(module: Any, name: str, make: Callable[[Any], Callable[..., Any]],
             copies: tuple[Any, ...] = ()) -> None:
    """Put ``make(original)`` in place of ``module.name`` (and of the same
    function where ``copies`` hold it, as ``signal`` holds ``_signal``'s), once."""
    original = getattr(module, name, None)
    if original is None or getattr(original, _MARK, False):
        return
    wrapper = functools.update_wrapper(make(original), original)
    setattr(wrapper, _MARK, True)
    setattr(module, name, wrapper)
    for copy in copies:
        if getattr(copy, name, None) is original:
            setattr(copy, name, wrapper)


def _refusing(what: str, event: str, applies: Callable[..., bool] | None = None) -> Callable[[Any], Callable[..., Any]]:
    """A wrapper maker: inside a step the call is refused (when ``applies``
    says so, given the call's arguments); elsewhere it is the original call."""
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            guard = _current.get()
            if guard is not None and _enabled and (applies is None or applies(*args, **kwargs)):
                guard.refuse(what, event)
            return original(*args, **kwargs)
        return wrapper
    return make


_no_exit: ContextVar[bool] = ContextVar("lifeos_no_exit", default=False)


@contextmanager
def exits_refused() -> Iterator[None]:
    """Around a plugin's own code, outside steps: ``os._exit`` is refused (raised
    as an :class:`EnvelopeBreach`) and what it registers with ``atexit`` runs
    the same way at exit, so no pack can end ``lifeos`` with a code of its own."""
    install()
    token = _no_exit.set(True)
    try:
        yield
    finally:
        _no_exit.reset(token)


def _refusing_exit(original: Callable[..., Any]) -> Callable[..., Any]:
    def _exit(*args: Any, **kwargs: Any) -> Any:
        guard = _current.get()
        if guard is not None and _enabled:
            guard.refuse(EXIT, "os._exit")
        if _no_exit.get():
            raise EnvelopeBreach(EXIT, "os._exit")
        return original(*args, **kwargs)
    return _exit


def _registering_at_exit(original: Callable[..., Any]) -> Callable[..., Any]:
    """``atexit.register``: a callback registered by a step or while a plugin
    loads runs, at exit, with ``os._exit`` refused (modules such as logging
    register one when first imported, which must keep working)."""
    def register(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[..., Any]:
        if (_current.get() is None or not _enabled) and not _no_exit.get():
            return original(function, *args, **kwargs)

        def at_exit() -> Any:
            try:
                with exits_refused():
                    return function(*args, **kwargs)
            except EnvelopeBreach as breach:
                sys.stderr.write(f"warning: an exit handler a plugin registered tried {breach}; refused\n")
                return None

        original(at_exit)
        return function
    return register


def _opens_for_writing(*args: Any, **kwargs: Any) -> bool:
    flags = args[1] if len(args) > 1 else kwargs.get("flags")
    return not isinstance(flags, int) or bool(flags & _WRITE_FLAGS)


_FD_WRITES = ("write", "writev", "pwrite", "pwritev", "sendfile", "copy_file_range", "splice", "posix_fallocate")


def _wrap_refused() -> None:
    for name in _FD_WRITES:
        _replace(os, name, _refusing(FILES, f"os.{name}"))
    _replace(os, "umask", _refusing(UMASK, "os.umask"))
    _replace(os, "_exit", _refusing_exit)  # exit 0 from a step would pass any CI silently
    import atexit

    _replace(atexit, "register", _registering_at_exit)
    try:
        import _posixsubprocess
    except ImportError:
        pass
    else:
        _replace(_posixsubprocess, "fork_exec", _refusing(PROCESS, "_posixsubprocess.fork_exec"))
    try:
        import _posixshmem
    except ImportError:
        pass
    else:
        _replace(_posixshmem, "shm_open", _refusing(FILES, "_posixshmem.shm_open", _opens_for_writing))
        _replace(_posixshmem, "shm_unlink", _refusing(FILES, "_posixshmem.shm_unlink"))


_URI_ARGUMENT = 7  # the place of ``uri`` among sqlite3.connect's arguments


def _connecting(original: Callable[..., Any]) -> Callable[..., Any]:
    """``sqlite3.connect``: inside a step, a ``file:`` name counts as an
    in-memory URI only with ``uri=True`` (without it, SQLite may take it for a
    file name), and the connection made may attach no file. Elsewhere it is the
    original call."""
    def connect(*args: Any, **kwargs: Any) -> Any:
        guard = _current.get()
        if guard is None or not _enabled:
            return original(*args, **kwargs)
        name = args[0] if args else kwargs.get("database")
        uri = args[_URI_ARGUMENT] if len(args) > _URI_ARGUMENT else kwargs.get("uri", False)
        if isinstance(name, str) and name[:5].lower() == "file:" and not uri:
            guard.refuse(DATABASE, "sqlite3.connect")
        connection = original(*args, **kwargs)
        connection.set_authorizer(_memory_only)
        return connection
    return connect


def _wrap_sqlite() -> None:
    try:
        import _sqlite3
    except ImportError:
        return
    copies = tuple(module for module in (sys.modules.get("sqlite3"), sys.modules.get("sqlite3.dbapi2"))
                   if module is not None)  # they copied _sqlite3's names when imported (or will)
    _replace(_sqlite3, "connect", _connecting, copies)


_readline_wrapped = False


def _wrap_readline() -> None:
    """Wrap readline's history writers, once readline is imported (never
    imported here: importing it changes how the process reads the terminal)."""
    global _readline_wrapped
    readline = sys.modules.get("readline")
    if readline is None:
        return
    with _install_lock:
        for name in ("write_history_file", "append_history_file"):
            _replace(readline, name, _refusing(FILES, f"readline.{name}"))
        _readline_wrapped = True


def _remembering(make_undo: Callable[..., tuple[Any, ...] | None]) -> Callable[[Any], Callable[..., Any]]:
    """A wrapper maker for setters of process state a step may change for its
    own use: inside a step, ``make_undo(original, result, *args)`` names the
    state the call changed and how to put back what was there before (a key,
    then a function and its arguments); the guard keeps the first of each key
    and calls it when the step ends. Elsewhere it is the original call."""
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            guard = _current.get()
            if guard is not None and _enabled:
                undo = make_undo(original, result, *args)
                if undo is not None:
                    guard.remember(*undo)
            return result
        return wrapper
    return make


def _put_handler(setter: Callable[..., Any], signalnum: int, handler: Any) -> None:
    # None: the handler was not installed from Python, and cannot be put back from it.
    if handler is not None and sys.modules["_signal"].getsignal(signalnum) is not handler:
        setter(signalnum, handler)


def _undo_signal(original: Any, previous: Any, signalnum: Any, *rest: Any) -> tuple[Any, ...]:
    return ("signal", int(signalnum)), _put_handler, original, int(signalnum), previous


def _undo_timer(original: Any, previous: Any, which: Any, *rest: Any) -> tuple[Any, ...]:
    return ("itimer", int(which)), original, int(which), *previous


def _undo_alarm(original: Any, previous: Any, *args: Any) -> tuple[Any, ...]:
    return ("alarm",), original, previous


def _undo_wakeup_fd(original: Any, previous: Any, *args: Any) -> tuple[Any, ...]:
    return ("wakeup_fd",), original, previous


def _undo_sigmask(original: Any, previous: Any, *args: Any) -> tuple[Any, ...]:
    return ("sigmask",), original, sys.modules["_signal"].SIG_SETMASK, previous


def _remembering_value(read: Callable[[], Any]) -> Callable[[Any], Callable[..., Any]]:
    """A wrapper maker for ``sys`` setters whose value ``read()`` tells: inside
    a step the value before the first change is put back when the step ends."""
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            guard = _current.get()
            if guard is None or not _enabled:
                return original(*args, **kwargs)
            before = read()
            result = original(*args, **kwargs)
            guard.remember((original.__name__,), _put_value, original, read, before)
            return result
        return wrapper
    return make


def _put_value(setter: Callable[[Any], Any], read: Callable[[], Any], value: Any) -> None:
    if read() != value:
        setter(value)


_SYS_SETTERS = (("setrecursionlimit", "getrecursionlimit"), ("setswitchinterval", "getswitchinterval"),
                ("set_int_max_str_digits", "get_int_max_str_digits"))


def _wrap_restored() -> None:
    import _signal

    copies = tuple(module for module in (sys.modules.get("signal"),) if module is not None)
    # signal.signal and signal.pthread_sigmask call _signal's at call time; the
    # other names were copied into signal when it was imported (or will be).
    _replace(_signal, "signal", _remembering(_undo_signal))
    _replace(_signal, "pthread_sigmask", _remembering(_undo_sigmask))
    _replace(_signal, "setitimer", _remembering(_undo_timer), copies)
    _replace(_signal, "alarm", _remembering(_undo_alarm), copies)
    _replace(_signal, "set_wakeup_fd", _remembering(_undo_wakeup_fd), copies)
    _replace(_signal, "siginterrupt", _refusing(PROCESS_STATE, "signal.siginterrupt"), copies)
    _replace(_signal, "raise_signal", _refusing(SIGNAL, "signal.raise_signal"), copies)
    for setter, getter in _SYS_SETTERS:
        if hasattr(sys, getter):
            _replace(sys, setter, _remembering_value(getattr(sys, getter)))


def install() -> None:
    """Install the guard in this process (once; the first step does it anyway):
    for code that must see the process as steps will leave it."""
    if _enabled and not _installed:
        _install()


def _install() -> None:
    global _installed, _thread_start
    with _install_lock:
        if not _installed:
            sys.addaudithook(_audit)
            if not THREAD_EVENTS_AUDITED:
                _thread_start = threading.Thread.start
                threading.Thread.start = _refusing_thread_start  # type: ignore[method-assign]
            _wrap_refused()
            _wrap_restored()
            _wrap_sqlite()
            if hasattr(os, "register_at_fork"):  # a child forked while steps ran in other threads runs none
                os.register_at_fork(after_in_child=_active.clear)
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


# --- hooks compared by identity -------------------------------------------------------------------------------

# Rebound without any call to wrap: the standard streams and hooks, and what
# threading.settrace/setprofile store for threads started later (CPython 3.10 to 3.13 have both).
_HOOK_PLACES = ((sys, "stdin"), (sys, "stdout"), (sys, "stderr"), (sys, "displayhook"), (sys, "excepthook"),
                (threading, "_trace_hook"), (threading, "_profile_hook"))


_active: list[guarded] = []  # the guards entered and not yet left, in every thread, oldest first
_baseline: tuple[Any, ...] = ()  # the hooks as they were when the oldest of them entered


def _put_back_hooks() -> None:
    for (module, name), was in zip(_HOOK_PLACES, _baseline):
        if getattr(module, name) is not was:
            setattr(module, name, was)


class guarded:
    """The envelope of one step: ``with guarded() as guard: ...`` runs the
    enclosed code (one operation) inside it; afterwards ``guard.breach`` is
    the first thing the code tried that the envelope refused, if any, and the
    process state the code changed is as it was. (A class, not a generator,
    and one object per step: it runs for every step.)
    """

    __slots__ = ("breach", "place", "outer", "saved", "_token", "_hooked")

    def __init__(self, place: tuple[str, str] = ("", "")) -> None:
        self.breach: EnvelopeBreach | None = None
        self.place = place  # (workflow id, step id): where the guarded code runs
        self.outer: guarded | None = None  # the guard of the step this one runs inside, if any
        self.saved: dict[Any, tuple[Callable[..., None], tuple[Any, ...]]] | None = None

    def refuse(self, what: str, event: str) -> None:
        breach = EnvelopeBreach(what, event)
        if self.breach is None:
            self.breach = breach
        raise breach

    def remember(self, key: Any, undo: Callable[..., None], *args: Any) -> None:
        """Note how to put back the process state ``key`` as it was before
        the step first changed it: ``undo(*args)``, called when the step ends."""
        saved = self.saved
        if saved is None:
            saved = self.saved = {}
        if key not in saved:
            saved[key] = (undo, args)

    def __enter__(self) -> guarded:
        global _baseline
        if _enabled:
            if not _installed:
                _install()
            if not _readline_wrapped and "readline" in sys.modules:
                _wrap_readline()
            # The hooks are kept by the guard that enters when no other step
            # runs in the process (list appends and removals are atomic: a
            # guard first in the list after appending itself is that one), and
            # put back when the last step running leaves, not before: a step
            # in another thread may be inside its own redirect_stdout.
            _active.append(self)
            if _active[0] is self:
                _baseline = (sys.stdin, sys.stdout, sys.stderr, sys.displayhook, sys.excepthook,
                             threading._trace_hook, threading._profile_hook)  # type: ignore[attr-defined]
            self._hooked = True
        else:
            self._hooked = False
        self.outer = _current.get()
        self._token = _current.set(self)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        _current.reset(self._token)
        if self.saved:
            self._restore()
        if self._hooked:
            _active.remove(self)
            if not _active and (sys.stdin, sys.stdout, sys.stderr, sys.displayhook, sys.excepthook,  # by identity
                                threading._trace_hook, threading._profile_hook) != _baseline:  # type: ignore
                _put_back_hooks()

    def _restore(self) -> None:
        saved, self.saved = self.saved, None
        for undo, args in reversed(list(saved.values())):  # type: ignore[union-attr]
            try:
                undo(*args)
            except Exception:  # noqa: BLE001 - best effort: the step's result stands either way
                pass


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


@contextmanager
def outside_the_envelope() -> Iterator[None]:
    """Run the enclosed code as if no step were running: what an effect does
    (lifeos_core.engine.effects) after its grant was checked. Everything
    else the operation does stays inside the envelope."""
    token = _current.set(None)
    try:
        yield
    finally:
        _current.reset(token)
