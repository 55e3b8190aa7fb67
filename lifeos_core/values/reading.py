"""Reading JSON, YAML and TOML data files: the input edge of lifeos.

States, params and test plans arrive as files (or on standard input, spelt
``-``). This module is the one place that reads them, so that every way a
file can be wrong ends in one :class:`DataFileError` line naming the file
and, where the parser knows it, the line -- never in a traceback, a hang or
a silently different meaning. It picks the parser by extension (or an
explicit format), bounds what a file may cost (size, nesting depth, YAML
alias expansion: see :mod:`lifeos_core.values.yamlfiles`), refuses duplicate
keys, accepts a UTF-8 byte order mark, and keeps calendar dates as the text
they were (YAML and TOML would otherwise make them date objects, which are
not JSON), so a file means the same thing in every format.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import stat
import sys
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .collector import collector_paused

MAX_FILE_BYTES = 16 * 1024 * 1024
"""The largest data file lifeos reads (and the most it reads from standard input)."""

MAX_NESTING = 200
"""The most levels of objects/arrays a value may nest."""

MAX_ALIAS_EXPANSION = 1_000_000
"""How many more values than a YAML file spells out its aliases may expand to."""

SUFFIXES = {".json": "JSON", ".yaml": "YAML", ".yml": "YAML", ".toml": "TOML"}
FORMATS = {"json": "JSON", "yaml": "YAML", "yml": "YAML", "toml": "TOML"}
STDIO = "-"
"""The path that means standard input (when reading) or standard output (when writing)."""


class DataFileError(ConfigError):
    """A data file cannot be read or written, is too large, or is not valid for its format."""




def read_data_file(path: str | Path, what: str = "file", *, format: str | None = None,
                   allow_empty: bool = False) -> Any:
    """Parse ``path`` (``"-"`` for standard input) as JSON, YAML or TOML and return the data.

    ``format`` ("json", "yaml" or "toml") overrides the extension; without it
    a file's extension decides, and standard input is JSON when it starts
    with ``{`` or ``[``, YAML otherwise. A file holding no data is an error
    unless ``allow_empty`` (then the result is None). ``what`` names the
    file's role in messages ("state file", "test plan").
    """
    kind = format_kind(format, what)
    if is_stdio(path):
        source = f"{what} (standard input)"
        text = _read_stdin(source)
        return parse_text(text, kind or _detected_kind(text), source, allow_empty=allow_empty)
    path = Path(path)
    source = f"{what} {path}"
    info = _stat_input(path, source)
    kind = kind or kind_by_suffix(path, source)
    if stat.S_ISREG(info.st_mode) and info.st_size > MAX_FILE_BYTES:
        raise DataFileError(f"{source} is {info.st_size} bytes; the limit is {MAX_FILE_BYTES} bytes")
    raw = _read_bytes(path, source)
    return parse_text(_decode(raw, source), kind, source, allow_empty=allow_empty)


def read_mapping_file(path: str | Path, what: str = "file", *, format: str | None = None) -> dict[str, Any]:
    """Like :func:`read_data_file`, for files whose top level must be an object.

    An empty file is an empty mapping: a state or params file may rightly say nothing.
    """
    data = read_data_file(path, what, format=format, allow_empty=True)
    if data is None:
        return {}
    if not isinstance(data, dict):
        label = f"{what} (standard input)" if is_stdio(path) else f"{what} {path}"
        raise DataFileError(f"{label} must hold an object (key: value pairs) at the top level, "
                            f"not a {type(data).__name__}")
    return data


def is_stdio(path: object) -> bool:
    """Whether ``path`` is ``-``, the conventional name of standard input/output."""
    return isinstance(path, (str, os.PathLike)) and os.fspath(path) == STDIO


def parse_text(text: str, kind: str, source: str, *, allow_empty: bool = False) -> Any:
    """Parse ``text`` in format ``kind`` (JSON, YAML or TOML, any case); ``source`` names it in errors.

    Applies every limit of a data file except its size: nesting depth,
    duplicate keys, YAML aliases, integers of too many digits.
    """
    kind = format_kind(kind, source) or "JSON"
    if text.startswith("\ufeff"):
        text = text[1:]
    parser = {"JSON": _parse_json, "YAML": _parse_yaml, "TOML": _parse_toml}[kind]
    with collector_paused():
        data = parser(text, source) if text and not text.isspace() else EMPTY
        if data is EMPTY:
            if allow_empty:
                return None
            raise DataFileError(f"{source} is empty")
        check_nesting(data, source)
        return _dates_as_text(data) if kind == "TOML" else data


def check_nesting(value: Any, source: str) -> None:
    """Refuse ``value`` when its objects/arrays nest more than :data:`MAX_NESTING` levels.

    Deep values crash recursive code downstream (hashing, printing, JSON
    encoders) with a RecursionError; refusing them at the edge gives one clear
    line instead. Nothing here recurses, so any depth can be measured.
    """
    if _shallow_enough(value):
        return
    depth = _nesting_depth(value, source)
    if depth > MAX_NESTING:
        raise DataFileError(too_deep(source, str(depth)))


_CONTAINERS = (dict, list, tuple)


def _shallow_enough(value: Any, budget: int = 20_000_000) -> bool:
    """The fast common case: level by level, whether ``value`` nests at most
    :data:`MAX_NESTING` levels. False also when it is too big to tell this way
    (shared sub-values can make the levels grow without end)."""
    frontier = [value] if isinstance(value, _CONTAINERS) else []
    for _ in range(MAX_NESTING):
        if not frontier:
            return True
        frontier = [child for item in frontier for child in (item.values() if isinstance(item, dict) else item)
                    if isinstance(child, _CONTAINERS)]
        budget -= len(frontier)
        if budget < 0:
            return False
    return not frontier


def _nesting_depth(value: Any, source: str) -> int:
    """The exact levels of dicts/lists/tuples in ``value``, each shared sub-value measured once;
    a value that contains itself is refused."""
    if not isinstance(value, _CONTAINERS):
        return 0
    depths: dict[int, int] = {}
    open_ids: set[int] = set()
    stack: list[tuple[bool, Any]] = [(False, value)]
    while stack:
        finished, item = stack.pop()
        key = id(item)
        if finished:
            depths[key] = 1 + max((depths[id(child)] for child in _containers_in(item)), default=0)
            open_ids.discard(key)
        elif key in open_ids:
            raise DataFileError(f"{source} contains itself (a value inside its own value); data must be a tree")
        elif key not in depths:
            open_ids.add(key)
            stack.append((True, item))
            stack.extend((False, child) for child in _containers_in(item))
    return depths[id(value)]


def _containers_in(item: Any) -> list[Any]:
    return [child for child in (item.values() if isinstance(item, dict) else item) if isinstance(child, _CONTAINERS)]


EMPTY: Any = object()


def too_deep(source: str, levels: str, where: str = "") -> str:
    return f"{source} is nested {levels} levels deep{where}; lifeos reads at most {MAX_NESTING} levels"


def format_kind(format: str | None, source: str) -> str | None:
    if format is None:
        return None
    kind = FORMATS.get(str(format).lower())
    if kind is None:
        raise DataFileError(f"{source}: unknown format {format!r}; use json, yaml or toml")
    return kind


def kind_by_suffix(path: Path, source: str) -> str:
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise DataFileError(f"{source}: unsupported extension {path.suffix!r}; use .json, .yaml, .yml or .toml")
    return kind


def _detected_kind(text: str) -> str:
    """JSON when the text starts like a JSON document, YAML (a superset, mostly) otherwise."""
    return "JSON" if text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[") else "YAML"


def _stat_input(path: Path, source: str) -> os.stat_result:
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise DataFileError(f"{source} does not exist") from None
    except PermissionError:
        raise DataFileError(f"{source} cannot be read (permission denied)") from None
    except OSError as exc:
        raise DataFileError(f"{source} cannot be read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise DataFileError(f"{source} is a directory, not a file")
    return info


def _read_bytes(path: Path, source: str) -> bytes:
    """The file's bytes; a pipe or device is read up to the limit, never forever."""
    try:
        with open(path, "rb") as stream:
            raw = _read_limited(stream, source)
    except FileNotFoundError:
        raise DataFileError(f"{source} does not exist") from None
    except IsADirectoryError:
        raise DataFileError(f"{source} is a directory, not a file") from None
    except PermissionError:
        raise DataFileError(f"{source} cannot be read (permission denied)") from None
    except OSError as exc:
        raise DataFileError(f"{source} cannot be read: {exc.strerror or exc}") from None
    return raw


def _read_stdin(source: str) -> str:
    stream = sys.stdin
    if stream is None:
        raise DataFileError(f"{source} cannot be read: there is no standard input")
    binary = getattr(stream, "buffer", None)
    try:
        raw = _read_limited(binary if binary is not None else stream, source)
    except (OSError, ValueError) as exc:  # ValueError: a closed stream
        if isinstance(exc, DataFileError):
            raise
        raise DataFileError(f"{source} cannot be read: {getattr(exc, 'strerror', None) or exc}") from None
    return raw if isinstance(raw, str) else _decode(raw, source)


def _read_limited(stream: Any, source: str) -> Any:
    """All of ``stream`` (bytes, or text for a text stream without a buffer), refusing it
    once it passes :data:`MAX_FILE_BYTES`; read in pieces, so a small file costs little."""
    pieces = []
    total = 0
    while True:
        piece = stream.read(min(1 << 20, MAX_FILE_BYTES + 1 - total))
        if not piece:
            break
        pieces.append(piece)
        total += len(piece)
        if total > MAX_FILE_BYTES:
            raise DataFileError(f"{source} is more than {MAX_FILE_BYTES} bytes; the limit is {MAX_FILE_BYTES} bytes")
    return (pieces[0][:0] if pieces else b"").join(pieces)


def _decode(raw: bytes, source: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataFileError(f"{source} is not UTF-8 text (byte {exc.start})") from None


# --------------------------------------------------------------------------- JSON and TOML


class DuplicateKey(Exception):
    """Raised from inside a parser; turned into a DataFileError where the source is known."""

    def __init__(self, key: object, lines: tuple[int, int] | None = None) -> None:
        super().__init__(key)
        self.key = key
        self.lines = lines


def duplicate_message(source: str, key: object, lines: tuple[int, int] | None, container: str) -> str:
    where = f" (lines {lines[0]} and {lines[1]})" if lines else ""
    return f"{source}: key {key!r} appears twice in the same {container}{where}; each key may appear only once"


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return mapping


def _parse_json(text: str, source: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_json_object)
    except DuplicateKey as exc:
        key, lines = _first_json_duplicate(text) or (exc.key, None)
        raise DataFileError(duplicate_message(source, key, lines, "object")) from None
    except json.JSONDecodeError as exc:
        raise DataFileError(f"{source}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise DataFileError(too_deep(source, str(_bracket_depth(text)))) from None
    except (ValueError, OverflowError) as exc:
        raise DataFileError(long_number_message(text, source) or f"{source}: invalid JSON: {exc}") from None


def _parse_toml(text: str, source: str) -> Any:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ModuleNotFoundError:
            raise DataFileError(f"{source}: reading TOML on Python 3.10 needs tomli (pip install tomli)") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(f"{source}: invalid TOML: {exc}") from None
    except RecursionError:  # the document itself is a table: one level more than its brackets
        raise DataFileError(too_deep(source, str(_bracket_depth(text) + 1))) from None
    except (ValueError, OverflowError) as exc:
        raise DataFileError(long_number_message(text, source) or f"{source}: invalid TOML: {exc}") from None
    return data if data else EMPTY  # only comments: no data at all


# Strings (JSON's, and TOML's four kinds), TOML comments, brackets: enough to
# find the depth or a long number in a file a parser has already refused.
# An unterminated multi-line string runs to the end, so that no start is scanned twice.
_STRINGS = r'"""[\s\S]*?(?:"""|\Z)|\'\'\'[\s\S]*?(?:\'\'\'|\Z)|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*'
_BRACKETS = re.compile(_STRINGS + r"|[\[\]{}]")
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]')


def _bracket_depth(text: str) -> int:
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):
        token = match[0]
        if token in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in ("]", "}"):
            depth -= 1
    return deepest


def _line(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _first_json_duplicate(text: str) -> tuple[str, tuple[int, int]] | None:
    """The first key, in reading order, that repeats within its object, and its two lines."""
    frames: list[dict[str, int] | None] = []  # keys seen per open object (None: an array)
    expect_key = False
    for match in _JSON_TOKENS.finditer(text):
        token = match[0]
        if token == "{":
            frames.append({})
            expect_key = True
        elif token == "[":
            frames.append(None)
        elif token in ("}", "]"):
            if frames:
                frames.pop()
            expect_key = False
        elif token == ",":
            expect_key = bool(frames) and frames[-1] is not None
        elif token == ":":
            expect_key = False
        elif expect_key and frames and frames[-1] is not None:
            key = json.loads(token)
            if key in frames[-1]:
                return key, (_line(text, frames[-1][key]), _line(text, match.start()))
            frames[-1][key] = match.start()
            expect_key = False
    return None


def long_number_message(text: str, source: str) -> str | None:
    """Python refuses to convert integers of more than ``sys.get_int_max_str_digits()``
    digits (4300 by default); say where such a number is, and what the limit is."""
    limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    if not limit:
        return None
    for match in re.finditer(_STRINGS + r"|[0-9][0-9_]*", text):  # each run of digits matched whole
        digits = match[0].replace("_", "")
        if digits.isdigit() and len(digits) > limit:
            line = _line(text, match.start())
            column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
            return (f"{source}: the number at line {line}, column {column} has {len(digits)} digits; "
                    f"lifeos reads integers of at most {limit} digits")
    return f"{source}: a number has more than {limit} digits; lifeos reads integers of at most {limit} digits"


def _dates_as_text(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _dates_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(item) for item in value]
    if isinstance(value, (_dt.date, _dt.time)):  # datetime is a date
        return value.isoformat()
    return value



def _parse_yaml(text: str, source: str) -> Any:
    from .yamlfiles import parse_yaml  # PyYAML is imported only for YAML

    return parse_yaml(text, source)
