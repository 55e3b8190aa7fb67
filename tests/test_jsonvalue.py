"""Freezing checks a value once and makes it immutable; thawing hands out copies."""

from __future__ import annotations

import copy
import datetime
import pickle

import pytest

from lifeos_core import FrozenMap, NotJSONError
from lifeos_core.values.jsonvalue import freeze, thaw


def test_freeze_turns_containers_into_immutable_ones():
    frozen = freeze({"tasks": [{"id": 1}], "tags": ("a", "b")})
    assert isinstance(frozen, FrozenMap)
    assert frozen["tasks"] == ({"id": 1},)
    assert isinstance(frozen["tasks"][0], FrozenMap)
    with pytest.raises(TypeError):
        frozen["new"] = 1  # type: ignore[index]
    with pytest.raises(AttributeError):
        frozen._data = {}  # type: ignore[misc]


def test_frozen_values_are_independent_of_the_original():
    original = {"nested": {"n": 1}, "items": [1, 2]}
    frozen = freeze(original)
    original["nested"]["n"] = 99
    original["items"].append(3)
    assert thaw(frozen) == {"nested": {"n": 1}, "items": [1, 2]}


def test_thaw_gives_a_fresh_mutable_copy_each_time():
    frozen = freeze({"items": [{"a": 1}]})
    first = thaw(frozen)
    first["items"][0]["a"] = 2
    assert thaw(frozen) == {"items": [{"a": 1}]}
    assert type(thaw(frozen)["items"]) is list


def test_frozen_map_survives_pickle_and_deepcopy():
    frozen = freeze({"a": [1, {"b": None}]})
    assert pickle.loads(pickle.dumps(frozen)) == frozen
    assert copy.deepcopy(frozen) is frozen


def test_frozen_map_compares_equal_to_a_dict_with_the_same_items():
    assert FrozenMap({"a": 1}) == {"a": 1}
    assert FrozenMap({"a": 1}) != {"a": 2}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"when": datetime.date(2026, 1, 1)}, r"value\['when'\] is a datetime.date, not a JSON value"),
        ({"tasks": [{"id": {1, 2}}]}, r"value\['tasks'\]\[0\]\['id'\] is a builtins.set"),
        ({"n": float("nan")}, r"value\['n'\] is nan, which JSON cannot represent"),
        ({"big": 2**60}, r"value\['big'\] is the integer 1152921504606846976"),
        ({("a",): 1}, r"value has the key \('a',\) of type tuple"),
    ],
)
def test_errors_point_at_the_offending_element(value, message):
    with pytest.raises(NotJSONError, match=message):
        freeze(value)



def test_a_frozen_map_cannot_be_refilled_through_init():
    frozen = FrozenMap({"a": 1})
    frozen.__init__({"a": 2, "b": 3})
    assert frozen == {"a": 1}
    empty = FrozenMap()
    empty.__init__({"sneaky": True})
    assert empty == {}
