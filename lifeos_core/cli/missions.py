"""``lifeos missions list`` and ``lifeos missions show``."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from .output import console, emit_json, escape, print_table, reports_errors

missions_app = typer.Typer(help="List and inspect the installed missions.", no_args_is_help=True)


def complete_mission(incomplete: str) -> list[str]:
    """Shell completion: the installed mission names starting with ``incomplete``."""
    from ..missions import list_missions

    try:
        return [name for name in list_missions() if name.startswith(incomplete)]
    except Exception:  # completion must never break the shell
        return []


def complete_human_step(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion of ``--approve``/``--reject``: the human step ids of the
    mission named on the command line, as planned with the ``--param`` given so far."""
    from ..missions import plan_mission
    from .params import parse_param

    try:
        mission = ctx.params.get("mission")
        params = dict(parse_param(item) for item in ctx.params.get("param") or [])
        workflow = plan_mission(mission, params)
        return [step.id for step in workflow.human_steps if step.id.startswith(incomplete)]
    except (Exception, typer.Exit):  # completion must never break the shell
        return []


@missions_app.command("list")
@reports_errors
def list_missions_command(
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
) -> None:
    """List every installed mission: description, origin and plan size.

    Examples:

      lifeos missions list

      lifeos missions list --json
    """
    from .listing import list_missions_output

    code = list_missions_output(json_output)
    if code:
        raise typer.Exit(code)


@missions_app.command("show")
@reports_errors
def show_mission(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The mission to show.", autocompletion=complete_mission)],
    param: Annotated[Optional[list[str]], typer.Option("--param", "-p", metavar="KEY=VALUE",
                                                       help="A param as key=value (JSON values allowed); repeatable.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
) -> None:
    """Show the workflow a mission plans, and its Anti-Failure budget.

    Each step's id, kind and operation for the given params (defaults
    otherwise), the steps and human steps it uses of the limits, and the
    params the mission declares.

    Examples:

      lifeos missions show daily_loop

      lifeos missions show daily_loop --param requested_human_steps=2 --json
    """
    from ..engine.workflow import MAX_HUMAN_STEPS, MAX_STEPS
    from ..missions import get_mission, plan_mission
    from .params import collect_params

    entry = get_mission(name)
    workflow = plan_mission(name, collect_params(None, param), strict=True)
    budget = {"steps": len(workflow.steps), "max_steps": MAX_STEPS,
              "human_steps": len(workflow.human_steps), "max_human_steps": MAX_HUMAN_STEPS}
    params = [{"name": p.name, "type": p.type.__name__, "required": p.required,
               "default": None if p.required else workflow.metadata["resolved_params"].get(p.name, p.default),
               "accepts": p.describe(), "help": p.help} for p in entry.params]
    reads = dict(entry.mission.reads)
    effects = dict(entry.mission.effects)
    if json_output:
        emit_json({"mission": entry.name, "description": entry.description, "distribution": entry.distribution,
                   "version": entry.version, "workflow": workflow.to_dict(), "budget": budget, "params": params,
                   "reads": reads, "effects": effects})
        return
    out = console()
    out.print(f"[bold]{escape(entry.name)}[/] ({escape(workflow.id)}) from {escape(entry.distribution)} "
              f"{escape(entry.version)}")
    out.print(escape(entry.description))
    print_table([[str(index), step.id, step.kind, step.operation or "-", step.description]
                 for index, step in enumerate(workflow.steps, 1)],
                headers=["#", "Step", "Kind", "Operation", "Description"])
    out.print(f"Anti-Failure budget: steps {budget['steps']}/{MAX_STEPS}, "
              f"human steps {budget['human_steps']}/{MAX_HUMAN_STEPS}")
    if params:
        from ..values.jsonvalue import thaw

        out.print("Params:")
        for p in params:
            value = ("required" if p["required"] else "optional" if p["default"] is None  # as JSON: as -p takes it
                     else f"= {json.dumps(thaw(p['default']), ensure_ascii=False)}")
            out.print(f"  {escape(p['name'])} {escape(value)}  ({escape(p['accepts'])}) {escape(p['help'])}")
    if reads:
        out.print("Reads from the state:")
        for key, help_text in reads.items():
            out.print(f"  {escape(key)}  {escape(help_text)}")
    if effects:
        out.print("Effects it may take (grant them with --allow SCOPE:WHAT):")
        for scope, why in effects.items():
            out.print(f"  {escape(scope)}  {escape(why)}")


def register(app: typer.Typer) -> None:
    app.add_typer(missions_app, name="missions")
