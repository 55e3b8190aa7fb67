"""What the plugins provide, and what went wrong loading them: the :class:`Registry`.

A registry is the frozen outcome of loading (see :mod:`lifeos_core.plugins.loading`):
missions and operations by name, each with the plugin and distribution it
came from, plus every plugin that was skipped or failed and every name that
two plugins claim. Lookups fail with messages that say what is installed. It
is the engine's :class:`~lifeos_core.engine.orchestrator.OperationSource`,
and the one place that says which versions of which distributions a run used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..errors import PluginConflictError, UnknownMissionError, did_you_mean
from ..values.frozen import Frozen
from ..values.jsonvalue import readonly
from ..version import CORE_DISTRIBUTION, __version__
from .mission import MissionRegistryEntry

SLOW_LOAD_MS = 100.0


class Origin(Frozen):
    """Where a plugin came from: its name and the distribution that ships it."""

    __slots__ = _fields = ("plugin", "distribution", "version")

    def __init__(self, plugin: str, distribution: str, version: str) -> None:
        self._set(plugin=plugin, distribution=distribution, version=version)

    def __str__(self) -> str:
        return f"{self.distribution} {self.version}"

    def __hash__(self) -> int:
        return hash(self._arguments())


class OperationEntry(Frozen):
    """A runtime operation and the plugin that registered it."""

    __slots__ = _fields = ("name", "function", "description", "origin")

    def __init__(self, name: str, function: Callable[..., Any], description: str, origin: Origin) -> None:
        self._set(name=name, function=function, description=description, origin=origin)


class PluginInfo(Frozen):
    """A plugin that loaded, with the hooks it implements and what loading cost."""

    __slots__ = _fields = ("origin", "module", "hooks", "load_ms")

    def __init__(self, origin: Origin, module: str, hooks: tuple[str, ...], load_ms: float = 0.0) -> None:
        self._set(origin=origin, module=module, hooks=tuple(hooks), load_ms=load_ms)

    @property
    def slow(self) -> bool:
        """Slower to load than :data:`SLOW_LOAD_MS`: it delays every ``lifeos`` command."""
        return self.load_ms > SLOW_LOAD_MS


class PluginFailure(Frozen):
    """A plugin that could not be loaded, or one of its hooks or missions that failed.

    ``mission`` names the mission when only that mission is broken (for
    example its default plan breaks the Anti-Failure limits).
    """

    __slots__ = _fields = ("origin", "error", "mission")

    def __init__(self, origin: Origin, error: str, mission: str | None = None) -> None:
        self._set(origin=origin, error=error, mission=mission)

    def describe(self) -> str:
        what = f"mission {self.mission!r} of plugin" if self.mission else "plugin"
        return f"{what} {self.origin.plugin} ({self.origin}): {self.error}"


class PluginSkip(Frozen):
    """A plugin that was installed but not loaded, and why."""

    __slots__ = _fields = ("origin", "reason")

    def __init__(self, origin: Origin, reason: str) -> None:
        self._set(origin=origin, reason=reason)


class Conflict(Frozen):
    """One name provided by several plugins, so none of them is used; or a
    name lifeos-core has built in, which a plugin registered again (then
    ``kept`` is the built-in, which stays in use, and the plugin's is ignored)."""

    __slots__ = _fields = ("kind", "name", "providers", "kept")

    def __init__(self, kind: str, name: str, providers: tuple[Origin, ...], kept: Origin | None = None) -> None:
        self._set(kind=kind, name=name, providers=tuple(providers), kept=kept)

    def message(self) -> str:
        if self.kept is not None:
            others = " and ".join(str(origin) for origin in self.providers if origin != self.kept)
            return (f"{self.kind} {self.name!r} is built into {self.kept}; the one {others} registers is ignored "
                    "(rename it in that pack)")
        sources = " and ".join(str(origin) for origin in self.providers)
        return (f"{self.kind} {self.name!r} is provided by more than one plugin ({sources}); "
                "uninstall one of those distributions so the name is unambiguous")


class Registry(Frozen):
    """Everything the installed plugins provide, and what went wrong loading them.

    ``plugin_manager`` is the pluggy manager the plugins were registered
    with (for hooks called later, such as the command line's); it takes no
    part in equality.
    """

    __slots__ = ("missions", "operations", "plugins", "failures", "conflicts", "skipped", "plugin_manager")
    _fields = ("missions", "operations", "plugins", "failures", "conflicts", "skipped")

    def __init__(self, missions: Mapping[str, MissionRegistryEntry], operations: Mapping[str, OperationEntry],
                 plugins: Iterable[PluginInfo] = (), failures: Iterable[PluginFailure] = (),
                 conflicts: Iterable[Conflict] = (), skipped: Iterable[PluginSkip] = (),
                 plugin_manager: Any = None) -> None:
        self._set(missions=readonly(missions), operations=readonly(operations), plugins=tuple(plugins),
                  failures=tuple(failures), conflicts=tuple(conflicts), skipped=tuple(skipped),
                  plugin_manager=plugin_manager)

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

    def find_operation(self, name: str) -> Callable[..., Any] | None:
        """The function of operation ``name`` (the engine's way to ask)."""
        entry = self.operation(name)
        return None if entry is None else entry.function

    def unknown_operation(self, name: str) -> str:
        return f"{self._unknown_message('operation', name, self.operations)}; install the plugin that provides it"

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

    def effect_kinds(self) -> tuple[Any, ...]:
        """The kinds of effect the loaded plugins register (lifeos-core's built-in
        ones first). Two plugins registering one name is a :class:`PluginError`
        naming both, as is registering something that is not an ``EffectKind``."""
        return tuple(kind for kind, _ in self._effect_kinds().values())

    def effect_kind_plugins(self) -> dict[str, list[str]]:
        """The names of the effect kinds each plugin registers."""
        by_plugin: dict[str, list[str]] = {}
        for name, (_, plugin) in self._effect_kinds().items():
            by_plugin.setdefault(plugin, []).append(name)
        return by_plugin

    def _effect_kinds(self) -> dict[str, tuple[Any, str]]:
        from ..engine.effects import BUILTIN_KINDS, EffectKind
        from ..errors import PluginError
        from .loading import call_plugin, implementers

        if self.plugin_manager is None:
            return {kind.name: (kind, "lifeos_core") for kind in BUILTIN_KINDS}
        kinds: dict[str, tuple[Any, str]] = {}
        for plugin in implementers(self.plugin_manager, "lifeos_register_effects"):
            def register(kind: Any, plugin: str = plugin) -> None:
                if not isinstance(kind, EffectKind):
                    raise PluginError(f"plugin {plugin!r} registered {type(kind).__name__!r} as an effect kind; "
                                      "register EffectKind(...) objects")
                if kind.name in kinds and kinds[kind.name][1] != plugin:
                    raise PluginError(f"effect kind {kind.name!r} is registered by both {kinds[kind.name][1]!r} "
                                      f"and {plugin!r}; uninstall one")
                kinds[kind.name] = (kind, plugin)

            call_plugin(self.plugin_manager, "lifeos_register_effects", plugin, register=register)
        return kinds

    def versions_of(self, missions: Iterable[str] = (), operations: Iterable[str] | None = None) -> dict[str, Any]:
        """The versions a run of ``missions`` used, in the one shape every record
        and comparison of versions uses: lifeos-core's, and the distribution and
        version of each plugin that provided one of the missions or of
        ``operations`` (all installed operations when ``None``: any mission may
        use any of them)."""
        plugins: dict[str, str] = {}
        for name in missions:
            entry = self.missions.get(name)
            if entry is not None:
                plugins[entry.distribution] = entry.version
        chosen = self.operations.values() if operations is None else (
            self.operations[name] for name in operations if name in self.operations)
        for entry in chosen:
            plugins[entry.origin.distribution] = entry.origin.version
        return {
            CORE_DISTRIBUTION: __version__,
            "plugins": [{"distribution": dist, "version": version} for dist, version in sorted(plugins.items())],
        }

    def installed_versions(self) -> dict[str, str]:
        """Each loaded distribution's version, lifeos-core's included: what a recorded run is compared with."""
        installed = {info.origin.distribution: info.origin.version for info in self.plugins}
        installed[CORE_DISTRIBUTION] = __version__
        return installed


def version_changes(recorded: Mapping[str, Any], installed: Mapping[str, str]) -> list[tuple[str, str | None, str | None]]:
    """``(distribution, then, now)`` for each distribution in ``recorded`` (a
    :meth:`Registry.versions_of`) whose version differs in ``installed``
    (:meth:`Registry.installed_versions`; ``None``: not installed). Replay and
    the Dask workers' check both judge versions with this."""
    then = {CORE_DISTRIBUTION: recorded.get(CORE_DISTRIBUTION)}
    then.update({plugin["distribution"]: plugin["version"] for plugin in recorded.get("plugins", [])})
    return [(distribution, version, installed.get(distribution)) for distribution, version in then.items()
            if installed.get(distribution) != version]
