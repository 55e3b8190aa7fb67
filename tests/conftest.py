"""Shared fixtures: in-memory plugins and isolated registries.

Tests that need particular missions or operations install plugin objects in
a registry of their own (no entry-point discovery), through the fixtures of
``lifeos_core.testing`` that pack authors use too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lifeos_core.testing import Plugin


@pytest.fixture
def pack() -> type[Plugin]:
    """Build an in-memory plugin: ``pack(missions=[...], operations={...})``."""
    return Plugin


@pytest.fixture
def registry_with(lifeos_registry: Callable[..., Any]) -> Callable[..., Any]:
    """Make the given plugins (name=plugin) the only ones installed, for one test."""
    return lifeos_registry


@pytest.fixture(autouse=True)
def ledger_in_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test records into a ledger of its own, never the user's."""
    path = tmp_path_factory.mktemp("ledger") / "ledger.sqlite3"
    monkeypatch.setenv("LIFEOS_LEDGER", str(path))
    return path


@pytest.fixture(autouse=True)
def utc_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs without --clock/--tz read the machine's zone; tests fix it to UTC,
    so what they record does not depend on where CI runs (tests of zones set
    their own)."""
    monkeypatch.setenv("TZ", "UTC")


@pytest.fixture(scope="session")
def postgres() -> Any:
    """A real PostgreSQL server for this test session (see tests/pg_server.py)."""
    from pg_server import postgres_server

    with postgres_server() as server:
        yield server


@pytest.fixture
def pg_ledger(postgres: Any) -> str:
    """The URL (with its password) of a fresh, empty PostgreSQL database for one test's ledger."""
    return postgres.new_database()
