"""``lifeos missions list``, without Typer.

Listing the missions is the command people and scripts run most, so it is
kept fast: :func:`lifeos_core.cli.main` runs :func:`list_missions_output`
directly for ``lifeos missions list [--json]``, and the Typer command of the
same name calls it too. Nothing here imports Typer (or Rich, unless the
output goes to a terminal).
"""

from __future__ import annotations

from typing import Any

from .output import EXIT_OK, EXIT_USAGE, emit_json, echo, format_error, print_table, warn


def _plan_summary(entry: Any) -> dict[str, Any]:
    """Step counts of a mission's plan for its default params (or why there is none)."""
    from ..errors import LifeosError
    from ..missions import plan_mission

    try:
        workflow = plan_mission(entry.name, {})
    except LifeosError as exc:
        return {"steps": None, "human_steps": None, "note": str(exc)}
    return {"steps": len(workflow.steps), "human_steps": len(workflow.human_steps)}


def list_missions_output(json_output: bool = False) -> int:
    """Print every installed mission (or JSON); return the exit code."""
    from ..errors import LifeosError
    from ..plugins.active import active_registry

    try:
        registry = active_registry()
    except LifeosError as exc:
        echo(format_error(exc), err=True)
        return EXIT_USAGE
    rows = []
    for name in registry.mission_names():
        entry = registry.missions[name]
        rows.append({"name": name, "description": entry.description, "distribution": entry.distribution,
                     "version": entry.version, **_plan_summary(entry)})
    problems = registry.problems()
    if json_output:
        emit_json({"missions": rows, "problems": problems})
        return EXIT_OK
    if not rows:
        echo("No missions installed. Install a mission pack, e.g. pip install lifeos-mission-echo")
    else:
        table = [[row["name"], "?" if row["steps"] is None else f"{row['steps']} ({row['human_steps']} human)",
                  row["description"], f"{row['distribution']} {row['version']}"] for row in rows]
        print_table(table, headers=["Mission", "Steps", "Description", "From"], styles={0: lambda cell: "bold"})
    if problems:
        warn(f"{len(problems)} plugin problem(s); run `lifeos plugins` for details")
    return EXIT_OK


def warn_about_plugin_selection(disabled: tuple[str, ...] = ()) -> None:
    """Name each plugin distribution the selection asks for (``--disable-plugin``,
    ``LIFEOS_DISABLE_PLUGINS``, ``LIFEOS_LOAD_PLUGINS``) that is not installed:
    a typo, usually. Costs nothing when there is no selection."""
    import os

    if not disabled and "LIFEOS_DISABLE_PLUGINS" not in os.environ and "LIFEOS_LOAD_PLUGINS" not in os.environ:
        return
    from ..plugins.loading import selection_warnings
    from ..plugins.active import selection_from_environment

    for message in selection_warnings(selection_from_environment(disabled=disabled)):
        warn(message)
