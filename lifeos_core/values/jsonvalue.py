"""JSON values: checking them, freezing them, and handing out private copies.

Everything that flows through a run (state, params, payloads, metadata) must be
plain JSON, because it is hashed for the audit trail and must mean the same
thing on every machine. :func:`freeze` checks a value once, at the edge, and
turns it into an immutable form (:class:`FrozenMap` and tuples) that can be
shared without defensive copies. :func:`thaw` gives a caller a fresh, plain,
mutable copy (dicts and lists) that it may change without touching ours.
"""

from __future__ import annotations

import enum
import math
import uuid
from collections.abc import Mapping
from typing import Any

from ..errors import NotJSONError

# RFC 8785 treats every JSON number as an IEEE 754 double: integers beyond
# 2**53 - 1 cannot be carried exactly, so they are refused instead of rounded.
MAX_SAFE_INTEGER = 2**53 - 1

_SCALARS = (str, bool, type(None))


class FrozenMap(dict):
    """A read-only dict.

    :func:`freeze` fills it with checked, frozen JSON values; result objects
    use it (through :func:`readonly`) to hold their parts by name. Being a
    dict, it is read and serialised at C speed (``json``, ``orjson``), while
    every method that would change it raises ``TypeError``. Unlike
    ``types.MappingProxyType`` it can be pickled, and a deep copy of it is the
    thing itself.
    """

    __slots__ = ()

    def __new__(cls, data: Mapping[str, Any] | None = None) -> "FrozenMap":
        frozen = freeze({} if data is None else data, "mapping")
        if not isinstance(frozen, FrozenMap):
            raise NotJSONError(f"FrozenMap needs a mapping, got {type(data).__name__}")
        return cls._trusted(frozen)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Filled by ``__new__``; calling ``__init__`` again changes nothing."""

    @classmethod
    def _trusted(cls, data: Mapping[str, Any]) -> "FrozenMap":
        """A FrozenMap of ``data``, whose values are already frozen (no check)."""
        self = dict.__new__(cls)
        dict.update(self, data)
        return self

    def _read_only(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("a FrozenMap cannot be changed; use lifeos_core.values.jsonvalue.thaw() for a mutable copy")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _read_only  # type: ignore

    def __repr__(self) -> str:
        return f"FrozenMap({dict.__repr__(self)})"

    def __copy__(self) -> "FrozenMap":
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> "FrozenMap":
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap._trusted, (dict(self),))

    __hash__ = None  # type: ignore[assignment]  # equal to dicts, so not hashable


_EMPTY = FrozenMap._trusted({})


def _describe(where: str, key: Any) -> str:
    return f"{where}[{key!r}]"


def freeze(value: Any, where: str = "value") -> Any:
    """Check that ``value`` is JSON and return an immutable copy of it.

    Mappings become :class:`FrozenMap`, lists and tuples become tuples, and
    scalars stay as they are. ``where`` names the value in error messages,
    which point at the exact offending element, e.g. ``state['tasks'][0]``.

    Raises :class:`NotJSONError` for anything JSON cannot carry faithfully:
    non-string keys, NaN or infinite floats, integers beyond 2**53 - 1, strings
    that are not valid Unicode, sets, bytes, dates and other objects.
    """
    try:
        return _freeze(value, where)
    except RecursionError:
        raise NotJSONError(f"{where} is nested too deeply to be a JSON value") from None


def freeze_sorted(value: Mapping[str, Any], where: str = "value") -> FrozenMap:
    """:func:`freeze` of a mapping, with the keys of every object in sorted order
    (so that equal JSON, however its keys were ordered, gives equal values)."""
    try:
        return _freeze(value, where, sort=True)
    except RecursionError:
        raise NotJSONError(f"{where} is nested too deeply to be a JSON value") from None


def _freeze(value: Any, where: str, sort: bool = False) -> Any:
    if isinstance(value, FrozenMap) and not sort:
        return value
    if isinstance(value, _SCALARS):
        if isinstance(value, str):
            _check_text(value, where)
            return value if type(value) is str else str.__str__(value)
        return value
    if isinstance(value, int):
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return int(value)
        raise integer_out_of_range(value, where)
    if isinstance(value, float):
        if math.isfinite(value):
            return float(value)
        raise not_finite(value, where)
    if isinstance(value, Mapping):
        frozen: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotJSONError(
                    f"{where} has the key {key!r} of type {type(key).__name__}; JSON object keys must be strings"
                )
            _check_text(key, where)
            frozen[str(key)] = _freeze(item, _describe(where, key), sort)
        return FrozenMap._trusted(dict(sorted(frozen.items())) if sort else frozen)
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(item, _describe(where, index), sort) for index, item in enumerate(value))
    if isinstance(value, uuid.UUID):
        return str(value)  # its standard string form, as every hash in lifeos writes it
    if isinstance(value, enum.Enum):
        return _freeze(value.value, where, sort)  # its value, as every hash in lifeos writes it
    raise NotJSONError(
        f"{where} is a {type(value).__module__}.{type(value).__qualname__}, not a JSON value "
        "(use a string, number, boolean, null, list or object)"
    )


def integer_out_of_range(value: int, where: str) -> NotJSONError:
    """The error for an integer JSON numbers cannot carry exactly."""
    # (a very long one is not written out: Python refuses to print integers of more than 4300 digits)
    shown = f"the integer {value}" if value.bit_length() <= 200 else \
        f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    return NotJSONError(
        f"{where} is {shown}, beyond what a JSON number carries exactly "
        f"(at most {MAX_SAFE_INTEGER} in size); store it as a string"
    )


def not_finite(value: float, where: str) -> NotJSONError:
    """The error for NaN and the infinities, which JSON has no words for."""
    return NotJSONError(f"{where} is {value!r}, which JSON cannot represent; use null or a string")


def _check_text(text: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise NotJSONError(f"{where} holds text with a lone surrogate, which is not valid Unicode") from None


def thaw(value: Any) -> Any:
    """Return a plain, mutable deep copy (dicts and lists) of a JSON value."""
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(item) for item in value]
    return value


def readonly(items: Mapping[str, Any]) -> FrozenMap:
    """A read-only copy of ``items`` whose values are kept as they are (not
    checked as JSON): for mappings of result objects."""
    return FrozenMap._trusted(dict(items))


def freeze_mapping(value: Mapping[str, Any] | None, where: str) -> FrozenMap:
    """Freeze a value that must be a JSON object (``None`` means empty)."""
    if value is None or (type(value) is dict and not value):
        return _EMPTY
    if not isinstance(value, Mapping):
        raise NotJSONError(f"{where} must be a mapping (a JSON object), got {type(value).__name__}")
    return freeze(value, where)


def first_difference(left: Any, right: Any) -> str | None:
    """The dotted path of the first place two JSON values differ, or ``None``.

    Paths use the expectation syntax (``daily.priorities.0.id``); the empty
    path means the values differ at the top. Integers and floats with the same
    value (``1`` and ``1.0``) count as equal, as in JSON.
    """
    found = differences(left, right, limit=1)
    return found[0] if found else None


def differences(left: Any, right: Any, limit: int = 20, path: str = "") -> list[str]:
    """The dotted paths where two JSON values differ, in order, at most ``limit``."""
    found: list[str] = []
    _collect_differences(left, right, path, found, limit)
    return found


def _collect_differences(left: Any, right: Any, path: str, found: list[str], limit: int) -> None:
    if len(found) >= limit:
        return
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        for key in list(left) + [key for key in right if key not in left]:
            if key not in left or key not in right:
                found.append(_join(path, key))
            else:
                _collect_differences(left[key], right[key], _join(path, key), found, limit)
            if len(found) >= limit:
                return
        return
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        for index, (a, b) in enumerate(zip(left, right)):
            _collect_differences(a, b, _join(path, str(index)), found, limit)
            if len(found) >= limit:
                return
        if len(left) != len(right):
            found.append(_join(path, str(min(len(left), len(right)))))
        return
    if isinstance(left, bool) or isinstance(right, bool):
        if left is not right:
            found.append(path)
        return
    if not (left == right and type(left) in (type(right), int, float)):
        found.append(path)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
