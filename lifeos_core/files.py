"""Reading JSON, YAML and TOML data files: the input edge of lifeos.

States, params and (later) test plans arrive as files. This module is the one
place that reads them: it picks the parser by extension, refuses oversized
files, and turns every parser error into a :class:`DataFileError` naming
the file and, where the parser knows it, the line. Calendar dates stay
strings (YAML and TOML would otherwise make them date objects, which are not
JSON), so a file means the same thing in every format.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any

from .errors import ConfigError

MAX_FILE_BYTES = 16 * 1024 * 1024
SUFFIXES = {".json": "JSON", ".yaml": "YAML", ".yml": "YAML", ".toml": "TOML"}


class DataFileError(ConfigError):
    """A data file cannot be read or written, is too large, or is not valid for its format."""


def read_data_file(path: str | Path, what: str = "file") -> Any:
    """Parse ``path`` as JSON, YAML or TOML (by extension) and return the data."""
    path = Path(path)
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise DataFileError(f"{what} {path}: unsupported extension {path.suffix!r}; use .json, .yaml, .yml or .toml")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DataFileError(f"{what} {path} is {size} bytes; the limit is {MAX_FILE_BYTES} bytes")
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise DataFileError(f"{what} {path} does not exist") from None
    except IsADirectoryError:
        raise DataFileError(f"{what} {path} is a directory, not a file") from None
    except PermissionError:
        raise DataFileError(f"{what} {path} cannot be read (permission denied)") from None
    except UnicodeDecodeError as exc:
        raise DataFileError(f"{what} {path} is not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise DataFileError(f"{what} {path} cannot be read: {exc.strerror}") from None
    return parse_text(text, kind, f"{what} {path}")


def read_mapping_file(path: str | Path, what: str = "file") -> dict[str, Any]:
    """Like :func:`read_data_file`, for files whose top level must be an object."""
    data = read_data_file(path, what)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DataFileError(f"{what} {path} must hold an object (key: value pairs) at the top level, "
                             f"not a {type(data).__name__}")
    return data


def write_text_atomically(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the whole
    new one, never a half-written file: write a temporary file beside it,
    flush it to disk, then rename it over the target."""
    import os
    import tempfile

    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except FileNotFoundError:
        raise DataFileError(f"cannot write {path}: the folder {directory} does not exist") from None
    except PermissionError:
        raise DataFileError(f"cannot write {path}: permission denied") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, IsADirectoryError):
            raise DataFileError(f"cannot write {path}: it is a directory") from None
        if isinstance(exc, OSError):
            raise DataFileError(f"cannot write {path}: {exc.strerror}") from None
        raise


def parse_text(text: str, kind: str, source: str) -> Any:
    """Parse ``text`` in format ``kind`` (JSON, YAML or TOML); ``source`` names it in errors."""
    if kind == "JSON":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataFileError(f"{source}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    if kind == "YAML":
        return _parse_yaml(text, source)
    if kind == "TOML":
        return _parse_toml(text, source)
    raise DataFileError(f"{source}: unknown format {kind!r}")


def _parse_yaml(text: str, source: str) -> Any:
    import yaml

    try:
        return yaml.load(text, Loader=_loader_class())  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise DataFileError(f"{source}: invalid YAML{where}: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise DataFileError(f"{source}: invalid YAML: {exc}") from None


_LOADER: Any = None


def _loader_class() -> Any:
    """A safe YAML loader that leaves dates and times as the strings they were."""
    global _LOADER
    if _LOADER is None:
        import yaml

        class JSONishLoader(yaml.SafeLoader):
            pass

        JSONishLoader.yaml_implicit_resolvers = {
            first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
            for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }
        _LOADER = JSONishLoader
    return _LOADER


def _parse_toml(text: str, source: str) -> Any:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ModuleNotFoundError:
            raise DataFileError(f"{source}: reading TOML on Python 3.10 needs tomli (pip install tomli)") from None
    try:
        return _dates_as_text(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(f"{source}: invalid TOML: {exc}") from None


def _dates_as_text(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _dates_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(item) for item in value]
    if isinstance(value, (_dt.date, _dt.time)):  # datetime is a date
        return value.isoformat()
    return value
