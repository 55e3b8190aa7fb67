"""Loading plugins so that no plugin can break lifeos for everyone.

Plugins are found through entry points in the ``lifeos`` group: installing a
mission pack adds it, uninstalling removes it, and nothing in lifeos-core
names a pack. Each plugin is loaded, checked and asked for what it provides
on its own, and every way it can go wrong is recorded against that plugin (or
that one mission) while everything else keeps working:

- the import fails, or registering it fails (a hook with a wrong signature);
- a function is marked as a hook that does not exist (a misspelling);
- a hook raises, or returns something (hooks call ``register`` instead);
- a mission's default plan breaks the Anti-Failure limits or crashes.

Two plugins providing one name is a conflict: neither is used, both are named.
A plugin registering an operation that lifeos-core has built in (``set``) is
a conflict too, but the built-in stays: no pack can disable it. A plugin that
exits the interpreter while loading (``sys.exit`` at import) is a failure of
that plugin, never the end of the command; what a plugin prints while it
loads goes to standard error, so machine output on standard output stays
clean. Which plugins load is chosen by a :class:`PluginSelection`; names in
it that match no installed distribution are warned about; each plugin's load
time is measured.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, redirect_stdout
from typing import Any

import pluggy

from . import builtins as builtin_operations
from . import hookspecs
from .discovery import entry_points, normalize
from ..errors import LifeosError, MissionParamsError, PluginError, closest, did_you_mean
from ..values.frozen import Frozen, require_text
from ..values.jsonvalue import readonly
from .mission import Mission, MissionRegistryEntry
from .registry import (
    Conflict,
    OperationEntry,
    Origin,
    PluginFailure,
    PluginInfo,
    PluginSkip,
    Registry,
)
from ..version import CORE_DISTRIBUTION, __version__

ENTRY_POINT_GROUP = "lifeos"
LOCAL_DISTRIBUTION = "(not installed)"
LOCAL_VERSION = "local"
HOOK_NAMES = tuple(sorted(name for name, spec in vars(hookspecs).items() if hasattr(spec, "lifeos_spec")))
_PROVIDING_HOOKS = ("lifeos_register_operations", "lifeos_register_missions")


@contextmanager
def plugin_code() -> Iterator[None]:
    """Around a plugin's own code (its import, its hooks): what it prints goes
    to standard error, and an exit it asks for (``SystemExit``, ``os._exit``)
    or any other ``BaseException`` but Ctrl-C is raised as a
    :class:`PluginError` for the caller to record against that plugin; what it
    registers with ``atexit`` cannot end the process either."""
    from ..engine.guard import exits_refused

    try:
        with redirect_stdout(sys.stderr), exits_refused():
            yield
    except (KeyboardInterrupt, LifeosError, Exception):
        raise
    except BaseException as exc:  # SystemExit, GeneratorExit, a plugin's own BaseException
        raise PluginError(f"{type(exc).__name__}: {exc}") from exc


class PluginSelection(Frozen):
    """Which installed plugins to load.

    ``only`` (distribution names) loads just those, when given; ``disabled``
    maps distribution names to the reason they are skipped. ``strict`` turns
    load failures and conflicts into an error, for pack authors.
    """

    __slots__ = _fields = ("only", "only_reason", "disabled", "strict")

    def __init__(self, only: Iterable[str] | None = None, only_reason: str = "",
                 disabled: Mapping[str, str] | None = None, strict: bool = False) -> None:
        self._set(only=None if only is None else frozenset(only), only_reason=only_reason,
                  disabled=readonly(disabled or {}), strict=strict)

    def skip_reason(self, distribution: str) -> str | None:
        name = normalize(distribution)
        if name in self.disabled:
            return self.disabled[name]
        if self.only is not None and name not in self.only:
            return self.only_reason
        return None


class _Loader:
    """One load: the plugin manager and everything learnt on the way."""

    def __init__(self, selection: PluginSelection) -> None:
        self.selection = selection
        self.manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.manager.add_hookspecs(hookspecs)
        self.origins: dict[str, Origin] = {}
        self.load_ms: dict[str, float] = {}
        self.failures: list[PluginFailure] = []
        self.skipped: list[PluginSkip] = []

    def add(self, origin: Origin, load: Callable[[], Any]) -> None:
        """Import (``load``), check and register one plugin, timing it."""
        start = time.perf_counter()
        try:
            problem = self._register(origin, load)
        finally:
            self.load_ms[origin.plugin] = (time.perf_counter() - start) * 1000
        if problem is None:
            self.origins[origin.plugin] = origin
        else:
            self.failures.append(PluginFailure(origin, problem))

    def _register(self, origin: Origin, load: Callable[[], Any]) -> str | None:
        try:
            with plugin_code():
                plugin = load()
        except PluginError as exc:  # it tried to end the process
            return f"import failed: {exc}"
        except Exception as exc:
            return f"import failed: {type(exc).__name__}: {exc}"
        misspelt = list(self._unknown_hooks(plugin))
        if misspelt:
            return "; ".join(misspelt)
        try:
            self.manager.register(plugin, name=origin.plugin)
        except Exception as exc:  # a hook whose arguments the spec does not have, a duplicate...
            return "could not register: " + " ".join(str(exc).split())
        return None

    def _unknown_hooks(self, plugin: Any) -> Iterator[str]:
        for name in dir(plugin):
            try:
                marked = self.manager.parse_hookimpl_opts(plugin, name) is not None
            except Exception:  # an attribute that cannot even be read
                continue
            if marked and name not in HOOK_NAMES:
                close = closest(name, HOOK_NAMES)
                hint = f"; did you mean {close!r}?" if close else f"; lifeos hooks are: {', '.join(HOOK_NAMES)}"
                yield f"{name!r} is marked @hookimpl but lifeos has no such hook{hint}"

    def timed(self, plugin: str, work: Callable[[], Any]) -> Any:
        """Run ``work`` (a plugin's code), adding its time to the plugin's load time."""
        start = time.perf_counter()
        try:
            with plugin_code():
                return work()
        finally:
            self.load_ms[plugin] = self.load_ms.get(plugin, 0.0) + (time.perf_counter() - start) * 1000


def load_registry(
    plugins: Iterable[Any] | Mapping[str, Any] = (),
    *,
    discover: bool = True,
    selection: PluginSelection | None = None,
) -> Registry:
    """Build a registry from the built-in operations, entry points and ``plugins``.

    ``plugins`` are extra plugin objects (modules, classes or instances with
    ``@hookimpl`` functions), registered as if installed: a mapping from a name
    to the plugin, or a list of plugins (named after their ``__name__`` or
    class) and ``(name, plugin)`` pairs. ``discover=False`` skips entry points, which gives
    tests an isolated registry; ``selection`` chooses among installed plugins.
    """
    loader = _Loader(selection or PluginSelection())
    loader.add(Origin("lifeos_core", CORE_DISTRIBUTION, __version__), lambda: builtin_operations)
    if discover:
        for point in sorted(entry_points(ENTRY_POINT_GROUP), key=lambda p: p.name):
            origin = Origin(point.name, point.distribution or LOCAL_DISTRIBUTION, point.version)
            reason = loader.selection.skip_reason(origin.distribution)
            if reason is not None:
                loader.skipped.append(PluginSkip(origin, reason))
            else:
                loader.add(origin, point.load)
    for name, plugin in _named(plugins):
        while name in loader.origins:
            name += "'"
        loader.add(Origin(name, name, LOCAL_VERSION), lambda plugin=plugin: plugin)
    missions, operations, conflicts = _collect(loader)
    registry = Registry(
        missions=missions,
        operations=operations,
        plugins=tuple(_describe_plugins(loader)),
        failures=tuple(loader.failures),
        conflicts=tuple(conflicts),
        skipped=tuple(loader.skipped),
        plugin_manager=loader.manager,
    )
    if loader.selection.strict and registry.problems():
        raise PluginError(
            f"strict plugin loading (LIFEOS_STRICT_PLUGINS=1) found {len(registry.problems())} problem(s): "
            + "; ".join(registry.problems())
        )
    return registry


def selection_warnings(selection: PluginSelection) -> list[str]:
    """One line for each distribution ``selection`` names that is not installed
    (a typo, usually), judged against the entry points on ``sys.path``."""
    installed = [point.distribution or LOCAL_DISTRIBUTION for point in entry_points(ENTRY_POINT_GROUP)]
    return list(_selection_warnings(selection, installed))


def _selection_warnings(selection: PluginSelection, installed: list[str]) -> Iterator[str]:
    known = sorted({normalize(name) for name in installed})
    named = [(name, reason) for name, reason in selection.disabled.items()]
    named += [(name, selection.only_reason.replace("not listed in", "listed in"))
              for name in sorted(selection.only or ())]
    for name, reason in named:
        if name not in known:
            source = reason.replace("disabled by ", "").replace("listed in ", "")
            yield (f"{source} names {name!r}, which is not an installed plugin distribution{did_you_mean(name, known)}; "
                   f"installed: {', '.join(known) or 'none'}")


def _named(plugins: Iterable[Any] | Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    if isinstance(plugins, Mapping):
        yield from plugins.items()
        return
    for plugin in plugins:
        if isinstance(plugin, tuple) and len(plugin) == 2 and isinstance(plugin[0], str):
            yield plugin  # a (name, plugin) pair
        else:
            yield getattr(plugin, "__name__", type(plugin).__name__), plugin


def implementers(manager: pluggy.PluginManager, hook_name: str) -> list[str]:
    """The names of the plugins that implement hook ``hook_name``, in pluggy's calling order."""
    return [impl.plugin_name for impl in getattr(manager.hook, hook_name).get_hookimpls()]


def call_plugin(manager: pluggy.PluginManager, hook_name: str, plugin_name: str, **arguments: Any) -> Any:
    """Call one plugin's implementation of ``hook_name`` through pluggy (so its
    tracing, ``pm.trace`` / ``enable_tracing``, sees the call); return what it
    returned. pluggy alone calls every implementation in one go, where one
    raising would stop the rest: lifeos calls them one plugin at a time, to
    record a failure against that plugin and go on."""
    others = [plugin for name, plugin in manager.list_name_plugin() if name != plugin_name]
    returned = manager.subset_hook_caller(hook_name, remove_plugins=others)(**arguments)
    return returned[0] if returned else None


def _collect(loader: _Loader) -> tuple[dict[str, Any], dict[str, Any], list[Conflict]]:
    """Ask each plugin's hooks, one plugin at a time, for what it provides."""
    offers: dict[str, dict[str, list[Any]]] = {"mission": {}, "operation": {}}
    for hook_name in _PROVIDING_HOOKS:
        make_register = _mission_register if hook_name == "lifeos_register_missions" else _operation_register
        for plugin in implementers(loader.manager, hook_name):
            origin = loader.origins[plugin]
            items: list[tuple[str, str, Any]] = []
            register = make_register(items, origin)
            try:
                returned = loader.timed(plugin, lambda: call_plugin(loader.manager, hook_name, plugin,
                                                                    register=register))
            except PluginError as exc:  # it tried to end the process
                loader.failures.append(PluginFailure(origin, f"{hook_name} failed: {exc}"))
                continue
            except Exception as exc:
                loader.failures.append(PluginFailure(origin, f"{hook_name} failed: {type(exc).__name__}: {exc}"))
                continue
            if returned is not None:
                loader.failures.append(PluginFailure(
                    origin, f"{hook_name} returned a {type(returned).__name__}; a hook calls register(...) "
                            "for each thing it provides and returns nothing"))
                continue
            for kind, name, item in items:  # commit only what a hook offered in full
                offers[kind].setdefault(name, []).append(item)
    result: dict[str, dict[str, Any]] = {"mission": {}, "operation": {}}
    conflicts: list[Conflict] = []
    for kind, by_name in offers.items():
        for name in sorted(by_name):
            entries = by_name[name]
            builtin = [entry for entry in entries if _origin_of(entry).distribution == CORE_DISTRIBUTION]
            if len(entries) == 1:
                result[kind][name] = entries[0]
            elif builtin:  # a pack may not replace or disable what lifeos-core has built in
                result[kind][name] = builtin[0]
                conflicts.append(Conflict(kind, name, tuple(_origin_of(entry) for entry in entries),
                                          kept=_origin_of(builtin[0])))
            else:
                conflicts.append(Conflict(kind, name, tuple(_origin_of(entry) for entry in entries)))
    for name, entry in list(result["mission"].items()):
        problem = loader.timed(entry.plugin, lambda: _default_plan_problem(entry))
        if problem is not None:
            del result["mission"][name]
            loader.failures.append(PluginFailure(_origin_of(entry), problem, mission=name))
    return result["mission"], result["operation"], conflicts


def _default_plan_problem(entry: MissionRegistryEntry) -> str | None:
    """Why a mission cannot be offered, judged by planning it with default params.

    A mission that merely needs params is fine; one whose default plan is over
    the limits, or whose plan function crashes, is broken.
    """
    try:
        entry.build({})
    except MissionParamsError:
        return None
    except LifeosError as exc:
        return f"its default plan is unusable: {exc}"
    return None


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
        require_text(name, "operation name", TypeError)
        if not callable(function):
            raise TypeError(f"operation {name!r} must be callable, got {type(function).__name__}")
        if description is None:
            description = (getattr(function, "__doc__", None) or "").strip().split("\n")[0]
        items.append(("operation", name, OperationEntry(name, function, description, origin)))

    return register


def _describe_plugins(loader: _Loader) -> Iterator[PluginInfo]:
    for name, origin in loader.origins.items():
        plugin = loader.manager.get_plugin(name)
        if plugin is None:
            continue
        hooks = tuple(sorted(caller.name for caller in loader.manager.get_hookcallers(plugin) or ()))
        module = getattr(plugin, "__name__", None) or type(plugin).__module__
        yield PluginInfo(origin, module, hooks, round(loader.load_ms.get(name, 0.0), 1))
