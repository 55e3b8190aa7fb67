"""Canonical JSON is RFC 8785 exactly, and the hash of record is its SHA-256."""

from __future__ import annotations

import enum
import hashlib
import json
import math
import uuid

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from lifeos_core import FrozenMap, NotJSONError, canonical_json, stable_hash
from lifeos_core.values.canonical import _exact, encode, encode_own, format_number

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


# --- the fast path and the exact encoder agree ----------------------------------------

# Values chosen to land where orjson's output and RFC 8785 part ways: floats
# around the switches between plain and exponent notation, whole floats, keys
# beyond U+FFFF, big integers, and the containers lifeos hands out.
awkward_floats = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(min_value=1e-7, max_value=1e-5),
    st.floats(min_value=1e15, max_value=1e22),
    st.integers(min_value=-(10**6), max_value=10**6).map(float),
    st.sampled_from([0.0, -0.0, 1e16, 1e21, 1e-6, 9e-6, 1e-7, 5e-324, 1.5, 100.0]),
)
keys = st.text(max_size=4) | st.sampled_from(["a", "\U0001f600", "\uff5e", "e-6", "null", "1.0", "+"])
awkward_scalars = (
    st.none() | st.booleans() | st.integers(min_value=-SAFE, max_value=SAFE) | awkward_floats
    | st.text() | st.sampled_from(["null", "1.5", "e+17", "2e-6", "\U0001f600"])
)
awkward_values = st.recursive(
    awkward_scalars,
    lambda children: (
        st.lists(children, max_size=5)
        | st.lists(children, max_size=5).map(tuple)
        | st.dictionaries(keys, children, max_size=5)
        | st.dictionaries(keys, children, max_size=5).map(FrozenMap)
    ),
    max_leaves=30,
)


def plain(value):
    """What a value is once written as JSON: dicts and lists all the way down."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def same_types(left, right):
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(same_types(left[key], right[key]) for key in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(same_types, left, right))
    return True


@settings(max_examples=600, deadline=None)
@given(awkward_values)
def test_the_fast_path_gives_exactly_the_reference_bytes(value):
    stored, canonical = encode(value)
    assert canonical == _exact(value) == rfc8785.dumps(plain(value))


@settings(max_examples=400, deadline=None)
@given(awkward_values)
def test_stored_bytes_read_back_to_the_same_value_and_number_types(value):
    stored, _ = encode(value)
    loaded = json.loads(stored)
    expected = plain(value)
    assert loaded == expected
    assert same_types(loaded, expected)  # 1.0 stays a float, 1 an integer


@pytest.mark.parametrize("text", ["null", "1.5", "e+17", "2e-6", "\U0001f600"])
def test_strings_that_look_like_floats_or_astral_keys_still_take_the_fast_path(text):
    value = {"note": text, "n": [1, 2, 3]}
    stored, canonical = encode(value)
    assert canonical is stored  # a false alarm of the byte scan is settled without re-encoding
    assert canonical == rfc8785.dumps(value)


def test_nan_hidden_among_nulls_is_still_refused():
    with pytest.raises(NotJSONError, match="JSON cannot represent"):
        canonical_json({"a": None, "b": [None, {"c": math.nan}]})


def test_uuids_and_enums_are_written_as_their_json_form():
    class Colour(enum.Enum):
        RED = "red"

    identifier = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert canonical_json({"id": identifier, "colour": Colour.RED, "n": 1.0}) == (
        b'{"colour":"red","id":"12345678-1234-5678-1234-567812345678","n":1}'
    )


def test_encode_own_agrees_with_encode_on_values_without_floats():
    value = {"\U0001f600": 1, "\uff5e": [True, None, "x"], "a": {"b": 2}}
    assert encode_own(value) == encode(value)



class Money(float):
    """Like numpy.float64: a float subclass orjson does not take as it is."""


class Colour(str, enum.Enum):
    RED = "red"


def deeply(levels):
    value = [1]
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize("value", [
    {"price": Money(9.5), "whole": Money(10.0)},
    {Colour.RED: 1, "blue": Colour.RED},
    {"nested": deeply(300)},  # deeper than orjson writes
])
def test_values_orjson_refuses_as_given_take_the_exact_path_and_read_back(value):
    stored, canonical = encode(value)
    assert canonical == rfc8785.dumps(json.loads(stored))
    assert json.loads(stored) == json.loads(canonical)
    assert type(json.loads(stored).get("whole", 0.0)) is float  # 10.0 stays a float
