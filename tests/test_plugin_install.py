"""Mission packs as users meet them: wheels installed with pip into a fresh environment.

The wheels and the environment are built once per session and shared; every
test installs what it needs with --no-index and uninstalls it afterwards, so
the tests do not depend on their order.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import venv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
STANDARD_PACKS = ("lifeos-mission-echo", "lifeos-mission-daily-loop", "lifeos-mission-run-tests")


def pip(*args: str | Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *map(str, args)],
                   check=True, capture_output=True, text=True)


def build_wheels(source: Path, wheel_dir: Path, *, with_dependencies: bool = False) -> None:
    """Build from a copy of ``source``, so the build leaves nothing in the tree."""
    scratch = wheel_dir.parent / f"build-{source.name}"
    anywhere = shutil.ignore_patterns(".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", "site")

    def ignore(folder: str, names: list[str]) -> set[str]:
        ignored = set(anywhere(folder, names))
        if Path(folder) == source:  # the packs and tests beside lifeos_core, not lifeos_core/plugins
            ignored |= {"tests", "plugins"} & set(names)
        return ignored

    shutil.copytree(source, scratch, ignore=ignore)
    deps = [] if with_dependencies else ["--no-deps"]
    pip("wheel", *deps, "--no-build-isolation", "--quiet", "--wheel-dir", wheel_dir, scratch)


def write_pack(folder: Path, distribution: str, module_source: str, version: str = "1.0.0") -> Path:
    """A one-module pack whose entry point is named after the distribution."""
    module = distribution.replace("-", "_")
    folder.mkdir(parents=True)
    (folder / "pyproject.toml").write_text(textwrap.dedent(f"""\
        [build-system]
        requires = ["setuptools>=64"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "{distribution}"
        version = "{version}"
        dependencies = ["lifeos-core"]

        [project.entry-points.lifeos]
        {module} = "{module}"

        [tool.setuptools]
        py-modules = ["{module}"]
        """))
    (folder / f"{module}.py").write_text(textwrap.dedent(module_source))
    return folder


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels of lifeos-core, its dependencies, the standard packs and pytest."""
    folder = tmp_path_factory.mktemp("wheelhouse")
    build_wheels(ROOT, folder, with_dependencies=True)
    for name in STANDARD_PACKS:
        build_wheels(ROOT / "plugins" / name, folder)
    pip("wheel", "--quiet", "--wheel-dir", folder, "pytest")
    return folder


@pytest.fixture(scope="session")
def fresh_env(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> Path:
    """A new virtual environment holding only lifeos-core and its dependencies."""
    target = tmp_path_factory.mktemp("fresh") / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    pip("--python", python, "install", "--quiet", "--no-index", "--find-links", wheelhouse, "lifeos-core")
    return python


@contextmanager
def installed(python: Path, wheelhouse: Path, *requirements: str, find_links: tuple[Path, ...] = ()) -> Iterator[None]:
    links = [arg for folder in (wheelhouse, *find_links) for arg in ("--find-links", folder)]
    pip("--python", python, "install", "--quiet", "--no-index", *links, *requirements)
    try:
        yield
    finally:
        names = [requirement.split("==")[0] for requirement in requirements]
        pip("--python", python, "uninstall", "--yes", "--quiet", *names)


def lifeos(python: Path, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    command = [str(python.parent / "lifeos"), *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env={**os.environ, **(env or {})})


def probe(python: Path) -> dict:
    script = textwrap.dedent("""\
        import json, lifeos_core
        names = lifeos_core.list_missions()
        result = lifeos_core.run_mission("tide", {"by": 3}, {"level": 1}) if "tide" in names else None
        entry = lifeos_core.get_mission("tide") if "tide" in names else None
        print(json.dumps({"missions": names, "final_state": result.final_state if result else None,
                          "origin": [entry.distribution, entry.version] if entry else None}))
        """)
    return json.loads(subprocess.run([str(python), "-c", script], check=True, capture_output=True, text=True).stdout)


TIDE = """\
    from lifeos_core import Mission, Param, StepSpec, hookimpl


    def rise(state, payload, context):
        state["level"] = state.get("level", 0) + payload["by"]
        return state


    MISSION = Mission(
        "tide",
        "Raise the water level.",
        lambda params: [StepSpec("rise", "runtime", {"operation": "tide.rise", "by": params["by"]})],
        params=(Param("by", int, default=1),),
    )


    @hookimpl
    def lifeos_register_missions(register):
        register(MISSION)


    @hookimpl
    def lifeos_register_operations(register):
        register("tide.rise", rise)
    """


def test_installing_a_pack_adds_its_mission_and_uninstalling_removes_it(fresh_env, wheelhouse, tmp_path):
    build_wheels(write_pack(tmp_path / "src", "lifeos-mission-tide", TIDE), tmp_path / "wheels")
    assert probe(fresh_env)["missions"] == []
    with installed(fresh_env, wheelhouse, "lifeos-mission-tide", find_links=(tmp_path / "wheels",)):
        assert probe(fresh_env) == {"missions": ["tide"], "final_state": {"level": 4},
                                    "origin": ["lifeos-mission-tide", "1.0.0"]}
        listing = lifeos(fresh_env, "missions", "list")
        assert listing.returncode == 0
        assert listing.stdout.splitlines()[1].split()[:3] == ["tide", "1", "(0"]
        assert "lifeos-mission-tide 1.0.0" in listing.stdout
        assert lifeos(fresh_env, "--version").stdout.startswith("lifeos ")
        ran = lifeos(fresh_env, "run", "tide", "--param", "by=2", "--json")
        assert ran.returncode == 0 and json.loads(ran.stdout)["final_state"] == {"level": 2}
        unknown = lifeos(fresh_env, "run", "tidal")
        assert unknown.returncode == 2
        assert unknown.stderr == "error: unknown mission 'tidal' (did you mean 'tide'?); installed: tide\n"
    assert probe(fresh_env)["missions"] == []


def test_the_standard_packs_install_from_their_own_folders(fresh_env, wheelhouse):
    with installed(fresh_env, wheelhouse, *STANDARD_PACKS):
        script = ("import json, lifeos_core; r = lifeos_core.run_mission('daily_loop', {'date': '2026-01-05'}, "
                  "{'tasks': [{'id': 1, 'title': 't'}]}); print(json.dumps([lifeos_core.list_missions(), r.success]))")
        output = subprocess.run([str(fresh_env), "-c", script], check=True, capture_output=True, text=True).stdout
        assert json.loads(output) == [["daily_loop", "echo", "run_tests"], True]
        plan = lifeos(fresh_env, "test", str(ROOT / "examples" / "smoke.lifeos.yaml"))
        assert plan.returncode == 0, plan.stdout + plan.stderr


BROKEN_PACKS = {
    "lifeos-broken-import": ("import a_dependency_that_is_not_installed\n",
                             "import failed: ModuleNotFoundError: No module named 'a_dependency_that_is_not_installed'"),
    "lifeos-broken-hook": ("""\
        from lifeos_core import hookimpl

        @hookimpl
        def lifeos_register_missions(register):
            raise RuntimeError("the config server is down")
        """, "lifeos_register_missions failed: RuntimeError: the config server is down"),
    "lifeos-broken-signature": ("""\
        from lifeos_core import hookimpl

        @hookimpl
        def lifeos_register_missions(registrar):
            pass
        """, "could not register:"),
    "lifeos-broken-spelling": ("""\
        from lifeos_core import hookimpl

        @hookimpl
        def lifeos_register_mission(register):
            pass
        """, "'lifeos_register_mission' is marked @hookimpl but lifeos has no such hook; "
             "did you mean 'lifeos_register_missions'?"),
    "lifeos-broken-return": ("""\
        from lifeos_core import Mission, StepSpec, hookimpl

        @hookimpl
        def lifeos_register_missions(register):
            return [Mission("returned", "Returned, not registered.", lambda params: [])]
        """, "lifeos_register_missions returned a list; a hook calls register(...)"),
    "lifeos-broken-limits": ("""\
        from lifeos_core import Mission, StepSpec, hookimpl

        @hookimpl
        def lifeos_register_missions(register):
            register(Mission("sprawl", "Too many steps.", lambda params: [StepSpec(f"s{i}", "runtime") for i in range(6)]))
            register(Mission("calm", "One step.", lambda params: [StepSpec("s", "runtime")]))
        """, "its default plan is unusable: mission 'sprawl' cannot be planned"),
}


@pytest.fixture(scope="session")
def broken_wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("broken-wheels")
    for distribution, (source, _) in BROKEN_PACKS.items():
        build_wheels(write_pack(tmp_path_factory.mktemp("src") / distribution, distribution, source), folder)
    return folder


def test_broken_packs_never_break_lifeos(fresh_env, wheelhouse, broken_wheels):
    with installed(fresh_env, wheelhouse, *STANDARD_PACKS, *BROKEN_PACKS, find_links=(broken_wheels,)):
        listing = lifeos(fresh_env, "missions", "list")
        assert listing.returncode == 0
        assert [line.split()[0] for line in listing.stdout.splitlines()[1:]] == ["calm", "daily_loop", "echo",
                                                                                 "run_tests"]
        assert listing.stderr.strip() == "warning: 6 plugin problem(s); run `lifeos plugins` for details"
        assert lifeos(fresh_env, "--help").returncode == 0
        ran = lifeos(fresh_env, "run", "echo", "-p", "message=hi", "--json")
        assert ran.returncode == 0 and json.loads(ran.stdout)["final_state"] == {"echo": {"message": "hi"}}
        assert lifeos(fresh_env, "run", "daily_loop", "--yes").returncode == 0

        report = json.loads(lifeos(fresh_env, "plugins", "--json").stdout)
        failed = {entry["distribution"]: entry for entry in report["failed"]}
        assert sorted(failed) == sorted(BROKEN_PACKS)
        for distribution, (_, error) in BROKEN_PACKS.items():
            assert failed[distribution]["version"] == "1.0.0"
            assert error in failed[distribution]["error"], failed[distribution]
        assert failed["lifeos-broken-limits"]["mission"] == "sprawl"
        loaded = {entry["distribution"] for entry in report["plugins"]}
        assert {"lifeos-mission-echo", "lifeos-broken-limits"} <= loaded

        strict = lifeos(fresh_env, "missions", "list", env={"LIFEOS_STRICT_PLUGINS": "1"})
        assert strict.returncode == 2
        assert strict.stderr.startswith("error: strict plugin loading (LIFEOS_STRICT_PLUGINS=1) found 6 problem(s):")
        assert strict.stderr.count("\n") == 1
        assert lifeos(fresh_env, "--help", env={"LIFEOS_STRICT_PLUGINS": "1"}).returncode == 0
        chosen = lifeos(fresh_env, "missions", "list", "--json",
                        env={"LIFEOS_STRICT_PLUGINS": "1", "LIFEOS_LOAD_PLUGINS": "lifeos-mission-echo"})
        assert chosen.returncode == 0
        assert [m["name"] for m in json.loads(chosen.stdout)["missions"]] == ["echo"]
        disabled = lifeos(fresh_env, "--disable-plugin", "lifeos-broken-hook", "plugins", "--json")
        skipped = json.loads(disabled.stdout)["skipped"]
        assert skipped == [{"name": "lifeos_broken_hook", "distribution": "lifeos-broken-hook", "version": "1.0.0",
                            "reason": "disabled by --disable-plugin"}]


def test_a_scaffolded_pack_installs_tests_green_and_runs(fresh_env, wheelhouse, tmp_path):
    created = lifeos(fresh_env, "new", "pack", "lifeos-mission-water", "--dir", str(tmp_path / "water"))
    assert created.returncode == 0, created.stderr
    build_wheels(tmp_path / "water", tmp_path / "wheels")
    with installed(fresh_env, wheelhouse, "lifeos-mission-water", "pytest", find_links=(tmp_path / "wheels",)):
        tests = subprocess.run([str(fresh_env), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                               cwd=tmp_path / "water", capture_output=True, text=True)
        assert tests.returncode == 0, tests.stdout + tests.stderr
        assert "5 passed" in tests.stdout
        ran = lifeos(fresh_env, "run", "water", "--param", "amount=3", "--approve", "confirm", "--json")
        assert ran.returncode == 0, ran.stderr
        assert json.loads(ran.stdout)["final_state"]["water"]["total"] == 3


def test_replay_after_upgrading_a_pack_names_the_difference_and_the_version(fresh_env, wheelhouse, tmp_path):
    build_wheels(write_pack(tmp_path / "v1", "lifeos-mission-tide", TIDE), tmp_path / "wheels")
    doubled = TIDE.replace('payload["by"]', 'payload["by"] * 2')
    build_wheels(write_pack(tmp_path / "v2", "lifeos-mission-tide", doubled, version="2.0.0"), tmp_path / "wheels")
    ledger = str(tmp_path / "ledger.sqlite3")
    with installed(fresh_env, wheelhouse, "lifeos-mission-tide==1.0.0", find_links=(tmp_path / "wheels",)):
        ran = lifeos(fresh_env, "run", "tide", "-p", "by=2", "--clock", "2026-01-01T00:00:00Z", "--ledger", ledger)
        assert ran.returncode == 0, ran.stderr
        record_id = json.loads(lifeos(fresh_env, "runs", "list", "--json", "--ledger", ledger).stdout)[0]["id"]
        assert lifeos(fresh_env, "runs", "replay", record_id[:8], "--ledger", ledger).returncode == 0
        pip("--python", fresh_env, "install", "--quiet", "--no-index", "--find-links", wheelhouse,
            "--find-links", tmp_path / "wheels", "lifeos-mission-tide==2.0.0")
        replayed = lifeos(fresh_env, "runs", "replay", record_id[:8], "--ledger", ledger)
        assert replayed.returncode == 1
        assert "differs at final_state.level" in replayed.stdout
        assert "version changed: lifeos-mission-tide 1.0.0 -> 2.0.0" in replayed.stdout
        assert lifeos(fresh_env, "runs", "verify", "--ledger", ledger).returncode == 0
