"""The hooks a lifeos plugin can implement.

A plugin is any module or object with functions marked ``@hookimpl``; mission
packs expose one through an entry point in the ``lifeos`` group. Each hook
receives a ``register`` callback, so a plugin states what it provides without
returning values that the host would have to merge.
"""

from __future__ import annotations

from typing import Any, Callable

import pluggy

PROJECT_NAME = "lifeos"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def lifeos_register_missions(register: Callable[[Any], None]) -> None:
    """Register missions by calling ``register(Mission(...))`` once for each."""


@hookspec
def lifeos_register_operations(register: Callable[..., None]) -> None:
    """Register runtime operations: ``register(name, function)``.

    ``function(state, payload, context)`` receives private copies of the state
    and the step payload plus a :class:`~lifeos_core.engine.context.StepContext`, and
    returns the new state (a dict). Raise :class:`~lifeos_core.StepFailed` to
    fail the step with a reason.
    """


@hookspec
def lifeos_register_effects(register: Callable[[Any], None]) -> None:
    """Register kinds of effect: ``register(EffectKind(name, scope, target, perform, write=False))``.

    An operation takes one with ``context.effects.call(name, request)``: the
    user grants it with ``--allow SCOPE:TARGET`` (``target(request)`` says what
    the grant is matched against), ``perform(request)`` does the I/O outside
    the envelope and returns the response (JSON), and both are recorded, so a
    replay needs no I/O. A ``write`` kind is deferred: performed only after
    the run succeeded and was recorded. lifeos-core registers its built-in
    kinds (read_text, list_files, run, http, write_text) through this hook.
    """


@hookspec
def lifeos_register_commands(app: Any) -> None:
    """Add commands to the ``lifeos`` command line.

    ``app`` is a :class:`typer.Typer` of the plugin's own: decorate functions
    with ``@app.command()`` (or ``app.add_typer(...)`` a group of them) and
    they appear as ``lifeos <name>``. Called only when the command line needs
    the list of commands, so it costs nothing to other commands; a name that
    clashes with a built-in command is refused.
    """
