"""``lifeos plugins``: what each installed plugin provides, and what failed."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .output import console, emit_json, escape, reports_errors


def describe_plugins(registry: Any) -> dict[str, Any]:
    """The registry's plugins, failures and conflicts as plain data."""
    provided: dict[str, dict[str, list[str]]] = {}
    for name, entry in registry.missions.items():
        provided.setdefault(entry.plugin, {"missions": [], "operations": []})["missions"].append(name)
    for name, entry in registry.operations.items():
        provided.setdefault(entry.origin.plugin, {"missions": [], "operations": []})["operations"].append(name)
    plugins = []
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
        })
    return {
        "plugins": plugins,
        "failed": [{"name": failure.origin.plugin, "distribution": failure.origin.distribution,
                    "version": failure.origin.version, "error": failure.error} for failure in registry.failures],
        "conflicts": [{"kind": conflict.kind, "name": conflict.name,
                       "providers": [str(origin) for origin in conflict.providers], "message": conflict.message()}
                      for conflict in registry.conflicts],
    }


@reports_errors
def plugins(
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
    from ..plugins import active_registry

    data = describe_plugins(active_registry())
    if json_output:
        emit_json(data)
        return
    out = console()
    for plugin in data["plugins"]:
        out.print(f"[bold]{escape(plugin['name'])}[/] {escape(plugin['distribution'])} {escape(plugin['version'])}"
                  f"  [dim]{escape(plugin['module'])}[/]")
        out.print(f"  hooks: {escape(', '.join(plugin['hooks']) or 'none')}")
        if plugin["missions"]:
            out.print(f"  missions: {escape(', '.join(plugin['missions']))}")
        if plugin["operations"]:
            out.print(f"  operations: {escape(', '.join(plugin['operations']))}")
    for failure in data["failed"]:
        out.print(f"[red bold]failed[/] {escape(failure['name'])} {escape(failure['distribution'])} "
                  f"{escape(failure['version'])}: {escape(failure['error'])}")
    for conflict in data["conflicts"]:
        out.print(f"[red bold]conflict[/] {escape(conflict['message'])}")


def register(app: typer.Typer) -> None:
    app.command()(plugins)
