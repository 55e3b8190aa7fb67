"""The base of lifeos's frozen result objects.

Results are set once, in ``__init__``, and then never change: assignment
raises, equality compares their fields, pickling rebuilds them from their
constructor arguments (so they travel between processes), and they are not
hashable because they hold mappings.
"""

from __future__ import annotations

from typing import Any


class FrozenRecord:
    """Subclasses list their constructor arguments, in order, in ``_args``."""

    __slots__ = ()
    _args: tuple[str, ...] = ()

    def _init(self, **values: Any) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def _arguments(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._args)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), self._arguments())

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._arguments() == other._arguments()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]
