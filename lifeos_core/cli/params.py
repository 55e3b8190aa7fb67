"""Turning flags and files into params, state and human decisions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .output import fail_usage

STDIN = "-"
FORMATS = ("json", "yaml", "yml", "toml")


def check_format(value: str | None) -> str | None:
    """``--format``: one of the formats lifeos reads (a typer option callback)."""
    if value is not None and value.lower() not in FORMATS:
        raise fail_usage(f"--format {value!r} is not a format lifeos reads; use json, yaml or toml")
    return value


def stdin_format(path: Path | str | None, format: str | None) -> str | None:
    """``--format`` applies to what is read from standard input only; files go by their extension."""
    return format if path is not None and str(path) == STDIN else None


def parse_param(text: str) -> tuple[str, Any]:
    """Read one ``--param key=value``; the value is JSON when it parses as JSON,
    else the plain string (so ``n=3`` is a number and ``date=2026-01-31`` text)."""
    from ..values.reading import parse_text

    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise fail_usage(f"--param {text!r} must look like key=value, e.g. --param message=hello")
    try:
        json.loads(raw)
    except RecursionError:
        pass  # JSON, too deep to read: the reader below says so
    except ValueError as exc:
        if "Exceeds the limit" not in str(exc):
            return key, raw  # not JSON: the text itself (date=2026-01-31)
    # JSON: read by the one reader of data, with its limits (nesting, long numbers, duplicate keys)
    return key, parse_text(raw, "JSON", f"--param {key}")


def refuse_two_stdin_inputs(**inputs: Path | str | None) -> None:
    """Standard input can be read once: at most one input may be ``-``."""
    named = [f"--{name.replace('_', '-')}" for name, value in inputs.items() if value is not None and str(value) == STDIN]
    if len(named) > 1:
        raise fail_usage(f"{' and '.join(named)} both read standard input; give a file for all but one of them")


def collect_params(params_file: Path | str | None, params: list[str] | None, format: str | None = None) -> dict[str, Any]:
    """Params from ``--params FILE`` (``-``: standard input) overridden by each ``--param``."""
    from ..values.reading import read_mapping_file

    collected: dict[str, Any] = (read_mapping_file(params_file, "params file", format=stdin_format(params_file, format))
                                 if params_file else {})
    collected.update(parse_param(item) for item in params or [])
    return collected


def read_state(path: Path | str | None, format: str | None = None) -> dict[str, Any]:
    """The initial state from ``--state FILE`` (``-``: standard input); empty without one."""
    from ..values.reading import read_mapping_file

    return read_mapping_file(path, "state file", format=stdin_format(path, format)) if path else {}


def decisions(approve: list[str] | None, reject: list[str] | None) -> dict[str, bool]:
    """``--approve``/``--reject`` as the engine's approvals; a step cannot be both."""
    approve, reject = approve or [], reject or []
    both = sorted(set(approve) & set(reject))
    if both:
        raise fail_usage(f"step {both[0]!r} is both approved and rejected; give one decision per step")
    return {**{step: True for step in approve}, **{step: False for step in reject}}


def decider(by: str | None, *, required: bool = True) -> str | None:
    """Who is deciding (and running): ``--by NAME``, else ``$LIFEOS_USER``, else
    the login name. Recorded with every decision, as an attestation. When no
    name can be found (no login name, e.g. a container user without a passwd
    entry): a usage error if ``required``, else ``None``."""
    import getpass
    import os

    if by is not None:
        if not by.strip():
            raise fail_usage("--by needs a name")
        return by.strip()
    if os.environ.get("LIFEOS_USER", "").strip():
        return os.environ["LIFEOS_USER"].strip()
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        if not required:
            return None
        raise fail_usage("cannot tell who is deciding (no login name): give --by NAME or set LIFEOS_USER") from None
