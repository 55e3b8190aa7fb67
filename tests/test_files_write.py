"""Writing outputs: atomically, in place of regular files only, checked before any work."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys

import pytest

from lifeos_core.values import writing as files
from lifeos_core.values.reading import DataFileError, read_data_file
from lifeos_core.values.writing import check_output, write_data_file, write_text_atomically


def _names(folder) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# --- where a write may go ----------------------------------------------------------------


def test_a_dash_writes_to_standard_output_and_creates_no_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_text_atomically("-", "hello\n")
    write_data_file("-", {"city": "Zürich"})
    assert capsys.readouterr().out == 'hello\n{\n  "city": "Zürich"\n}\n'
    assert _names(tmp_path) == []


def test_a_missing_folder_is_named_and_not_created(tmp_path):
    target = tmp_path / "reports" / "out.json"
    with pytest.raises(DataFileError, match=rf"^cannot write {target}: the folder {target.parent} does not exist; "
                                            "create it first$"):
        write_text_atomically(target, "{}")
    assert _names(tmp_path) == []


def test_a_file_in_the_folder_path_is_named(tmp_path):
    (tmp_path / "afile").write_text("keep")
    target = tmp_path / "afile" / "sub" / "out.json"
    with pytest.raises(DataFileError, match=rf"^cannot write {target}: {tmp_path / 'afile'} is a file, not a folder$"):
        write_text_atomically(target, "{}")
    with pytest.raises(DataFileError, match="afile is a file, not a folder"):
        write_text_atomically(tmp_path / "afile" / "out.json", "{}")
    assert (tmp_path / "afile").read_text() == "keep"


def test_directories_fifos_sockets_and_links_to_them_are_refused_and_left_as_they_are(tmp_path):
    (tmp_path / "out").mkdir()
    with pytest.raises(DataFileError, match="it is a directory"):
        write_text_atomically(tmp_path / "out", "{}")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(DataFileError, match=rf"^refusing to replace {fifo}: it is not a regular file$"):
        write_text_atomically(fifo, "{}")
    link = tmp_path / "out.json"
    link.symlink_to(fifo)
    with pytest.raises(DataFileError, match=rf"^refusing to replace {link} \(a link to {fifo}\): it is not a regular"):
        write_text_atomically(link, "{}")
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(tmp_path / "sock"))
        with pytest.raises(DataFileError, match="it is not a regular file"):
            write_text_atomically(tmp_path / "sock", "{}")
    finally:
        server.close()
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and link.is_symlink()
    assert stat.S_ISSOCK(os.lstat(tmp_path / "sock").st_mode)
    assert _names(tmp_path) == ["out", "out.json", "pipe", "sock"]


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path):
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "result.json"
    real.write_text("old")
    link = tmp_path / "result.json"
    link.symlink_to(real)
    write_text_atomically(link, "new")
    assert link.is_symlink() and real.read_text() == "new"
    assert _names(tmp_path / "real") == ["result.json"]


def test_a_dangling_symlink_creates_the_file_it_names(tmp_path):
    link = tmp_path / "result.json"
    link.symlink_to("made.json")
    write_text_atomically(link, "new")
    assert link.is_symlink() and (tmp_path / "made.json").read_text() == "new"


# --- modes and temporary files --------------------------------------------------------


def test_a_replaced_file_keeps_its_mode_and_a_new_file_follows_the_umask(tmp_path):
    kept = tmp_path / "kept.json"
    kept.write_text("old")
    kept.chmod(0o644)
    write_text_atomically(kept, "new")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o644
    shared = tmp_path / "shared.json"
    shared.write_text("old")
    shared.chmod(0o664)
    write_text_atomically(shared, "new")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o664
    previous = os.umask(0o027)
    try:
        write_text_atomically(tmp_path / "fresh.json", "new")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "fresh.json").stat().st_mode) == 0o640


def test_temporaries_of_dead_writers_are_removed_and_nothing_else(tmp_path):
    dead = _dead_pid()
    stale = tmp_path / f".result.json.{dead}.0badf00d.tmp"
    alive = tmp_path / f".result.json.{os.getppid()}.0badf00d.tmp"   # the process that started us
    other_target = tmp_path / f".other.json.{dead}.0badf00d.tmp"
    not_ours = tmp_path / ".result.json.x1234.tmp"
    for path in (stale, alive, other_target, not_ours):
        path.write_text("left over")
    write_text_atomically(tmp_path / "result.json", "{}")
    assert _names(tmp_path) == sorted([alive.name, other_target.name, not_ours.name, "result.json"])


def test_the_temporary_is_named_after_the_target_and_our_pid(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy(source, target):
        seen.append(os.path.basename(source))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", spy)
    write_text_atomically(tmp_path / "result.json", "{}")
    [name] = seen
    prefix, pid, random, suffix = name.rsplit(".", 3)
    assert (prefix, pid, suffix) == (".result.json", str(os.getpid()), "tmp") and len(random) == 8


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_failed_write_leaves_the_old_file_and_no_temporary_and_the_next_keeps_the_mode(tmp_path, monkeypatch,
                                                                                         failure):
    target = tmp_path / "result.json"
    target.write_text("old")
    target.chmod(0o640)

    def fail(descriptor):
        raise failure

    monkeypatch.setattr(os, "fsync", fail)
    expected = DataFileError if isinstance(failure, OSError) else KeyboardInterrupt
    with pytest.raises(expected) as caught:
        write_text_atomically(target, "new")
    if expected is DataFileError:
        assert str(caught.value) == f"cannot write {target}: No space left on device"
    assert _names(tmp_path) == ["result.json"]
    assert target.read_text() == "old" and stat.S_IMODE(target.stat().st_mode) == 0o640
    monkeypatch.undo()
    write_text_atomically(target, "new")
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o640


def test_text_that_utf8_cannot_hold_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(DataFileError, match="UTF-8 cannot encode"):
        write_text_atomically(tmp_path / "out.json", "\udcff")
    assert _names(tmp_path) == []


# --- checking an output before the work ----------------------------------------------------


def test_an_output_that_is_also_an_input_is_refused_naming_both(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tasks.yaml").write_text("tasks: []\n")
    (tmp_path / "alias.yaml").symlink_to("tasks.yaml")
    for output in ("tasks.yaml", tmp_path / "tasks.yaml", "alias.yaml"):
        with pytest.raises(DataFileError, match=rf"^output file {output} is also the state file of this command; "
                                                "writing it would replace it; choose another file$"):
            check_output(output, "output file", [("params file", None), ("state file", "tasks.yaml")])
    with pytest.raises(DataFileError, match="is also the params file"):  # neither exists yet
        check_output("new.json", "output file", [("params file", tmp_path / "sub" / ".." / "new.json")])
    check_output("result.json", "output file", [("state file", "tasks.yaml"), ("params file", "-")])
    check_output("-", "output file", [("state file", "-")])
    assert (tmp_path / "tasks.yaml").read_text() == "tasks: []\n"


def test_check_output_refuses_what_a_write_would_refuse_and_writes_nothing(tmp_path):
    (tmp_path / "afile").write_text("x")
    os.mkfifo(tmp_path / "pipe")
    cases = {
        tmp_path / "nope" / "out.json": "the folder .* does not exist; create it first",
        tmp_path / "afile" / "out.json": "afile is a file, not a folder",
        tmp_path: "it is a directory",
        tmp_path / "pipe": "refusing to replace junit report .*pipe: it is not a regular file",
    }
    for path, message in cases.items():
        with pytest.raises(DataFileError, match=message):
            check_output(path, "junit report")
    check_output(tmp_path / "fine.xml", "junit report")
    assert _names(tmp_path) == ["afile", "pipe"]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write anywhere")
def test_a_folder_we_may_not_write_is_refused_up_front_and_on_write(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(DataFileError, match="permission denied"):
            check_output(folder / "out.json", "output file")
        with pytest.raises(DataFileError, match="permission denied"):
            write_text_atomically(folder / "out.json", "{}")
    finally:
        folder.chmod(0o700)


# --- data files -------------------------------------------------------------------------


def test_each_format_is_written_by_extension_or_by_name(tmp_path):
    data = {"date": "2026-01-31", "tasks": [{"id": "a", "done": False, "minutes": 30}]}
    write_data_file(tmp_path / "state.json", data)
    assert (tmp_path / "state.json").read_text() == json.dumps(data, indent=2) + "\n"
    write_data_file(tmp_path / "state.yml", data)
    assert (tmp_path / "state.yml").read_text() == (
        "date: '2026-01-31'\ntasks:\n- id: a\n  done: false\n  minutes: 30\n")
    write_data_file(tmp_path / "state.toml", data)
    assert (tmp_path / "state.toml").read_text().startswith('date = "2026-01-31"\n')
    write_data_file(tmp_path / "state.txt", data, format="YAML")
    for name in ("state.json", "state.yml", "state.toml"):
        assert read_data_file(tmp_path / name) == data
    assert read_data_file(tmp_path / "state.txt", format="yaml") == data


def test_yaml_quotes_strings_that_would_read_back_as_something_else(tmp_path):
    texts = ["2026-01-31", "2026-01-31T09:00:00Z", "yes", "off", "y", "1e3", "0x1f", "1_000", "12:30",
             ".inf", "null", "~", "", "3.14", "-7", "+1"]
    target = tmp_path / "s.yaml"
    write_data_file(target, {"texts": texts})
    assert read_data_file(target) == {"texts": texts}
    import yaml  # a plain YAML 1.1 reader agrees too

    assert yaml.safe_load(target.read_text())["texts"] == texts


def test_shared_values_are_written_out_not_as_yaml_aliases(tmp_path):
    shared = {"minutes": 30}
    write_data_file(tmp_path / "s.yaml", {"a": shared, "b": shared})
    assert "&" not in (tmp_path / "s.yaml").read_text()


def test_toml_cannot_hold_null_or_a_top_level_list(tmp_path):
    with pytest.raises(DataFileError, match=r"^state file .*s.toml: TOML has no null \(at key 'tasks\[1\].due'\); "
                                            r"use .json or .yaml$"):
        write_data_file(tmp_path / "s.toml", {"tasks": [{"due": "x"}, {"due": None}]}, "state file")
    with pytest.raises(DataFileError, match="TOML needs key = value pairs at the top level, not a list"):
        write_data_file(tmp_path / "s.toml", [1, 2])
    assert _names(tmp_path) == []


def test_unwritable_data_is_one_clear_line(tmp_path):
    with pytest.raises(DataFileError, match="JSON has no NaN or infinity"):
        write_data_file(tmp_path / "s.json", {"x": float("nan")})
    deep: object = 1
    for _ in range(500):
        deep = [deep]
    with pytest.raises(DataFileError, match="nested 500 levels deep"):
        write_data_file(tmp_path / "s.yaml", deep)
    with pytest.raises(DataFileError, match="unsupported extension '.csv'"):
        write_data_file(tmp_path / "s.csv", {})
    assert _names(tmp_path) == []


def test_the_temporary_pattern_only_matches_our_own_names():
    pattern = files._temporary_pattern("a.json")
    assert pattern.fullmatch(".a.json.123.0123abcd.tmp")
    assert not pattern.fullmatch(".a.json.123.0123abcd.tmp.bak")
    assert not pattern.fullmatch(".ab.json.123.0123abcd.tmp")
    assert not pattern.fullmatch(".a.json.abc.0123abcd.tmp")
