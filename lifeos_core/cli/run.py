"""``lifeos run``, as Typer declares it: its arguments, options and help.

What the command does lives in :mod:`lifeos_core.cli.running`, which a
plain ``lifeos run`` reaches without Typer (see there).
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .flags import AllowOption, ByOption, FormatOption, LedgerOption, NoRecordOption, NoteOption, QuietOption, VerboseOption
from .missions import complete_human_step, complete_mission


def run(
    mission: Annotated[str, typer.Argument(metavar="MISSION", help="The mission to run (see `lifeos missions list`).",
                                           autocompletion=complete_mission)],
    param: Annotated[Optional[list[str]], typer.Option(
        "--param", "-p", metavar="KEY=VALUE", help="A param as key=value (JSON values allowed); repeatable.")] = None,
    params_file: Annotated[Optional[str], typer.Option(
        "--params", metavar="FILE", help="Params from a JSON, YAML or TOML file, or - for standard input "
                                         "(--param wins).")] = None,
    state: Annotated[Optional[str], typer.Option(
        "--state", metavar="FILE", help="The initial state, from a JSON, YAML or TOML file, or - for "
                                        "standard input.")] = None,
    input_format: FormatOption = None,
    approve: Annotated[Optional[list[str]], typer.Option(
        "--approve", metavar="STEP", help="Approve a human step; repeatable.",
        autocompletion=complete_human_step)] = None,
    reject: Annotated[Optional[list[str]], typer.Option(
        "--reject", metavar="STEP", help="Reject a human step; repeatable.",
        autocompletion=complete_human_step)] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Approve every human step not decided otherwise.")] = False,
    clock: Annotated[Optional[str], typer.Option(
        "--clock", metavar="TIME", help="The run's time (ISO 8601), instead of now, to reproduce a run; "
                                        "an offset (-10:00) is also the run's time zone unless --tz says otherwise.")] = None,
    tz: Annotated[Optional[str], typer.Option(
        "--tz", metavar="ZONE", help="The time zone the run's local time is in (Europe/Paris, -05:00): what "
                                     "day it is for the mission. Default: the --clock offset, else $TZ, else "
                                     "this machine's zone. Recorded with the run.")] = None,
    verify: Annotated[bool, typer.Option(
        "--verify", help="Run each step twice, and the whole run again in a second process, and fail if "
                         "they differ (proves determinism).")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the full result as JSON.")] = False,
    output: Annotated[Optional[str], typer.Option(
        "--output", "-o", metavar="FILE",
        help="Also write the full result as JSON to FILE (atomically); - for standard output.")] = None,
    save_state: Annotated[Optional[str], typer.Option(
        "--save-state", metavar="FILE",
        help="Write the final state to FILE (JSON, YAML or TOML by extension, atomically), to carry it to "
             "the next run; - for standard output.")] = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
    ledger: LedgerOption = None,
    no_record: NoRecordOption = False,
    by: ByOption = None,
    note: NoteOption = None,
    allow: AllowOption = None,
    no_prompt: Annotated[bool, typer.Option(
        "--no-prompt", help="Never ask at the terminal for a grant an effect lacks.")] = False,
) -> None:
    """Run a mission and report its outcome.

    Human steps: --approve/--reject decide them in advance, --yes approves the
    rest. A human step nobody decided pauses the run there: at a terminal you
    are shown what there is to approve and asked (approve, reject, or later);
    otherwise, or "later", the run waits, recorded in the ledger, for
    lifeos runs approve/reject. Decisions record who made them (--by, else
    $LIFEOS_USER, else your login name), when, and --note. The current time is
    the run's clock (--clock to reproduce a run), read in your time zone
    (--tz, else the --clock offset, $TZ or the system's). The run is recorded in the
    ledger (see lifeos runs) unless --no-record. Effects (reading your files,
    running commands, HTTP, writing files) need grants: --allow read:PATH,
    write:PATH, run:COMMAND, net:HOST, env:NAME; writes are applied once the
    run succeeded and was recorded (see docs/effects.md). Exit code 0 on success, 1 when
    the mission failed or was rejected, 2 on bad input, 4 when it waits for a
    human.

    Examples:

      lifeos run echo --param message=hello

      lifeos run daily_loop --state tasks.yaml --param capacity_minutes=180 --approve confirm-plan

      lifeos run daily_loop --state tasks.yaml --yes --save-state tasks.yaml

      lifeos run my_mission --allow read:~/notes --allow run:pytest

      cat state.json | lifeos run daily_loop --state - --yes --json
    """
    from .running import run_command

    run_command(mission, param=param, params_file=params_file, state=state, input_format=input_format,
                approve=approve, reject=reject, yes=yes, clock=clock, tz=tz, verify=verify, json_output=json_output,
                output=output, save_state=save_state, quiet=quiet, verbose=verbose, ledger=ledger,
                no_record=no_record, by=by, note=note, allow=allow, no_prompt=no_prompt)


def register(app: typer.Typer) -> None:
    app.command()(run)
