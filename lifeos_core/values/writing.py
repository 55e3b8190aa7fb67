"""Writing results, states and reports: the output edge of lifeos.

Every file lifeos writes is written atomically (a temporary file beside the
target, renamed over it: a reader sees the old file or the whole new one),
keeps the mode of the file it replaces, writes through symlinks, and is
refused before anything is lost when its target is not a regular file, its
folder does not exist, or it is one of the command's own inputs. ``-`` is
standard output.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .reading import DataFileError, check_nesting, format_kind, is_stdio, kind_by_suffix



def write_data_file(path: str | Path, data: Any, what: str = "file", *, format: str | None = None) -> None:
    """Write ``data`` to ``path`` (``"-"``: standard output) as JSON, YAML or TOML, atomically.

    The format comes from ``format`` or the extension (JSON on standard
    output). What is written reads back to the same data with
    :func:`read_data_file`.
    """
    kind = format_kind(format, what)
    if is_stdio(path):
        source = f"{what} (standard output)"
        kind = kind or "JSON"
    else:
        source = f"{what} {path}"
        kind = kind or kind_by_suffix(Path(path), source)
    write_text_atomically(path, dump_text(data, kind, source))


def dump_text(data: Any, kind: str, source: str = "data") -> str:
    """``data`` as the text of a ``kind`` (JSON, YAML or TOML) file; ``source`` names it in errors."""
    kind = format_kind(kind, source) or "JSON"
    check_nesting(data, source)
    if kind == "JSON":
        return _dump_json(data, source)
    if kind == "YAML":
        return _dump_yaml(data, source)
    return _dump_toml(data, source)


def _dump_json(data: Any, source: str) -> str:
    try:
        return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    except ValueError:
        raise DataFileError(f"{source}: JSON has no NaN or infinity; the data holds one") from None
    except TypeError as exc:
        raise DataFileError(f"{source}: cannot be written as JSON: {exc}") from None


# Plain scalars that some YAML reader (1.1 or 1.2) would take for something other than text.
_LOOKS_TYPED = re.compile(
    r"[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?0[xXoObB][0-9a-fA-F_]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|[0-9][0-9:_.]*"
    r"|(?i:true|false|yes|no|on|off|y|n|null|~)|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ][0-9:.+Zz -]*)?|")


def _dump_yaml(data: Any, source: str) -> str:
    import yaml

    try:
        return yaml.dump(data, Dumper=_yaml_dumper_class(), allow_unicode=True, default_flow_style=False,
                         sort_keys=False, width=4096)
    except yaml.YAMLError as exc:
        raise DataFileError(f"{source}: cannot be written as YAML: {exc}") from None


_DUMPER: Any = None


def _yaml_dumper_class() -> Any:
    global _DUMPER
    if _DUMPER is None:
        import yaml

        base = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

        class PlainDumper(base):  # type: ignore[misc, valid-type]
            """Never writes anchors/aliases (a repeated value is written out again), and
            quotes every string a YAML reader could take for a number, date, boolean or null."""

            def ignore_aliases(self, data: Any) -> bool:
                return True

        def represent_str(dumper: Any, value: str) -> Any:
            if _LOOKS_TYPED.fullmatch(value):
                return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
            return yaml.SafeDumper.represent_str(dumper, value)

        PlainDumper.add_representer(str, represent_str)
        _DUMPER = PlainDumper
    return _DUMPER


def _dump_toml(data: Any, source: str) -> str:
    import tomli_w

    if not isinstance(data, dict):
        raise DataFileError(f"{source}: TOML needs key = value pairs at the top level, "
                            f"not a {type(data).__name__}; use .json or .yaml")
    null = _first_null(data)
    if null is not None:
        raise DataFileError(f"{source}: TOML has no null (at key {null!r}); use .json or .yaml")
    try:
        return tomli_w.dumps(data)
    except (TypeError, ValueError) as exc:
        raise DataFileError(f"{source}: cannot be written as TOML: {exc}") from None


def _first_null(data: Any) -> str | None:
    """The path (``a.b[2]``) of the first None in ``data``, if any."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        where, value = stack.pop()
        if value is None:
            return where
        if isinstance(value, dict):
            stack.extend((f"{where}.{key}" if where else str(key), item) for key, item in reversed(value.items()))
        elif isinstance(value, (list, tuple)):
            stack.extend((f"{where}[{index}]", item) for index, item in reversed(list(enumerate(value))))
    return None


def write_text_atomically(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` (``"-"``: standard output) so that readers see the
    old file or the whole new one, never a half-written file.

    The text goes to a temporary file beside the target, is flushed to disk,
    then renamed over the target. The target keeps its permission bits (a new
    file gets the umask's), a symlink is written through to the file it names,
    and anything that is not a regular file is refused. Temporary files of
    this target left by killed processes are removed first.
    """
    if is_stdio(path):
        _write_stdout(text)
        return
    path = Path(path)
    prefix = f"cannot write {path}"
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise DataFileError(f"{prefix}: the text holds a character UTF-8 cannot encode "
                            f"(position {exc.start})") from None
    target, existing = _checked_target(path, prefix, f"refusing to replace {path}")
    _remove_stale_temporaries(target)
    _replace(target, data, existing, prefix)


def check_output(path: str | Path, what: str, inputs: Iterable[tuple[str, str | Path | None]] = (), *,
                 data: bool = False) -> None:
    """Refuse, before a command does any work, an output it could not write.

    The same refusals as :func:`write_text_atomically` (a missing folder, a
    file in the folder's path, a directory or a device as the target, a folder
    we may not write, a name ending in a slash), and an output that is one of
    the command's ``inputs`` (``(label, path)`` pairs): writing it would
    replace what was read. With ``data``, the extension must name a format
    :func:`write_data_file` writes. ``"-"`` (standard output) always passes.
    """
    if is_stdio(path):
        return
    if str(path).endswith(("/", os.sep)):
        raise DataFileError(f"cannot write {what} {path}: the name ends in '/', so it names a folder; "
                            "give a file name")
    path = Path(path)
    if data:
        kind_by_suffix(path, f"{what} {path}")
    target, _ = _checked_target(path, f"cannot write {what} {path}", f"refusing to replace {what} {path}")
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise DataFileError(f"cannot write {what} {path}: permission denied (folder {target.parent})")
    for label, other in inputs:
        if other is not None and not is_stdio(other) and _same_file(path, Path(other)):
            raise DataFileError(f"{what} {path} is also the {label} of this command; "
                                "writing it would replace it; choose another file")


def _same_file(first: Path, second: Path) -> bool:
    try:
        return os.path.samefile(first, second)
    except OSError:  # one of them does not exist (yet)
        return first.resolve() == second.resolve()


def _write_stdout(text: str) -> None:
    stream = sys.stdout
    if stream is None:
        raise DataFileError("cannot write to standard output: there is none")
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        raise  # the reader went away: the caller decides how quietly to stop
    except (OSError, ValueError) as exc:
        raise DataFileError(f"cannot write to standard output: {getattr(exc, 'strerror', None) or exc}") from None


def _checked_target(path: Path, prefix: str, refusal: str) -> tuple[Path, os.stat_result | None]:
    """The file a write of ``path`` would replace (through a symlink) and its status,
    after refusing every target that cannot or must not be replaced."""
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    if target is not path:
        refusal = f"{refusal} (a link to {target})"
    folder = target.parent
    try:
        folder_info = os.stat(folder)
    except FileNotFoundError:
        raise DataFileError(f"{prefix}: the folder {folder} does not exist; create it first") from None
    except NotADirectoryError:
        raise DataFileError(f"{prefix}: {_file_in_path(folder)} is a file, not a folder") from None
    except OSError as exc:
        raise DataFileError(f"{prefix}: {exc.strerror or exc} ({folder})") from None
    if not stat.S_ISDIR(folder_info.st_mode):
        raise DataFileError(f"{prefix}: {folder} is a file, not a folder")
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return target, None
    except OSError as exc:
        raise DataFileError(f"{prefix}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise DataFileError(f"{prefix}: it is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise DataFileError(f"{refusal}: it is not a regular file")
    return target, info


def _file_in_path(folder: Path) -> Path:
    """The first component of ``folder`` that exists and is not a folder."""
    for candidate in [*reversed(folder.parents), folder]:
        if candidate.exists() and not candidate.is_dir():
            return candidate
    return folder


def _temporary_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(name)}\.([0-9]+)\.[0-9a-f]{{8}}\.tmp")


def _remove_stale_temporaries(target: Path) -> None:
    """Remove ``.{name}.{pid}.{random}.tmp`` files of this target whose process is gone
    (killed while writing); any other file, and those of live processes, stay."""
    pattern = _temporary_pattern(target.name)
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None or _process_exists(int(match[1])):
            continue
        try:
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
        except OSError:
            pass


def _process_exists(pid: int) -> bool:
    """Whether ``pid`` may be a running process (when in doubt: yes, leave its file alone)."""
    if pid <= 0 or pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError, ValueError):
        return True
    return True


def _replace(target: Path, data: bytes, existing: os.stat_result | None, prefix: str) -> None:
    import secrets

    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    temporary = target
    descriptor = -1
    try:
        for _ in range(100):
            temporary = target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
            try:
                descriptor = os.open(temporary, flags, 0o600 if existing else 0o666)  # 0o666 & ~umask
                break
            except FileExistsError:
                continue
        else:
            raise FileExistsError(f"no free temporary name in {target.parent}")
        if existing is not None:
            _keep_owner_and_mode(descriptor, existing)
        with os.fdopen(descriptor, "wb") as stream:
            descriptor = -1
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException as exc:
        if descriptor >= 0:
            os.close(descriptor)
        if temporary is not target:
            try:
                os.unlink(temporary)
            except OSError:
                pass
        if isinstance(exc, PermissionError):
            raise DataFileError(f"{prefix}: permission denied (folder {target.parent})") from None
        if isinstance(exc, OSError):
            raise DataFileError(f"{prefix}: {exc.strerror or exc}") from None
        raise
    _sync_folder(target.parent)


def _keep_owner_and_mode(descriptor: int, existing: os.stat_result) -> None:
    """The new file gets the replaced file's owner (where we may set it) and permission bits."""
    if hasattr(os, "fchown") and (existing.st_uid, existing.st_gid) != (os.geteuid(), os.getegid()):
        try:
            os.fchown(descriptor, existing.st_uid, existing.st_gid)
        except OSError:
            pass
    os.fchmod(descriptor, stat.S_IMODE(existing.st_mode))


def _sync_folder(folder: Path) -> None:
    """Make the rename durable; best effort (not every file system lets a folder be synced)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
