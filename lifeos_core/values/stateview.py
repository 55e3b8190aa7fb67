"""The state an operation is handed when the state holds big values.

Decoding a 10 MB state costs ten times more than encoding and hashing it, so
an operation that changes one small key of a big state must not pay for
decoding the rest. :class:`StateView` is a real ``dict`` whose big top-level
values stay encoded (an :class:`Unread` stands in for each) until the
operation first reads them; then they are decoded, once, into fresh plain
values of its own. Everything Python offers for reading a dict goes through
:meth:`StateView.__getitem__` (``state[k]``, ``get``, ``items()``,
``values()``, ``dict(state)``, ``{**state}``, ``f(**state)``, ``json.dumps``,
``copy``, ``pickle``, ``==``), so an operation sees exactly the state it
would see as a plain dict. What the operation returns is encoded again only
where it read or wrote: a value still unread is its old encoding, whatever
key it now stands under.

Only C code that reads a dict's storage directly (``orjson.dumps(state)``)
meets an :class:`Unread`, and refuses it as not JSON: pass ``dict(state)``.
"""

from __future__ import annotations

import copy
from collections.abc import ItemsView, Iterator, ValuesView
from typing import Any

import orjson

from .collector import collector_paused

LAZY_BYTES = 64 * 1024
"""Top-level values of at least this many encoded bytes are decoded only when
read (about half a millisecond of decoding: below it, deciding costs more
than decoding)."""
QUIET_GC_BYTES = 256 * 1024
"""Decoding at least this many bytes runs with the garbage collector paused
(see :mod:`lifeos_core.values.collector`)."""


def decode(stored: bytes) -> Any:
    """``orjson.loads(stored)``, with the collector paused for big inputs."""
    if len(stored) < QUIET_GC_BYTES:
        return orjson.loads(stored)
    with collector_paused():
        return orjson.loads(stored)


class Unread:
    """A top-level value not read yet: its encoded piece (stored bytes,
    canonical bytes, digest) stands in for it."""

    __slots__ = ("piece",)

    def __init__(self, piece: tuple[bytes, bytes, str]) -> None:
        self.piece = piece

    def __repr__(self) -> str:
        return f"<value not read yet: {len(self.piece[0])} bytes>"


class StateView(dict):  # type: ignore[type-arg]
    """A ``dict`` whose big values are decoded when first read (see the module)."""

    __slots__ = ()

    def __getitem__(self, key: Any) -> Any:
        value = dict.__getitem__(self, key)
        if type(value) is Unread:
            value = decode(value.piece[0])
            dict.__setitem__(self, key, value)
        return value

    def __iter__(self) -> Iterator[Any]:
        # Defined so that CPython's dict merging (dict(view), {**view}, f(**view),
        # dict.update(view)) takes its general path, which reads each value by key.
        return dict.__iter__(self)

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key] if key in self else default

    def items(self) -> ItemsView[Any, Any]:  # type: ignore[override]
        return ItemsView(self)

    def values(self) -> ValuesView[Any]:  # type: ignore[override]
        return ValuesView(self)

    def pop(self, key: Any, *default: Any) -> Any:
        if key in self:
            value = self[key]
            dict.__delitem__(self, key)
            return value
        if default:
            return default[0]
        raise KeyError(key)

    def popitem(self) -> tuple[Any, Any]:
        if not self:
            raise KeyError("popitem(): dictionary is empty")
        key = next(reversed(dict.keys(self)))
        return key, self.pop(key)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key in self:
            return self[key]
        dict.__setitem__(self, key, default)
        return default

    def copy(self) -> dict[Any, Any]:
        """A plain dict of the same state (every value read)."""
        return {key: self[key] for key in dict.__iter__(self)}

    __copy__ = copy

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[Any, Any]:
        return copy.deepcopy(self.copy(), memo)

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (self.copy(),))

    def __eq__(self, other: object) -> bool:
        return self.copy() == other

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self.copy())

    def __or__(self, other: Any) -> Any:
        if not isinstance(other, dict):
            return NotImplemented
        merged = self.copy()
        merged.update(other)
        return merged

    def __ror__(self, other: Any) -> Any:
        if not isinstance(other, dict):
            return NotImplemented
        merged = dict(other)
        merged.update(self.copy())
        return merged
