"""Finding plugins and collecting what they provide into a :class:`Registry`.

Plugins are discovered through entry points in the ``lifeos`` group, so a
mission pack appears when its distribution is installed and disappears when
it is uninstalled; nothing in lifeos-core names a pack. Loading happens once
per process, on first use, and :func:`reload_plugins` starts over.

Each plugin is loaded and asked for its missions and operations on its own: a
pack that fails to import or whose hook raises is recorded as a failure with
its reason, and everything else keeps working. Two plugins providing the same
name is recorded as a conflict: the name is unusable, naming both sources,
until one of them is removed. Nothing is silently chosen.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from types import MappingProxyType
from typing import Any

import pluggy

from . import builtin_operations, hookspecs
from .errors import PluginConflictError, UnknownMissionError
from .mission import Mission, MissionRegistryEntry
from .version import CORE_DISTRIBUTION, __version__

ENTRY_POINT_GROUP = "lifeos"
LOCAL_DISTRIBUTION = "(not installed)"
LOCAL_VERSION = "local"
_HOOKS = ("lifeos_register_operations", "lifeos_register_missions")


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
    """A plugin that loaded, with the hooks it implements."""

    origin: Origin
    module: str
    hooks: tuple[str, ...]


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that could not be loaded or whose hook failed."""

    origin: Origin
    error: str


@dataclass(frozen=True)
class Conflict:
    """One name provided by several plugins, so none of them is used."""

    kind: str  # "mission" or "operation"
    name: str
    providers: tuple[Origin, ...]

    def message(self) -> str:
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
    plugin_manager: pluggy.PluginManager | None = field(default=None, compare=False, repr=False)

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
        message = f"unknown {kind} {name!r}"
        close = difflib.get_close_matches(str(name), names, n=1)
        if close:
            message += f" (did you mean {close[0]!r}?)"
        message += "; installed: " + (", ".join(names) if names else "none")
        if self.failures:
            message += f" ({len(self.failures)} plugin(s) failed to load; `lifeos plugins` shows why)"
        return message

    def unknown_operation_message(self, name: str) -> str:
        return self._unknown_message("operation", name, self.operations)


def load_registry(
    plugins: Iterable[Any] | Mapping[str, Any] = (),
    *,
    discover: bool = True,
) -> Registry:
    """Build a registry from the built-in operations, entry points and ``plugins``.

    ``plugins`` are extra plugin objects (modules, classes or instances with
    ``@hookimpl`` functions), registered as if installed, either as a mapping
    from a name to the plugin or as plain objects named after their
    ``__name__`` or class. ``discover=False`` skips entry points, which gives
    tests an isolated registry.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    origins: dict[str, Origin] = {}
    failures: list[PluginFailure] = []

    def add(plugin: Any, origin: Origin) -> None:
        try:
            manager.register(plugin, name=origin.plugin)
        except Exception as exc:  # a bad hook signature, a duplicate name...
            failures.append(PluginFailure(origin, f"could not register: {exc}"))
        else:
            origins[origin.plugin] = origin

    add(builtin_operations, Origin("lifeos_core", CORE_DISTRIBUTION, __version__))
    if discover:
        for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
            dist = point.dist
            origin = Origin(
                point.name,
                dist.metadata["Name"] if dist is not None else LOCAL_DISTRIBUTION,
                dist.version if dist is not None else "",
            )
            try:
                plugin = point.load()
            except Exception as exc:
                failures.append(PluginFailure(origin, f"import failed: {type(exc).__name__}: {exc}"))
                continue
            add(plugin, origin)
    for name, plugin in _named(plugins):
        while name in origins:
            name += "'"
        add(plugin, Origin(name, name, LOCAL_VERSION))

    collected = _collect(manager, origins, failures)
    return Registry(
        missions=MappingProxyType(collected["mission"]),
        operations=MappingProxyType(collected["operation"]),
        plugins=tuple(_describe_plugins(manager, origins)),
        failures=tuple(failures),
        conflicts=tuple(collected["conflicts"]),
        plugin_manager=manager,
    )


def _named(plugins: Iterable[Any] | Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    if isinstance(plugins, Mapping):
        yield from plugins.items()
        return
    for plugin in plugins:
        yield getattr(plugin, "__name__", type(plugin).__name__), plugin


def _collect(manager: pluggy.PluginManager, origins: Mapping[str, Origin], failures: list[PluginFailure]) -> dict:
    """Ask each plugin's hooks, one plugin at a time, for what it provides."""
    offers: dict[str, dict[str, list[Any]]] = {"mission": {}, "operation": {}}
    for hook_name in _HOOKS:
        for impl in getattr(manager.hook, hook_name).get_hookimpls():
            origin = origins[impl.plugin_name]
            items: list[tuple[str, str, Any]] = []
            register = _mission_register if hook_name == "lifeos_register_missions" else _operation_register
            arguments = {"register": register(items, origin)}
            try:
                impl.function(*(arguments[arg] for arg in impl.argnames))
            except Exception as exc:
                failures.append(PluginFailure(origin, f"{hook_name} failed: {type(exc).__name__}: {exc}"))
                continue
            for kind, name, item in items:  # commit only what a hook offered in full
                offers[kind].setdefault(name, []).append(item)
    result: dict[str, Any] = {"mission": {}, "operation": {}, "conflicts": []}
    for kind, by_name in offers.items():
        for name in sorted(by_name):
            entries = by_name[name]
            if len(entries) == 1:
                result[kind][name] = entries[0]
            else:
                result["conflicts"].append(Conflict(kind, name, tuple(_origin_of(entry) for entry in entries)))
    return result


def _origin_of(entry: MissionRegistryEntry | OperationEntry) -> Origin:
    if isinstance(entry, OperationEntry):
        return entry.origin
    return Origin(entry.plugin, entry.distribution, entry.version)


def _mission_register(items: list, origin: Origin) -> Callable[[Mission], None]:
    def register(mission: Mission) -> None:
        if not isinstance(mission, Mission):
            raise TypeError(f"register() takes a lifeos_core.Mission, got {type(mission).__name__}")
        entry = MissionRegistryEntry(
            name=mission.name,
            description=mission.description,
            distribution=origin.distribution,
            version=origin.version,
            mission=mission,
            plugin=origin.plugin,
        )
        items.append(("mission", mission.name, entry))

    return register


def _operation_register(items: list, origin: Origin) -> Callable[..., None]:
    def register(name: str, function: Callable[..., Any], description: str | None = None) -> None:
        if not isinstance(name, str) or not name.strip():
            raise TypeError(f"operation name must be a non-empty string, got {name!r}")
        if not callable(function):
            raise TypeError(f"operation {name!r} must be callable, got {type(function).__name__}")
        if description is None:
            description = (getattr(function, "__doc__", None) or "").strip().split("\n")[0]
        items.append(("operation", name, OperationEntry(name, function, description, origin)))

    return register


def _describe_plugins(manager: pluggy.PluginManager, origins: Mapping[str, Origin]) -> Iterator[PluginInfo]:
    for name, origin in origins.items():
        plugin = manager.get_plugin(name)
        if plugin is None:
            continue
        hooks = tuple(sorted(caller.name for caller in manager.get_hookcallers(plugin) or ()))
        module = getattr(plugin, "__name__", None) or type(plugin).__module__
        yield PluginInfo(origin, module, hooks)


_loaded: Registry | None = None
_lock = threading.Lock()
_override: ContextVar[Registry | None] = ContextVar("lifeos_registry_override", default=None)


def active_registry() -> Registry:
    """The registry in use: an override set by :func:`use_registry`, else the
    process-wide one, loaded from entry points on first use."""
    override = _override.get()
    if override is not None:
        return override
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = load_registry()
    return _loaded


def reload_plugins() -> Registry:
    """Forget the loaded plugins and discover them again (after installs in-process)."""
    global _loaded
    with _lock:
        _loaded = load_registry()
    return _loaded


@contextmanager
def use_registry(registry: Registry) -> Iterator[Registry]:
    """Run the enclosed code against ``registry`` instead of the installed plugins."""
    token = _override.set(registry)
    try:
        yield registry
    finally:
        _override.reset(token)
