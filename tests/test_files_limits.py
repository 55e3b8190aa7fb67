"""What a data file may cost: nesting depth, YAML aliases, the YAML parser in use."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tracemalloc

import pytest
import yaml

from lifeos_core.values import yamlfiles
from lifeos_core.values.reading import MAX_NESTING, DataFileError, check_nesting, parse_text, read_data_file

DEEP = 100_000


def _read_in_a_child(path, variant: str | None = None) -> subprocess.CompletedProcess[str]:
    """Read ``path`` in a fresh interpreter: a parser that overflows the C stack kills the
    process, which an in-process test could not survive to report."""
    program = textwrap.dedent(f"""
        from lifeos_core.values import reading as files, yamlfiles
        if {variant!r} is not None:
            yamlfiles._LOADER = yamlfiles._build_yaml_loader({variant!r})
        try:
            files.read_data_file({str(path)!r}, "test plan")
        except files.DataFileError as error:
            print(error)
        else:
            print("read without an error")
    """)
    return subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("name", "text", "levels"),
    [("deep.json", "[" * DEEP + "]" * DEEP, f"{DEEP}"),
     ("deep.toml", "a = " + "[" * DEEP + "]" * DEEP + "\n", f"{DEEP + 1}"),  # the top-level table is a level
     ("inline.toml", "a = " + "{b = " * DEEP + "1" + "}" * DEEP + "\n", f"{DEEP + 1}"),
     ("flow.yaml", "[" * DEEP + "]" * DEEP + "\n", "more than 200"),
     ("block.yaml", "- " * DEEP + "x\n", "more than 200")],
)
def test_a_hundred_thousand_levels_are_one_line_not_a_crash(tmp_path, name, text, levels):
    path = tmp_path / name
    path.write_text(text)
    result = _read_in_a_child(path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"test plan {path} is nested {levels} levels deep")
    assert result.stdout.rstrip().endswith("; lifeos reads at most 200 levels")
    assert result.stdout.count("\n") == 1


@pytest.mark.parametrize("variant", ["libyaml", "libyaml-events", "python"])
def test_every_yaml_loader_refuses_deep_files_without_crashing(tmp_path, variant):
    if variant.startswith("libyaml") and not yaml.__with_libyaml__:
        pytest.skip("PyYAML is built without libyaml here")
    path = tmp_path / "deep.yaml"
    path.write_text("[" * 999 + "]" * 999 + "\n")  # just within libyaml's own limit of 1000
    result = _read_in_a_child(path, variant)
    assert result.returncode == 0, result.stderr
    assert " levels deep; lifeos reads at most 200 levels" in result.stdout


@pytest.mark.parametrize("kind", ["json", "yaml", "toml"])
def test_two_hundred_levels_are_read_and_one_more_is_refused(kind):
    def nested(levels: int) -> str:
        if kind == "toml":  # the top-level table is the first level
            return "a = " + "[" * (levels - 1) + "]" * (levels - 1)
        return "[" * levels + "]" * levels

    assert parse_text(nested(MAX_NESTING), kind, "plan") is not None
    with pytest.raises(DataFileError, match=r"^plan is nested 201 levels deep; lifeos reads at most 200 levels$"):
        parse_text(nested(MAX_NESTING + 1), kind, "plan")


def test_check_nesting_measures_any_python_value_without_recursing():
    value: object = "leaf"
    for _ in range(DEEP):
        value = {"next": [value]}
    with pytest.raises(DataFileError, match=rf"^--param x is nested {2 * DEEP} levels deep; lifeos reads at most"):
        check_nesting(value, "--param x")
    check_nesting({"a": [[1], (2,)], "b": "text"}, "--param x")


def test_check_nesting_refuses_a_value_that_contains_itself():
    loop: list = []
    loop.append(loop)
    with pytest.raises(DataFileError, match="contains itself"):
        check_nesting({"a": loop}, "state")


def test_shared_values_are_measured_once_not_once_per_path():
    shared: list = [1]
    for _ in range(300):  # 2**300 paths, 300 distinct lists
        shared = [shared, shared]
    with pytest.raises(DataFileError, match="nested 301 levels deep"):
        check_nesting(shared, "state")


# --- YAML aliases -----------------------------------------------------------------------

LAUGHS = "lol: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 10)}]\n" for level in range(1, 8)
)


def test_billion_laughs_is_refused_before_anything_is_built(tmp_path):
    path = tmp_path / "laughs.yaml"
    path.write_text(LAUGHS)
    assert len(LAUGHS) < 600
    tracemalloc.start()
    try:
        with pytest.raises(DataFileError) as caught:
            read_data_file(path, "test plan")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # 10**8 leaves under l7 alone: counted through the node graph, never expanded
    assert str(caught.value) == (f"test plan {path}: YAML aliases expand to 123,456,797 values; "
                                 "at most 1,000,000 more than the file spells out are allowed")
    assert peak < 5_000_000


def test_a_few_aliases_are_fine_and_are_counted_as_what_they_expand_to():
    text = "a: &a [1, 2, 3]\nb: [*a, *a]\n"
    assert parse_text(text, "yaml", "plan") == {"a": [1, 2, 3], "b": [[1, 2, 3], [1, 2, 3]]}
    just_under = "a: &a [" + ", ".join(["x"] * 1000) + "]\nb: [" + ", ".join(["*a"] * 999) + "]\n"
    assert len(parse_text(just_under, "yaml", "plan")["b"]) == 999
    just_over = "a: &a [" + ", ".join(["x"] * 1000) + "]\nb: [" + ", ".join(["*a"] * 1001) + "]\n"
    with pytest.raises(DataFileError, match="YAML aliases expand to"):
        parse_text(just_over, "yaml", "plan")


def test_aliases_that_nest_deeper_than_allowed_are_refused_before_building():
    chain = "x0: &x0 [end]\n" + "".join(f"x{i}: &x{i} [*x{i - 1}]\n" for i in range(1, 1000))
    with pytest.raises(DataFileError, match=r"^plan is nested 1001 levels deep; lifeos reads at most 200"):
        parse_text(chain, "yaml", "plan")


def test_a_collection_that_holds_an_alias_to_itself_is_refused():
    with pytest.raises(DataFileError, match=r"^plan: the YAML collection at line 2 contains an alias to itself"):
        parse_text("name: loop\ntasks: &t [1, *t]\n", "yaml", "plan")


# --- the YAML loader --------------------------------------------------------------------


def test_libyaml_does_the_parsing_when_pyyaml_has_it():
    loader = yamlfiles._yaml_loader_class()
    if yaml.__with_libyaml__:
        from yaml.cyaml import CParser

        assert issubclass(loader, CParser)
    assert issubclass(loader, yaml.constructor.SafeConstructor)


@pytest.mark.parametrize("variant", ["libyaml", "libyaml-events", "python"])
def test_every_yaml_loader_reads_the_same_way(monkeypatch, variant):
    if variant.startswith("libyaml") and not yaml.__with_libyaml__:
        pytest.skip("PyYAML is built without libyaml here")
    monkeypatch.setattr(yamlfiles, "_LOADER", yamlfiles._build_yaml_loader(variant))
    text = ("defaults: &d {capacity: 60, due: 2026-01-31}\n"
            "day:\n  <<: *d\n  capacity: 90\n  at: 2026-01-31T09:00:00Z\n  tags: [a, 'b', 3, 1.5, true, ~]\n")
    assert parse_text(text, "yaml", "plan") == {
        "defaults": {"capacity": 60, "due": "2026-01-31"},
        "day": {"capacity": 90, "due": "2026-01-31", "at": "2026-01-31T09:00:00Z",
                "tags": ["a", "b", 3, 1.5, True, None]},
    }
    with pytest.raises(DataFileError, match="key 'a' appears twice"):
        parse_text("a: 1\na: 2\n", "yaml", "plan")
    with pytest.raises(DataFileError, match="could not determine a constructor"):
        parse_text("!!python/object/apply:os.system ['true']\n", "yaml", "plan")
