"""Data files: one reader for JSON, YAML and TOML, with errors that say where."""

from __future__ import annotations

import pytest

from lifeos_core.files import MAX_FILE_BYTES, DataFileError, read_data_file, read_mapping_file

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
