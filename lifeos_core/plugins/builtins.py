"""lifeos-core's own plugin: registers the built-in operations (``noop``, ``fail``, ``set``)
and the built-in kinds of effect (``read_text``, ``list_files``, ``run``, ``http``, ``write_text``).

Through the same hook a mission pack uses, so the registry has no special
cases for them, except that no pack may replace them (see
:mod:`lifeos_core.plugins.loading`).
"""

from __future__ import annotations

from typing import Callable

from ..engine.operations import fail, noop, set_values
from .hookspecs import hookimpl


@hookimpl
def lifeos_register_operations(register: Callable[..., None]) -> None:
    register("noop", noop)
    register("fail", fail)
    register("set", set_values)


@hookimpl
def lifeos_register_effects(register: Callable[..., None]) -> None:
    from ..engine.effects import BUILTIN_KINDS  # imported when a run asks for the kinds, not at every start

    for kind in BUILTIN_KINDS:
        register(kind)
