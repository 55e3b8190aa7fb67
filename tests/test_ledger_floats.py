"""Every value a run can hold is recorded, verified and replayed: floats across the whole range.

RFC 8785 writes a whole-number float as an integer (``1e16`` as
``10000000000000000``); reading the ledger must take those digits back as the
float they came from, not refuse them as an integer too large for JSON.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifeos_core import Mission, StepSpec
from lifeos_core.errors import NotJSONError
from lifeos_core.values.canonical import canonical_json, loads_canonical
from lifeos_core.ledger.store import Ledger
from lifeos_core.testing import Plugin

# The floats that sit on a boundary of how RFC 8785 writes numbers, and the extremes.
EDGES = [
    0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 2.225073858507201e-308,  # smallest subnormal, normal edge
    1e-7, 1e-6, 0.5, 1.0, 2.0**52 + 0.5, 2.0**53 - 1, 2.0**53, 2.0**53 + 2, -(2.0**53), 1e16, -1e16, 1e20,
    123456789012345680000.0, 9.999e20, 999999999999999900000.0, 1e21, -1e21, 1e300, 1.7976931348623157e308,
    -1.7976931348623157e308,
]
finite_floats = st.floats(allow_nan=False, allow_infinity=False)
big_whole = st.floats(min_value=2.0**53, max_value=1e21) | st.floats(min_value=-1e21, max_value=-(2.0**53))
any_float = st.sampled_from(EDGES) | finite_floats | big_whole


def same_number(left: float, right: float) -> bool:
    """Equal as JSON numbers: RFC 8785 writes -0.0 as 0, so only the value counts."""
    return left == right and (left != 0 or right == 0)


# --- reading canonical JSON back ---------------------------------------------------------------------------


@pytest.mark.parametrize("number", EDGES)
def test_every_edge_float_reads_back_as_the_same_number(number):
    text = canonical_json({"x": [number]})
    [back] = loads_canonical(text)["x"]
    assert same_number(back, number)
    assert canonical_json({"x": [back]}) == text


@given(any_float)
@settings(max_examples=400)
def test_any_float_reads_back_as_the_same_number(number):
    text = canonical_json(number)
    back = loads_canonical(text)
    assert same_number(back, number) and canonical_json(back) == text
    assert loads_canonical(text.decode()) == back  # text or bytes alike


def test_big_whole_floats_come_back_as_floats_and_safe_integers_as_integers():
    assert loads_canonical(b"10000000000000000") == 1e16 and isinstance(loads_canonical(b"10000000000000000"), float)
    assert loads_canonical(b"-9007199254740992") == -(2.0**53)
    assert loads_canonical(b"9007199254740991") == 2**53 - 1
    assert isinstance(loads_canonical(b"9007199254740991"), int)
    assert loads_canonical(b'{"hash":"1234567890123456789","n":1}') == {"hash": "1234567890123456789", "n": 1}


@pytest.mark.parametrize(("text", "problem"), [
    (b"1e400", "beyond the range of a JSON number"),
    (b"1" + b"0" * 400, "beyond the range of a JSON number"),
    (b"[NaN]", "NaN is not a JSON value"),
    (b"[1,", "not JSON"),
    (b'["\xff"]', "not UTF-8"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
])
def test_what_is_not_canonical_json_is_refused_in_one_error(text, problem):
    with pytest.raises(NotJSONError, match=problem):
        loads_canonical(text)


# --- through the ledger ------------------------------------------------------------------------------------


def carry(state, payload, context):
    state["carried"] = payload["values"]
    state["largest"] = max(payload["values"])
    return state


CARRY = Mission("carry", "Carry numbers into the state.",
                lambda params: [StepSpec("carry", "runtime", {"operation": "carry",
                                                              "values": params.get("values", [0])})])


@pytest.fixture(scope="module")
def carrying():
    from lifeos_core.plugins.active import load_registry, use_registry

    registry = load_registry([("numbers", Plugin([CARRY], {"carry": carry}))], discover=False)
    with use_registry(registry):
        yield registry


def record_carry(book, values, state, registry):
    from lifeos_core import FixedClock, plan_mission, run_planned
    from lifeos_core.ledger.recording import record_mission_run

    params = {"values": values}
    workflow = plan_mission("carry", params)
    result = run_planned(workflow, state, clock=FixedClock("2026-05-01T12:00:00Z"))
    assert result.success, result.error_message
    return record_mission_run(book, mission="carry", params=params, initial_state=state, approvals={},
                              clock="2026-05-01T12:00:00Z", verify=False, workflow=workflow, result=result)


@given(values=st.lists(any_float, min_size=1, max_size=5), kept=any_float)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_runs_holding_any_float_verify_and_replay(carrying, values, kept):
    from lifeos_core.ledger.replay import replay

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ledger.sqlite3"
        with Ledger(path) as book:
            recorded = record_carry(book, values, {"kept": kept, "nested": {"list": [kept, -kept]}}, carrying)
        with Ledger(path, read_only=True) as book:
            report = book.verify()
            [stored] = book.records()
        assert report.intact, report.problems
        assert stored.id == recorded.id and canonical_json(stored.body) == canonical_json(recorded.body)
        again = replay(stored, carrying)
        assert again.same, again.differences


def test_the_cli_records_verifies_and_replays_big_whole_floats(carrying, tmp_path):
    from typer.testing import CliRunner

    from lifeos_core.cli import app

    params, state = tmp_path / "params.json", tmp_path / "state.json"
    params.write_text(json.dumps({"values": EDGES}))
    state.write_text(json.dumps({"big": 1e16, "power": 2.0**53, "negative": -1e16, "tiny": 5e-324}))
    runner = CliRunner()
    ran = runner.invoke(app, ["run", "carry", "--params", str(params), "--state", str(state)])
    assert ran.exit_code == 0, ran.output
    verified = runner.invoke(app, ["runs", "verify"])
    assert verified.exit_code == 0 and "the chain is intact" in verified.stdout, verified.output
    [listed] = json.loads(runner.invoke(app, ["runs", "list", "--json"]).stdout)
    replayed = runner.invoke(app, ["runs", "replay", listed["id"][:8]])
    assert replayed.exit_code == 0 and "replayed: same result" in replayed.stdout, replayed.output
    shown = json.loads(runner.invoke(app, ["runs", "show", listed["id"][:8], "--json"]).stdout)
    assert shown["inputs"]["initial_state"] == {"big": 1e16, "power": 2.0**53, "negative": -1e16, "tiny": 5e-324}


@pytest.mark.skipif(sys.platform == "win32", reason="the reference reader is checked on one platform")
def test_the_fast_reader_agrees_with_the_standard_library():
    """orjson reads ordinary bodies; the standard reader the ones with long numbers: both give the same value."""
    body = canonical_json({"a": [1.5, 2, -0.25, 1e-7, 1e300, "x" * 20], "b": {"c": None, "d": True}})
    assert loads_canonical(body) == json.loads(body)
