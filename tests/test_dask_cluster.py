"""Plans on a real Dask cluster: worker processes give the verdict and hashes of a run here.

These start worker processes, so they are marked slow (CI runs them). The
workers load the installed packs (echo, daily_loop), as any Dask worker would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from contextlib import contextmanager

import pytest

pytest.importorskip("distributed")

from distributed import Client, LocalCluster  # noqa: E402

from lifeos_core import (  # noqa: E402
    DaskExecutor,
    ExecutorError,
    MissionCall,
    MissionExpectation,
    ScenarioDefinition,
    ScenarioSuiteDefinition,
    SuiteExpectationsDefinition,
    UnknownMissionError,
    load_registry,
    run_test_run,
    use_registry,
)
from lifeos_core.harness.testrun import run_plan  # noqa: E402

pytestmark = pytest.mark.slow

TASKS = [{"id": f"t{index}", "title": f"task {index}", "priority": ("high", "medium", "low")[index % 3],
          "due": f"2026-11-{20 + index % 8}", "estimate_minutes": 15 + 5 * index} for index in range(8)]


def generated_plan(count):
    scenarios, expectations = [], []
    for index in range(count):
        if index % 3:
            scenarios.append(ScenarioDefinition(f"echo-{index}", {"seen": index}, [MissionCall("echo", {"n": index})]))
            expectations.append(MissionExpectation(f"echo-{index}-n", f"echo-{index}", "echo", "final_state.echo.n",
                                                   "eq", index))
        else:
            scenarios.append(ScenarioDefinition(f"day-{index}", {"tasks": TASKS[: 1 + index % 8]},
                                                [MissionCall("daily_loop", {"capacity_minutes": 30 + index % 90})],
                                                clock="2026-11-23T08:00:00Z"))
            expectations.append(MissionExpectation(f"day-{index}-ok", f"day-{index}", "daily_loop", "success",
                                                   "eq", True))
    return ScenarioSuiteDefinition("generated", scenarios), SuiteExpectationsDefinition(expectations)


@pytest.fixture(scope="module")
def two_workers():
    with DaskExecutor(workers=2, batch_size=40) as executor:
        yield executor


@pytest.fixture(scope="module")
def plan_and_sequential_run():
    suite, expectations = generated_plan(3000)
    return suite, expectations, run_test_run(suite, expectations)


def test_two_worker_processes_give_the_sequential_result_byte_for_byte(two_workers, plan_and_sequential_run):
    suite, expectations, sequential = plan_and_sequential_run
    parallel = run_test_run(suite, expectations, executor=two_workers)
    assert parallel.metadata["test_run_hash"] == sequential.metadata["test_run_hash"]
    assert json.dumps(parallel.to_dict()) == json.dumps(sequential.to_dict())


def test_local_workers_leave_ctrl_c_to_the_client(two_workers):
    assert set(two_workers.client.run(signal.getsignal, signal.SIGINT).values()) == {signal.SIG_IGN}
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the client's own is untouched


def test_a_worker_killed_mid_run_changes_nothing(two_workers, plan_and_sequential_run):
    suite, expectations, sequential = plan_and_sequential_run
    pids = two_workers.client.run(os.getpid)
    victim = sorted(pids.values())[0]
    killed = []

    def kill_once(done, total, name):
        if not killed and done >= total // 5:
            os.kill(victim, signal.SIGKILL)  # the nanny starts a new worker; its batches run elsewhere
            killed.append(done)

    execution = run_plan(suite, expectations, on_scenario=kill_once, executor=two_workers)
    assert killed and killed[0] < len(suite.scenarios)
    assert execution.result.metadata["test_run_hash"] == sequential.metadata["test_run_hash"]
    assert victim not in two_workers.client.run(os.getpid).values()


def test_fail_fast_on_workers_stops_where_a_sequential_run_stops(two_workers):
    suite, expectations = generated_plan(400)
    wrong = [e if e.id != "echo-250-n" else MissionExpectation(e.id, e.scenario_name, "echo", e.path, "eq", -1)
             for e in expectations.expectations]
    broken = SuiteExpectationsDefinition(wrong)
    here = run_plan(suite, broken, fail_fast=True)
    there = run_plan(suite, broken, fail_fast=True, executor=two_workers)
    assert there.stopped_after == here.stopped_after == "echo-250"
    assert there.result.to_dict() == here.result.to_dict() and there.skipped == here.skipped


def test_an_error_in_a_plan_propagates_from_the_workers_as_it_does_here(two_workers):
    suite = ScenarioSuiteDefinition("typo", [ScenarioDefinition("one", {}, [MissionCall("echoo")])])
    with pytest.raises(UnknownMissionError, match="did you mean 'echo'"):
        run_test_run(suite, SuiteExpectationsDefinition([]), executor=two_workers)


def write_pack(folder, version):
    """A tiny mission pack, installed as a dist-info folder beside its module."""
    module = folder / "lifeos_mission_tide"
    module.mkdir(parents=True)
    (module / "__init__.py").write_text(textwrap.dedent("""\
        from lifeos_core import Mission, StepSpec, hookimpl

        @hookimpl
        def lifeos_register_missions(register):
            register(Mission("tide", "Turn the tide.", lambda params: [StepSpec("turn", "runtime")]))
        """))
    info = folder / f"lifeos_mission_tide-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: lifeos-mission-tide\nVersion: {version}\n")
    (info / "entry_points.txt").write_text("[lifeos]\ntide = lifeos_mission_tide\n")


@contextmanager
def external_worker(pythonpath):
    """A scheduler here and one `dask worker` process started with ``pythonpath``; yields a client."""
    environment = {**os.environ, "PYTHONPATH": str(pythonpath)}
    with LocalCluster(n_workers=0, protocol="tcp", dashboard_address=":0") as cluster:
        worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", cluster.scheduler_address,
                                   "--nthreads", "1", "--no-dashboard"], env=environment,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            with Client(cluster) as client:
                client.wait_for_workers(1, timeout=60)
                yield client
        finally:
            worker.terminate()
            worker.wait(timeout=30)


def test_a_worker_with_another_version_of_a_pack_is_refused_before_anything_runs(tmp_path, monkeypatch):
    write_pack(tmp_path / "here", "1.0.0")
    write_pack(tmp_path / "there", "2.0.0")
    monkeypatch.syspath_prepend(str(tmp_path / "here"))
    suite = ScenarioSuiteDefinition("tides", [ScenarioDefinition("high", {}, [MissionCall("tide")])])
    with use_registry(load_registry()), external_worker(tmp_path / "there") as client:
        with pytest.raises(ExecutorError) as refused:
            run_test_run(suite, SuiteExpectationsDefinition([]), executor=DaskExecutor(client=client))
    message = str(refused.value)
    assert message.startswith("the Dask workers do not have the missions this machine has")
    assert "lifeos-mission-tide 2.0.0 (here: 1.0.0)" in message


def test_the_cli_runs_a_plan_on_workers_and_records_the_executor(tmp_path):
    ledger = tmp_path / "ledger.sqlite3"

    def lifeos(*arguments):
        return subprocess.run([sys.executable, "-m", "lifeos_core", *arguments, "--ledger", str(ledger)],
                              capture_output=True, text=True, timeout=300)

    here = lifeos("test", "examples/daily-plan.lifeos.yaml", "--json")
    there = lifeos("test", "examples/daily-plan.lifeos.yaml", "--json", "--workers", "2")
    assert here.returncode == there.returncode == 0, there.stderr
    assert json.loads(here.stdout) == json.loads(there.stdout)
    records = json.loads(lifeos("runs", "list", "--json").stdout)
    shown = [json.loads(lifeos("runs", "show", record["id"], "--json").stdout) for record in records]
    assert [record["executor"] for record in shown] == [{"kind": "dask", "workers": 2}, {"kind": "sequential"}]
    assert shown[0]["result_hash"] == shown[1]["result_hash"]


def test_an_unreachable_scheduler_is_one_line_and_exit_two():
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "lifeos_core", "test", "examples/smoke.lifeos.yaml", "--no-record",
                             "--scheduler", "tcp://127.0.0.1:9"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith("error: cannot reach the Dask scheduler at tcp://127.0.0.1:9: ")
    assert "start one with `dask scheduler`" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert time.monotonic() - started < 60


def test_a_batch_that_kills_its_worker_every_time_ends_the_run_naming_its_scenarios(tmp_path, monkeypatch):
    import dask

    pack = tmp_path / "crash"
    (pack / "lifeos_mission_crash").mkdir(parents=True)
    (pack / "lifeos_mission_crash" / "__init__.py").write_text(textwrap.dedent("""\
        import os
        from lifeos_core import Mission, StepSpec, hookimpl

        def crash(state, payload, context):
            os.abort()  # a native crash, as far as the worker can tell

        @hookimpl
        def lifeos_register_missions(register):
            register(Mission("crash", "Take the process down.", lambda params: [
                StepSpec("fall", "runtime", {"operation": "crash"})]))

        @hookimpl
        def lifeos_register_operations(register):
            register("crash", crash)
        """))
    info = pack / "lifeos_mission_crash-1.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: lifeos-mission-crash\nVersion: 1.0.0\n")
    (info / "entry_points.txt").write_text("[lifeos]\ncrash = lifeos_mission_crash\n")
    monkeypatch.syspath_prepend(str(pack))
    monkeypatch.setenv("PYTHONPATH", str(pack))  # the worker processes start with it on their path
    suite = ScenarioSuiteDefinition("doomed", [ScenarioDefinition("fine", {}, [MissionCall("echo")]),
                                               ScenarioDefinition("fatal", {}, [MissionCall("crash")])])
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}), use_registry(load_registry()), \
            DaskExecutor(workers=1, batch_size=1) as executor:
        with pytest.raises(ExecutorError, match=r"^the batch of scenarios 'fatal' was lost with its worker every "
                                                r"time it ran .*run those scenarios with `lifeos test` alone"):
            run_test_run(suite, SuiteExpectationsDefinition([]), executor=executor)


def test_a_scheduler_without_workers_is_an_error_saying_how_to_start_some():
    with LocalCluster(n_workers=0, protocol="tcp", dashboard_address=":0") as cluster, Client(cluster) as client:
        suite = ScenarioSuiteDefinition("lonely", [ScenarioDefinition("one", {}, [MissionCall("echo")])])
        with pytest.raises(ExecutorError, match=r"^no Dask worker joined the scheduler in 1 s; start workers with "
                                                r"`dask worker ADDRESS`"):
            run_test_run(suite, SuiteExpectationsDefinition([]),
                         executor=DaskExecutor(client=client, worker_timeout=1))
