"""What lifeos writes, it reads back as the same data, in every format."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifeos_core.values.reading import read_data_file, read_mapping_file
from lifeos_core.values.writing import write_data_file

# Strings a YAML or TOML writer must quote or escape to keep them text.
AWKWARD = ["2026-01-31", "yes", "No", "~", "null", "1e3", "0x1f", "12:30", ".nan", "- a", "? a", "a: b", "#a",
           "a #b", "&a", "*a", "!a", "%a", "@a", "`a", "|", ">", "'", '"', " x", "x ", "\t", "\r\n", "a\nb",
           "\x00", "\x85", "\u2028", "\ufeff", "a\ufeffb", "\U0010ffff"]
SCALARS = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20) | st.sampled_from(AWKWARD))


def json_values(scalars: st.SearchStrategy) -> st.SearchStrategy:
    return st.recursive(scalars, lambda children: st.lists(children, max_size=4)
                        | st.dictionaries(st.text(max_size=10), children, max_size=4), max_leaves=20)


def _same(left: object, right: object, ordered: bool = True) -> bool:
    """Equal, with -0.0 and 0.0 told apart (a format that loses the sign changes the data),
    and keys in the same order unless not ``ordered`` (TOML writes tables after plain keys)."""
    if isinstance(left, float) and isinstance(right, float):
        return left == right and math.copysign(1, left) == math.copysign(1, right)
    if isinstance(left, dict) and isinstance(right, dict):
        return ((list(left) == list(right) if ordered else left.keys() == right.keys())
                and all(_same(left[key], right[key], ordered) for key in left))
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_same(a, b, ordered) for a, b in zip(left, right))
    return type(left) is type(right) and left == right


# Generation is slow on a busy machine (CI runs the suite in parallel): only the examples are judged.
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@SETTINGS
@given(value=json_values(SCALARS))
def test_json_and_yaml_read_back_what_was_written(tmp_path, value):
    for name in ("value.json", "value.yaml"):
        write_data_file(tmp_path / name, value)
        assert _same(read_data_file(tmp_path / name), value), (tmp_path / name).read_text()


@SETTINGS
@given(value=st.dictionaries(st.text(max_size=10), json_values(SCALARS.filter(lambda item: item is not None)),
                             max_size=5))
def test_toml_reads_back_what_was_written(tmp_path, value):
    path = tmp_path / "value.toml"
    write_data_file(path, value)
    assert _same(read_mapping_file(path), value, ordered=False), path.read_text()
