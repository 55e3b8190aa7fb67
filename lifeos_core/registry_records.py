"""What the plugins provide, and what went wrong loading them: the :class:`Registry`.

A registry is the frozen outcome of loading (see :mod:`lifeos_core.loading`):
missions and operations by name, each with the plugin and distribution it
came from, plus every plugin that was skipped or failed and every name that
two plugins claim. Lookups fail with messages that say what is installed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import PluginConflictError, UnknownMissionError, did_you_mean
from .mission import MissionRegistryEntry

SLOW_LOAD_MS = 100.0


@dataclass(frozen=True)
class Origin:
    """Where a plugin came from: its name and the distribution that ships it."""

    plugin: str
    distribution: str
    version: str

    def __str__(self) -> str:
        return f"{self.distribution} {self.version}"


@dataclass(frozen=True)
class OperationEntry:
    """A runtime operation and the plugin that registered it."""

    name: str
    function: Callable[..., Any]
    description: str
    origin: Origin


@dataclass(frozen=True)
class PluginInfo:
    """A plugin that loaded, with the hooks it implements and what loading cost."""

    origin: Origin
    module: str
    hooks: tuple[str, ...]
    load_ms: float = 0.0

    @property
    def slow(self) -> bool:
        """Slower to load than :data:`SLOW_LOAD_MS`: it delays every ``lifeos`` command."""
        return self.load_ms > SLOW_LOAD_MS


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that could not be loaded, or one of its hooks or missions that failed.

    ``mission`` names the mission when only that mission is broken (for
    example its default plan breaks the Anti-Failure limits).
    """

    origin: Origin
    error: str
    mission: str | None = None

    def describe(self) -> str:
        what = f"mission {self.mission!r} of plugin" if self.mission else "plugin"
        return f"{what} {self.origin.plugin} ({self.origin}): {self.error}"


@dataclass(frozen=True)
class PluginSkip:
    """A plugin that was installed but not loaded, and why."""

    origin: Origin
    reason: str


@dataclass(frozen=True)
class Conflict:
    """One name provided by several plugins, so none of them is used; or a
    name lifeos-core has built in, which a plugin registered again (then
    ``kept`` is the built-in, which stays in use, and the plugin's is ignored)."""

    kind: str  # "mission" or "operation"
    name: str
    providers: tuple[Origin, ...]
    kept: Origin | None = None

    def message(self) -> str:
        if self.kept is not None:
            others = " and ".join(str(origin) for origin in self.providers if origin != self.kept)
            return (
                f"{self.kind} {self.name!r} is built into {self.kept}; the one {others} registers is ignored "
                "(rename it in that pack)"
            )
        sources = " and ".join(str(origin) for origin in self.providers)
        return (
            f"{self.kind} {self.name!r} is provided by more than one plugin ({sources}); "
            "uninstall one of those distributions so the name is unambiguous"
        )


@dataclass(frozen=True)
class Registry:
    """Everything the installed plugins provide, and what went wrong loading them."""

    missions: Mapping[str, MissionRegistryEntry]
    operations: Mapping[str, OperationEntry]
    plugins: tuple[PluginInfo, ...] = ()
    failures: tuple[PluginFailure, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    skipped: tuple[PluginSkip, ...] = ()
    plugin_manager: Any = field(default=None, compare=False, repr=False)

    def problems(self) -> list[str]:
        """One line per failure and per conflict."""
        return [failure.describe() for failure in self.failures] + [c.message() for c in self.conflicts]

    def mission_names(self) -> list[str]:
        return sorted(self.missions)

    def mission(self, name: str) -> MissionRegistryEntry:
        """The mission called ``name``, or a clear error saying why there is none."""
        if name in self.missions:
            return self.missions[name]
        self._raise_conflict("mission", name)
        raise UnknownMissionError(self._unknown_message("mission", name, self.missions))

    def operation(self, name: str) -> OperationEntry | None:
        """The operation called ``name``; ``None`` if no plugin provides it.

        A name that several plugins provide raises :class:`PluginConflictError`.
        """
        if name in self.operations:
            return self.operations[name]
        self._raise_conflict("operation", name)
        return None

    def _raise_conflict(self, kind: str, name: str) -> None:
        for conflict in self.conflicts:
            if conflict.kind == kind and conflict.name == name:
                raise PluginConflictError(conflict.message())

    def _unknown_message(self, kind: str, name: str, known: Iterable[str]) -> str:
        names = sorted(known)
        message = f"unknown {kind} {name!r}{did_you_mean(name, names)}; installed: {', '.join(names) or 'none'}"
        if self.failures:
            message += f" ({len(self.failures)} plugin(s) failed to load; `lifeos plugins` shows why)"
        return message

    def unknown_operation_message(self, name: str) -> str:
        return self._unknown_message("operation", name, self.operations)


