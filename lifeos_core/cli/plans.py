"""``lifeos test``, ``lifeos validate`` and ``lifeos schema``: working with test plans."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from .output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, console, emit_json, escape, is_terminal, reports_errors
from .recording import LedgerOption, NoRecordOption, record_run

PROGRESS_FROM = 10  # scenarios; smaller plans finish before a bar is worth drawing

PlanArgument = Annotated[Path, typer.Argument(metavar="PLAN", help="The plan file (.yaml, .yml, .toml or .json).")]
ExpectationsArgument = Annotated[Optional[Path], typer.Argument(
    metavar="[EXPECTATIONS]", help="A separate expectations file, if the plan keeps them apart.")]


def _with_progress(total: int, run: Any) -> Any:
    """Run ``run(on_scenario)`` under a progress bar on stderr."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console(stderr=True), transient=True) as progress:
        task = progress.add_task("scenarios", total=total)

        def on_scenario(done: int, _total: int, name: str) -> None:
            progress.update(task, completed=done, description=f"scenario {name}")

        return run(on_scenario)


def _mark(passed: bool) -> str:
    return "[green]PASS[/]" if passed else "[red bold]FAIL[/]"


def print_test_report(execution: Any, expectations: Any) -> None:
    out = console()
    result = execution.result
    verdicts = result.expectations_result.expectation_results
    by_scenario: dict[str, list[Any]] = {}
    for expectation in expectations.expectations:
        by_scenario.setdefault(expectation.scenario_name, []).append(expectation)
    missions = failed_missions = 0
    for name, scenario in result.suite_result.scenario_results.items():
        out.print(f"[bold]scenario {escape(name)}[/]")
        for key, run in scenario.mission_results.items():
            missions += 1
            if run.success:
                out.print(f"  mission {escape(key)}: [green]succeeded[/]")
            else:
                failed_missions += 1
                out.print(f"  mission {escape(key)}: [red]FAILED[/] at {escape(run.failed_step_id)}: "
                          f"{escape(run.error_message)}")
        for expectation in by_scenario.pop(name, []):
            _print_verdict(out, verdicts[expectation.id])
    leftovers = [e for group in by_scenario.values() for e in group]
    if leftovers:
        out.print("[bold]expectations on scenarios that did not run[/]")
        for expectation in leftovers:
            if expectation.id in verdicts:
                _print_verdict(out, verdicts[expectation.id])
            else:
                out.print(f"  [yellow]SKIP[/] {escape(expectation.id)}")
    failed = len(result.expectations_result.failed_ids)
    parts = [f"{_count(len(verdicts), 'expectation')}: {len(verdicts) - failed} passed, {failed} failed"]
    if execution.skipped:
        parts.append(f"{len(execution.skipped)} skipped (--fail-fast stopped after {execution.stopped_after!r})")
    parts.append(f"{_count(len(result.suite_result.scenario_results), 'scenario')}, {_count(missions, 'mission')}"
                 + (f" ({failed_missions} failed)" if failed_missions else ""))
    verdict = "[green bold]passed[/]" if result.passed and not execution.skipped else "[red bold]failed[/]"
    out.print(f"{verdict}: {escape('; '.join(parts))}")
    out.print(f"test_run_hash {result.metadata['test_run_hash']}")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _print_verdict(out: Any, verdict: Any) -> None:
    if verdict.passed:
        out.print(f"  {_mark(True)} {escape(verdict.id)}")
        return
    details = verdict.details
    out.print(f"  {_mark(False)} {escape(verdict.id)}: {escape(details.get('message', ''))} "
              f"[dim]({escape(details.get('reason', ''))})[/]")
    if details.get("mission_error"):
        out.print(f"       mission error: {escape(details['mission_error'])}")


@reports_errors
def judge_plan(
    plan: PlanArgument,
    expectations: ExpectationsArgument = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the test run as JSON.")] = False,
    junit_xml: Annotated[Optional[Path], typer.Option(
        "--junit-xml", metavar="FILE", help="Also write a JUnit XML report (one testcase per expectation).")] = None,
    fail_fast: Annotated[bool, typer.Option(
        "--fail-fast", "-x", help="Stop after the first scenario with a failing expectation.")] = False,
    verify: Annotated[bool, typer.Option(
        "--verify", help="Run every mission step twice and fail a mission whose two runs differ.")] = False,
    workers: Annotated[Optional[int], typer.Option(
        "--workers", "-n", min=1, metavar="N",
        help="Run the scenarios on N local Dask worker processes (needs lifeos-core[dask]).")] = None,
    scheduler: Annotated[Optional[str], typer.Option(
        "--scheduler", metavar="ADDRESS",
        help="Run the scenarios on a running Dask cluster, e.g. tcp://10.0.0.5:8786 (needs lifeos-core[dask]).")
    ] = None,
    batch_size: Annotated[Optional[int], typer.Option(
        "--batch-size", min=1, metavar="N",
        help="Scenarios per Dask task (default: chosen from the plan size).")] = None,
    ledger: LedgerOption = None,
    no_record: NoRecordOption = False,
) -> None:
    """Run a test plan and judge it by its expectations.

    Prints each scenario's missions and each expectation's verdict (actual
    against expected, and why), then a summary. The test run is recorded in
    the ledger (see lifeos runs) unless --no-record. Exit code 0 when every
    expectation passes, 1 when any fails, 2 when the plan is invalid.

    With --workers or --scheduler the scenarios run on Dask; the verdict and
    every hash are the same as in a run here.

    Examples:

      lifeos test examples/smoke.lifeos.yaml

      lifeos test suite.json expectations.json --junit-xml report.xml

      lifeos test examples/daily-plan.lifeos.yaml --json

      lifeos test big.lifeos.yaml --workers 2
    """
    from ..config import parse_test_plan
    from ..files import read_data_file, write_text_atomically
    from ..executors import describe_executor
    from ..recording import recorded_test_result
    from ..testrun import execute_plan
    from .junit import junit_xml as render_junit

    plan_data = read_data_file(plan, "test plan")
    expectations_data = read_data_file(expectations, "expectations file") if expectations is not None else None
    test_plan = parse_test_plan(plan_data, expectations_data, source=str(plan),
                                expectations_source=str(expectations) if expectations is not None else None)

    executor = _executor(workers, scheduler, batch_size)

    def run(on_scenario: Any = None) -> Any:
        return execute_plan(test_plan.suite, test_plan.expectations, fail_fast=fail_fast, on_scenario=on_scenario,
                            verify=verify, executor=executor)

    total = len(test_plan.suite.scenarios)
    show_progress = not json_output and total >= PROGRESS_FROM and is_terminal() and is_terminal(_stderr())
    with contextlib.nullcontext() if executor is None else executor:
        execution = _with_progress(total, run) if show_progress else run()
    if junit_xml is not None:
        write_text_atomically(junit_xml, render_junit(execution, test_plan.expectations))
    if json_output:
        emit_json(recorded_test_result(execution))
    else:
        print_test_report(execution, test_plan.expectations)
    failed_to_record = None
    if not no_record:
        from ..plugins import active_registry
        from ..recording import record_test_run

        failed_to_record = record_run(ledger, lambda book: record_test_run(
            book, source=str(plan), plan=plan_data, expectations=expectations_data, fail_fast=fail_fast,
            verify=verify, test_plan=test_plan, execution=execution, registry=active_registry(),
            executor=describe_executor(executor)), quiet=False)
    passed = execution.result.passed and not execution.skipped
    raise typer.Exit(failed_to_record or (EXIT_OK if passed else EXIT_FAILED))


def _executor(workers: int | None, scheduler: str | None, batch_size: int | None) -> Any:
    """The Dask executor the options ask for, or None to run here."""
    from ..executors import ExecutorError

    if workers is not None and scheduler is not None:
        raise ExecutorError("use --workers (local worker processes) or --scheduler (a running cluster), not both")
    if workers is None and scheduler is None:
        if batch_size is not None:
            raise ExecutorError("--batch-size applies to runs on Dask; add --workers N or --scheduler ADDRESS")
        return None
    from ..dask_executor import DaskExecutor

    return DaskExecutor(workers=workers, scheduler=scheduler, batch_size=batch_size)


def _stderr() -> Any:
    import sys

    return sys.stderr


@reports_errors
def validate(
    plan: PlanArgument,
    expectations: ExpectationsArgument = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
) -> None:
    """Check a test plan without running it, listing every problem.

    Checks the plan's shape, that every mission exists, accepts its params and
    stays within the limits, and that every expectation points at a scenario
    and mission the plan runs. Exit code 0 when there is no problem, 2 otherwise.

    Examples:

      lifeos validate examples/daily-plan.lifeos.yaml

      lifeos validate suite.json expectations.json --json
    """
    from ..validation import validate_plan_files

    report = validate_plan_files(plan, expectations)
    if json_output:
        emit_json(report.to_dict())
    else:
        out, err = console(), console(stderr=True)
        for warning in report.warnings:
            err.print(f"[yellow]warning:[/] {escape(warning)}")
        for problem in report.errors:
            err.print(f"[red]error:[/] {escape(problem)}")
        if report.valid:
            out.print(f"{escape(plan)}: [green]valid[/] ({report.scenarios} scenarios, {report.mission_calls} "
                      f"mission calls, {report.expectations} expectations)")
        else:
            err.print(f"{escape(plan)}: {len(report.errors)} problem(s)")
    raise typer.Exit(EXIT_OK if report.valid else EXIT_USAGE)


@reports_errors
def schema(
    expectations_file: Annotated[bool, typer.Option(
        "--expectations", help="The schema of a separate expectations file instead.")] = False,
) -> None:
    """Print the JSON Schema of plan files, for editors and validators.

    Example: lifeos schema > lifeos-plan.schema.json
    """
    from ..schema import schema_text

    typer.echo(json.dumps(json.loads(schema_text("expectations" if expectations_file else "plan")), indent=2))


def register(app: typer.Typer) -> None:
    app.command("test")(judge_plan)
    app.command()(validate)
    app.command()(schema)
