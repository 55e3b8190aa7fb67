"""Test plans from plain mappings (parsed JSON, YAML or TOML) and from files.

The config format mirrors the Python definitions::

    suite_name: smoke
    scenarios:
      - scenario_name: morning
        initial_state: {tasks: []}
        clock: 2026-11-23T08:00:00Z        # optional
        effects:                            # optional: what the missions' effects get, with no I/O
          - {read: tasks.md, text: "- [ ] Pay rent"}
        grants: [run:pytest]                # optional, here or at the top: real effects allowed
        missions:
          - {name: daily_loop, params: {capacity_minutes: 120}}
          - {name: echo, alias: second_echo, approvals: {}}   # alias/approvals optional
          - {name: daily_loop, alias: unconfirmed, expect_pause: confirm-plan}
        expectations:                       # optional, inline: scenario implied
          - {mission_name: daily_loop, path: success, op: eq, expected: true}
    expectations:                           # optional, or in a separate file
      - {id: e1, scenario_name: morning, mission_name: echo, path: success, op: eq, expected: true}

A plan is read in one pass that collects every problem, each located, e.g.
``scenarios[1].missions[0].params: Field 'params' must be a dict or None``;
:class:`ConfigError` carries them all (``problems``). In a plan
(:func:`parse_test_plan`, :func:`load_test_plan`) a field the format does not
know is an error with a suggestion, so a misspelt ``expectatons:`` cannot
pass unnoticed. The seed's entry points :func:`parse_suite_definition` and
:func:`parse_expectations_definition` ignore unknown fields, as their contract
asks. Inputs are never changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DefinitionError, LifeosError, did_you_mean
from .expectations import MissionExpectation, SuiteExpectationsDefinition
from .scenarios import MissionCall, ScenarioDefinition
from .suites import ScenarioSuiteDefinition
from ..values.frozen import Frozen
from ..values.jsonvalue import FrozenMap
from .testrun import TestRunResult, run_test_run

PLAN_FIELDS = ("suite_name", "scenarios", "expectations", "grants")
SCENARIO_FIELDS = ("scenario_name", "initial_state", "clock", "missions", "expectations", "effects", "grants")
CALL_FIELDS = ("name", "params", "alias", "approvals", "expect_pause")
EXPECTATION_FIELDS = ("id", "scenario_name", "mission_name", "path", "op", "expected")
EXPECTATIONS_FILE_FIELDS = ("expectations",)
EDITOR_FIELDS = ("$schema",)
"""Fields editors add to point at a schema; allowed everywhere a plan has an object at the top."""

_NOT_GIVEN = object()
_BAD = object()  # a value that was reported as a problem


def plan_data_without_grants(plan_data: Any) -> Any:
    """A plan's data (as read from its file) without its grants, top level and
    per scenario: what is recorded and replayed when the grants did not count."""
    if not isinstance(plan_data, Mapping):
        return plan_data
    stripped = {key: value for key, value in plan_data.items() if key != "grants"}
    if isinstance(stripped.get("scenarios"), (list, tuple)):
        stripped["scenarios"] = [{key: value for key, value in scenario.items() if key != "grants"}
                                 if isinstance(scenario, Mapping) else scenario for scenario in stripped["scenarios"]]
    return stripped


def child(where: str, key: str | int) -> str:
    """The location of ``key`` inside ``where``: ``scenarios[1].missions``."""
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


class PlanParts(Frozen):
    """The parts of a plan that were read without a problem, each with its place:
    what :func:`~lifeos_core.harness.checks.check_plan` judges against the installed
    missions, even when other parts of the plan are broken.

    ``scenarios``: ``(where, ScenarioDefinition)``; ``calls``: ``(where,
    MissionCall, its scenario's initial state)``; ``expectations``: ``(where,
    MissionExpectation)``; ``scenario_keys``: scenario name to the keys of its
    calls (``None``: a call could not be read).
    """

    __slots__ = _fields = ("scenarios", "calls", "expectations", "scenario_keys")

    def __init__(self, scenarios: Sequence[tuple[str, Any]] = (), calls: Sequence[tuple[str, Any, Any]] = (),
                 expectations: Sequence[tuple[str, Any]] = (),
                 scenario_keys: Mapping[str, Sequence[str] | None] | None = None) -> None:
        self._set(scenarios=tuple(scenarios), calls=tuple(calls), expectations=tuple(expectations),
                  scenario_keys=FrozenMap._trusted({name: None if keys is None else tuple(keys)
                                                    for name, keys in (scenario_keys or {}).items()}))


class _PartsBeingRead:
    """The :class:`PlanParts` a reader collects, until it is done."""

    def __init__(self) -> None:
        self.scenarios: list[tuple[str, Any]] = []
        self.calls: list[tuple[str, Any, Any]] = []
        self.expectations: list[tuple[str, Any]] = []
        self.scenario_keys: dict[str, list[str] | None] = {}

    def done(self) -> PlanParts:
        return PlanParts(self.scenarios, self.calls, self.expectations, self.scenario_keys)


class _Reader:
    """One pass over a plan: builds definitions and collects every problem."""

    def __init__(self, strict: bool, source: str | None = None) -> None:
        self.strict = strict
        self.source = source
        self.problems: list[str] = []
        self.parts = _PartsBeingRead()
        self.plan_grants: list[str] = []  # the plan's top-level grants, which every scenario has

    def label(self, where: str) -> str:
        return f"{self.source}: {where}" if self.source and where else (self.source or where)

    def fail(self, where: str, message: str) -> Any:
        located = f"{where}: {message}" if where else message
        self.problems.append(f"{self.source}: {located}" if self.source else located)
        return _BAD

    def mapping(self, value: Any, where: str, what: str, fields: Sequence[str]) -> Mapping[str, Any] | None:
        if not isinstance(value, Mapping):
            self.fail(where, f"{what} must be a mapping (key: value pairs), got {type(value).__name__}")
            return None
        if self.strict:
            for key in value:
                if key not in fields and key not in EDITOR_FIELDS:
                    self.fail(child(where, str(key)), f"unknown field {key!r} in {what}{did_you_mean(key, fields)}; "
                                                      f"the fields are: {', '.join(fields)}")
        return value

    def field(self, config: Mapping[str, Any], key: str, where: str, default: Any = _NOT_GIVEN) -> Any:
        if key in config:
            return config[key]
        if default is _NOT_GIVEN:
            return self.fail(where, f"Missing required field '{key}'")
        return default

    def items(self, config: Mapping[str, Any], key: str, where: str, default: Any = _NOT_GIVEN) -> Any:
        """A list the reader walks (a structural rule: the constructors see its parts)."""
        value = self.field(config, key, where, default)
        if value is _BAD or (value is default and default is not _NOT_GIVEN):
            return value
        if not isinstance(value, (list, tuple)):  # a tuple is how a frozen JSON array looks
            return self.fail(child(where, key), f"Field '{key}' must be a list, got {type(value).__name__}")
        return value

    def build(self, where: str, make: Callable[..., Any], **kwargs: Any) -> Any:
        """Construct a definition: its constructor holds the rules of its values,
        and its complaints become problems located at the field they name."""
        if any(value is _BAD for value in kwargs.values()):
            return _BAD
        try:
            return make(**kwargs)
        except DefinitionError as exc:
            return self.fail(child(where, exc.field) if exc.field else where, str(exc))
        except LifeosError as exc:  # values that are not JSON...
            return self.fail(where, str(exc))
        except RecursionError:
            return self.fail(where, "nested too deeply")

    def raise_problems(self) -> None:
        if self.problems:
            raise ConfigError(self.problems[0], self.problems)

    # --- suites ---------------------------------------------------------------------------

    def mission(self, config: Any, where: str) -> Any:
        config = self.mapping(config, where, "a mission", CALL_FIELDS)
        if config is None:
            return _BAD
        return self.build(where, MissionCall, name=self.field(config, "name", where), params=config.get("params"),
                          alias=config.get("alias"), approvals=config.get("approvals"),
                          expect_pause=config.get("expect_pause"))

    def scenario(self, config: Any, where: str, position: int) -> Any:
        config = self.mapping(config, where, "a scenario", SCENARIO_FIELDS)
        if config is None:
            return _BAD
        name = self.field(config, "scenario_name", where)
        initial_state = config.get("initial_state")
        missions = self.items(config, "missions", where)
        calls = []
        if missions is not _BAD:
            for index, item in enumerate(missions):
                call_where = child(child(where, "missions"), index)
                call = self.mission(item, call_where)
                calls.append(call)
                if call is not _BAD:
                    state = initial_state if isinstance(initial_state, Mapping) else {}
                    self.parts.calls.append((self.label(call_where), call, state))
        if isinstance(name, str) and name:
            readable = missions is not _BAD and all(call is not _BAD for call in calls)
            self.parts.scenario_keys[name] = [call.key for call in calls] if readable else None
        scenario = self.build(where, ScenarioDefinition, scenario_name=name, initial_state=initial_state,
                              missions=[call for call in calls if call is not _BAD], clock=config.get("clock"),
                              effects=config.get("effects") or (),
                              grants=[*self.plan_grants, *self.grant_list(config.get("grants"),
                                                                          child(where, "grants"))])
        if missions is _BAD or any(call is _BAD for call in calls):
            return _BAD
        if scenario is not _BAD:
            self.parts.scenarios.append((self.label(where), scenario))
        return scenario

    def beside_the_plan(self, grant: str) -> str:
        """A grant of a relative path in a plan file, taken from the plan's folder
        (not from wherever lifeos test or pytest runs)."""
        import os

        scope, colon, value = grant.partition(":")
        relative = value and not os.path.isabs(value) and not value.startswith("~")
        if colon and scope in ("read", "write") and relative and self.source and os.path.isfile(self.source):
            return f"{scope}:{os.path.join(os.path.dirname(os.path.abspath(self.source)), value)}"
        return grant

    def grant_list(self, grants: Any, where: str) -> list[str]:
        """A ``grants`` field: a list of SCOPE:VALUE strings (else a problem, and none)."""
        if grants is None:
            return []
        if isinstance(grants, (list, tuple)) and all(isinstance(grant, str) for grant in grants):
            return [self.beside_the_plan(grant) for grant in grants]
        self.fail(where, "grants must be a list of SCOPE:VALUE strings (e.g. read:notes, run:pytest)")
        return []

    def suite(self, config: Any) -> Any:
        config = self.mapping(config, "", "the suite config", PLAN_FIELDS)
        if config is None:
            return _BAD
        suite_name = self.field(config, "suite_name", "")
        self.plan_grants = self.grant_list(config.get("grants"), "grants")
        listed = self.items(config, "scenarios", "")
        if listed is _BAD:
            return _BAD
        scenarios = [self.scenario(item, child("scenarios", index), index) for index, item in enumerate(listed)]
        if any(scenario is _BAD for scenario in scenarios):
            return _BAD
        return self.build("", ScenarioSuiteDefinition, suite_name=suite_name, scenarios=scenarios)

    # --- expectations ---------------------------------------------------------------------

    def expectation(self, config: Any, where: str, scenario_name: str | None = None, index: int = 0) -> Any:
        config = self.mapping(config, where, "an expectation", EXPECTATION_FIELDS)
        if config is None:
            return _BAD
        if scenario_name is None:
            expectation_id = self.field(config, "id", where)
            scenario = self.field(config, "scenario_name", where)
        else:  # inline under a scenario: the scenario is implied and the id may be too
            expectation_id = config.get("id", f"{scenario_name}-{index + 1}")
            scenario = config.get("scenario_name", scenario_name)
            if scenario != scenario_name:
                scenario = self.fail(child(where, "scenario_name"), "an inline expectation belongs to its scenario "
                                                                    f"{scenario_name!r}, not {scenario!r}")
        built = self.build(where, MissionExpectation, id=expectation_id, scenario_name=scenario,
                           mission_name=self.field(config, "mission_name", where), path=self.field(config, "path", where),
                           op=self.field(config, "op", where), expected=config.get("expected"))
        if built is not _BAD:
            self.parts.expectations.append((self.label(where), built))
        return built

    def pause_expectations(self, scenario: Any, where: str) -> list[tuple[str, Any]]:
        """The expectation each ``expect_pause`` of a scenario's missions implies:
        the run's receipt says it paused at that step (id ``KEY-pauses-at-STEP``)."""
        name = scenario.get("scenario_name") if isinstance(scenario, Mapping) else None
        missions = scenario.get("missions") if isinstance(scenario, Mapping) else None
        if not isinstance(name, str) or not name or not isinstance(missions, (list, tuple)):
            return []
        located = []
        for index, call in enumerate(missions):
            if not isinstance(call, Mapping) or not isinstance(call.get("expect_pause"), str):
                continue
            key = call.get("alias") or call.get("name")
            if not isinstance(key, str) or not key or not call["expect_pause"]:
                continue
            call_where = child(child(child(where, "missions"), index), "expect_pause")
            built = self.build(call_where, MissionExpectation, id=f"{key}-pauses-at-{call['expect_pause']}",
                               scenario_name=name, mission_name=key, path="receipt.paused_at", op="eq",
                               expected=call["expect_pause"])
            if built is not _BAD:
                self.parts.expectations.append((self.label(call_where), built))
                located.append((call_where, built))
        return located

    def listed_expectations(self, config: Any, where: str = "") -> list[tuple[str, Any]]:
        """The expectations of an expectations config (``{"expectations": [...]}``), located."""
        config = self.mapping(config, where, "the expectations config", EXPECTATIONS_FILE_FIELDS)
        if config is None:
            return []
        listed = self.items(config, "expectations", where)
        if listed is _BAD:
            return []
        return [(child("expectations", index), self.expectation(item, child("expectations", index)))
                for index, item in enumerate(listed)]

    def plan_expectations(self, config: Any) -> list[tuple[str, Any]]:
        """Inline expectations (under each scenario) and top-level ones, in file order."""
        if not isinstance(config, Mapping):
            return []
        located = []
        scenarios = config.get("scenarios")
        for index, scenario in enumerate(scenarios if isinstance(scenarios, (list, tuple)) else ()):
            if not isinstance(scenario, Mapping):
                continue
            where = child("scenarios", index)
            name = scenario.get("scenario_name")
            inline = self.items(scenario, "expectations", where, default=None)
            if inline is _BAD or inline is None or not isinstance(name, str) or not name:
                continue
            for position, item in enumerate(inline):
                item_where = child(child(where, "expectations"), position)
                located.append((item_where, self.expectation(item, item_where, name, position)))
        for index, scenario in enumerate(scenarios if isinstance(scenarios, (list, tuple)) else ()):
            located.extend(self.pause_expectations(scenario, child("scenarios", index)))
        top = self.items(config, "expectations", "", default=None)
        for index, item in enumerate(top if top is not _BAD and top is not None else ()):
            where = child("expectations", index)
            located.append((where, self.expectation(item, where)))
        return located

    def combine(self, located: list[tuple[str, Any]]) -> Any:
        seen: dict[str, str] = {}
        for where, expectation in located:
            if expectation is _BAD:
                continue
            if expectation.id in seen:
                self.fail(where, f"Duplicate expectation IDs are not allowed: {expectation.id!r} is also used "
                                 f"at {seen[expectation.id]}; give each expectation its own id")
            else:
                seen[expectation.id] = where
        if any(expectation is _BAD for _, expectation in located) or self.problems:
            return _BAD
        return SuiteExpectationsDefinition(tuple(expectation for _, expectation in located))


# --- the seed's entry points: unknown fields are ignored -----------------------------------------


def parse_suite_definition(config: Mapping[str, Any]) -> ScenarioSuiteDefinition:
    """Read a suite from a mapping with ``suite_name`` and ``scenarios``.

    Fields the format does not know are ignored (the seed contract asks for
    it); plan files are read strictly by :func:`parse_test_plan`.
    """
    reader = _Reader(strict=False)
    suite = reader.suite(config)
    reader.raise_problems()
    return suite


def parse_expectations_definition(config: Mapping[str, Any]) -> SuiteExpectationsDefinition:
    """Read expectations from a mapping with an ``expectations`` list (unknown fields ignored)."""
    reader = _Reader(strict=False)
    expectations = reader.combine(reader.listed_expectations(config))
    reader.raise_problems()
    return expectations


# --- whole plans ------------------------------------------------------------------------------


class TestPlan(Frozen):
    """A suite and the expectations that judge it, read from config or files.

    ``parts`` are its scenarios, calls and expectations with the place of each
    in the file, for the messages of later checks (they take no part in equality).
    """

    __test__ = False
    __slots__ = ("suite", "expectations", "source", "parts")
    _fields = ("suite", "expectations", "source")

    def __init__(self, suite: ScenarioSuiteDefinition, expectations: SuiteExpectationsDefinition,
                 source: str | None = None, parts: PlanParts | None = None) -> None:
        self._set(suite=suite, expectations=expectations, source=source,
                  parts=parts if parts is not None else _parts_of(suite, expectations))

    def __reduce__(self) -> tuple[Any, ...]:
        return (TestPlan, (self.suite, self.expectations, self.source, self.parts))

    def problems(self) -> list[str]:
        """What the installed missions find wrong with the plan (the rules of
        ``lifeos validate``), one line each; empty when it can run."""
        from .checks import check_plan

        return check_plan(self).errors

    @property
    def grants(self) -> list[str]:
        """Every grant the plan's scenarios carry."""
        return sorted({grant for scenario in self.suite.scenarios for grant in scenario.grants})

    def without_grants(self) -> "TestPlan":
        """The same plan with no grants: what a plan file the user has not
        trusted may do (its effects need fixtures)."""
        scenarios = [scenario.replace(grants=()) for scenario in self.suite.scenarios]
        plan = TestPlan(ScenarioSuiteDefinition(self.suite.suite_name, scenarios), self.expectations, self.source)
        object.__setattr__(plan, "parts", self.parts)
        return plan

    def run(self, *, verify: bool = False) -> TestRunResult:
        """Check the plan against the installed missions, as ``lifeos test`` does
        (raising :class:`ConfigError` with every problem), then run it."""
        problems = self.problems()
        if problems:
            raise ConfigError(problems[0], problems)
        return run_test_run(self.suite, self.expectations, verify=verify)


def _parts_of(suite: ScenarioSuiteDefinition, expectations: SuiteExpectationsDefinition) -> PlanParts:
    """The parts of a plan built in Python, placed by their position."""
    parts = _PartsBeingRead()
    for index, scenario in enumerate(suite.scenarios):
        where = f"scenarios[{index}]"
        parts.scenarios.append((where, scenario))
        parts.scenario_keys[scenario.scenario_name] = [call.key for call in scenario.missions]
        parts.calls += [(f"{where}.missions[{position}]", call, scenario.initial_state)
                        for position, call in enumerate(scenario.missions)]
    parts.expectations += [(f"expectation {item.id!r}", item) for item in expectations.expectations]
    return parts.done()


def read_test_plan(
    config: Any,
    expectations_config: Any = None,
    *,
    source: str | None = None,
    expectations_source: str | None = None,
) -> tuple[TestPlan | None, list[str], PlanParts]:
    """Read a whole plan, collecting problems instead of raising: the plan
    (``None`` when there are problems), every problem, and the parts that were
    read without one (for checks that can still judge them)."""
    reader = _Reader(strict=True, source=source)
    suite = reader.suite(config)
    located = [(reader.label(where), item) for where, item in reader.plan_expectations(config)]
    if expectations_config is not None:
        extra = _Reader(strict=True, source=expectations_source)
        located += [(extra.label(where), item) for where, item in extra.listed_expectations(expectations_config)]
        reader.problems += extra.problems
        reader.parts.expectations += extra.parts.expectations
    expectations = reader.combine(located)
    parts = reader.parts.done()
    if reader.problems:
        return None, reader.problems, parts
    return TestPlan(suite=suite, expectations=expectations, source=source, parts=parts), [], parts


def parse_test_plan(
    config: Mapping[str, Any],
    expectations_config: Mapping[str, Any] | None = None,
    *,
    source: str | None = None,
    expectations_source: str | None = None,
) -> TestPlan:
    """Read a whole plan: the suite, its inline and top-level expectations, and
    optionally a separate expectations config. ``source`` and
    ``expectations_source`` (file names) prefix every problem. Unknown fields
    are errors; every problem is collected before :class:`ConfigError` is raised."""
    plan, problems, _ = read_test_plan(config, expectations_config, source=source,
                                       expectations_source=expectations_source)
    if problems:
        raise ConfigError(problems[0], problems)
    return plan  # type: ignore[return-value]


def load_test_plan(path: str | Path, expectations_path: str | Path | None = None) -> TestPlan:
    """Read a plan file (JSON, YAML or TOML, by extension; ``-`` is standard
    input), and optionally a separate expectations file, into a :class:`TestPlan`."""
    from ..values.reading import read_data_file

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
    """Parse a suite and an expectations config (unknown fields ignored) and run them."""
    suite = parse_suite_definition(suite_config)
    expectations = parse_expectations_definition(expectations_config)
    return run_test_run(suite, expectations)
