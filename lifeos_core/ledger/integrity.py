"""Has the code that records runs been changed while this process ran?

A step runs in the process that records it, so it could rebind what the
ledger calls (``lifeos_core.ledger.store.Ledger.append = ...``). The command
line takes a :func:`code_snapshot` when it opens the ledger, before the run,
and refuses to record when :meth:`CodeSnapshot.changes` names anything. It is
a check in the same process, so a step determined to pass it can: it catches
accidents and the obvious, as the envelope guard does.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterable
from pathlib import Path
from typing import Any


# Module globals that change on their own while lifeos runs: not a sign of tampering.
_VOLATILE = frozenset({"__warningregistry__", "_", "_node", "_last_timestamp"})
_WATCHED_MODULES = (
    "lifeos_core.ledger.store", "lifeos_core.ledger.records", "lifeos_core.ledger.recording",
    "lifeos_core.ledger.sqlite_store", "lifeos_core.ledger.postgres_store", "lifeos_core.ledger.locations",
    "lifeos_core.ledger.schema",
    "lifeos_core.values.canonical", "lifeos_core.values.jsonvalue", "lifeos_core.values.clock",
    "lifeos_core.values.frozen", "lifeos_core.values.snapshot", "lifeos_core.missions", "lifeos_core.plugins.registry",
    "lifeos_core.errors",
    "lifeos_core.version",
    "builtins", "os", "posixpath", "ntpath", "pathlib", "hashlib", "json", "json.decoder", "json.encoder",
    "json.scanner", "math", "sqlite3", "enum", "uuid", "datetime", "orjson",
)


def _internals(value: Any) -> tuple[Any, ...] | None:
    """What a function's behaviour rests on besides its name: its code,
    defaults and closure cells (each can be replaced without rebinding the name)."""
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if isinstance(value, property):
        return tuple(_internals(part) for part in (value.fget, value.fset, value.fdel))
    if not isinstance(value, types.FunctionType):
        return None
    cells = []
    for cell in value.__closure__ or ():
        try:
            cells.append(cell.cell_contents)
        except ValueError:  # an empty cell
            cells.append(cell)
    kwdefaults = value.__kwdefaults__
    return (value.__code__, value.__defaults__, tuple(kwdefaults.items()) if kwdefaults else None, tuple(cells))


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, tuple) and isinstance(right, tuple) and len(left) == len(right):
        return all(_same(a, b) for a, b in zip(left, right))
    return left is right


class CodeSnapshot:
    """The attributes of the code that records runs, as they were when taken.

    Taken before a run, it tells afterwards whether a step rebound, added or
    removed anything the recording path uses (``Ledger.append = ...``,
    ``canonical.sha256_hex = ...``, ``hashlib.sha256 = ...``, a function's
    ``__code__``), so that a run that tampered with it is not recorded by that
    code. Taking it copies a few dicts; checking compares identities.
    """

    def __init__(self, owners: Iterable[tuple[str, Any]]) -> None:
        self._owners = [(name, owner, dict(vars(owner))) for name, owner in owners]
        self._functions = {(name, key): _internals(value)
                           for name, _, attributes in self._owners for key, value in attributes.items()}
        self._modules = {name: owner for name, owner, _ in self._owners if sys.modules.get(name) is owner}

    def changes(self) -> list[str]:
        """Each attribute added, removed or rebound (or whose code was replaced) since the snapshot."""
        found = [f"sys.modules[{name!r}] was replaced" for name, module in self._modules.items()
                 if sys.modules.get(name) is not module]
        missing = object()
        for name, owner, before in self._owners:
            now = vars(owner)
            changed = []
            for key, old in before.items():
                new = now.get(key, missing)
                if new is not old:
                    if key not in _VOLATILE:
                        changed.append((key, "was removed" if new is missing else "was rebound"))
                elif self._functions[(name, key)] is not None and not _same(self._functions[(name, key)],
                                                                            _internals(new)):
                    changed.append((key, "had its code, defaults or closure replaced"))
            if len(now) != len(before) or changed:
                changed += [(key, "was added") for key in now if key not in before and key not in _VOLATILE
                            and not _is_submodule(name, key, now[key])]
            found += [f"{name}.{key} {what}" for key, what in sorted(changed)]
        return found


def _is_submodule(owner: str, key: str, value: Any) -> bool:
    """Whether ``value`` is the submodule ``owner.key``, which importing it adds
    (``import json.tool`` inside a step): it shadows nothing the ledger calls."""
    return isinstance(value, types.ModuleType) and value.__name__ == f"{owner}.{key}" and \
        sys.modules.get(value.__name__) is value


def code_snapshot(*extra: Any) -> CodeSnapshot:
    """Snapshot the code the recording path runs: the :class:`Ledger`, record
    and registry classes, the globals of the ledger's modules, of
    ``values.canonical`` (the hashes), of ``missions`` and
    ``plugins.registry`` (the versions a record names), and of the modules
    they call (``hashlib``, ``sqlite3``, ``json``, ``orjson``, ``builtins``, ...). ``extra`` adds modules or classes
    (the CLI's own recording code, say). ``changes()`` on the result names
    whatever was changed since."""
    from ..engine import guard
    from ..plugins.registry import Registry
    from ..values.canonical import encode, loads_canonical
    from ..values.frozen import Frozen
    from ..values.jsonvalue import FrozenMap
    from . import recording  # noqa: F401  (the recording path: watched too)
    from .records import ExpectedHead, LedgerRecord, Verification
    from .store import Ledger

    # What binds itself on first use, do now, not mid-run: the encoders' fast
    # paths, and the envelope guard's wrappers of os and sqlite3 functions.
    encode({"warm": [0.5]})
    loads_canonical(b"[0]")
    guard.install()
    owners: list[tuple[str, Any]] = [(name, sys.modules[name]) for name in _WATCHED_MODULES if name in sys.modules]
    classes = (Ledger, LedgerRecord, Verification, ExpectedHead, CodeSnapshot, FrozenMap, Registry, Frozen,
               *type(Path()).__mro__[:-1])
    owners += [(f"{cls.__module__}.{cls.__qualname__}", cls) for cls in dict.fromkeys(classes)]
    owners += [(getattr(item, "__name__", None) or repr(item), item) for item in extra]
    return CodeSnapshot(owners)
