"""The one canonical JSON encoding and the one hash used everywhere in lifeos.

Receipts, lineage, workflow hashes and harness hashes must agree across
machines, processes and Python versions, so they are all computed here from
RFC 8785 (JSON Canonicalization Scheme) bytes: object keys sorted by UTF-16
code units, no whitespace, minimal string escapes, and numbers written the way
ECMAScript writes doubles. Values JSON cannot carry faithfully are refused
with :class:`~lifeos_core.errors.NotJSONError`, never silently coerced; the
one exception is a value with a single obvious JSON form, a ``uuid.UUID``
(its standard string) or an ``enum.Enum`` member (its value), which is
written as that form.
"""

from __future__ import annotations

import enum
import hashlib
import json
import math
import re
import uuid
from collections.abc import Mapping
from json.encoder import encode_basestring
from typing import Any

from ..errors import NotJSONError
from .jsonvalue import MAX_SAFE_INTEGER, FrozenMap, integer_out_of_range, not_finite

# orjson writes RFC 8785 bytes for most values already: sorted keys, no
# whitespace, the same string escapes, integers as they are. It differs only
# for floats (it writes 1.0 and 1e+16 where RFC 8785 writes 1 and
# 10000000000000000), for NaN and infinities (it writes null), and for key
# order when keys hold characters beyond U+FFFF (it sorts by code point, RFC
# 8785 by UTF-16 unit). The scans below find every output that might hold one
# of those, at memory speed; only then is the value walked, and only values
# that really hold floats or such keys take the exact encoder.


def _dumps(value: Any) -> bytes:
    """orjson.dumps with lifeos's options. Importing orjson is itself as slow as
    the rest of a short command, so it happens on the first use, here, which
    then puts the direct call in this function's place."""
    global _dumps
    import orjson

    options = (orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER
               | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS)

    def dumps(value: Any) -> bytes:
        return orjson.dumps(value, option=options)

    _dumps = dumps
    return dumps(value)


# The scans. A single byte is looked for as an integer (``46 in stored``),
# which is a bare memchr; ``b"." in stored`` costs several times more, for the
# buffer protocol. Longer patterns are regexes led by a literal, which the
# regex engine finds faster than ``in`` does.
_DOT, _PLUS, _MINUS = ord("."), ord("+"), ord("-")
_NULL = re.compile(rb"null")
_FRACTION = re.compile(rb"\.[0-9]")  # a float with a fraction: 0.5, 1.0
_MICRO = re.compile(rb"e-6")  # 1e-6 to 9e-6, which RFC 8785 writes in full
_ASTRAL_LEADS = (0xF0, 0xF1, 0xF2, 0xF3, 0xF4)  # first bytes of characters beyond U+FFFF
_SHORT = 1024


def _hints(stored: bytes) -> tuple[bool, bool]:
    """Whether orjson's bytes might hold a float that needs care (or hide a
    NaN), and whether they might hold a key beyond U+FFFF.

    Floats orjson writes either have a fraction (``0.5``, ``1.0``) or an
    exponent; of the exponent forms only ``e+16`` to ``e+20`` and the single
    digit ``e-6`` ones differ from RFC 8785 (which writes those in full),
    the others agree. NaN and the infinities come out as ``null``. Each test
    is a scan at memory speed; a hit inside a string is a false alarm,
    settled by :func:`_holds`.
    """
    if len(stored) < _SHORT:  # any dot; on long bytes, only a dot before a digit (text has dots)
        fraction = _DOT in stored
    else:
        fraction = _FRACTION.search(stored) is not None
    maybe_float = (
        fraction
        or _PLUS in stored
        or _NULL.search(stored) is not None
        or (_MINUS in stored and _MICRO.search(stored) is not None)
    )
    maybe_astral = not stored.isascii() and any(lead in stored for lead in _ASTRAL_LEADS)
    return maybe_float, maybe_astral


def encode(value: Any) -> tuple[bytes, bytes]:
    """Check ``value`` is JSON and return ``(stored, canonical)`` bytes.

    ``canonical`` is RFC 8785; ``stored`` is JSON that reads back to an equal
    value with the same number types (``1.0`` stays a float), and is the very
    same bytes object whenever the two agree, which is the common case.
    """
    try:
        stored = _dumps(value)
    except TypeError:  # not JSON, or a type or depth orjson does not take: the exact encoder decides
        canonical = _exact(value)
        return _stored_fallback(value), canonical
    maybe_float, maybe_astral = _hints(stored)
    if (maybe_float or maybe_astral) and _holds(value, maybe_float, maybe_astral):
        return stored, _exact(value)  # _exact also refuses NaN and the infinities
    return stored, stored


def encode_own(value: Any) -> tuple[bytes, bytes]:
    """:func:`encode` for values lifeos builds itself from strings, booleans,
    nulls, integers and already checked JSON (receipts, lineage, workflows):
    they hold no floats, so only key order needs care."""
    stored = _dumps(value)
    if not stored.isascii() and any(lead in stored for lead in _ASTRAL_LEADS) and _holds(value, False, True):
        return stored, _exact(value)
    return stored, stored


def canonical_json(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of a JSON value."""
    return encode(value)[1]


def sha256_hex(data: bytes) -> str:
    """SHA-256 of raw bytes as 64 lowercase hex characters."""
    return hashlib.sha256(data).hexdigest()


def stable_hash(value: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of ``value``: the hash of record."""
    return sha256_hex(encode(value)[1])


# --- reading canonical JSON back ---------------------------------------------------------

# RFC 8785 writes a whole-number float as an integer (2.0**53 as
# 9007199254740992, 1e20 as 100000000000000000000), and lifeos refuses
# integers beyond 2**53 - 1 on the way in, so an integer token with 16 or
# more digits is the only place where reading needs care. Every such token
# is a run of 16 digits, found by mapping each digit to "9" and looking for
# sixteen of them (several times faster than a regex); the same digits
# inside a string are a false alarm, settled by the exact reader.
_DIGITS_AS_NINES = bytes.maketrans(b"0123456789", b"9" * 10)
_SIXTEEN_DIGITS = b"9" * 16


def loads_canonical(data: bytes | str) -> Any:
    """Read JSON written by :func:`canonical_json` back into the value it was
    written from: every value writing accepts reads back equal.

    An integer beyond 2**53 - 1 in size can only have been written from a
    float (integers that large are refused when written), so it reads back
    as that float: ``10000000000000000`` is ``1e16``. Anything that is not
    JSON, or holds NaN, an infinity or a number beyond the range of a double,
    raises :class:`~lifeos_core.errors.NotJSONError`.
    """
    if isinstance(data, str):
        try:
            raw = data.encode("utf-8")
        except UnicodeEncodeError:
            raise NotJSONError("the text holds a lone surrogate, which is not valid Unicode") from None
    else:
        raw = bytes(data)
    if _SIXTEEN_DIGITS not in raw.translate(_DIGITS_AS_NINES):
        try:
            return _loads(raw)
        except ValueError:  # not JSON, or nested deeper than orjson reads: the standard reader decides
            pass
    try:
        return json.loads(raw, parse_int=_read_integer, parse_float=_read_float, parse_constant=_no_constant)
    except RecursionError:
        raise NotJSONError("the JSON is nested too deeply to be read") from None
    except UnicodeDecodeError:
        raise NotJSONError("the bytes are not UTF-8 text") from None
    except ValueError as exc:  # json.JSONDecodeError, or NotJSONError from the readers below
        if isinstance(exc, NotJSONError):
            raise
        raise NotJSONError(f"not JSON: {exc}") from None


def _loads(raw: bytes) -> Any:
    """orjson.loads, imported on first use (like :func:`_dumps`)."""
    global _loads
    import orjson

    _loads = orjson.loads
    return _loads(raw)


def _read_integer(text: str) -> int | float:
    """An integer token: an int while JSON carries it exactly, else the float it was written from."""
    digits = len(text) - (text[0] == "-")
    if digits <= 16:  # at most 9999999999999999: int() is cheap, and the size decides
        number = int(text)
        if -MAX_SAFE_INTEGER <= number <= MAX_SAFE_INTEGER:
            return number
    return _read_float(text)


def _read_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise NotJSONError(f"the number {text[:40]}{'...' if len(text) > 40 else ''} is beyond the range of a "
                           "JSON number (a double)")
    return number


def _no_constant(name: str) -> Any:
    raise NotJSONError(f"{name} is not a JSON value")


def _holds(value: Any, floats: bool, astral_keys: bool) -> bool:
    """Whether ``value`` (known to be JSON-shaped: orjson took it) holds a
    float (if ``floats``) or a key beyond U+FFFF (if ``astral_keys``)."""
    pending = [value]
    pop, extend = pending.pop, pending.extend
    while pending:
        item = pop()
        kind = type(item)
        if kind is str or kind is int or kind is bool or item is None:
            continue
        if kind is dict or kind is FrozenMap:
            if astral_keys and any(not key.isascii() and max(key) > "\uffff" for key in item):
                return True
            extend(item.values())
        elif kind is list or kind is tuple:
            extend(item)
        elif kind is float:
            if floats:
                return True
        elif isinstance(item, enum.Enum):
            extend((item.value,))
        elif isinstance(item, dict):
            extend(({**item},))
        elif isinstance(item, (list, tuple)):
            extend((list(item),))
        elif isinstance(item, float) and floats:
            return True
    return False


def _stored_fallback(value: Any) -> bytes:
    """Stored bytes for a JSON value orjson refused as given: one holding
    subclasses of the JSON types (a ``numpy.float64``, a ``str`` enum as a
    key), mappings orjson does not know, or nesting deeper than it writes."""
    plain = _builtin(value)
    try:
        return _dumps(plain)
    except TypeError:  # nested deeper than orjson writes (255 levels)
        return json.dumps(plain, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


def _builtin(value: Any) -> Any:
    """``value`` (already checked by the exact encoder) as exactly dict, list, str, int, float, bool, None."""
    if isinstance(value, str):
        return str.__str__(value)  # the text itself, even of a subclass that redefines __str__
    if value is None or value is True or value is False:
        return value
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, Mapping):
        return {str.__str__(key): _builtin(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_builtin(item) for item in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    return _builtin(value.value)  # an Enum: the exact encoder took nothing else


def _exact(value: Any) -> bytes:
    """The RFC 8785 bytes of ``value`` by the reference encoder (slow, exact, strict)."""
    parts: list[str] = []
    try:
        _encode(value, parts.append)
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError:
        raise NotJSONError("value holds text with a lone surrogate, which is not valid Unicode") from None
    except RecursionError:
        raise NotJSONError("value is nested too deeply to be encoded as JSON") from None


def _encode(value: Any, emit: Any) -> None:
    if isinstance(value, str):
        emit(encode_basestring(value))
    elif value is None:
        emit("null")
    elif value is True:
        emit("true")
    elif value is False:
        emit("false")
    elif isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise integer_out_of_range(value, "value")
        emit(int.__repr__(value))
    elif isinstance(value, float):
        emit(format_number(value))
    elif isinstance(value, Mapping):
        keys = list(value)
        for key in keys:
            if not isinstance(key, str):
                raise NotJSONError(f"value has the key {key!r}; JSON object keys must be strings")
        if all(key.isascii() for key in keys):
            keys.sort()
        else:
            keys.sort(key=_utf16_order)
        emit("{")
        first = True
        for key in keys:
            if not first:
                emit(",")
            first = False
            emit(encode_basestring(key))
            emit(":")
            _encode(value[key], emit)
        emit("}")
    elif isinstance(value, (list, tuple)):
        emit("[")
        first = True
        for item in value:
            if not first:
                emit(",")
            first = False
            _encode(item, emit)
        emit("]")
    elif isinstance(value, uuid.UUID):
        emit(encode_basestring(str(value)))  # written as its standard string form, like orjson does
    elif isinstance(value, enum.Enum):
        _encode(value.value, emit)  # written as its value, like orjson does
    else:
        raise NotJSONError(f"value holds a {type(value).__qualname__}, which is not a JSON value")


def _utf16_order(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def format_number(number: float, where: str = "value") -> str:
    """Write a float the way ECMAScript's Number.prototype.toString does.

    Python's ``repr`` already yields the shortest digit string that reads back
    to the same double; only the placement of the decimal point and the
    exponent differ, and RFC 8785 adopts ECMAScript's rules for those.
    """
    if not math.isfinite(number):
        raise not_finite(number, where)
    if number == 0:
        return "0"
    if number < 0:
        return "-" + format_number(-number, where)
    mantissa, _, exponent_text = repr(number).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    exponent = int(exponent_text or 0) - len(fraction)
    significant = digits.rstrip("0")
    exponent += len(digits) - len(significant)
    count = len(significant)
    point = count + exponent  # the value is 0.<significant> * 10**point
    if count <= point <= 21:
        return significant + "0" * (point - count)
    if 0 < point <= 21:
        return significant[:point] + "." + significant[point:]
    if -6 < point <= 0:
        return "0." + "0" * -point + significant
    power = point - 1
    head = significant[0] + ("." + significant[1:] if count > 1 else "")
    return f"{head}e{'+' if power >= 0 else '-'}{abs(power)}"
