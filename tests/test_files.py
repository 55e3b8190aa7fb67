"""Data files: one reader for JSON, YAML and TOML, with errors that say where."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lifeos_core.values.reading import MAX_FILE_BYTES, DataFileError, read_data_file, read_mapping_file

SAME_DATA = {
    "plan.json": '{"date": "2026-01-31", "tasks": [{"id": 1, "done": false}]}',
    "plan.yaml": "date: 2026-01-31\ntasks:\n  - id: 1\n    done: false\n",
    "plan.yml": "date: 2026-01-31\ntasks: [{id: 1, done: false}]\n",
    "plan.toml": 'date = 2026-01-31\n[[tasks]]\nid = 1\ndone = false\n',
}


@pytest.mark.parametrize("name", sorted(SAME_DATA))
def test_every_format_reads_to_the_same_data_and_dates_stay_text(tmp_path, name):
    path = tmp_path / name
    path.write_text(SAME_DATA[name], encoding="utf-8")
    assert read_mapping_file(path) == {"date": "2026-01-31", "tasks": [{"id": 1, "done": False}]}


def test_yaml_timestamps_stay_text(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("at: 2026-01-31T09:00:00Z\n")
    assert read_data_file(path) == {"at": "2026-01-31T09:00:00Z"}


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.json", '{"a": 1,\n "b": }', r"state file .*bad.json: invalid JSON at line 2, column 7"),
        ("bad.yaml", "a: [1, 2\nb: 3\n", r"state file .*bad.yaml: invalid YAML at line 2"),
        ("bad.toml", "a = \n", r"state file .*bad.toml: invalid TOML"),
        ("state.txt", "a: 1", r"unsupported extension '.txt'; use .json, .yaml, .yml or .toml"),
        ("latin.json", b'{"a": "\xe9"}', r"is not UTF-8 text"),
    ],
)
def test_broken_files_name_the_file_and_place(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(DataFileError, match=message):
        read_data_file(path, "state file")


def test_yaml_objects_are_not_constructed(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("!!python/object/apply:os.system ['true']\n")
    with pytest.raises(DataFileError, match="invalid YAML"):
        read_data_file(path)


def test_missing_files_and_directories_are_clear_errors(tmp_path):
    with pytest.raises(DataFileError, match=r"params file .*nope.json does not exist"):
        read_data_file(tmp_path / "nope.json", "params file")
    folder = tmp_path / "dir.json"
    folder.mkdir()
    with pytest.raises(DataFileError, match="is a directory"):
        read_data_file(folder)


def test_oversized_files_are_refused_before_reading(tmp_path):
    path = tmp_path / "big.json"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(DataFileError, match="the limit is"):
        read_data_file(path)


def test_mapping_files_must_hold_an_object(tmp_path):
    path = tmp_path / "list.json"
    path.write_text("[1, 2]")
    with pytest.raises(DataFileError, match="must hold an object .* not a list"):
        read_mapping_file(path, "state file")
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert read_mapping_file(empty) == {}


# --- standard input, formats and the order of checks ---------------------------------


def _stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


@pytest.mark.parametrize("dash", ["-", Path("-")])
def test_a_dash_reads_standard_input_and_detects_json(monkeypatch, tmp_path, dash):
    monkeypatch.chdir(tmp_path)  # a file named "-" here must not be what is read
    (tmp_path / "-").write_text("not: this")
    _stdin(monkeypatch, b'\n  {"tasks": [{"id": 1}]}\n')
    assert read_data_file(dash, "state file") == {"tasks": [{"id": 1}]}


def test_standard_input_that_does_not_start_like_json_is_yaml(monkeypatch):
    _stdin(monkeypatch, b"tasks:\n  - id: 1\n    due: 2026-02-01\n")
    assert read_mapping_file("-", "state file") == {"tasks": [{"id": 1, "due": "2026-02-01"}]}


def test_standard_input_errors_say_standard_input(monkeypatch):
    _stdin(monkeypatch, b'{"a": 1,\n "b": }')
    with pytest.raises(DataFileError, match=r"^state file \(standard input\): invalid JSON at line 2, column 7"):
        read_data_file("-", "state file")
    _stdin(monkeypatch, b"")
    with pytest.raises(DataFileError, match=r"^test plan \(standard input\) is empty$"):
        read_data_file("-", "test plan")


def test_toml_on_standard_input_needs_the_format_named(monkeypatch):
    _stdin(monkeypatch, b'date = 2026-01-31\n[[tasks]]\nid = 1\n')
    assert read_data_file("-", format="TOML") == {"date": "2026-01-31", "tasks": [{"id": 1}]}
    _stdin(monkeypatch, b"[1, 2]")
    assert read_data_file("-", format="yaml") == [1, 2]


def test_standard_input_is_read_up_to_the_size_limit(monkeypatch):
    _stdin(monkeypatch, b" " * (MAX_FILE_BYTES + 1))
    with pytest.raises(DataFileError, match=r"standard input\) is more than \d+ bytes; the limit is"):
        read_data_file("-")


def test_the_format_keyword_overrides_the_extension(tmp_path):
    odd = tmp_path / "tasks.txt"
    odd.write_text("tasks: [a, b]\n")
    assert read_data_file(odd, format="yaml") == {"tasks": ["a", "b"]}
    misnamed = tmp_path / "tasks.json"
    misnamed.write_text("a = 1\n")
    assert read_mapping_file(misnamed, format="toml") == {"a": 1}
    with pytest.raises(DataFileError, match=r"unknown format 'xml'; use json, yaml or toml"):
        read_data_file(misnamed, format="xml")


def test_a_folder_or_a_missing_file_is_named_as_such_before_the_extension_is_judged(tmp_path):
    with pytest.raises(DataFileError, match=r"^state file .* is a directory, not a file$"):
        read_mapping_file(tmp_path, "state file")
    with pytest.raises(DataFileError, match=r"^state file .*notes.txt does not exist$"):
        read_mapping_file(tmp_path / "notes.txt", "state file")
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(DataFileError, match="unsupported extension '.txt'"):  # the extension, then the size
        read_data_file(big)


# --- empty files, byte order marks ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [("plan.json", ""), ("plan.json", " \n\t\n"), ("plan.yaml", ""), ("plan.yaml", "# only a comment\n"),
     ("plan.yaml", "---\n"), ("plan.yml", "--- # nothing\n...\n"), ("plan.toml", "# nothing here\n"),
     ("plan.json", "\ufeff\n")],
)
def test_a_file_without_data_is_empty_for_plans_and_an_empty_mapping_for_states(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match=rf"^test plan {re.escape(str(path))} is empty$"):
        read_data_file(path, "test plan")
    assert read_data_file(path, allow_empty=True) is None
    assert read_mapping_file(path, "state file") == {}


def test_an_explicit_null_is_data_but_a_bare_document_marker_is_empty(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text("--- null\n")
    assert read_data_file(path) is None
    path.write_text("--- \n")
    with pytest.raises(DataFileError, match="is empty"):
        read_data_file(path)


def test_a_leading_byte_order_mark_is_accepted_in_every_format(tmp_path):
    for name, text in [("s.json", '{"a": [1, "é"]}'), ("s.yaml", "a: [1, é]\n"), ("s.toml", 'a = [1, "é"]\n')]:
        path = tmp_path / name
        path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
        assert read_mapping_file(path) == {"a": [1, "é"]}, name


# --- what the parsers refuse: long integers, duplicates --------------------------------


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [("n.json", '{"a": "1",\n "b": %s}', "line 2, column 7"),
     ("n.yaml", "a: '1'\nb: %s\n", "line 2, column 4"),
     ("n.toml", 'a = "1"\nb = %s\n', "line 2, column 5")],
)
def test_an_integer_too_long_to_convert_is_one_clear_line(tmp_path, name, text, where):
    path = tmp_path / name
    path.write_text(text % ("7" * 5000))
    with pytest.raises(DataFileError, match=rf"^state file .*{name}: the number at {where} has 5000 digits; "
                                            r"lifeos reads integers of at most \d+ digits$"):
        read_data_file(path, "state file")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [("d.json", '{"a": 1,\n "b": {"c": 1, "c": 2}}', r"key 'c' appears twice in the same object \(lines 2 and 2\)"),
     ("d.json", '{"a": 1,\n "b": 2,\n "a": 3}', r"key 'a' appears twice in the same object \(lines 1 and 3\)"),
     ("d.yaml", "a: 1\nb: 2\na: 3\n", r"key 'a' appears twice in the same mapping \(lines 1 and 3\)"),
     ("d.yaml", "tasks:\n  - {id: 1, id: 2}\n", r"key 'id' appears twice in the same mapping \(lines 2 and 2\)")],
)
def test_a_key_given_twice_is_refused_with_its_lines(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(DataFileError, match=rf"^state file .*{name}: {message}; each key may appear only once$"):
        read_data_file(path, "state file")


def test_merge_keys_still_work_and_may_be_overridden_but_not_repeated(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("base: &base {capacity: 60, strict: true}\n"
                    "monday:\n  <<: *base\n  capacity: 90\n"
                    "tuesday:\n  <<: [*base, {extra: 1}]\n")
    assert read_data_file(path) == {"base": {"capacity": 60, "strict": True},
                                    "monday": {"capacity": 90, "strict": True},
                                    "tuesday": {"capacity": 60, "strict": True, "extra": 1}}
    path.write_text("base: &base {capacity: 60}\nmonday:\n  <<: *base\n  capacity: 90\n  capacity: 95\n")
    with pytest.raises(DataFileError, match=r"key 'capacity' appears twice in the same mapping \(lines 4 and 5\)"):
        read_data_file(path)


def test_explicitly_tagged_timestamps_stay_text_too(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("due: !!timestamp 2026-01-31\nat: 2026-01-31 09:00:00\n")
    assert read_data_file(path) == {"due": "2026-01-31", "at": "2026-01-31 09:00:00"}


def test_standard_input_from_a_real_pipe(tmp_path):
    program = "from lifeos_core.values.reading import read_data_file; print(read_data_file('-', 'state file'))"
    result = subprocess.run([sys.executable, "-c", program], input=b"\xef\xbb\xbfdue: 2026-01-31\n",
                            capture_output=True, cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"{'due': '2026-01-31'}\n"
