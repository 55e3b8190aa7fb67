"""YAML built straight from libyaml's events reads exactly as PyYAML's nodes do.

The event builder in ``values/yamlfiles`` is a speed-up: whatever it builds must equal
what the composer and the constructor build from the same text, and whatever it does not
build (an explicit tag, a merge key, a repeated key) must still come out as before.
"""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifeos_core.values import yamlfiles
from lifeos_core.values.reading import DataFileError

pytestmark = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML is built without libyaml here")

# Plain scalars whose type is decided by their text: every resolver rule, and its near misses.
TRICKY = ["yes", "No", "on", "OFF", "true", "False", "~", "null", "Null", "", "0", "-0", "+1", "007", "0o17",
          "0x1F", "0b101", "1_000", "1e3", "1.5e-3", "-.inf", ".Inf", ".nan", "1.", ".5", "2026-01-31",
          "2026-01-31T09:00:00Z", "12:30", "1:30:00", "=", "a b", "x:y", "-", "3.0", "10000000000000000000000"]

scalars = st.one_of(st.sampled_from(TRICKY), st.integers(-10**20, 10**20).map(str),
                    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=8))
plain_keys = st.sampled_from(["a", "b", "id", "name", "1", "true", "2026-01-31", "~", "x y"])


def _node_path(text: str):
    """What PyYAML's composer and constructor make of ``text`` with lifeos's rules."""
    loader = yamlfiles._build_yaml_loader("libyaml")(text)
    try:
        return loader.construct_document(loader.get_single_node())
    finally:
        loader.dispose()


def _event_path(text: str):
    """What the event builder makes of ``text``: a value, or ``_ASK_THE_COMPOSER``
    (a syntax error included: parse_yaml lets the composer word it)."""
    loader = yamlfiles._build_yaml_loader("libyaml")(text)
    try:
        return yamlfiles._build_from_events(loader)
    except yaml.YAMLError:
        return yamlfiles._ASK_THE_COMPOSER
    finally:
        loader.dispose()


def _same(left, right) -> bool:
    """Equal values of equal types all the way down (1 is not True, NaN equals NaN)."""
    return repr(left) == repr(right) and type(left) is type(right)


def _render(value, indent: int = 0) -> str:
    """Block-style YAML of a tree of plain scalars, written by hand so that the
    scalars stay plain and the resolver, not a dumper's quoting, decides their types."""
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "\n".join(f"{pad}{key}:" + (f"\n{_render(item, indent + 2)}" if isinstance(item, (dict, list)) and item
                                            else f" {_render(item)}") for key, item in value.items())
    if isinstance(value, list):
        if not value:
            return "[]"
        return "\n".join(f"{pad}-" + (f"\n{_render(item, indent + 2)}" if isinstance(item, (dict, list)) and item
                                      else f" {_render(item)}") for item in value)
    return value


plain_values = st.sampled_from([t for t in TRICKY if t and t != "-"])
plain_trees = st.recursive(plain_values, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(plain_keys, inner, max_size=4)), max_leaves=20)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(plain_keys, scalars), inner, max_size=4)), max_leaves=25),
    st.sampled_from([None, True, False]))
def test_dumped_documents_read_the_same_both_ways(value, flow):
    text = yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True, sort_keys=False)
    built = _event_path(text)
    assert built is not yamlfiles._ASK_THE_COMPOSER, text
    assert _same(built, _node_path(text)), text


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(plain_trees.filter(lambda tree: isinstance(tree, (dict, list)) and tree))
def test_plain_scalars_are_typed_the_same_both_ways(tree):
    text = _render(tree) + "\n"
    built = _event_path(text)
    if built is yamlfiles._ASK_THE_COMPOSER:  # a key that reads as a repeat ('1' and 'true' stay apart; '~' twice not)
        with pytest.raises(DataFileError):
            yamlfiles.parse_yaml(text, "plan")
        return
    assert _same(built, _node_path(text)), text


@pytest.mark.parametrize("text", [
    "base: &b {x: 1, y: [1, 2]}\nfirst: *b\nsecond: *b\n",
    "- &s shared\n- *s\n- [*s, *s]\n",
    "a: 'quoted: 1'\nb: \"2\"\nc: |\n  kept\n  lines\nd: >\n  folded\n  text\n",
    "? complex\n: value\n",
    "empty_map: {}\nempty_list: []\nnothing:\n",
    "--- \nk: v\n...\n",
])
def test_handwritten_documents_read_the_same_both_ways(text):
    assert _same(_event_path(text), _node_path(text))


@pytest.mark.parametrize("text", [
    "a: !!str 1\n",  # an explicit tag
    "d: &d {x: 1}\ne:\n  <<: *d\n  y: 2\n",  # a merge key
    "a: 1\na: 2\n",  # a repeated key
    "? [1, 2]\n: list key\n",  # an unhashable key
    "first: 1\n---\nsecond: 2\n",  # two documents
    "a: [1, 2\n",  # a syntax error
])
def test_what_the_event_builder_leaves_to_the_composer(text):
    assert _event_path(text) is yamlfiles._ASK_THE_COMPOSER
    try:
        expected = ("value", _node_path(text))
    except Exception:  # noqa: BLE001 - the composer's refusal is what parse_yaml turns into one line
        expected = ("refused", None)
    try:
        got = ("value", yamlfiles.parse_yaml(text, "plan"))
    except DataFileError:
        got = ("refused", None)
    assert got[0] == expected[0]
    if got[0] == "value":
        assert _same(got[1], expected[1])
