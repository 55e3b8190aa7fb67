"""``lifeos test``, ``lifeos validate`` and ``lifeos schema``: working with test plans."""

from __future__ import annotations

import contextlib
import json
from typing import Annotated, Any, Optional

import typer

from .output import (
    EXIT_FAILED,
    EXIT_NOTHING_TESTED,
    EXIT_OK,
    EXIT_USAGE,
    Settings,
    console,
    echo,
    emit_json,
    escape,
    fail_usage,
    is_terminal,
    reports_errors,
    warn,
)
from .flags import FormatOption, LedgerOption, NoRecordOption, QuietOption, VerboseOption
from .options import verbosity_of, write_after_the_run
from .recording import open_for_recording, record_run

PROGRESS_FROM = 10  # scenarios; smaller plans finish before a bar is worth drawing

PlanArgument = Annotated[str, typer.Argument(
    metavar="PLAN", help="The plan file (.yaml, .yml, .toml or .json), or - for standard input.")]
ExpectationsArgument = Annotated[Optional[str], typer.Argument(
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


def screenful() -> int:
    """How many lines fit on the screen (24 when there is no terminal to ask)."""
    import shutil

    return shutil.get_terminal_size((80, 24)).lines


def print_test_report(execution: Any, expectations: Any, verbosity: int = 0) -> None:
    """Each scenario with its missions and verdicts, then the summary.

    ``verbosity`` 1 lists everything, -1 only the summary; 0 lists everything
    for a plan that fits on the screen and, for a larger one, only what failed.
    """
    out = console()
    result = execution.result
    verdicts = result.expectations_result.expectation_results
    by_scenario: dict[str, list[Any]] = {}
    for expectation in expectations.expectations:
        by_scenario.setdefault(expectation.scenario_name, []).append(expectation)
    scenario_results = result.suite_result.scenario_results
    only_failures = verbosity == 0 and len(scenario_results) > screenful()
    missions = failed_missions = paused_missions = hidden = 0
    for name, scenario in scenario_results.items():
        own = by_scenario.pop(name, [])
        missions += len(scenario.mission_results)
        failed_missions += sum(run.status == "failed" for run in scenario.mission_results.values())
        paused_missions += sum(run.status == "paused" for run in scenario.mission_results.values())
        failed = any(run.status == "failed" for run in scenario.mission_results.values()) or any(
            not verdicts[expectation.id].passed for expectation in own if expectation.id in verdicts)
        if verbosity < 0 or (only_failures and not failed):
            hidden += 1
            continue
        out.print(f"[bold]scenario {escape(name)}[/]")
        for key, run in scenario.mission_results.items():
            if run.success:
                if not only_failures:
                    out.print(f"  mission {escape(key)}: [green]succeeded[/]")
            elif run.paused_at is not None:
                if not only_failures:
                    out.print(f"  mission {escape(key)}: [yellow]paused[/] at {escape(run.paused_at)}, "
                              "waiting for a human")
            else:
                out.print(f"  mission {escape(key)}: [red]FAILED[/] at {escape(run.failed_step_id)}: "
                          f"{escape(run.error_message)}")
        for expectation in own:
            if not only_failures or not verdicts[expectation.id].passed:
                _print_verdict(out, verdicts[expectation.id])
    leftovers = [e for group in by_scenario.values() for e in group]
    if only_failures and hidden:
        out.print(f"[dim]({_count(hidden, 'scenario')} that passed not listed; -v lists everything)[/]")
    if leftovers and verbosity >= 0:
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
                 + _not_finished(failed_missions, paused_missions))
    verdict = "[green bold]passed[/]" if result.passed and not execution.skipped else "[red bold]failed[/]"
    out.print(f"{verdict}: {escape('; '.join(parts))}")
    out.print(f"test_run_hash {result.metadata['test_run_hash']}")


def _not_finished(failed: int, paused: int) -> str:
    """`` (1 failed, 2 paused)``: the missions that did not succeed, if any."""
    parts = [f"{count} {word}" for count, word in ((failed, "failed"), (paused, "paused")) if count]
    return f" ({', '.join(parts)})" if parts else ""


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
    input_format: FormatOption = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the test run as JSON.")] = False,
    junit_xml: Annotated[Optional[str], typer.Option(
        "--junit-xml", metavar="FILE",
        help="Also write a JUnit XML report (one testcase per expectation); - for standard output.")] = None,
    fail_fast: Annotated[bool, typer.Option(
        "--fail-fast", "-x", help="Stop after the first scenario with a failing expectation.")] = False,
    verify: Annotated[bool, typer.Option(
        "--verify", help="Run every mission step twice, and the plan again in a second process, and fail when "
                         "they differ.")] = False,
    workers: Annotated[Optional[int], typer.Option(
        "--workers", "-n", min=1, metavar="N",
        help="Run the scenarios on N local Dask worker processes (needs lifeos-core\\[dask]).")] = None,
    scheduler: Annotated[Optional[str], typer.Option(
        "--scheduler", metavar="ADDRESS",
        help="Run the scenarios on a running Dask cluster, e.g. tcp://10.0.0.5:8786 (needs lifeos-core\\[dask]).")
    ] = None,
    batch_size: Annotated[Optional[int], typer.Option(
        "--batch-size", min=1, metavar="N",
        help="Scenarios per Dask task (default: chosen from the plan size).")] = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
    ledger: LedgerOption = None,
    no_record: NoRecordOption = False,
) -> None:
    """Run a test plan and judge it by its expectations.

    The plan is checked first, by the same rules as lifeos validate: a plan
    with problems runs nothing. Then each scenario's missions run and each
    expectation is judged (actual against expected, and why). A plan that
    fits on the screen is listed in full; a larger one lists what failed and
    the summary (-v everything, -q the summary only). The test run is
    recorded in the ledger (see lifeos runs) unless --no-record. Exit code 0
    when every expectation passes, 1 when any fails, 2 when the plan is
    invalid, 5 when it has no scenarios or no expectations.

    With --workers or --scheduler the scenarios run on Dask; the verdict and
    every hash are the same as in a run here.

    Examples:

      lifeos test examples/smoke.lifeos.yaml

      lifeos test suite.json expectations.json --junit-xml report.xml

      lifeos test examples/daily-plan.lifeos.yaml --json

      lifeos test big.lifeos.yaml --workers 2 -q
    """
    from ..harness.executors import describe_executor
    from ..values.reading import read_data_file
    from ..values.writing import check_output, write_text_atomically
    from ..ledger.recording import recorded_test_result
    from ..harness.testrun import run_plan
    from .junit import junit_xml as render_junit
    from .params import refuse_two_stdin_inputs, stdin_format

    verbosity = verbosity_of(quiet, verbose)
    refuse_two_stdin_inputs(plan=plan, expectations=expectations)
    if json_output and junit_xml == "-":
        raise fail_usage("--json and --junit-xml - would both write to standard output; drop one")
    if junit_xml is not None:
        check_output(junit_xml, "--junit-xml", inputs=[("plan", plan)] + (
            [("expectations file", expectations)] if expectations is not None else []))
    plan_data = read_data_file(plan, "test plan", format=stdin_format(plan, input_format))
    expectations_data = (read_data_file(expectations, "expectations file", format=stdin_format(expectations,
                                                                                               input_format))
                         if expectations is not None else None)
    test_plan, report = _checked_plan(plan_data, expectations_data, plan, expectations)
    if report.nothing_to_test:
        warn(f"{plan}: {report.nothing_to_test_reason()}; nothing was run")
        raise typer.Exit(EXIT_NOTHING_TESTED)
    if not test_plan.grants:  # none, or not trusted: what is recorded and checked again carries none either
        from ..harness.plans import plan_data_without_grants

        plan_data = plan_data_without_grants(plan_data)
    executor = _executor(workers, scheduler, batch_size)
    recorder = None if no_record else open_for_recording(ledger)

    def run(on_scenario: Any = None) -> Any:
        return run_plan(test_plan.suite, test_plan.expectations, fail_fast=fail_fast, on_scenario=on_scenario,
                            verify=verify, executor=executor)

    try:
        total = len(test_plan.suite.scenarios)
        show_progress = not json_output and total >= PROGRESS_FROM and is_terminal() and is_terminal(_stderr())
        with contextlib.nullcontext() if executor is None else executor:
            execution = _with_progress(total, run) if show_progress else run()
        if verify:
            difference = _difference_elsewhere(test_plan, plan_data, expectations_data, fail_fast, execution)
            if difference is not None:
                echo(f"error: {difference}", err=True)
                raise typer.Exit(EXIT_FAILED)
        passed = execution.result.passed and not execution.skipped
        code = EXIT_OK if passed else EXIT_FAILED
        if recorder is not None:
            from ..ledger.recording import record_test_run

            code = record_run(recorder, lambda book: record_test_run(
                book, source=str(plan), plan=plan_data, expectations=expectations_data, fail_fast=fail_fast,
                verify=verify, test_plan=test_plan, execution=execution, executor=describe_executor(executor))) or code
    finally:
        if recorder is not None:
            recorder.close()
    if junit_xml is not None:
        code = write_after_the_run("--junit-xml", lambda: write_text_atomically(
            junit_xml, render_junit(execution, test_plan.expectations))) or code
    Settings.outcome = code
    if json_output:
        emit_json(recorded_test_result(execution))
    elif junit_xml != "-":
        print_test_report(execution, test_plan.expectations, verbosity)
    raise typer.Exit(code)


def _checked_plan(plan_data: Any, expectations_data: Any, plan: str, expectations: str | None) -> tuple[Any, Any]:
    """The parsed plan and its report, after the checks `lifeos validate` makes;
    every problem is printed, one line each, and stops the command (exit 2)."""
    from ..harness.checks import read_and_check

    test_plan, report = read_and_check(plan_data, expectations_data, source=str(plan),
                                       expectations_source=str(expectations) if expectations is not None else None)
    for warning in report.warnings:
        warn(warning)
    if report.errors:
        _refuse(report.errors, plan)
    if test_plan.grants:
        from ..values.trust import is_trusted

        if plan == "-" or not is_trusted(plan):
            warn(f"{plan} grants {', '.join(test_plan.grants)}, but it is not trusted, so those grants do not count "
                 f"(read it, then: lifeos trust {plan})")
            test_plan = test_plan.without_grants()
    return test_plan, report


def _refuse(problems: Any, plan: str) -> Any:
    for problem in problems:
        echo(f"error: {problem}", err=True)
    if len(problems) > 1:
        echo(f"error: {plan}: {len(problems)} problems; nothing was run (lifeos validate {plan} checks a plan)",
             err=True)
    raise typer.Exit(EXIT_USAGE)


def _difference_elsewhere(test_plan: Any, plan_data: Any, expectations_data: Any, fail_fast: bool,
                          execution: Any) -> str | None:
    """Run the plan again in a second process (another hash seed): which scenarios
    differ, or ``None``. A plan that does not reproduce is not recorded."""
    from ..ledger.recording import recorded_test_result
    from ..missions import plan_mission
    from .crosscheck import differs_elsewhere

    here = recorded_test_result(execution)
    workflows = [plan_mission(call.name, call.params) for scenario in test_plan.suite.scenarios
                 for call in scenario.missions]
    there = differs_elsewhere({"kind": "plan", "plan": plan_data, "expectations": expectations_data,
                               "source": test_plan.source, "fail_fast": fail_fast}, here, workflows)
    if there is None:
        return None
    ours, theirs = here["suite_result"]["scenario_results"], there["suite_result"]["scenario_results"]
    differing = [name for name in ours if ours[name]["metadata"] != theirs.get(name, {}).get("metadata")]
    return (f"the plan is not reproducible: run again in a second process (another PYTHONHASHSEED), scenario(s) "
            f"{', '.join(differing) or '(none named)'} give other results; a mission depends on set order, hash(), "
            "id(), the pid or the environment (see docs/envelope.md). The test run was not recorded.")


def _executor(workers: int | None, scheduler: str | None, batch_size: int | None) -> Any:
    """The Dask executor the options ask for, or None to run here."""
    from ..harness.executors import ExecutorError

    if workers is not None and scheduler is not None:
        raise ExecutorError("use --workers (local worker processes) or --scheduler (a running cluster), not both")
    if workers is None and scheduler is None:
        if batch_size is not None:
            raise ExecutorError("--batch-size applies to runs on Dask; add --workers N or --scheduler ADDRESS")
        return None
    from ..harness.dask import DaskExecutor

    return DaskExecutor(workers=workers, scheduler=scheduler, batch_size=batch_size)


def _stderr() -> Any:
    import sys

    return sys.stderr


@reports_errors
def validate(
    plan: PlanArgument,
    expectations: ExpectationsArgument = None,
    input_format: FormatOption = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
) -> None:
    """Check a test plan without running it, listing every problem.

    Checks the plan's shape (unknown fields included), that every mission
    exists, accepts its params and stays within the limits, and that every
    expectation points at a scenario and mission the plan runs: the very
    checks lifeos test makes before it runs anything. Exit code 0 when there
    is no problem, 2 otherwise, 5 when the plan is valid but has no
    scenarios or no expectations (it would test nothing).

    Examples:

      lifeos validate examples/daily-plan.lifeos.yaml

      lifeos validate suite.json expectations.json --json
    """
    from ..harness.checks import validate_plan_files
    from .params import refuse_two_stdin_inputs

    refuse_two_stdin_inputs(plan=plan, expectations=expectations)
    _, report = validate_plan_files(plan, expectations, format=input_format)
    code = EXIT_USAGE if not report.valid else EXIT_NOTHING_TESTED if report.nothing_to_test else EXIT_OK
    Settings.outcome = code
    if json_output:
        emit_json(report.to_dict())
    else:
        out, err = console(), console(stderr=True)
        for warning in report.warnings:
            err.print(f"[yellow]warning:[/] {escape(warning)}")
        for problem in report.errors:
            err.print(f"[red]error:[/] {escape(problem)}")
        if not report.valid:
            err.print(f"{escape(plan)}: {_count(len(report.errors), 'problem')}")
        elif report.nothing_to_test:
            err.print(f"[yellow]warning:[/] {escape(plan)}: {escape(report.nothing_to_test_reason())}")
        else:
            out.print(f"{escape(plan)}: [green]valid[/] ({_count(report.scenarios, 'scenario')}, "
                      f"{_count(report.mission_calls, 'mission call')}, {_count(report.expectations, 'expectation')})")
    raise typer.Exit(code)


@reports_errors
def schema(
    expectations_file: Annotated[bool, typer.Option(
        "--expectations", help="The schema of a separate expectations file instead.")] = False,
) -> None:
    """Print the JSON Schema of plan files, for editors and validators.

    Example: lifeos schema > lifeos-plan.schema.json
    """
    from ..harness.schema import schema_text

    echo(json.dumps(json.loads(schema_text("expectations" if expectations_file else "plan")), indent=2))


def register(app: typer.Typer) -> None:
    app.command("test")(judge_plan)
    app.command()(validate)
    app.command()(schema)
