"""code_snapshot(): a step that rewires the recording code is noticed before its run is recorded.

A step runs in the same process as the ledger code, so it could replace
``Ledger.append``, the hash function, or ``hashlib.sha256`` itself, and have
its run recorded by code of its choosing. A snapshot taken before the run
names every such change afterwards.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import types

import pytest

import lifeos_core.values.canonical as hashing
import lifeos_core.ledger.store as ledger
from lifeos_core.ledger.integrity import code_snapshot
from lifeos_core.ledger.store import Ledger


def test_nothing_changed_means_no_changes(tmp_path):
    snapshot = code_snapshot()
    with Ledger(tmp_path / "l.sqlite3") as book:
        book.append("note", "n", inputs={}, versions={}, result={"x": 1e16}, success=True)
        assert book.verify().intact and book.records()[0].body["result"] == {"x": 1e16}
    assert snapshot.changes() == []


def test_rebinding_a_ledger_method_is_named(monkeypatch):
    snapshot = code_snapshot()
    monkeypatch.setattr(Ledger, "append", lambda self, *args, **kwargs: None)
    assert snapshot.changes() == ["lifeos_core.ledger.store.Ledger.append was rebound"]
    monkeypatch.undo()
    assert snapshot.changes() == []


def test_rebinding_what_the_append_path_calls_is_named(monkeypatch):
    import hashlib
    import sqlite3

    snapshot = code_snapshot()
    monkeypatch.setattr(hashing, "sha256_hex", lambda data: "0" * 64)
    monkeypatch.setattr(ledger, "canonical_json", lambda value: b"{}")
    monkeypatch.setattr(hashlib, "sha256", hashlib.md5)
    monkeypatch.setattr(sqlite3, "connect", lambda *args, **kwargs: None)
    assert set(snapshot.changes()) == {
        "lifeos_core.values.canonical.sha256_hex was rebound",
        "lifeos_core.ledger.store.canonical_json was rebound",
        "hashlib.sha256 was rebound",
        "sqlite3.connect was rebound",
    }


def test_rebinding_how_a_record_names_its_versions_is_named(monkeypatch):
    import lifeos_core.missions as missions
    from lifeos_core.plugins.registry import Registry
    from lifeos_core.values.frozen import Frozen

    snapshot = code_snapshot()
    monkeypatch.setattr(missions, "versions_used", lambda workflows: {})
    monkeypatch.setattr(Registry, "versions_of", lambda self, *args: {})
    monkeypatch.setattr(Frozen, "_set", lambda self, **values: None)
    assert set(snapshot.changes()) == {
        "lifeos_core.missions.versions_used was rebound",
        "lifeos_core.plugins.registry.Registry.versions_of was rebound",
        "lifeos_core.values.frozen.Frozen._set was rebound",
    }


def test_adding_and_removing_attributes_is_named(monkeypatch):
    snapshot = code_snapshot()
    monkeypatch.setattr(Ledger, "verify_later", lambda self: None, raising=False)
    monkeypatch.delattr(hashing, "stable_hash")
    assert snapshot.changes() == ["lifeos_core.values.canonical.stable_hash was removed",
                                  "lifeos_core.ledger.store.Ledger.verify_later was added"]


def test_replacing_a_functions_code_without_rebinding_it_is_named(monkeypatch):
    snapshot = code_snapshot()
    monkeypatch.setattr(hashing.canonical_json, "__code__", (lambda value: b"{}").__code__)
    found = snapshot.changes()
    assert "lifeos_core.values.canonical.canonical_json had its code, defaults or closure replaced" in found
    assert "lifeos_core.ledger.store.canonical_json had its code, defaults or closure replaced" in found  # imported there


def test_changing_a_default_or_a_closure_is_named(monkeypatch):
    snapshot = code_snapshot()
    monkeypatch.setattr(Ledger.records, "__kwdefaults__", {"name": "x", "failed": False, "limit": None,
                                                           "on_damaged": None})
    assert snapshot.changes() == ["lifeos_core.ledger.store.Ledger.records had its code, defaults or closure replaced"]


def test_replacing_a_module_in_sys_modules_is_named(monkeypatch):
    snapshot = code_snapshot()
    monkeypatch.setitem(sys.modules, "lifeos_core.ledger.store", types.ModuleType("lifeos_core.ledger.store"))
    assert "sys.modules['lifeos_core.ledger.store'] was replaced" in snapshot.changes()


def test_more_code_can_be_watched():
    extra = types.ModuleType("my_recorder")
    extra.write = lambda: None
    snapshot = code_snapshot(extra)
    extra.write = lambda: 1
    assert snapshot.changes() == ["my_recorder.write was rebound"]


RUN_AND_RECORD = textwrap.dedent("""\
    import sys
    from lifeos_core.ledger.integrity import code_snapshot
    snapshot = code_snapshot()  # first thing: nothing the recording path does afterwards may look like a change
    from lifeos_core import MissionSpec, build_workflow
    from lifeos_core.engine.context import ExecutionContext
    from lifeos_core import Orchestrator
    from lifeos_core.ledger.store import Ledger
    from lifeos_core.plugins.active import active_registry
    from lifeos_core.ledger.recording import record_mission_run
    from lifeos_core.ledger.replay import replay
    workflow = build_workflow(MissionSpec("echo", {"big": 1e16}))
    result = Orchestrator().run_workflow(workflow, ExecutionContext(initial_state={"x": 2.0 ** 53}))
    with Ledger(sys.argv[1]) as book:
        made = record_mission_run(book, mission="echo", params={"big": 1e16}, initial_state={"x": 2.0 ** 53},
                                  approvals={}, clock="1970-01-01T00:00:00Z", verify=False, workflow=workflow,
                                  result=result)
    with Ledger(sys.argv[1], read_only=True) as book:
        assert book.verify().intact and replay(book.get(made.id)).same
    print(snapshot.changes())
    """)


def test_a_whole_run_and_its_recording_change_nothing_watched(tmp_path):
    from lifeos_core import load_registry

    if "echo" not in load_registry().missions:
        pytest.skip("the echo pack is not installed")
    done = subprocess.run([sys.executable, "-c", RUN_AND_RECORD, str(tmp_path / "l.sqlite3")], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
