"""The registry in use: loaded once per process from the installed plugins.

:func:`active_registry` loads on first use (see :mod:`lifeos_core.plugins.loading`)
and caches the result; :func:`reload_plugins` starts over; :func:`use_registry`
swaps in another registry for a block of code (tests do). Which installed
plugins load is read from the environment here, at the edge, and nowhere else:

- ``LIFEOS_LOAD_PLUGINS=dist-a,dist-b`` loads only those distributions
  (set but empty: none);
- ``LIFEOS_DISABLE_PLUGINS=dist-x,dist-y`` skips those;
- ``LIFEOS_STRICT_PLUGINS=1`` makes any load failure or conflict an error.

The CLI adds ``--disable-plugin NAME`` through :func:`configure_plugins`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from .discovery import normalize
from .loading import ENTRY_POINT_GROUP, PluginSelection, load_registry
from .registry import Conflict, OperationEntry, Origin, PluginFailure, PluginInfo, PluginSkip, Registry

__all__ = [
    "ENTRY_POINT_GROUP", "Conflict", "OperationEntry", "Origin", "PluginFailure", "PluginInfo", "PluginSelection",
    "PluginSkip", "Registry", "active_registry", "configure_plugins", "configured_disabled", "load_registry",
    "reload_plugins",
    "selection_from_environment", "use_registry",
]

_TRUE = {"1", "true", "yes", "on"}


def _names(text: str) -> list[str]:
    return [normalize(part.strip()) for part in text.split(",") if part.strip()]


def selection_from_environment(
    environ: Mapping[str, str] | None = None, disabled: Iterable[str] = ()
) -> PluginSelection:
    """The plugin selection the environment (and ``disabled``, from the CLI) asks for."""
    environ = os.environ if environ is None else environ
    skip: dict[str, str] = {name: "disabled by LIFEOS_DISABLE_PLUGINS"
                            for name in _names(environ.get("LIFEOS_DISABLE_PLUGINS", ""))}
    skip.update({normalize(name): "disabled by --disable-plugin" for name in disabled})
    only = None
    if "LIFEOS_LOAD_PLUGINS" in environ:
        only = frozenset(_names(environ["LIFEOS_LOAD_PLUGINS"]))
    return PluginSelection(
        only=only,
        only_reason="not listed in LIFEOS_LOAD_PLUGINS",
        disabled=skip,
        strict=environ.get("LIFEOS_STRICT_PLUGINS", "").strip().lower() in _TRUE,
    )


_loaded: Registry | None = None
_disabled: tuple[str, ...] = ()
_lock = threading.Lock()
_override: ContextVar[Registry | None] = ContextVar("lifeos_registry_override", default=None)


def configure_plugins(disabled: Iterable[str] = ()) -> None:
    """Skip the distributions ``disabled`` for the rest of the process (the CLI's
    ``--disable-plugin``); forgets a registry already loaded."""
    global _disabled, _loaded
    with _lock:
        if tuple(disabled) != _disabled:
            _disabled = tuple(disabled)
            _loaded = None


def configured_disabled() -> tuple[str, ...]:
    """The distributions :func:`configure_plugins` was told to skip (for a child process to skip too)."""
    return _disabled


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
                _loaded = load_registry(selection=selection_from_environment(disabled=_disabled))
    return _loaded


def reload_plugins() -> Registry:
    """Forget the loaded plugins and discover them again (after installs in-process)."""
    global _loaded
    with _lock:
        _loaded = load_registry(selection=selection_from_environment(disabled=_disabled))
    return _loaded


@contextmanager
def use_registry(registry: Registry) -> Iterator[Registry]:
    """Run the enclosed code against ``registry`` instead of the installed plugins."""
    token = _override.set(registry)
    try:
        yield registry
    finally:
        _override.reset(token)
