"""A state as bytes: the immutable record the engine keeps between steps.

A :class:`Snapshot` holds a state encoded once: JSON bytes that read back to
an equal state (``stored``), its RFC 8785 form (``canonical``, usually the
same bytes object) and the SHA-256 of that (``digest``). The bytes are the
snapshot: nothing needs copying to keep a state safe from later changes, and
every reader gets its own fresh copy from :meth:`Snapshot.load`, at C speed.
"""

from __future__ import annotations

from collections.abc import Mapping
from hashlib import sha256
from typing import Any

import orjson

from ..errors import NotJSONError
from .canonical import encode
from .frozen import Frozen
from .jsonvalue import freeze, freeze_mapping


class Snapshot(Frozen):
    """An encoded JSON object and its hash."""

    __slots__ = ("stored", "canonical", "digest")
    _fields = ("stored", "canonical")

    def __init__(self, stored: bytes, canonical: bytes) -> None:
        """Internal: ``stored`` and ``canonical`` must come from one :func:`encode`
        call. Use :meth:`Snapshot.of` to make a snapshot of a value."""
        _set_stored(self, stored)  # the slots' setters: this runs for every step, so kept cheap
        _set_canonical(self, canonical)
        _set_digest(self, sha256(canonical).hexdigest())  # sha256_hex, inlined

    @classmethod
    def of(cls, value: Any, where: str = "state", *where_args: Any) -> "Snapshot":
        """Check that ``value`` is a JSON object and encode it (a Snapshot is returned as is).

        ``where`` names the value in errors; with ``where_args`` it is a
        template, formatted only when there is an error to report.
        """
        if type(value) is Snapshot:
            return value
        if type(value) is not dict and not isinstance(value, Mapping):
            freeze_mapping(value, where.format(*where_args))  # raises the one message for "not a mapping"
        try:
            return cls(*encode(value))
        except NotJSONError:
            freeze(value, where.format(*where_args))  # raises again, naming the offending element
            raise

    def load(self) -> dict[str, Any]:
        """A fresh, plain, mutable copy of the state."""
        return orjson.loads(self.stored)

    @property
    def size(self) -> int:
        """Bytes of canonical JSON: what the state size limit counts."""
        return len(self.canonical)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Snapshot):
            return NotImplemented
        return self.digest == other.digest

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        # The digest travels too: a snapshot unpickled on a Dask client is not hashed again.
        return (_restore, (self.stored, self.canonical, self.digest))

    def __repr__(self) -> str:
        return f"<Snapshot {self.digest[:12]} {self.size} bytes>"


# The slots' own setters: a Snapshot refuses attribute assignment, and these are
# the quickest way around that for the one place that fills it.
_set_stored, _set_canonical, _set_digest = (
    Snapshot.stored.__set__, Snapshot.canonical.__set__, Snapshot.digest.__set__)  # type: ignore[attr-defined]


def _restore(stored: bytes, canonical: bytes, digest: str) -> Snapshot:
    """A pickled :class:`Snapshot`, as it was."""
    snapshot = object.__new__(Snapshot)
    _set_stored(snapshot, stored)
    _set_canonical(snapshot, canonical)
    _set_digest(snapshot, digest)
    return snapshot
