"""Reading and writing JSON, YAML and TOML data files: the two I/O edges of lifeos.

States, params and test plans arrive as files (or on standard input, spelt
``-``); results, states and reports leave as files (or on standard output).
This module is the one place that does either, so that every way a file can
be wrong ends in one :class:`DataFileError` line naming the file and, where
the parser knows it, the line -- never in a traceback, a hang or a silently
different meaning.

Reading picks the parser by extension (or an explicit format), bounds what a
file may cost (size, nesting depth, YAML alias expansion), refuses duplicate
keys, accepts a UTF-8 byte order mark, and keeps calendar dates as the text
they were (YAML and TOML would otherwise make them date objects, which are
not JSON), so a file means the same thing in every format.

Writing is atomic (a temporary file beside the target, renamed over it), keeps
the mode of a file it replaces, writes through symlinks, and refuses targets
that are not regular files before anything is lost.
"""

from __future__ import annotations

import datetime as _dt
import gc
import json
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import ConfigError

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


# --------------------------------------------------------------------------- reading


def read_data_file(path: str | Path, what: str = "file", *, format: str | None = None,
                   allow_empty: bool = False) -> Any:
    """Parse ``path`` (``"-"`` for standard input) as JSON, YAML or TOML and return the data.

    ``format`` ("json", "yaml" or "toml") overrides the extension; without it
    a file's extension decides, and standard input is JSON when it starts
    with ``{`` or ``[``, YAML otherwise. A file holding no data is an error
    unless ``allow_empty`` (then the result is None). ``what`` names the
    file's role in messages ("state file", "test plan").
    """
    kind = _format_kind(format, what)
    if is_stdio(path):
        source = f"{what} (standard input)"
        text = _read_stdin(source)
        return parse_text(text, kind or _detected_kind(text), source, allow_empty=allow_empty)
    path = Path(path)
    source = f"{what} {path}"
    info = _stat_input(path, source)
    kind = kind or _kind_by_suffix(path, source)
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
    kind = _format_kind(kind, source) or "JSON"
    if text.startswith("\ufeff"):
        text = text[1:]
    parser = {"JSON": _parse_json, "YAML": _parse_yaml, "TOML": _parse_toml}[kind]
    with _collector_paused():
        data = parser(text, source) if text and not text.isspace() else _EMPTY
        if data is _EMPTY:
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
        raise DataFileError(_too_deep(source, str(depth)))


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


_EMPTY: Any = object()


def _too_deep(source: str, levels: str, where: str = "") -> str:
    return f"{source} is nested {levels} levels deep{where}; lifeos reads at most {MAX_NESTING} levels"


def _format_kind(format: str | None, source: str) -> str | None:
    if format is None:
        return None
    kind = FORMATS.get(str(format).lower())
    if kind is None:
        raise DataFileError(f"{source}: unknown format {format!r}; use json, yaml or toml")
    return kind


def _kind_by_suffix(path: Path, source: str) -> str:
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


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Parsing builds a million objects and no cycles: the cyclic garbage collector,
    triggered again and again by those allocations, would take most of the time
    (a YAML plan of 9 MB loads in 3 s instead of 12 s without it)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --------------------------------------------------------------------------- JSON and TOML


class _DuplicateKey(Exception):
    """Raised from inside a parser; turned into a DataFileError where the source is known."""

    def __init__(self, key: object, lines: tuple[int, int] | None = None) -> None:
        super().__init__(key)
        self.key = key
        self.lines = lines


def _duplicate_message(source: str, key: object, lines: tuple[int, int] | None, container: str) -> str:
    where = f" (lines {lines[0]} and {lines[1]})" if lines else ""
    return f"{source}: key {key!r} appears twice in the same {container}{where}; each key may appear only once"


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return mapping


def _parse_json(text: str, source: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_json_object)
    except _DuplicateKey as exc:
        key, lines = _first_json_duplicate(text) or (exc.key, None)
        raise DataFileError(_duplicate_message(source, key, lines, "object")) from None
    except json.JSONDecodeError as exc:
        raise DataFileError(f"{source}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise DataFileError(_too_deep(source, str(_bracket_depth(text)))) from None
    except (ValueError, OverflowError) as exc:
        raise DataFileError(_long_number_message(text, source) or f"{source}: invalid JSON: {exc}") from None


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
        raise DataFileError(_too_deep(source, str(_bracket_depth(text) + 1))) from None
    except (ValueError, OverflowError) as exc:
        raise DataFileError(_long_number_message(text, source) or f"{source}: invalid TOML: {exc}") from None
    return data if data else _EMPTY  # only comments: no data at all


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


def _long_number_message(text: str, source: str) -> str | None:
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


# --------------------------------------------------------------------------- YAML


def _parse_yaml(text: str, source: str) -> Any:
    import yaml

    loader = _yaml_loader_class()(text)
    try:
        node = loader.get_single_node()
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG
                            and node.value == "" and not node.style):
            return _EMPTY  # nothing, comments, or a bare "---"
        if _ALIAS_START.search(text):
            _check_aliases(node, source)
        return loader.construct_document(node)
    except DataFileError:  # a ValueError too: keep it from the clauses below
        raise
    except _DuplicateKey as exc:
        raise DataFileError(_duplicate_message(source, exc.key, exc.lines, "mapping")) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        if "maximum nesting depth" in str(exc.problem):  # libyaml's own limit (1000 levels)
            at = f" (at line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
            raise DataFileError(_too_deep(source, f"more than {MAX_NESTING}", at)) from None
        raise DataFileError(f"{source}: invalid YAML{where}: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise DataFileError(f"{source}: invalid YAML: {exc}") from None
    except RecursionError:
        raise DataFileError(_too_deep(source, f"more than {MAX_NESTING}")) from None
    except (ValueError, OverflowError) as exc:
        raise DataFileError(_long_number_message(text, source) or f"{source}: invalid YAML: {exc}") from None
    except Exception as exc:  # a constructor failing in a way PyYAML does not wrap
        raise DataFileError(f"{source}: invalid YAML: {type(exc).__name__}: {exc}") from None
    finally:
        loader.dispose()


_NULL_TAG = "tag:yaml.org,2002:null"


def _check_aliases(root: Any, source: str) -> None:
    """Measure the document as if every alias were copied out, before building it.

    Each collection's expanded size and depth is computed once (memoised on the
    node graph), so a "billion laughs" file costs time proportional to the
    nodes it spells out, not to the values it would expand to. Refuses
    documents whose aliases add more than :data:`MAX_ALIAS_EXPANSION` values,
    nest beyond :data:`MAX_NESTING` levels, or hold a collection inside itself.
    """
    from yaml.nodes import ScalarNode

    if root.__class__ is ScalarNode:
        return
    sizes: dict[int, tuple[int, int]] = {}  # id(collection) -> (values when expanded, depth)
    open_nodes: set[int] = set()
    spelled = 0
    stack: list[Any] = [root]  # a node to enter, or (node, nested collections, own values) to finish
    while stack:
        item = stack.pop()
        if item.__class__ is tuple:
            node, nested, count = item
            depth = 0
            for child in nested:
                child_count, child_depth = sizes[id(child)]
                count += child_count
                depth = max(depth, child_depth)
            sizes[id(node)] = (count, depth + 1)
            open_nodes.discard(id(node))
            continue
        key = id(item)
        if key in sizes:
            continue
        if key in open_nodes:
            raise DataFileError(f"{source}: the YAML collection at line {item.start_mark.line + 1} "
                                "contains an alias to itself; data must be a tree")
        value = item.value
        children = [part for pair in value for part in pair] if value and value[0].__class__ is tuple else value
        nested = [child for child in children if child.__class__ is not ScalarNode]
        own = 1 + len(children) - len(nested)  # the collection and its scalars
        spelled += own
        open_nodes.add(key)
        stack.append((item, nested, own))
        stack.extend(nested)
    expanded, depth = sizes[id(root)]
    if expanded - spelled > MAX_ALIAS_EXPANSION:
        raise DataFileError(f"{source}: YAML aliases expand to {expanded:,} values; at most "
                            f"{MAX_ALIAS_EXPANSION:,} more than the file spells out are allowed")
    if depth > MAX_NESTING:
        raise DataFileError(_too_deep(source, str(depth)))


# Where an alias can start: "*" at the start of a line, after a space, or after a flow
# indicator. A file without one has no alias, and needs no measuring.
_ALIAS_START = re.compile(r"(?:^|[\s\[{,:])\*", re.MULTILINE)


_LOADER: Any = None


def _yaml_loader_class() -> Any:
    """A safe YAML loader (libyaml's parser when PyYAML has it) that keeps dates and
    times as the text they were and refuses duplicate keys; built once."""
    global _LOADER
    if _LOADER is None:
        _LOADER = _build_yaml_loader()
    return _LOADER


def _build_yaml_loader(variant: str | None = None) -> Any:
    """``variant``: "libyaml" (its parser and composer), "libyaml-events" (its parser, our
    composer), "python" (PyYAML without libyaml); by default the fastest safe one."""
    import yaml
    from yaml.composer import Composer
    from yaml.constructor import SafeConstructor
    from yaml.nodes import MappingNode, ScalarNode
    from yaml.resolver import Resolver

    class TextDatesResolver(Resolver):
        """Resolves plain scalars as SafeLoader does, minus timestamps, remembering each answer."""

        def __init__(self) -> None:
            Resolver.__init__(self)
            self._tags: dict[str, str] = {}  # plain scalar -> its tag: files repeat their keys and values

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is ScalarNode and implicit[0]:
                tag = self._tags.get(value)
                if tag is None:
                    tag = self._tags[value] = Resolver.resolve(self, kind, value, implicit)
                return tag
            return Resolver.resolve(self, kind, value, implicit)

    TextDatesResolver.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in Resolver.yaml_implicit_resolvers.items()
    }

    class StrictConstructor(SafeConstructor):
        """SafeConstructor that refuses a key repeated within one mapping (merged keys may be overridden)."""

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            own = node.value if isinstance(node, MappingNode) else None
            mapping = SafeConstructor.construct_mapping(self, node, deep=deep)
            # flatten_mapping removed the "<<" entries from ``own`` in place; when it
            # merged something, node.value became a new list (merged pairs first).
            if own is not None and (len(mapping) < len(own) or own is not node.value):
                self._refuse_duplicates(own, deep)
            return mapping

        def _refuse_duplicates(self, pairs: list[tuple[Any, Any]], deep: bool) -> None:
            first_nodes: dict[Any, Any] = {}
            for key_node, _ in pairs:
                key = self.construct_object(key_node, deep=deep)  # cached: built already
                try:
                    first = first_nodes.setdefault(key, key_node)
                except TypeError:  # unhashable: SafeConstructor has refused it already
                    continue
                if first is not key_node:
                    raise _DuplicateKey(key, (first.start_mark.line + 1, key_node.start_mark.line + 1))

    # An explicit !!timestamp tag also stays text, like an implicit one.
    StrictConstructor.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)

    if variant is None:
        if not getattr(yaml, "__with_libyaml__", False):
            variant = "python"
        else:
            variant = "libyaml" if _libyaml_limits_nesting() else "libyaml-events"
    if variant == "python":
        from yaml.parser import Parser
        from yaml.reader import Reader
        from yaml.scanner import Scanner

        class PythonLoader(Reader, Scanner, Parser, Composer, StrictConstructor, TextDatesResolver):
            def __init__(self, stream: Any) -> None:
                Reader.__init__(self, stream)
                Scanner.__init__(self)
                Parser.__init__(self)
                Composer.__init__(self)
                StrictConstructor.__init__(self)
                TextDatesResolver.__init__(self)

        return PythonLoader

    from yaml.cyaml import CParser

    if variant == "libyaml":
        class CLoader(CParser, StrictConstructor, TextDatesResolver):
            def __init__(self, stream: Any) -> None:
                CParser.__init__(self, stream)
                StrictConstructor.__init__(self)
                TextDatesResolver.__init__(self)

        return CLoader

    # A libyaml that nests without limit would let its composer, which recurses in C,
    # crash on a deep file; compose its events in Python (bounded by the recursion limit).
    class CEventsLoader(Composer, CParser, StrictConstructor, TextDatesResolver):
        def __init__(self, stream: Any) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            StrictConstructor.__init__(self)
            TextDatesResolver.__init__(self)

    return CEventsLoader


def _libyaml_limits_nesting() -> bool:
    """Whether libyaml refuses deep nesting itself (recent versions stop at 1000 levels);
    composing 1100 levels is harmless either way."""
    import yaml

    try:
        yaml.compose("[" * 1100 + "]" * 1100, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return True
    return False


# --------------------------------------------------------------------------- writing


def write_data_file(path: str | Path, data: Any, what: str = "file", *, format: str | None = None) -> None:
    """Write ``data`` to ``path`` (``"-"``: standard output) as JSON, YAML or TOML, atomically.

    The format comes from ``format`` or the extension (JSON on standard
    output). What is written reads back to the same data with
    :func:`read_data_file`.
    """
    kind = _format_kind(format, what)
    if is_stdio(path):
        source = f"{what} (standard output)"
        kind = kind or "JSON"
    else:
        source = f"{what} {path}"
        kind = kind or _kind_by_suffix(Path(path), source)
    write_text_atomically(path, dump_text(data, kind, source))


def dump_text(data: Any, kind: str, source: str = "data") -> str:
    """``data`` as the text of a ``kind`` (JSON, YAML or TOML) file; ``source`` names it in errors."""
    kind = _format_kind(kind, source) or "JSON"
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
        _kind_by_suffix(path, f"{what} {path}")
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
