"""lifeos-core's own plugin: registers the built-in operations (``noop``, ``fail``, ``set``).

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
