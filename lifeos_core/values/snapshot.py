"""A state as encoded pieces: the immutable record the engine keeps between steps.

A state is a JSON object. A :class:`Snapshot` holds each of its top-level
values encoded once, as a *piece*: JSON bytes that read back to an equal
value (stored), its RFC 8785 form (canonical, usually the same bytes object)
and the SHA-256 of that. The pieces are the snapshot: nothing needs copying
to keep a state safe from later changes, and every reader decodes its own
fresh copy, at C speed.

The state's hash is composed from the pieces, as a one-level Merkle map::

    state_hash(state) == stable_hash({key: stable_hash(value) for key, value in state.items()})

so a step that changes one key of a big state re-encodes and re-hashes that
key alone (:meth:`Snapshot.after`), and an operation that reads one key of it
decodes that key alone (:meth:`Snapshot.for_operation`). The cost of a step is
proportional to the top-level values it reads or writes, not to the state.
"""

from __future__ import annotations

from collections.abc import Mapping
from hashlib import sha256
from typing import Any

import orjson

from ..errors import NotJSONError
from .canonical import encode, encode_own
from .frozen import Frozen
from .jsonvalue import freeze, freeze_mapping
from .stateview import LAZY_BYTES, StateView, Unread, decode

Piece = tuple[bytes, bytes, str]
"""One top-level value, encoded: stored bytes, canonical bytes, digest of the canonical bytes."""


class Snapshot(Frozen):
    """An encoded JSON object (as pieces, in key order) and its hash."""

    __slots__ = ("_pieces", "digest", "size")
    _fields = ("_pieces",)

    def __init__(self, pieces: Mapping[str, Piece]) -> None:
        """Internal: ``pieces`` must come from :meth:`after`, in sorted key
        order. Use :meth:`Snapshot.of` to make a snapshot of a value."""
        _fill(self, pieces, sum([len(piece[1]) for piece in pieces.values()]))

    @classmethod
    def of(cls, value: Any, where: str = "state", *where_args: Any) -> "Snapshot":
        """Check that ``value`` is a JSON object and encode it (a Snapshot is returned as is).

        ``where`` names the value in errors; with ``where_args`` it is a
        template, formatted only when there is an error to report.
        """
        if type(value) is Snapshot:
            return value
        return _EMPTY.after(value, where, *where_args)

    def after(self, value: Any, where: str = "state", *where_args: Any) -> "Snapshot":
        """The snapshot of ``value``, a state made from this one: values an
        operation never read (still :class:`Unread`) keep their pieces, and a
        value that encodes as before keeps its digest (no hashing)."""
        if type(value) is StateView:
            value = dict(dict.items(value))  # the storage itself: Unread stays Unread
        elif type(value) is not dict and not isinstance(value, Mapping):
            freeze_mapping(value, where.format(*where_args))  # raises the one message for "not a mapping"
            raise AssertionError("unreachable")
        old = self._pieces
        pieces: dict[str, Piece] = {}
        value_bytes = 0
        try:
            try:
                keys = sorted(value)  # the pieces are kept in key order, as a state reads back
            except TypeError:
                raise NotJSONError("a key is not a string") from None
            for key in keys:
                item = value[key]
                if type(item) is Unread:
                    piece = item.piece
                else:
                    if type(key) is not str:
                        if not isinstance(key, str):
                            raise NotJSONError(f"key {key!r} is not a string")
                        key = str.__str__(key)  # a str subclass (an enum member): the text itself
                    stored, canonical = encode(item)
                    piece = old.get(key)  # type: ignore[assignment]
                    if piece is None or piece[1] != canonical:
                        piece = (stored, canonical, sha256(canonical).hexdigest())
                    elif piece[0] != stored:
                        piece = (stored, canonical, piece[2])
                pieces[key] = piece
                value_bytes += len(piece[1])
        except NotJSONError:
            freeze(value, where.format(*where_args))  # raises again, naming the offending element
            raise
        return _fill(object.__new__(Snapshot), pieces, value_bytes)

    def load(self) -> dict[str, Any]:
        """A fresh, plain, mutable copy of the state."""
        return {key: decode(piece[0]) for key, piece in self._pieces.items()}

    def for_operation(self) -> dict[str, Any]:
        """A fresh copy of the state for an operation to change: a plain dict,
        or, when the state holds values of :data:`LAZY_BYTES` or more, a
        :class:`StateView` that decodes those when they are first read."""
        pieces = self._pieces
        for piece in pieces.values():
            if len(piece[0]) >= LAZY_BYTES:
                break
        else:
            return self.load()
        view = StateView()
        for key, piece in pieces.items():
            dict.__setitem__(view, key, Unread(piece) if len(piece[0]) >= LAZY_BYTES else orjson.loads(piece[0]))
        return view

    def stored(self) -> bytes:
        """JSON bytes of the whole state that read back to an equal state, number
        types included (joined from the pieces: what travels to a Dask worker)."""
        return b"{" + b",".join(orjson.dumps(key) + b":" + piece[0] for key, piece in self._pieces.items()) + b"}"

    def canonical(self) -> bytes:
        """The RFC 8785 bytes of the whole state (joined from the pieces)."""
        keys = sorted(self._pieces, key=_utf16_order) if not all(key.isascii() for key in self._pieces) \
            else list(self._pieces)
        return b"{" + b",".join(orjson.dumps(key) + b":" + self._pieces[key][1] for key in keys) + b"}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Snapshot):
            return NotImplemented
        return self.digest == other.digest

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        # The digest travels too: a snapshot unpickled on a Dask client is not hashed again.
        return (_restore, (self._pieces, self.digest, self.size))

    def __repr__(self) -> str:
        return f"<Snapshot {self.digest[:12]} {self.size} bytes>"


def state_hash(state: Mapping[str, Any]) -> str:
    """The hash lifeos records for a state: ``stable_hash`` of each top-level
    key mapped to the ``stable_hash`` of its value (see the module)."""
    return Snapshot.of(state).digest


def _fill(snapshot: Snapshot, pieces: dict[str, Piece], value_bytes: int) -> Snapshot:
    """Fill ``snapshot`` from ``pieces`` (in sorted key order) whose canonical
    values take ``value_bytes``: the digest composed from the pieces' digests,
    and the size of the state's canonical JSON (``{``, each ``"key":value``,
    the commas, ``}``). This runs for every step, so it is kept cheap: keys
    that JSON writes as they are (the usual ones) skip the exact encoder."""
    count = len(pieces)
    keys = "".join(pieces)
    digests = {key: piece[2] for key, piece in pieces.items()}
    if keys.isascii() and keys.isprintable() and '"' not in keys and "\\" not in keys:
        composed = orjson.dumps(digests)  # already in key order, which is RFC 8785's for such keys
        key_bytes = len(keys) + 2 * count
    else:
        composed = encode_own(digests)[1]
        key_bytes = len(orjson.dumps(list(pieces))) - 2 - (count - 1) if count else 0
    _set_pieces(snapshot, pieces)
    _set_digest(snapshot, sha256(composed).hexdigest())
    _set_size(snapshot, 1 + key_bytes + value_bytes + 2 * count if count else 2)
    return snapshot


def _utf16_order(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


# The slots' own setters: a Snapshot refuses attribute assignment, and these are
# the quickest way around that for the one place that fills it.
_set_pieces, _set_digest, _set_size = (
    Snapshot._pieces.__set__, Snapshot.digest.__set__, Snapshot.size.__set__)  # type: ignore[attr-defined]


def _restore(pieces: Mapping[str, Piece], digest: str, size: int) -> Snapshot:
    """A pickled :class:`Snapshot`, as it was."""
    snapshot = object.__new__(Snapshot)
    _set_pieces(snapshot, pieces)
    _set_digest(snapshot, digest)
    _set_size(snapshot, size)
    return snapshot


_EMPTY = Snapshot({})
