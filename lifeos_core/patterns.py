"""Regular expressions of the ``matches`` operator, run in linear time.

A plan is input: a pattern such as ``^(a+)+$`` makes a backtracking engine
(Python's ``re``) take exponential time on a short string, so one line of a
plan could hang ``lifeos test``. Patterns therefore run on RE2 (the
``google-re2`` package), whose time grows linearly with the text, so a
verdict never depends on how fast the machine is. RE2's syntax is Python's
minus backreferences and lookaround, and its ``\\w``, ``\\d`` and ``\\s`` are
ASCII (``\\pL`` is any letter). google-re2 is a dependency of lifeos-core
and ships wheels for the platforms lifeos supports; should it fail to import,
Python's ``re`` runs patterns with ``re.ASCII`` instead, which accepts more
syntax (backreferences, lookaround, ``\\Z``) and loses the linear-time
guarantee.
"""

from __future__ import annotations

import functools
from typing import Any

from .errors import DefinitionError


@functools.lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> Any:
    """``pattern`` compiled; :class:`DefinitionError` naming the problem when
    it is not a pattern lifeos can run."""
    try:
        import re2
    except ImportError:  # pragma: no cover - google-re2 ships wheels for the platforms lifeos supports
        return _compile_with_re(pattern)
    options = re2.Options()
    options.log_errors = False  # the message is ours to give, not a line on stderr
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise DefinitionError(f"invalid regular expression {pattern!r}: {reason} (patterns use RE2 syntax: "
                              "no backreferences or lookaround)") from None


def _compile_with_re(pattern: str) -> Any:
    import re

    try:
        return re.compile(pattern, re.ASCII)
    except re.error as exc:
        raise DefinitionError(f"invalid regular expression {pattern!r}: {exc}") from None


def search(pattern: str, text: str) -> bool:
    """Whether ``pattern`` matches anywhere in ``text``."""
    return compile_pattern(pattern).search(text) is not None
