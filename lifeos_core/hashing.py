"""The one canonical JSON encoding and the one hash used everywhere in lifeos.

Receipts, lineage, workflow hashes and harness hashes must agree across
machines, processes and Python versions, so they are all computed here from
RFC 8785 (JSON Canonicalization Scheme) bytes: object keys sorted by UTF-16
code units, no whitespace, minimal string escapes, and numbers written the way
ECMAScript writes doubles. Values JSON cannot carry faithfully are refused
with :class:`~lifeos_core.errors.NotJSONError`, never silently coerced.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from json.encoder import encode_basestring
from typing import Any

from .errors import NotJSONError
from .jsonvalue import MAX_SAFE_INTEGER, integer_out_of_range, not_finite


def canonical_json(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of a JSON value."""
    parts: list[str] = []
    try:
        _encode(value, parts.append)
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError:
        raise NotJSONError("value holds text with a lone surrogate, which is not valid Unicode") from None
    except RecursionError:
        raise NotJSONError("value is nested too deeply to be encoded as JSON") from None


def sha256_hex(data: bytes) -> str:
    """SHA-256 of raw bytes as 64 lowercase hex characters."""
    return hashlib.sha256(data).hexdigest()


def stable_hash(value: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of ``value``: the hash of record."""
    return sha256_hex(canonical_json(value))


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
