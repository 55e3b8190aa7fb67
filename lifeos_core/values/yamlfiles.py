"""YAML, read safely and fast: libyaml's parser when it is there, the same rules either way.

Dates and times stay the text they were, only the safe tags are constructed,
duplicate keys are refused, nesting is bounded (libyaml refuses more than
1000 levels itself; the document is then refused at 200), and aliases may not
expand a document past :data:`~lifeos_core.values.reading.MAX_ALIAS_EXPANSION`
values more than it spells out ("billion laughs"), counted on the composed
node graph before anything is constructed.
"""

from __future__ import annotations

import re
from typing import Any

from .reading import (EMPTY, MAX_ALIAS_EXPANSION, MAX_NESTING, DataFileError, DuplicateKey, duplicate_message,
                      long_number_message, too_deep)



def parse_yaml(text: str, source: str) -> Any:
    import yaml

    loader_class = _yaml_loader_class()
    if getattr(loader_class, "reads_events_in_c", False):
        loader = loader_class(text)
        try:
            value = _build_from_events(loader)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError):
            value = _ASK_THE_COMPOSER  # the composer below says what is wrong, in its words
        finally:
            loader.dispose()
        if value is not _ASK_THE_COMPOSER:
            return value
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG
                            and node.value == "" and not node.style):
            return EMPTY  # nothing, comments, or a bare "---"
        if _ALIAS_START.search(text):
            _check_aliases(node, source)
        return loader.construct_document(node)
    except DataFileError:  # a ValueError too: keep it from the clauses below
        raise
    except DuplicateKey as exc:
        raise DataFileError(duplicate_message(source, exc.key, exc.lines, "mapping")) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        if "maximum nesting depth" in str(exc.problem):  # libyaml's own limit (1000 levels)
            at = f" (at line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
            raise DataFileError(too_deep(source, f"more than {MAX_NESTING}", at)) from None
        raise DataFileError(f"{source}: invalid YAML{where}: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise DataFileError(f"{source}: invalid YAML: {exc}") from None
    except RecursionError:
        raise DataFileError(too_deep(source, f"more than {MAX_NESTING}")) from None
    except (ValueError, OverflowError) as exc:
        raise DataFileError(long_number_message(text, source) or f"{source}: invalid YAML: {exc}") from None
    except Exception as exc:  # a constructor failing in a way PyYAML does not wrap
        raise DataFileError(f"{source}: invalid YAML: {type(exc).__name__}: {exc}") from None
    finally:
        loader.dispose()


_NULL_TAG = "tag:yaml.org,2002:null"
_STR_TAG = "tag:yaml.org,2002:str"
_INT_TAG = "tag:yaml.org,2002:int"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_ASK_THE_COMPOSER = object()


def _build_from_events(loader: Any) -> Any:
    """The document built straight from libyaml's events, or ``_ASK_THE_COMPOSER``.

    PyYAML composes a node object for every value and then constructs the
    values from the nodes, both in Python; building from the parser's events
    skips the nodes: a 10,000-scenario plan (2.3 MB) loads in about a third of
    the time. Only ordinary documents are built here: mappings, sequences,
    plain and quoted scalars with the standard implicit types, anchors and
    aliases. Anything else (an explicit tag, a merge key, a repeated or
    unhashable key, aliases that expand too far or nest too deep, a second
    document, a syntax error) is left to the composer and constructor, which
    build it, or refuse it with their messages, by the same rules.
    """
    from yaml.events import (AliasEvent, DocumentEndEvent, DocumentStartEvent, MappingEndEvent,
                             MappingStartEvent, ScalarEvent, SequenceEndEvent, SequenceStartEvent, StreamEndEvent,
                             StreamStartEvent)
    from yaml.nodes import ScalarNode

    resolve, bools, known_tags = loader.resolve, loader.bool_values, loader._tags
    get_event, check_event = loader.get_event, loader.check_event
    anchors: dict[str, tuple[Any, int, int]] = {}  # anchor -> (value, values when expanded, depth)
    # Each open collection: [value, key or _NO_KEY, anchor, values when expanded, depth below it]
    stack: list[list[Any]] = []
    extra = 0  # values the aliases add beyond what the file spells out
    root: Any = _ASK_THE_COMPOSER
    root_is_empty = False

    if check_event(StreamStartEvent):
        get_event()
    if check_event(StreamEndEvent):
        return EMPTY
    if not check_event(DocumentStartEvent):
        return _ASK_THE_COMPOSER
    get_event()
    while True:
        event = get_event()
        kind = event.__class__
        if kind is ScalarEvent:
            if event.tag is not None and event.tag != "!":
                return _ASK_THE_COMPOSER
            value = event.value
            implicit = event.implicit
            if implicit[0]:  # plain: its type is in its text (files repeat their texts: remembered)
                tag = known_tags.get(value) or resolve(ScalarNode, value, implicit)
            else:
                tag = _STR_TAG if implicit[1] else resolve(ScalarNode, value, implicit)
            if tag == _STR_TAG:
                item = value
            elif tag == _INT_TAG:
                digits = value[1:] if value[:1] == "-" else value
                if digits.isdigit() and (digits[0] != "0" or digits == "0"):
                    item = int(value)
                else:
                    item = loader.construct_yaml_int(ScalarNode(tag, value))
            elif tag == _NULL_TAG:
                item = None
                if not stack and value == "" and not event.style:
                    root_is_empty = True
            elif tag == _BOOL_TAG:
                item = bools[value.lower()]
            elif tag == _FLOAT_TAG:
                item = loader.construct_yaml_float(ScalarNode(tag, value))
            else:  # a merge key "<<", "=", or anything else a resolver knows
                return _ASK_THE_COMPOSER
            size, depth = 1, 0
            if event.anchor is not None:
                anchors[event.anchor] = (item, 1, 0)
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if event.tag is not None and event.tag != "!":
                return _ASK_THE_COMPOSER
            stack.append([{} if kind is MappingStartEvent else [], _NO_KEY, event.anchor, 1, 0])
            if len(stack) > MAX_NESTING:
                return _ASK_THE_COMPOSER
            continue
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            item, _, anchor, size, below = stack.pop()
            depth = below + 1
            if anchor is not None:
                anchors[anchor] = (item, size, depth)
        elif kind is AliasEvent:
            found = anchors.get(event.anchor)
            if found is None:  # an unknown anchor, or one of a collection still open (a cycle)
                return _ASK_THE_COMPOSER
            item, size, depth = found
            if depth:
                extra += size
                if extra > MAX_ALIAS_EXPANSION or len(stack) + depth > MAX_NESTING:
                    return _ASK_THE_COMPOSER
        else:
            return _ASK_THE_COMPOSER
        if not stack:
            root = item
            break
        parent = stack[-1]
        parent[3] += size
        if depth > parent[4]:
            parent[4] = depth
        container = parent[0]
        if container.__class__ is list:
            container.append(item)
        elif parent[1] is _NO_KEY:
            if item.__class__ is list or item.__class__ is dict or item in container:  # unhashable, or repeated
                return _ASK_THE_COMPOSER
            parent[1] = item
        else:
            container[parent[1]] = item
            parent[1] = _NO_KEY
    if not check_event(DocumentEndEvent):
        return _ASK_THE_COMPOSER
    get_event()
    if not check_event(StreamEndEvent):  # a second document
        return _ASK_THE_COMPOSER
    return EMPTY if root_is_empty else root


_NO_KEY = object()


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
        raise DataFileError(too_deep(source, str(depth)))


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
                    raise DuplicateKey(key, (first.start_mark.line + 1, key_node.start_mark.line + 1))

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
            reads_events_in_c = True

            def __init__(self, stream: Any) -> None:
                CParser.__init__(self, stream)
                StrictConstructor.__init__(self)
                TextDatesResolver.__init__(self)

        return CLoader

    # A libyaml that nests without limit would let its composer, which recurses in C,
    # crash on a deep file; compose its events in Python (bounded by the recursion limit).
    class CEventsLoader(Composer, CParser, StrictConstructor, TextDatesResolver):
        reads_events_in_c = True

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

