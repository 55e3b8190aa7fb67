"""Executors decide where scenarios run; the results, and every hash, never depend on it."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest
from typer.testing import CliRunner

from lifeos_core import (
    ExecutorError,
    MissionCall,
    MissionExpectation,
    ScenarioDefinition,
    ScenarioSuiteDefinition,
    SequentialExecutor,
    SuiteExpectationsDefinition,
    run_suite,
    run_test_run,
)
from lifeos_core.cli import app
from lifeos_core.cli.runs import describe_run_by
from lifeos_core.harness.dask import DaskExecutor, batch_size_for, version_differences
from lifeos_core.harness.executors import describe_executor, resolve_executor
from lifeos_core.harness.testrun import run_plan

SUITE = ScenarioSuiteDefinition("counts", [
    ScenarioDefinition(f"s{index}", {"start": index}, [MissionCall("echo", {"n": index})]) for index in range(6)
])
EXPECTATIONS = SuiteExpectationsDefinition([
    MissionExpectation(f"e{index}", f"s{index}", "echo", "final_state.echo.n", "eq", index if index != 3 else -1)
    for index in range(6)
])


class ShuffledExecutor:
    """Runs scenarios in reverse order (as a pool of workers might) and hands
    the results back in plan order, as every executor must. Records how far
    its consumer read."""

    def __init__(self):
        self.handed = 0
        self.closed = False

    def map_scenarios(self, scenarios, *, verify=False):
        results = {scenario.scenario_name: run_suite(ScenarioSuiteDefinition("one", [scenario]), verify=verify)
                   for scenario in reversed(scenarios)}
        try:
            for scenario in scenarios:
                self.handed += 1
                yield results[scenario.scenario_name].scenario_results[scenario.scenario_name]
        finally:
            self.closed = True

    def describe(self):
        return {"kind": "shuffled"}


def test_the_sequential_executor_is_the_default_and_changes_nothing():
    assert run_suite(SUITE, executor=SequentialExecutor()).to_dict() == run_suite(SUITE).to_dict()
    assert describe_executor(None) == {"kind": "sequential"}


def test_results_are_the_same_whatever_order_an_executor_ran_them_in():
    shuffled = run_test_run(SUITE, EXPECTATIONS, executor=ShuffledExecutor())
    plain = run_test_run(SUITE, EXPECTATIONS)
    assert shuffled.metadata["test_run_hash"] == plain.metadata["test_run_hash"]
    assert shuffled.to_dict() == plain.to_dict()


def test_fail_fast_stops_reading_from_the_executor_and_closes_it():
    executor = ShuffledExecutor()
    execution = run_plan(SUITE, EXPECTATIONS, fail_fast=True, executor=executor)
    assert execution.stopped_after == "s3"
    assert executor.handed == 4 and executor.closed
    assert execution.result.to_dict() == run_plan(SUITE, EXPECTATIONS, fail_fast=True).result.to_dict()


def test_something_that_is_not_an_executor_is_refused():
    with pytest.raises(ExecutorError, match="executor must have a map_scenarios"):
        resolve_executor("dask")


@pytest.mark.parametrize(("scenarios", "workers", "size"), [
    (0, 2, 1), (10, 2, 1), (100, 2, 2), (10_000, 2, 157), (100_000, 2, 500), (10_000, 16, 20), (5, 100, 1),
])
def test_batches_aim_at_thirty_two_per_worker_and_at_most_five_hundred_scenarios(scenarios, workers, size):
    assert batch_size_for(scenarios, workers) == size


def test_version_differences_name_each_pack_and_both_versions():
    here = {"lifeos-core": "0.2.0", "plugins": [{"distribution": "tide-pack", "version": "1.0"},
                                                {"distribution": "moon-pack", "version": "3.1"}]}
    there = {"installed": {"lifeos-core": "0.2.0", "tide-pack": "1.1", "extra-pack": "9"}, "missing": []}
    assert version_differences(here, there) == [
        "tide-pack 1.1 (here: 1.0)",
        "moon-pack not installed (here: 3.1)",
    ]


def test_overlapping_batches_restore_the_switch_interval_once_the_last_one_ends():
    from lifeos_core.harness.dask import BATCH_SWITCH_INTERVAL, _long_switch_interval

    before = sys.getswitchinterval()
    first, second = _long_switch_interval(), _long_switch_interval()
    first.__enter__()
    assert sys.getswitchinterval() == pytest.approx(BATCH_SWITCH_INTERVAL)
    second.__enter__()
    first.__exit__(None, None, None)  # the first batch ends while the second still runs
    assert sys.getswitchinterval() == pytest.approx(BATCH_SWITCH_INTERVAL)
    second.__exit__(None, None, None)
    assert sys.getswitchinterval() == before


@pytest.mark.parametrize("address", ["foo://x:1", ":::"])
def test_a_malformed_scheduler_address_is_a_clear_error(address):
    with pytest.raises(ExecutorError, match=r"is not a Dask scheduler address .*tcp://10.0.0.5:8786"):
        DaskExecutor(scheduler=address).start()


def test_version_differences_name_lifeos_core_and_missing_missions():
    here = {"lifeos-core": "0.2.0", "plugins": [{"distribution": "tide-pack", "version": "1.0"}]}
    same = {"installed": {"lifeos-core": "0.2.0", "tide-pack": "1.0"}, "missing": []}
    assert version_differences(here, same) == []
    there = {"installed": {"lifeos-core": "0.3.0", "tide-pack": "1.0"}, "missing": ["tide"]}
    assert version_differences(here, there) == ["mission 'tide' is not installed", "lifeos-core 0.3.0 (here: 0.2.0)"]


@pytest.mark.parametrize(("arguments", "words"), [
    ({}, "exactly one of workers=N"),
    ({"workers": 2, "scheduler": "tcp://x:1"}, "got workers, scheduler"),
    ({"workers": 0}, "workers must be a whole number of at least 1"),
    ({"workers": True}, "workers must be a whole number"),
    ({"scheduler": " "}, "scheduler must be an address"),
    ({"workers": 2, "batch_size": 0}, "batch_size must be a whole number"),
])
def test_a_dask_executor_checks_what_it_is_given(arguments, words):
    with pytest.raises(ExecutorError, match=words):
        DaskExecutor(**arguments)


@pytest.fixture
def without_dask(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name.split(".")[0] in {"dask", "distributed"} else real(name, *args))


def test_without_dask_a_parallel_run_says_what_to_install(without_dask):
    with pytest.raises(ExecutorError, match=r'not installed: pip install "lifeos-core\[dask\]"'):
        DaskExecutor(workers=2)


def test_the_cli_says_what_to_install_too(without_dask):
    result = CliRunner().invoke(app, ["test", "examples/smoke.lifeos.yaml", "--workers", "2"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        'error: running scenarios on Dask needs dask.distributed, which is not installed: '
        'pip install "lifeos-core[dask]"'
    ]


@pytest.mark.parametrize(("arguments", "words"), [
    (["--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"], "use --workers (local worker processes) or --scheduler"),
    (["--batch-size", "10"], "--batch-size applies to runs on Dask"),
    (["--workers", "0"], "Invalid value for '--workers' / '-n'"),
])
def test_the_cli_refuses_executor_options_that_do_not_fit(arguments, words):
    result = CliRunner().invoke(app, ["test", "examples/smoke.lifeos.yaml", *arguments])
    assert result.exit_code == 2
    assert words in result.stderr


def test_the_ledger_says_what_ran_a_test_run(tmp_path):
    ledger = tmp_path / "ledger.sqlite3"
    runner = CliRunner()
    assert runner.invoke(app, ["test", "examples/smoke.lifeos.yaml", "--ledger", str(ledger)]).exit_code == 0
    record = runner.invoke(app, ["runs", "list", "--json", "--ledger", str(ledger)])
    shown = runner.invoke(app, ["runs", "show", json.loads(record.stdout)[0]["id"], "--ledger", str(ledger)])
    assert "  run by        sequential" in shown.stdout.splitlines()


@pytest.mark.parametrize(("executor", "words"), [
    ({"kind": "sequential"}, "sequential"),
    ({"kind": "dask", "workers": 1}, "dask, 1 local worker"),
    ({"kind": "dask", "workers": 4, "batch_size": 50}, "dask, 4 local workers, batches of 50"),
    ({"kind": "dask", "scheduler": "tcp://10.0.0.5:8786"}, "dask, scheduler tcp://10.0.0.5:8786"),
])
def test_what_ran_a_plan_is_said_in_words(executor, words):
    assert describe_run_by(executor) == words


class WorkerWithoutLifeos:
    """Stands in for a distributed.Client whose one worker cannot import lifeos_core."""

    def scheduler_info(self):
        return {"workers": {"tcp://10.0.0.7:40313": {}}}

    def run(self, function, *args):
        raise ModuleNotFoundError("No module named 'lifeos_core'")


def test_a_worker_that_cannot_import_lifeos_is_a_clear_error():
    with pytest.raises(ExecutorError, match=r"^a Dask worker cannot run lifeos \(ModuleNotFoundError: No module "
                                            r"named 'lifeos_core'\); install the same lifeos-core and mission packs "
                                            r"on every worker$"):
        run_suite(SUITE, executor=DaskExecutor(client=WorkerWithoutLifeos()))
