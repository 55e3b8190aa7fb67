"""Grants: what the user allows a run's effects to touch, and nothing more.

Nothing is allowed by default. A grant is ``SCOPE:VALUE`` as ``--allow`` takes
it: ``read:PATH`` and ``write:PATH`` (a file, everything under a folder, or a
glob pattern), ``run:COMMAND`` (a command by name or path), ``net:HOST[:PORT]``
(a host, any port or one), ``env:NAME`` (an environment variable a ``run``
effect may see). Plugins' effect kinds may add scopes of their own.

Grants are resolved once, when they are made (``~`` expanded, paths made
absolute against the working directory and their symlinks and ``..``
resolved), so what a grant allows does not change with the folder a run is
resumed or replayed from. A ``run:`` grant by name is matched against the file
the name finds on ``PATH`` at the time of the match. A path that
resolves outside a granted folder (through a symlink or ``..``) is not in it.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from typing import Any

from ..errors import WorkflowInputError
from ..values.frozen import Frozen

PATH_SCOPES = ("read", "write")
BUILTIN_SCOPES = ("read", "write", "run", "net", "env")
_GLOB = frozenset("*?[")


def resolve_path(path: str, base: str | None = None) -> str:
    """``path`` as effects and grants compare it: ``~`` expanded, absolute
    (against ``base`` or the working directory), symlinks and ``..`` resolved."""
    expanded = os.path.expanduser(path)
    if not os.path.isabs(expanded):
        expanded = os.path.join(base or os.getcwd(), expanded)
    return os.path.realpath(expanded)


def _resolve_pattern(pattern: str) -> str:
    """A glob pattern made absolute, with the folders before its first wildcard resolved."""
    expanded = os.path.abspath(os.path.expanduser(pattern))
    parts = expanded.split(os.sep)
    fixed = []
    for part in parts:
        if _GLOB & set(part):
            break
        fixed.append(part)
    head = os.sep.join(fixed) or os.sep
    rest = parts[len(fixed):]
    return os.path.join(os.path.realpath(head), *rest) if rest else os.path.realpath(head)


def command_path(command: str, environ: Any = None) -> str | None:
    """Where ``command`` (a name or a path) is, resolved, or ``None`` when it is not found."""
    import shutil

    environ = os.environ if environ is None else environ
    found = shutil.which(command, path=environ.get("PATH", os.defpath)) if os.sep not in command else (
        command if os.access(command, os.X_OK) and os.path.isfile(command) else None)
    return os.path.realpath(found) if found else None


def host_and_port(url: str) -> tuple[str, int]:
    """The host (lowercase) and port a URL reaches."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WorkflowInputError(f"{url!r} is not an http(s) URL with a host")
    return parts.hostname.lower(), parts.port or (443 if parts.scheme == "https" else 80)


def glob_match(path: str, pattern: str) -> bool:
    """Whether ``path`` matches ``pattern`` as a shell glob does: ``*``, ``?`` and
    ``[...]`` stay within one folder, ``**`` spans any number of folders."""
    def match(parts: list[str], wanted: list[str]) -> bool:
        if not wanted:
            return not parts
        if wanted[0] == "**":
            return any(match(parts[index:], wanted[1:]) for index in range(len(parts) + 1))
        return bool(parts) and fnmatch.fnmatchcase(parts[0], wanted[0]) and match(parts[1:], wanted[1:])

    return match(path.split(os.sep), pattern.split(os.sep))


class Grant(Frozen):
    """One grant: its scope and its value as given (``text``), resolved (``value``)."""

    __slots__ = ("scope", "value", "text", "_glob")
    _fields = ("text",)

    def __init__(self, text: str, known_scopes: Iterable[str] | None = BUILTIN_SCOPES) -> None:
        scope, colon, value = text.partition(":") if isinstance(text, str) else ("", "", "")
        known = tuple(known_scopes) if known_scopes is not None else (scope,) if scope.strip() else ()
        if not colon or not value.strip():
            raise WorkflowInputError(f"grant {text!r} is not SCOPE:VALUE (e.g. read:~/notes, run:pytest, "
                                     "net:api.example.com)")
        if scope not in known:
            raise WorkflowInputError(f"grant {text!r} has unknown scope {scope!r}; the scopes are: {', '.join(known)}")
        glob = False
        if scope in PATH_SCOPES:
            glob = bool(_GLOB & set(value))
            value = _resolve_pattern(value) if glob else resolve_path(value)
        elif scope == "net":
            value = value.strip().lower()
        elif scope == "run" and os.sep in value:  # a command by path: the file it is, wherever it runs from
            value = resolve_path(value)
        self._set(scope=scope, value=value, text=text, _glob=glob)

    def allows(self, scope: str, target: str) -> bool:
        if scope != self.scope:
            return False
        if scope in PATH_SCOPES:
            if self._glob:
                return glob_match(target, self.value)
            return target == self.value or target.startswith(self.value.rstrip(os.sep) + os.sep)
        if scope == "run":
            return target == self.value or target == command_path(self.value)
        if scope == "net":  # HOST or HOST:PORT; an IPv6 host in brackets: [::1] or [::1]:8080
            host, _, port = target.rpartition(":")
            return self.value in (host, target)
        return target == self.value

    def __str__(self) -> str:
        return f"{self.scope}:{self.value}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Grant, (self.text, (self.scope,)))


class Grants(Frozen):
    """The grants of a run (resolved; ``str`` of each is what receipts record)."""

    __slots__ = _fields = ("grants",)

    def __init__(self, grants: Iterable[Grant] = ()) -> None:
        self._set(grants=tuple(grants))

    @classmethod
    def parse(cls, texts: Iterable[str], known_scopes: Iterable[str] | None = BUILTIN_SCOPES) -> "Grants":
        """Grants from their texts; ``known_scopes`` ``None`` takes any scope (a
        plugin's kind may need one the built-in kinds do not)."""
        known = tuple(known_scopes) if known_scopes is not None else None
        return cls(Grant(text, known) for text in texts)

    def __add__(self, other: "Grants") -> "Grants":
        return Grants((*self.grants, *other.grants))

    def find(self, scope: str, target: str) -> Grant | None:
        """The grant that allows ``target`` in ``scope``, if any."""
        return next((grant for grant in self.grants if grant.allows(scope, target)), None)

    def names(self, scope: str) -> list[str]:
        return [grant.value for grant in self.grants if grant.scope == scope]

    def texts(self) -> list[str]:
        return [grant.text for grant in self.grants]

    def __bool__(self) -> bool:
        return bool(self.grants)
