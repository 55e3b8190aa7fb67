"""Where a ledger is: a file path, or a ``postgresql://`` URL for a team's database.

A URL may carry a password; it never leaves this module in anything shown.
:class:`DatabaseURL` keeps it apart: ``str(url)`` is the URL without it (what
messages, ``recorded as ... in`` lines and records show), and
:meth:`DatabaseURL.redact` takes it out of any text, such as the driver's
own error messages, which may quote the URL they could not parse. Passwords
may also come from ``PGPASSWORD`` or ``~/.pgpass``, as the PostgreSQL
client library reads them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from .records import LedgerError

SCHEMES = ("postgresql", "postgres")


def is_database_url(text: str) -> bool:
    return isinstance(text, str) and text.split("://", 1)[0].lower() in SCHEMES and "://" in text


class DatabaseURL:
    """A PostgreSQL ledger's URL, ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DB[?options]``."""

    def __init__(self, url: str) -> None:
        try:
            parts = urlsplit(url)
            port = parts.port
            password = parts.password
            user = parts.username
            host = parts.hostname
        except ValueError:
            # The parser's own message may quote a piece of the password (a "#" or "/" in it cuts the URL
            # short, and the rest reads as a port): say what to fix without quoting anything.
            raise LedgerError("the ledger URL is not a valid postgresql:// URL (its host or port cannot be read; "
                              "percent-encode characters such as '#', '/', '?' and '@' in the user name and "
                              "password); write it as postgresql://USER@HOST:PORT/DATABASE") from None
        database = parts.path.lstrip("/")
        options = parse_qsl(parts.query, keep_blank_values=True)
        given = [value for key, value in options if key == "password"]  # libpq takes it there too
        if given and password is None:
            password = quote(given[-1], safe="")
        options = [(key, value) for key, value in options if key != "password"]
        if not host and not any(key == "host" for key, _ in options):
            raise LedgerError("the ledger URL names no host; write it as postgresql://USER@HOST:PORT/DATABASE")
        if not database:
            raise LedgerError("the ledger URL names no database; write it as postgresql://USER@HOST:PORT/DATABASE")
        self._password = unquote(password) if password is not None else None
        self._raw_password = password
        self._given = [value for value in given if value]
        user_part = f"{quote(unquote(user), safe='')}@" if user else ""
        host_part = f"[{host}]" if host and ":" in host else (host or "")
        port_part = f":{port}" if port else ""
        query = f"?{urlencode(options, quote_via=quote)}" if options else ""  # %20, never "+": libpq reads it
        self._shown = f"postgresql://{user_part}{host_part}{port_part}/{database}{query}"
        self.user = unquote(user) if user else None
        self.host, self.port, self.database = host, port, database

    @property
    def password(self) -> str | None:
        """The password the URL carries (``None``: PGPASSWORD or ~/.pgpass, if anything)."""
        return self._password

    def conninfo(self) -> str:
        """The URL to connect with, without its password (given to the driver apart)."""
        return self._shown

    def redact(self, text: str) -> str:
        """``text`` with the password taken out, in every form it could appear in."""
        for secret in {self._password, self._raw_password, *self._given} - {None, ""}:
            text = text.replace(secret, "***")  # type: ignore[arg-type]
        return text

    def exists(self) -> bool:
        """A database is there to ask (whether it holds a ledger, opening says)."""
        return True

    def __str__(self) -> str:
        return self._shown

    def __repr__(self) -> str:
        return f"DatabaseURL({self._shown!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DatabaseURL) and (self._shown, self._password) == (other._shown, other._password)

    def __hash__(self) -> int:
        return hash(self._shown)


def as_location(value: Any) -> Path | DatabaseURL:
    """A ledger location from what callers give: a path, a URL text or a :class:`DatabaseURL`."""
    if isinstance(value, DatabaseURL):
        return value
    if isinstance(value, str) and is_database_url(value):
        return DatabaseURL(value)
    return Path(value)
