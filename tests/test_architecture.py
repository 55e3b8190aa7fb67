"""The shape of the code: subsystems in one direction, one public API, no private names outside.

ARCHITECTURE.md draws the map; these tests keep the code on it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import lifeos_core

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "lifeos_core"

LAYERS = [
    {"errors"},
    {"values"},
    {"engine"},
    {"plugins", "version"},
    {"missions"},
    {"harness"},
    {"ledger"},
    {"cli", "ui", "testing", "__init__", "__main__"},
]
"""Lowest first: a module may import its own layer and the ones below it, never one above."""

TOP_LEVEL = {"__init__.py", "__main__.py", "errors.py", "version.py", "missions.py", "testing.py", "py.typed",
             "cli", "engine", "harness", "ledger", "plugins", "ui", "values"}

PUBLIC = sorted("""
    AntiFailurePlanningError AntiFailureViolation Clock ConfigError DaskExecutor Decision DefinitionError EPOCH
    EffectFixture EffectKind EffectPolicy
    EnvelopeViolation ExecutionContext ExecutorError Executor ExpectationResult FixedClock FrozenMap Ledger
    LedgerError LedgerRecord LifeosError MAX_HUMAN_STEPS MAX_STATE_BYTES MAX_STEPS Mission MissionCall
    MissionExpectation MissionInputError MissionParamsError MissionRegistryEntry MissionSpec NotJSONError OrchestrationResult
    Orchestrator Param PlanExecution PlanReport PluginConflictError PluginError REQUIRED Registry ScenarioDefinition
    ScenarioResult ScenarioSuiteDefinition ScenarioSuiteResult SequentialExecutor StepContext StepFailed StepSpec
    SuiteExpectationsDefinition SuiteExpectationsResult TestPlan TestRunResult UnknownMissionError
    WorkflowDefinition WorkflowInputError __version__ aggregate_test_run build_workflow canonical_json check_plan
    clock_from_text did_you_mean evaluate_expectations get_mission hookimpl list_missions load_registry load_test_plan
    loads_canonical open_ledger parse_expectations_definition parse_suite_definition parse_test_plan plan_mission
    reload_plugins resume_mission resume_planned run_mission run_plan run_planned run_scenario run_suite run_test_run
    run_test_run_from_config
    schema_text stable_hash state_hash use_registry
""".split())


def layer_of(module: str) -> int:
    """The layer of ``module`` (dotted, inside lifeos_core: ``engine.steps``)."""
    head = module.split(".")[0]
    for index, names in enumerate(LAYERS):
        if head in names:
            return index
    raise AssertionError(f"lifeos_core.{module} is in no layer; add its package to LAYERS and ARCHITECTURE.md")


def imported_modules(path: Path, package_root: Path) -> list[tuple[int, str]]:
    """Every lifeos_core module ``path`` imports (at the top or inside functions), with the line."""
    relative = path.relative_to(package_root).with_suffix("")
    parts = list(relative.parts)
    package = parts[:-1] if parts[-1] != "__init__" else parts[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                target = [*base, *(node.module.split(".") if node.module else [])]
                if not node.module:  # from . import a, b: modules
                    found += [(node.lineno, ".".join([*target, alias.name])) for alias in node.names]
                    continue
                found.append((node.lineno, ".".join(target)))
            elif node.module and node.module.split(".")[0] == package_root.name:
                found.append((node.lineno, node.module.split(".", 1)[1] if "." in node.module else "__init__"))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == package_root.name:
                    found.append((node.lineno, "__init__"))
                elif alias.name.startswith(package_root.name + "."):
                    found.append((node.lineno, alias.name.split(".", 1)[1]))
        elif isinstance(node, (ast.Call, ast.Subscript)):
            name = _imported_by_name(node)
            if name is None:
                continue
            if name.startswith("."):  # relative to this module's package (import_module(".x", __package__))
                dots = len(name) - len(name.lstrip("."))
                base = package[: len(package) - (dots - 1)] if dots > 1 else package
                found.append((node.lineno, ".".join([*base, *filter(None, name[dots:].split("."))])))
            elif name == package_root.name:
                found.append((node.lineno, "__init__"))
            elif name.startswith(package_root.name + "."):
                found.append((node.lineno, name.split(".", 1)[1]))
    return found


def _imported_by_name(node: ast.Call | ast.Subscript) -> str | None:
    """The module named by ``import_module("...")``, ``__import__("...")`` or
    ``sys.modules["..."]`` (a constant string only)."""
    if isinstance(node, ast.Subscript):
        value = node.value
        if isinstance(value, ast.Attribute) and value.attr == "modules" and isinstance(node.slice, ast.Constant):
            return node.slice.value if isinstance(node.slice.value, str) else None
        return None
    function = node.func
    called = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
    if called in {"import_module", "__import__"} and node.args and isinstance(node.args[0], ast.Constant):
        return node.args[0].value if isinstance(node.args[0].value, str) else None
    return None


def back_imports(package_root: Path) -> list[str]:
    """Each import of a higher layer by a lower one, as ``file:line: a imports b``."""
    problems = []
    for path in sorted(package_root.rglob("*.py")):
        module = ".".join(path.relative_to(package_root).with_suffix("").parts)
        own = layer_of(module)
        for line, target in imported_modules(path, package_root):
            if target and layer_of(target) > own:
                problems.append(f"{path.relative_to(package_root.parent)}:{line}: {module} imports {target}")
    return problems


def test_dependencies_point_one_way_downwards():
    assert back_imports(PACKAGE) == []


def test_the_layering_test_catches_a_back_import(tmp_path):
    fake = tmp_path / "lifeos_core"
    (fake / "engine").mkdir(parents=True)
    (fake / "harness").mkdir()
    (fake / "engine" / "steps.py").write_text("def later():\n    from ..harness import plans\n")
    (fake / "harness" / "plans.py").write_text("from ..engine.steps import later\n")
    assert back_imports(fake) == ["lifeos_core/engine/steps.py:2: engine.steps imports harness"]


@pytest.mark.parametrize("source", [
    "import lifeos_core\n",
    "import lifeos_core as lifeos\n",
    "import lifeos_core.harness.plans\n",
    "import importlib\nimportlib.import_module('lifeos_core.harness')\n",
    "from importlib import import_module\nimport_module('..harness.plans', __package__)\n",
    "__import__('lifeos_core.harness')\n",
    "import sys\nsys.modules['lifeos_core.harness.plans']\n",
])
def test_the_layering_test_catches_every_way_of_importing(tmp_path, source):
    fake = tmp_path / "lifeos_core"
    (fake / "engine").mkdir(parents=True)
    (fake / "harness").mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "harness" / "plans.py").write_text("")
    (fake / "engine" / "steps.py").write_text(source)
    problems = back_imports(fake)
    assert len(problems) == 1 and problems[0].startswith("lifeos_core/engine/steps.py:")


def test_the_top_level_holds_the_subsystems_and_the_few_cross_cutting_modules():
    listed = {path.name for path in PACKAGE.iterdir() if path.name != "__pycache__"}
    assert listed == TOP_LEVEL
    for package in ("values", "engine", "plugins", "harness", "ledger", "cli", "ui"):
        doc = ast.get_docstring(ast.parse((PACKAGE / package / "__init__.py").read_text()))
        assert doc and "may import" in doc.lower(), f"lifeos_core/{package}/__init__.py should say what it may import"


def test_every_package_folder_is_listed_for_the_wheel():
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    folders = {".".join(path.parent.relative_to(ROOT).parts) for path in PACKAGE.rglob("__init__.py")}
    assert listed == folders


def test_the_public_api_is_pinned_and_importable():
    assert lifeos_core.__all__ == PUBLIC
    for name in PUBLIC:
        assert getattr(lifeos_core, name) is not None


PRIVATE_REFERENCE = re.compile(r"(?:`|from |import )lifeos_core\.(?!testing\b|__all__\b)([A-Za-z_][\w.]*)")


def test_packs_and_docs_use_public_names_only():
    places = [*ROOT.glob("docs/*.md"), ROOT / "README.md", *ROOT.glob("plugins/*/README.md"),
              *ROOT.glob("plugins/*/lifeos_mission_*/**/*.py"), *ROOT.glob("examples/*")]
    found = []
    for path in places:
        if not path.is_file():
            continue
        text = path.read_text()
        for match in PRIVATE_REFERENCE.finditer(text):
            name = match[1].split(".")[0]
            if name not in PUBLIC:
                found.append(f"{path.relative_to(ROOT)}: lifeos_core.{match[1]}")
        for match in re.finditer(r"from lifeos_core import (\([^)]*\)|[^\n]+)", text):
            for name in (part.strip().split(" as ")[0] for part in match[1].strip("()").replace("\n", " ").split(",")):
                if name and name not in PUBLIC:
                    found.append(f"{path.relative_to(ROOT)}: from lifeos_core import {name}")
    assert found == []


def test_one_way_to_make_an_immutable_value():
    frozen_dataclasses = [f"{path.relative_to(ROOT)}" for path in PACKAGE.rglob("*.py")
                          if "@dataclass(frozen=True" in path.read_text()]
    assert frozen_dataclasses == []


@pytest.mark.parametrize("name", ["WorkflowDefinition", "StepSpec", "MissionCall", "ScenarioDefinition",
                                  "MissionExpectation", "FixedClock", "MissionSpec"])
def test_immutable_values_refuse_changes_and_hold_no_later_caches(name):
    value = {
        "WorkflowDefinition": lambda: lifeos_core.WorkflowDefinition("wf", [lifeos_core.StepSpec("s", "runtime")]),
        "StepSpec": lambda: lifeos_core.StepSpec("s", "runtime", {"x": 1}),
        "MissionCall": lambda: lifeos_core.MissionCall("echo", {"a": 1}),
        "ScenarioDefinition": lambda: lifeos_core.ScenarioDefinition("s", {"a": 1}, []),
        "MissionExpectation": lambda: lifeos_core.MissionExpectation("e", "s", "m", "success", "exists"),
        "FixedClock": lambda: lifeos_core.FixedClock("2026-01-01T00:00:00Z"),
        "MissionSpec": lambda: lifeos_core.MissionSpec("echo", {}),
    }[name]()
    assert not hasattr(value, "__dict__")  # nothing can be written onto it later
    with pytest.raises(AttributeError):
        value.anything = 1
    first = getattr(value, value._fields[0])
    with pytest.raises(AttributeError):
        setattr(value, value._fields[0], first)


def test_hooks_are_called_through_pluggy_so_its_tracing_sees_each_plugin(monkeypatch):
    import pluggy

    from lifeos_core import load_registry
    from lifeos_core.testing import Plugin

    calls = []
    real = pluggy.PluginManager.__init__

    def watched(self, *args, **kwargs):
        real(self, *args, **kwargs)
        self.add_hookcall_monitoring(lambda name, impls, kwargs: calls.append((name, [i.plugin_name for i in impls])),
                                     lambda outcome, name, impls, kwargs: None)

    monkeypatch.setattr(pluggy.PluginManager, "__init__", watched)
    load_registry([("traced", Plugin(operations={"traced.op": lambda state, payload, context: state}))],
                  discover=False)
    assert ("lifeos_register_operations", ["traced"]) in calls
    assert ("lifeos_register_operations", ["lifeos_core"]) in calls


DOC_REFERENCE = re.compile(r":(?:class|func|meth|mod|data|attr|exc):`~?(lifeos_core(?:\.\w+)+)`")


def test_references_in_docstrings_name_where_things_are_defined():
    import importlib

    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for match in DOC_REFERENCE.finditer(path.read_text()):
            parts = match[1].split(".")
            for split in range(len(parts), 0, -1):  # the longest importable module, then attributes
                try:
                    target, rest, module = importlib.import_module(".".join(parts[:split])), parts[split:], \
                        ".".join(parts[:split])
                    break
                except ImportError:
                    continue
            try:
                for name in rest:
                    target = getattr(target, name)
                defined = getattr(target, "__module__", None)
                if module != "lifeos_core" and len(rest) == 1 and defined and defined != module:
                    wrong.append(f"{path.relative_to(ROOT)}: {match[1]} is defined in {defined}")
            except AttributeError:
                wrong.append(f"{path.relative_to(ROOT)}: {match[1]} does not exist")
    assert wrong == []
