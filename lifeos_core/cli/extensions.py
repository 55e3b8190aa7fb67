"""Commands that plugins add through ``lifeos_register_commands(app)``.

Plugin commands are collected only when the command line needs them: to list
all commands (``lifeos --help``) or to run a name that is not built in. Each
plugin gets a Typer app of its own, so one plugin's mistake (a hook that
raises, a command Typer cannot build, a name that clashes) is recorded
against that plugin and the rest of the command line keeps working.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import typer
from typer.core import TyperGroup


@dataclass
class PluginCommands:
    commands: dict[str, Any] = field(default_factory=dict)  # name -> click command
    sources: dict[str, str] = field(default_factory=dict)  # name -> "distribution version"
    problems: list[str] = field(default_factory=list)


_collected: dict[int, tuple[Any, PluginCommands]] = {}


def plugin_commands(builtin: set[str]) -> PluginCommands:
    """Ask every plugin of the active registry for its commands, once per registry."""
    from ..errors import LifeosError
    from ..plugins.active import active_registry

    try:
        registry = active_registry()
    except LifeosError as exc:  # strict loading failed: built-in commands still work
        return PluginCommands(problems=[str(exc)])
    cached = _collected.get(id(registry))
    if cached is not None and cached[0] is registry:
        return cached[1]
    found = _collect(registry, builtin)
    _collected.clear()
    _collected[id(registry)] = (registry, found)
    return found


def _collect(registry: Any, builtin: set[str]) -> PluginCommands:
    from ..plugins.loading import call_plugin, implementers
    from .output import reports_errors

    found = PluginCommands()
    origins = {info.origin.plugin: info.origin for info in registry.plugins}
    manager = registry.plugin_manager
    for plugin in implementers(manager, "lifeos_register_commands"):
        origin = origins.get(plugin)
        label = f"plugin {plugin} ({origin})"
        plugin_app = typer.Typer()
        try:
            call_plugin(manager, "lifeos_register_commands", plugin, app=plugin_app)
            if not plugin_app.registered_commands and not plugin_app.registered_groups:
                continue
            group = typer.main.get_group(plugin_app)
        except Exception as exc:
            found.problems.append(f"{label}: lifeos_register_commands failed: {type(exc).__name__}: {exc}")
            continue
        for name, command in group.commands.items():
            if name in builtin or name in found.commands:
                owner = "a built-in command" if name in builtin else found.sources[name]
                found.problems.append(f"{label}: command {name!r} clashes with {owner}; it is not added")
                continue
            if command.callback is not None:
                command.callback = reports_errors(command.callback, owns_stdout=True)
            found.commands[name] = command
            found.sources[name] = str(origin)
    return found


def _click_exceptions() -> Any:
    """Click's exception classes (Typer >= 0.2x carries its own copy of Click)."""
    try:
        from typer._click import exceptions
    except ImportError:  # pragma: no cover - an older Typer, on Click itself
        from click import exceptions
    return exceptions


def _no_type_for_flags() -> None:
    """Help shows no type for options that take no value.

    Typer 0.29 writes ``<bool>`` after every flag (``--json <bool>``), as if it
    took a value. Its option class has one method for that column; wrapping
    it once, for every option of every command (the help and completion
    options Typer adds, and plugins' commands, included), is the one place
    that fixes it.
    """
    option = getattr(typer.core, "TyperOption", None)
    original = getattr(option, "display_type_rich", None)
    if original is None or getattr(original, "_lifeos", False):
        return

    def display_type_rich(self: Any, ctx: Any) -> Any:
        return None if getattr(self, "is_flag", False) else original(self, ctx)

    display_type_rich._lifeos = True  # type: ignore[attr-defined]
    option.display_type_rich = display_type_rich


_no_type_for_flags()


class LifeosGroup(TyperGroup):
    """The root command group: built-in commands, then those plugins add.

    A mistake on the command line (an unknown option, a value out of range) is
    one line, like every other error, instead of Click's framed box.
    """

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        import sys

        from .output import EXIT_USAGE, echo

        exceptions = _click_exceptions()
        try:
            code = super().main(args=args, prog_name=prog_name, complete_var=complete_var, standalone_mode=False,
                                **extra)
        except exceptions.NoArgsIsHelpError:
            code = EXIT_USAGE  # the help was shown
        except exceptions.ClickException as exc:
            echo(f"error: {one_line(exc)}", err=True)
            code = exc.exit_code
        except typer.Abort:
            echo("error: aborted", err=True)
            code = 1
        except SystemExit as exc:  # Rich ends the process this way when help meets a closed pipe
            if not isinstance(exc.__context__, BrokenPipeError):
                raise
            code = 0
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)

    def _builtin(self) -> set[str]:
        """The names of the built-in commands."""
        return set(super().list_commands(None))  # type: ignore[arg-type]

    def _with_plugins(self) -> dict[str, Any]:
        return plugin_commands(self._builtin()).commands

    def list_commands(self, ctx: Any) -> list[str]:
        return super().list_commands(ctx) + sorted(self._with_plugins())

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is None:
            command = self._with_plugins().get(cmd_name)
        return command


def one_line(exc: Any) -> str:
    """A Click usage error as one line, naming the command and where its help is."""
    message = " ".join(str(exc.format_message()).split())
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        message += f" (see `{ctx.command_path} --help`)"
    return message
