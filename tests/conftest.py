"""Shared helpers: small in-memory plugins and isolated registries.

Tests that need particular missions or operations build a registry from
plugin objects with entry-point discovery turned off, so they never depend on
what happens to be installed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from lifeos_core import Mission, Registry, hookimpl, load_registry, use_registry


class Pack:
    """A plugin made of given missions and operations, as a pack author writes one."""

    def __init__(
        self,
        missions: Sequence[Mission] = (),
        operations: dict[str, Callable[..., Any]] | None = None,
    ) -> None:
        self.missions = list(missions)
        self.operations = dict(operations or {})

    @hookimpl
    def lifeos_register_missions(self, register: Callable[[Mission], None]) -> None:
        for mission in self.missions:
            register(mission)

    @hookimpl
    def lifeos_register_operations(self, register: Callable[..., None]) -> None:
        for name, function in self.operations.items():
            register(name, function)


@pytest.fixture
def pack() -> type[Pack]:
    """Build an in-memory plugin: ``pack(missions=[...], operations={...})``."""
    return Pack


@pytest.fixture
def registry_with() -> Iterator[Callable[..., Registry]]:
    """Make the given plugins (name -> plugin) the only ones installed, for one test."""
    contexts = []

    def install(**plugins: Any) -> Registry:
        registry = load_registry(plugins, discover=False)
        context = use_registry(registry)
        context.__enter__()
        contexts.append(context)
        return registry

    yield install
    for context in reversed(contexts):
        context.__exit__(None, None, None)
