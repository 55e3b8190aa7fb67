"""Expectations: declarative checks on the results of a suite.

A :class:`MissionExpectation` points at one mission result (by scenario name
and mission key) and a dotted path inside that result's ``to_dict()``
(numeric segments index lists: ``executed_steps.0.kind``), and compares the
value found there with an operator. Evaluation never raises for what it finds:
a missing scenario, mission or path, or values an operator cannot compare,
make a failed expectation whose ``details`` say why (``reason``) and explain it
to a person (``message``).
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..errors import DefinitionError, LifeosError, did_you_mean
from ..values.canonical import canonical_json, stable_hash
from ..values.jsonvalue import freeze, freeze_mapping, readonly, thaw
from ..values.frozen import Frozen, require_text
from .scenarios import ScenarioResult
from .suites import ScenarioSuiteResult

OPERATORS: dict[str, str] = {
    "eq": "==",
    "ne": "!=",
    "gt": ">",
    "lt": "<",
    "ge": ">=",
    "le": "<=",
    "exists": "exists",
    "contains": "contains",
    "len_eq": "has length",
    "matches": "matches",
}
"""Every operator, with the word used for it in messages."""


class MissionExpectation(Frozen):
    """Expect ``path`` in the result of ``mission_name`` in ``scenario_name`` to satisfy ``op``.

    ``expected`` is ignored by ``exists``; ``matches`` takes a regular
    expression in RE2 syntax (searched, so anchor it with ``^...$`` for a full
    match; see :func:`compile_pattern`); ``len_eq`` takes a whole number.
    """

    __slots__ = _fields = ("id", "scenario_name", "mission_name", "path", "op", "expected")

    def __init__(self, id: str, scenario_name: str, mission_name: str, path: str, op: str,
                 expected: Any = None) -> None:
        for name, value in (("id", id), ("scenario_name", scenario_name), ("mission_name", mission_name)):
            require_text(value, f"Field {name!r}", DefinitionError, name)
        if not isinstance(path, str):
            raise DefinitionError(f"expectation {id!r}: Field 'path' must be a string, got {type(path).__name__}",
                                  "path")
        if not isinstance(op, str) or op not in OPERATORS:
            raise DefinitionError(f"Invalid value for 'op': {op!r} in expectation {id!r}{did_you_mean(op, OPERATORS)}; "
                                  f"use one of {', '.join(OPERATORS)}", "op")
        try:
            expected = freeze(expected, f"expected value of expectation {id!r}")
        except LifeosError as exc:
            raise DefinitionError(str(exc), "expected") from None
        if op == "matches":
            if not isinstance(expected, str):
                raise DefinitionError(f"expectation {id!r}: 'matches' needs a regular expression string", "expected")
            try:
                compile_pattern(expected)
            except DefinitionError as exc:
                raise DefinitionError(f"expectation {id!r}: {exc}", "expected") from None
        if op == "len_eq" and isinstance(expected, float) and expected.is_integer():
            expected = int(expected)  # 3.0 is 3 in JSON, as the schema says
        if op == "len_eq" and (isinstance(expected, bool) or not isinstance(expected, int) or expected < 0):
            raise DefinitionError(f"expectation {id!r}: 'len_eq' needs a whole number, got {expected!r}", "expected")
        self._set(id=id, scenario_name=scenario_name, mission_name=mission_name, path=path, op=op, expected=expected)


class ExpectationResult(Frozen):
    """The verdict on one expectation.

    ``actual``, ``expected`` and ``details`` are plain JSON values, handed out
    as fresh copies: ``details`` has ``reason`` and ``message`` when the
    expectation failed (and ``mission_error`` when the mission itself failed).
    """

    __test__ = False
    __slots__ = ("id", "passed", "_actual", "_expected", "_details")
    _fields = ("id", "passed", "_actual", "_expected", "_details")

    def __init__(self, id: str, passed: bool, actual: Any, expected: Any, details: Mapping[str, Any]) -> None:
        self._set(
            id=id,
            passed=bool(passed),
            _actual=freeze(actual, "actual value"),
            _expected=freeze(expected, "expected value"),
            _details=freeze_mapping(details, "details"),
        )

    @property
    def actual(self) -> Any:
        return thaw(self._actual)

    @property
    def expected(self) -> Any:
        return thaw(self._expected)

    @property
    def details(self) -> dict[str, Any]:
        return thaw(self._details)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "passed": self.passed,
            "actual": self.actual,
            "expected": self.expected,
            "details": self.details,
        }

    def __repr__(self) -> str:
        return f"<ExpectationResult {self.id!r} {'passed' if self.passed else 'failed'}>"


class SuiteExpectationsDefinition(Frozen):
    """An ordered collection of expectations with unique ids."""

    __slots__ = _fields = ("expectations",)

    def __init__(self, expectations: Sequence[MissionExpectation] = ()) -> None:
        if isinstance(expectations, (str, bytes, Mapping)) or not isinstance(expectations, Sequence):
            raise DefinitionError("expectations must be a list of MissionExpectation")
        expectations = tuple(expectations)
        seen: set[str] = set()
        for expectation in expectations:
            if not isinstance(expectation, MissionExpectation):
                raise DefinitionError(f"expectations must be MissionExpectation objects, got {type(expectation).__name__}")
            if expectation.id in seen:
                raise DefinitionError(
                    f"Duplicate expectation IDs are not allowed: {expectation.id!r} is used twice; "
                    "give each expectation its own id"
                )
            seen.add(expectation.id)
        self._set(expectations=expectations)


class SuiteExpectationsResult(Frozen):
    """The verdict on all expectations: passed only if every one passed."""

    __test__ = False
    __slots__ = ("passed", "expectation_results", "metadata")
    _fields = __slots__

    def __init__(
        self,
        passed: bool,
        expectation_results: Mapping[str, ExpectationResult],
        metadata: Mapping[str, Any],
    ) -> None:
        self._set(
            passed=bool(passed),
            expectation_results=readonly(expectation_results),
            metadata=freeze_mapping(metadata, "expectations metadata"),
        )

    @property
    def failed_ids(self) -> list[str]:
        return [key for key, result in self.expectation_results.items() if not result.passed]

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "expectation_results": {key: result.to_dict() for key, result in self.expectation_results.items()},
            "metadata": dict(self.metadata),
        }

    def __repr__(self) -> str:
        failed = self.failed_ids
        return f"<SuiteExpectationsResult {'passed' if self.passed else 'failed: ' + ', '.join(failed)}>"


# --- finding values -----------------------------------------------------------------

_MISSING = object()


def resolve_path(root: Any, path: str) -> Any:
    """The value at dotted ``path`` inside ``root``, or ``_MISSING``.

    An empty path is the root itself; a segment of ASCII digits indexes a
    list (``steps.0``); any other segment is an object key (``²`` is a key,
    not a number).
    """
    if path == "":
        return root
    current = root
    for segment in path.split("."):
        if isinstance(current, Mapping):
            if segment not in current:
                return _MISSING
            current = current[segment]
        elif isinstance(current, (list, tuple)):
            if not (segment.isascii() and segment.isdigit()) or int(segment) >= len(current):
                return _MISSING
            current = current[int(segment)]
        else:
            return _MISSING
    return current


# --- operators ---------------------------------------------------------------------------


class _Incomparable(Exception):
    """The operator does not apply to these types: a ``type_error`` verdict."""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _same_json(left: Any, right: Any) -> bool:
    """JSON equality: ``1 == 1.0``, but ``true != 1`` and key order never matters."""
    return canonical_json(left) == canonical_json(right)


def _ordered(actual: Any, expected: Any) -> tuple[Any, Any]:
    if (_is_number(actual) and _is_number(expected)) or (isinstance(actual, str) and isinstance(expected, str)):
        return actual, expected
    raise _Incomparable


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(actual, str) and isinstance(expected, str):
        return expected in actual
    if isinstance(actual, (list, tuple)):
        return any(_same_json(item, expected) for item in actual)
    if isinstance(actual, Mapping) and isinstance(expected, str):
        return expected in actual
    raise _Incomparable


def _length_is(actual: Any, expected: Any) -> bool:
    if isinstance(actual, (str, list, tuple, Mapping)):
        return len(actual) == expected
    raise _Incomparable


def _matches(actual: Any, expected: Any) -> bool:
    if isinstance(actual, str):
        return search(expected, actual)
    raise _Incomparable


def _comparison(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def check(actual: Any, expected: Any) -> bool:
        return compare(*_ordered(actual, expected))

    return check


_CHECKS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": _same_json,
    "ne": lambda actual, expected: not _same_json(actual, expected),
    "gt": _comparison(operator.gt),
    "lt": _comparison(operator.lt),
    "ge": _comparison(operator.ge),
    "le": _comparison(operator.le),
    "exists": lambda actual, expected: True,
    "contains": _contains,
    "len_eq": _length_is,
    "matches": _matches,
}


def show_value(value: Any) -> str:
    """A JSON value as failure messages show it: compact JSON, cut at 120 characters."""
    text = json.dumps(thaw(value), ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 120 else text[:117] + "..."


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if _is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    return "array"


# --- evaluation -------------------------------------------------------------------------

Finder = Callable[[str, str], "Mapping[str, Any] | str"]
"""Given a scenario name and a mission key, the mission result as a dict, or
the failure reason (``scenario_missing`` / ``mission_missing``) with a message."""


def judge(expectation: MissionExpectation, found: Mapping[str, Any] | tuple[str, str]) -> ExpectationResult:
    """Judge one expectation against the mission result ``found`` (its ``to_dict()``),
    or against a ``(reason, message)`` pair when there is no such result."""
    expected = expectation.expected
    if isinstance(found, tuple):
        reason, message = found
        key = "scenario" if reason == "scenario_missing" else "mission"
        value = expectation.scenario_name if reason == "scenario_missing" else expectation.mission_name
        return ExpectationResult(expectation.id, False, None, expected, {"reason": reason, key: value, "message": message})
    context: dict[str, Any] = {"path": expectation.path}
    if found.get("success") is False and found.get("error_message"):
        context["mission_error"] = found["error_message"]
    actual = resolve_path(found, expectation.path)
    if actual is _MISSING:
        message = f"{expectation.mission_name}: path {expectation.path!r} does not exist in the mission result"
        return ExpectationResult(expectation.id, False, None, expected, {"reason": "path_missing", **context, "message": message})
    symbol = OPERATORS[expectation.op]
    try:
        passed = _CHECKS[expectation.op](actual, expected)
    except _Incomparable:
        message = (f"{expectation.path} {symbol} {show_value(expected)}: cannot compare a {_type_name(actual)} "
                   f"with a {_type_name(expected)}")
        return ExpectationResult(expectation.id, False, actual, expected, {"reason": "type_error", **context, "message": message})
    if passed:
        return ExpectationResult(expectation.id, True, actual, expected, {})
    found = f"length {len(actual)}" if expectation.op == "len_eq" else show_value(actual)
    message = f"expected {expectation.path} {symbol} {show_value(expected)}, got {found}"
    return ExpectationResult(
        expectation.id, False, actual, expected, {"reason": f"{expectation.op}_mismatch", **context, "message": message}
    )


def judge_all(definition: SuiteExpectationsDefinition, find: Finder) -> SuiteExpectationsResult:
    """Judge every expectation, looking mission results up with ``find``."""
    results = {expectation.id: judge(expectation, find(expectation.scenario_name, expectation.mission_name))
               for expectation in definition.expectations}
    return SuiteExpectationsResult(
        passed=all(result.passed for result in results.values()),
        expectation_results=results,
        metadata={"expectations_hash": expectations_hash(results)},
    )


def expectations_hash(results: Mapping[str, ExpectationResult]) -> str:
    """The hash of a set of verdicts."""
    return stable_hash({key: result.to_dict() for key, result in results.items()})


def _no_scenario(name: str, known: Any) -> tuple[str, str]:
    return ("scenario_missing", f"no scenario named {name!r} in the suite{did_you_mean(name, known)} "
                                f"(scenarios: {', '.join(known) or 'none'})")


def _no_mission(scenario: str, name: str, known: Any) -> tuple[str, str]:
    return (
        "mission_missing",
        f"scenario {scenario!r} has no result for mission {name!r}{did_you_mean(name, known)} "
        f"(it has: {', '.join(known) or 'none'})",
    )


def finder_for_results(scenario_results: Mapping[str, ScenarioResult],
                       scenario_names: Iterable[str] | None = None) -> Finder:
    """A finder over scenario results (each mission result read through its
    :meth:`~OrchestrationResult.view`, one view per result however many
    expectations read it). ``scenario_names`` are the scenarios the suite has,
    named when one is missing (default: those with results)."""
    names = tuple(scenario_results if scenario_names is None else scenario_names)
    views: dict[tuple[str, str], Mapping[str, Any]] = {}

    def find(scenario_name: str, mission_name: str) -> Any:
        scenario = scenario_results.get(scenario_name)
        if scenario is None:
            return _no_scenario(scenario_name, names)
        result = scenario.mission_results.get(mission_name)
        if result is None:
            return _no_mission(scenario_name, mission_name, scenario.mission_results)
        key = (scenario_name, mission_name)
        if key not in views:
            views[key] = result.view()
        return views[key]

    return find


def evaluate_expectations(
    suite_result: ScenarioSuiteResult,
    definition: SuiteExpectationsDefinition,
) -> SuiteExpectationsResult:
    """Judge ``definition`` against ``suite_result``; never raises for what it finds."""
    if not isinstance(suite_result, ScenarioSuiteResult):
        raise DefinitionError(f"evaluate_expectations needs a ScenarioSuiteResult, got {type(suite_result).__name__}")
    if not isinstance(definition, SuiteExpectationsDefinition):
        raise DefinitionError(
            f"evaluate_expectations needs a SuiteExpectationsDefinition, got {type(definition).__name__}"
        )
    return judge_all(definition, finder_for_results(suite_result.scenario_results))


# --- patterns of ``matches``: linear time -------------------------------------------------------
# Regular expressions of the ``matches`` operator, run in linear time.
#
# A plan is input: a pattern such as ``^(a+)+$`` makes a backtracking engine
# (Python's ``re``) take exponential time on a short string, so one line of a
# plan could hang ``lifeos test``. Patterns therefore run on RE2 (the
# ``google-re2`` package), whose time grows linearly with the text, so a
# verdict never depends on how fast the machine is. RE2's syntax is Python's
# minus backreferences and lookaround, and its ``\w``, ``\d`` and ``\s`` are
# ASCII (``\pL`` is any letter). google-re2 is a dependency of lifeos-core
# and ships wheels for the platforms lifeos supports; should it fail to import,
# Python's ``re`` runs patterns with ``re.ASCII`` instead, which accepts more
# syntax (backreferences, lookaround, ``\Z``) and loses the linear-time
# guarantee.


@functools.lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> Any:
    """``pattern`` compiled; :class:`DefinitionError` naming the problem when
    it is not a pattern lifeos can run."""
    try:
        import re2
    except ImportError:  # pragma: no cover - google-re2 ships wheels for the platforms lifeos supports
        return _compile_with_re(pattern)
    options = re2.Options()
    options.log_errors = False  # the message is ours to give, not a line on stderr
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise DefinitionError(f"invalid regular expression {pattern!r}: {reason} (patterns use RE2 syntax: "
                              "no backreferences or lookaround)") from None


def _compile_with_re(pattern: str) -> Any:
    import re

    try:
        return re.compile(pattern, re.ASCII)
    except re.error as exc:
        raise DefinitionError(f"invalid regular expression {pattern!r}: {exc}") from None


def search(pattern: str, text: str) -> bool:
    """Whether ``pattern`` matches anywhere in ``text``."""
    return compile_pattern(pattern).search(text) is not None
