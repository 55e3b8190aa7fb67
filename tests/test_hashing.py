"""Canonical JSON is RFC 8785 exactly, and the hash of record is its SHA-256."""

from __future__ import annotations

import hashlib
import math

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from lifeos_core import FrozenMap, NotJSONError, canonical_json, stable_hash
from lifeos_core.hashing import format_number

SAFE = 2**53 - 1

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-SAFE, max_value=SAFE)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=6) | st.dictionaries(st.text(), children, max_size=6),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_matches_the_reference_implementation_on_generated_values(value):
    assert canonical_json(value) == rfc8785.dumps(value)


@settings(max_examples=400, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_are_written_as_ecmascript_writes_them(number):
    assert format_number(number).encode() == rfc8785.dumps(number)


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (100.0, "100"),
        (0.5, "0.5"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1e-6, "0.000001"),
        (1e-7, "1e-7"),
        (123.456, "123.456"),
        (-2.5e-8, "-2.5e-8"),
        (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
    ],
)
def test_known_number_forms(number, text):
    assert canonical_json(number) == text.encode()


def test_keys_are_ordered_by_utf16_code_units_not_code_points():
    # U+1F600 is a surrogate pair (D83D DE00) in UTF-16 and sorts before U+FF5E.
    value = {"\uff5e": 1, "\U0001f600": 2, "a": 3}
    assert canonical_json(value) == rfc8785.dumps(value)
    assert canonical_json(value).decode().index("\U0001f600") < canonical_json(value).decode().index("\uff5e")


def test_strings_escape_only_what_json_requires():
    assert canonical_json("é\u2028\x7f\"\\\n\x01") == '"é\u2028\x7f\\"\\\\\\n\\u0001"'.encode()


def test_tuples_and_frozen_maps_encode_like_lists_and_dicts():
    assert canonical_json((1, FrozenMap({"b": 1, "a": [2]}))) == b'[1,{"a":[2],"b":1}]'


def test_the_hash_is_sha256_of_the_canonical_bytes():
    value = {"b": [1, 2.5, None], "a": "x"}
    assert stable_hash(value) == hashlib.sha256(b'{"a":"x","b":[1,2.5,null]}').hexdigest()


def test_hash_ignores_key_insertion_order():
    assert stable_hash({"a": 1, "b": 2}) == stable_hash({"b": 2, "a": 1})


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (math.nan, "JSON cannot represent"),
        (math.inf, "JSON cannot represent"),
        ({1, 2}, "not a JSON value"),
        (b"bytes", "not a JSON value"),
        (object(), "not a JSON value"),
        ({1: "x"}, "keys must be strings"),
        (2**53, "store it as a string"),
        ("\ud800", "lone surrogate"),
    ],
)
def test_values_json_cannot_carry_are_refused(value, words):
    with pytest.raises(NotJSONError, match=words):
        canonical_json(value)
