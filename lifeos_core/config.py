"""Test plans from plain mappings (parsed JSON, YAML or TOML) and from files.

The config format mirrors the Python definitions::

    suite_name: smoke
    scenarios:
      - scenario_name: morning
        initial_state: {tasks: []}
        clock: 2026-11-23T08:00:00Z        # optional
        missions:
          - {name: daily_loop, params: {capacity_minutes: 120}}
          - {name: echo, alias: second_echo, approvals: {}}   # alias/approvals optional
        expectations:                       # optional, inline: scenario implied
          - {mission_name: daily_loop, path: success, op: eq, expected: true}
    expectations:                           # optional, or in a separate file
      - {id: e1, scenario_name: morning, mission_name: echo, path: success, op: eq, expected: true}

Every problem raises :class:`ConfigError` with its location, e.g.
``scenarios[1].missions[0].params: Field 'params' must be a dict or None``.
Fields the format does not know are ignored, and inputs are never changed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError, LifeosError
from .expectations import OPERATORS, MissionExpectation, SuiteExpectationsDefinition
from .files import read_data_file
from .harness import MissionCall, ScenarioDefinition
from .suite import ScenarioSuiteDefinition
from .testrun import TestRunResult, run_test_run

_NOT_GIVEN = object()


def _at(where: str, message: str) -> ConfigError:
    return ConfigError(f"{where}: {message}" if where else message)


def _child(where: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


def _mapping(value: Any, where: str, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _at(where, f"{what} must be a mapping (key: value pairs), got {type(value).__name__}")
    return value


def _field(config: Mapping[str, Any], key: str, where: str, default: Any = _NOT_GIVEN) -> Any:
    if key in config:
        return config[key]
    if default is _NOT_GIVEN:
        raise _at(where, f"Missing required field '{key}'")
    return default


def _text(config: Mapping[str, Any], key: str, where: str, default: Any = _NOT_GIVEN) -> Any:
    value = _field(config, key, where, default)
    if value is default and default is not _NOT_GIVEN:
        return value
    if not isinstance(value, str) or not value:
        raise _at(_child(where, key), f"Field '{key}' must be a non-empty string, got {value!r}")
    return value


def _list(config: Mapping[str, Any], key: str, where: str, default: Any = _NOT_GIVEN) -> Any:
    value = _field(config, key, where, default)
    if value is default and default is not _NOT_GIVEN:
        return value
    if not isinstance(value, (list, tuple)):  # a tuple is how a frozen JSON array looks
        raise _at(_child(where, key), f"Field '{key}' must be a list, got {type(value).__name__}")
    return value


def _optional_mapping(config: Mapping[str, Any], key: str, where: str) -> Any:
    value = config.get(key)
    if value is not None and not isinstance(value, Mapping):
        raise _at(_child(where, key), f"Field '{key}' must be a dict or None, got {type(value).__name__}")
    return value


def _build(where: str, make: Any, *args: Any, **kwargs: Any) -> Any:
    """Construct a definition, turning its own complaints into located ConfigErrors."""
    try:
        return make(*args, **kwargs)
    except LifeosError as exc:  # bad names, values that are not JSON, a bad clock...
        raise _at(where, str(exc)) from None
    except RecursionError:
        raise _at(where, "nested too deeply") from None


# --- suites ---------------------------------------------------------------------------


def _parse_mission(config: Any, where: str) -> MissionCall:
    config = _mapping(config, where, "a mission")
    name = _text(config, "name", where)
    params = _optional_mapping(config, "params", where)
    alias = _text(config, "alias", where, default=None)
    approvals = _optional_mapping(config, "approvals", where)
    if approvals is not None:
        for step, decision in approvals.items():
            if not isinstance(decision, bool):
                raise _at(_child(_child(where, "approvals"), str(step)),
                          f"a decision must be true (approve) or false (reject), got {decision!r}")
    return _build(where, MissionCall, name=name, params=params, alias=alias, approvals=approvals)


def _parse_scenario(config: Any, where: str) -> ScenarioDefinition:
    config = _mapping(config, where, "a scenario")
    name = _text(config, "scenario_name", where)
    initial_state = _field(config, "initial_state", where, default=None)
    if initial_state is not None and not isinstance(initial_state, Mapping):
        raise _at(_child(where, "initial_state"),
                  f"Field 'initial_state' must be a dict or None, got {type(initial_state).__name__}")
    missions_where = _child(where, "missions")
    missions = [_parse_mission(item, _child(missions_where, index))
                for index, item in enumerate(_list(config, "missions", where))]
    clock = _text(config, "clock", where, default=None)
    return _build(where, ScenarioDefinition, scenario_name=name, initial_state=initial_state,
                  missions=missions, clock=clock)


def parse_suite_definition(config: Mapping[str, Any]) -> ScenarioSuiteDefinition:
    """Read a suite from a mapping with ``suite_name`` and ``scenarios``."""
    config = _mapping(config, "", "the suite config")
    suite_name = _text(config, "suite_name", "")
    scenarios = [_parse_scenario(item, _child("scenarios", index))
                 for index, item in enumerate(_list(config, "scenarios", ""))]
    return _build("", ScenarioSuiteDefinition, suite_name=suite_name, scenarios=scenarios)


# --- expectations ------------------------------------------------------------------------


def _parse_expectation(config: Any, where: str, scenario_name: str | None = None, index: int = 0) -> MissionExpectation:
    config = _mapping(config, where, "an expectation")
    if scenario_name is None:
        expectation_id = _text(config, "id", where)
        scenario = _text(config, "scenario_name", where)
    else:  # inline under a scenario: the scenario is implied and the id may be too
        expectation_id = _text(config, "id", where, default=f"{scenario_name}-{index + 1}")
        scenario = _text(config, "scenario_name", where, default=scenario_name)
        if scenario != scenario_name:
            raise _at(_child(where, "scenario_name"),
                      f"an inline expectation belongs to its scenario {scenario_name!r}, not {scenario!r}")
    mission = _text(config, "mission_name", where)
    path = _field(config, "path", where)
    if not isinstance(path, str):
        raise _at(_child(where, "path"), f"Field 'path' must be a string, got {type(path).__name__}")
    op = _field(config, "op", where)
    if not isinstance(op, str) or op not in OPERATORS:
        raise _at(_child(where, "op"), f"Invalid value for 'op': {op!r}; use one of {', '.join(OPERATORS)}")
    return _build(where, MissionExpectation, id=expectation_id, scenario_name=scenario, mission_name=mission,
                  path=path, op=op, expected=config.get("expected"))


def _listed_expectations(config: Any) -> Iterator[tuple[str, MissionExpectation]]:
    """The expectations of an expectations config (``{"expectations": [...]}``), located."""
    config = _mapping(config, "", "the expectations config")
    for index, item in enumerate(_list(config, "expectations", "")):
        where = _child("expectations", index)
        yield where, _parse_expectation(item, where)


def _combine(located: list[tuple[str, MissionExpectation]]) -> SuiteExpectationsDefinition:
    seen: dict[str, str] = {}
    for where, expectation in located:
        if expectation.id in seen:
            raise _at(where, f"Duplicate expectation IDs are not allowed: {expectation.id!r} is also used "
                             f"at {seen[expectation.id]}; give each expectation its own id")
        seen[expectation.id] = where
    return SuiteExpectationsDefinition(tuple(expectation for _, expectation in located))


def parse_expectations_definition(config: Mapping[str, Any]) -> SuiteExpectationsDefinition:
    """Read expectations from a mapping with an ``expectations`` list."""
    return _combine(list(_listed_expectations(config)))


# --- whole plans ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TestPlan:
    """A suite and the expectations that judge it, read from config or files."""

    __test__ = False

    suite: ScenarioSuiteDefinition
    expectations: SuiteExpectationsDefinition
    source: str | None = None

    def run(self, *, verify: bool = False) -> TestRunResult:
        return run_test_run(self.suite, self.expectations, verify=verify)


def _plan_expectations(config: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, MissionExpectation]]:
    """Inline expectations (under each scenario) and top-level ones, in file order."""
    for index, scenario in enumerate(config["scenarios"]):
        where = _child(_child(prefix, "scenarios"), index)
        inline = _list(scenario, "expectations", where, default=None)
        for position, item in enumerate(inline or []):
            item_where = _child(_child(where, "expectations"), position)
            yield item_where, _parse_expectation(item, item_where, scenario["scenario_name"], position)
    for index, item in enumerate(_list(config, "expectations", prefix, default=None) or []):
        where = _child(_child(prefix, "expectations"), index)
        yield where, _parse_expectation(item, where)


def parse_test_plan(
    config: Mapping[str, Any],
    expectations_config: Mapping[str, Any] | None = None,
    *,
    source: str | None = None,
    expectations_source: str | None = None,
) -> TestPlan:
    """Read a whole plan: the suite, its inline and top-level expectations, and
    optionally a separate expectations config. ``source`` and
    ``expectations_source`` (file names) prefix error messages."""
    try:
        suite = parse_suite_definition(config)
        located = [(_label(source, where), item) for where, item in _plan_expectations(config, "")]
    except ConfigError as exc:
        raise _with_source(exc, source) from None
    if expectations_config is not None:
        try:
            located += [(_label(expectations_source, where), item)
                        for where, item in _listed_expectations(expectations_config)]
        except ConfigError as exc:
            raise _with_source(exc, expectations_source) from None
    return TestPlan(suite=suite, expectations=_combine(located), source=source)


def _label(source: str | None, where: str) -> str:
    return f"{source}: {where}" if source else where


def _with_source(error: ConfigError, source: str | None) -> ConfigError:
    return ConfigError(f"{source}: {error}") if source else error


def load_test_plan(path: str | Path, expectations_path: str | Path | None = None) -> TestPlan:
    """Read a plan file (JSON, YAML or TOML, by extension), and optionally a
    separate expectations file, into a :class:`TestPlan`."""
    config = read_data_file(path, "test plan")
    expectations = read_data_file(expectations_path, "expectations file") if expectations_path is not None else None
    return parse_test_plan(
        config,
        expectations,
        source=str(path),
        expectations_source=str(expectations_path) if expectations_path is not None else None,
    )


def run_test_run_from_config(
    suite_config: Mapping[str, Any],
    expectations_config: Mapping[str, Any],
) -> TestRunResult:
    """Parse a suite and an expectations config and run them."""
    suite = parse_suite_definition(suite_config)
    expectations = parse_expectations_definition(expectations_config)
    return run_test_run(suite, expectations)
