"""``lifeos plugins``: what each installed plugin provides, and what failed."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .output import console, emit_json, escape, reports_errors


def describe_plugins(registry: Any, command_problems: list[str] | None = None) -> dict[str, Any]:
    """The registry's plugins, skips, failures and conflicts as plain data."""
    provided: dict[str, dict[str, list[str]]] = {}
    for name, entry in registry.missions.items():
        provided.setdefault(entry.plugin, {"missions": [], "operations": []})["missions"].append(name)
    for name, entry in registry.operations.items():
        provided.setdefault(entry.origin.plugin, {"missions": [], "operations": []})["operations"].append(name)
    plugins = []
    kinds = registry.effect_kind_plugins()
    needs: dict[str, dict[str, str]] = {}
    for name, entry in registry.missions.items():
        for scope, why in entry.mission.effects.items():
            needs.setdefault(entry.plugin, {})[f"{name}: {scope}"] = why
    for info in registry.plugins:
        offers = provided.get(info.origin.plugin, {"missions": [], "operations": []})
        plugins.append({
            "name": info.origin.plugin,
            "distribution": info.origin.distribution,
            "version": info.origin.version,
            "module": info.module,
            "hooks": list(info.hooks),
            "missions": sorted(offers["missions"]),
            "operations": sorted(offers["operations"]),
            "effect_kinds": kinds.get(info.origin.plugin, []),
            "effects_needed": needs.get(info.origin.plugin, {}),
            "load_ms": info.load_ms,
            "slow": info.slow,
        })
    return {
        "plugins": plugins,
        "failed": [{"name": failure.origin.plugin, "distribution": failure.origin.distribution,
                    "version": failure.origin.version, "mission": failure.mission, "error": failure.error}
                   for failure in registry.failures],
        "skipped": [{"name": skip.origin.plugin, "distribution": skip.origin.distribution,
                     "version": skip.origin.version, "reason": skip.reason} for skip in registry.skipped],
        "command_problems": list(command_problems or []),
        "conflicts": [{"kind": conflict.kind, "name": conflict.name,
                       "providers": [str(origin) for origin in conflict.providers], "message": conflict.message()}
                      for conflict in registry.conflicts],
    }


@reports_errors
def plugins(
    ctx: typer.Context,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
) -> None:
    """Show the installed plugins, what they provide, and what failed to load.

    For each plugin: its distribution, version, module, hooks, missions and
    operations; then every plugin that failed to load, with the error, and
    every name two plugins claim.

    Examples:

      lifeos plugins

      lifeos plugins --json
    """
    from ..plugins.active import active_registry
    from ..plugins.registry import SLOW_LOAD_MS
    from .extensions import plugin_commands

    root = ctx.find_root().command
    data = describe_plugins(active_registry(), plugin_commands(set(root.commands)).problems)
    if json_output:
        emit_json(data)
        return
    out = console()
    for plugin in data["plugins"]:
        out.print(f"[bold]{escape(plugin['name'])}[/] {escape(plugin['distribution'])} {escape(plugin['version'])}"
                  f"  [dim]{escape(plugin['module'])}, loaded in {plugin['load_ms']:.1f} ms[/]")
        if plugin["slow"]:
            out.print(f"  [yellow]slow:[/] more than {SLOW_LOAD_MS:.0f} ms to load, which every lifeos command "
                      "pays; import heavy dependencies inside the functions that use them")
        out.print(f"  hooks: {escape(', '.join(plugin['hooks']) or 'none')}")
        if plugin["missions"]:
            out.print(f"  missions: {escape(', '.join(plugin['missions']))}")
        if plugin["operations"]:
            out.print(f"  operations: {escape(', '.join(plugin['operations']))}")
        if plugin["effect_kinds"]:
            out.print(f"  effect kinds: {escape(', '.join(plugin['effect_kinds']))}")
        for need, why in plugin["effects_needed"].items():
            out.print(f"  effects needed: {escape(need)} ({escape(why)})")
    for failure in data["failed"]:
        what = f"mission {failure['mission']!r} of " if failure["mission"] else ""
        out.print(f"[red bold]failed[/] {escape(what)}{escape(failure['name'])} {escape(failure['distribution'])} "
                  f"{escape(failure['version'])}: {escape(failure['error'])}")
    for conflict in data["conflicts"]:
        out.print(f"[red bold]conflict[/] {escape(conflict['message'])}")
    for skip in data["skipped"]:
        out.print(f"[dim]skipped[/] {escape(skip['name'])} {escape(skip['distribution'])} {escape(skip['version'])}: "
                  f"{escape(skip['reason'])}")
    for problem in data["command_problems"]:
        out.print(f"[red bold]command[/] {escape(problem)}")


def register(app: typer.Typer) -> None:
    app.command()(plugins)
