"""Turning flags and files into params, state and human decisions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .output import fail_usage


def parse_param(text: str) -> tuple[str, Any]:
    """Read one ``--param key=value``; the value is JSON when it parses as JSON,
    else the plain string (so ``n=3`` is a number and ``date=2026-01-31`` text)."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise fail_usage(f"--param {text!r} must look like key=value, e.g. --param message=hello")
    try:
        return key, json.loads(raw)
    except ValueError:
        return key, raw


def collect_params(params_file: Path | None, params: list[str] | None) -> dict[str, Any]:
    """Params from ``--params FILE`` overridden by each ``--param``."""
    from ..files import read_mapping_file

    collected: dict[str, Any] = read_mapping_file(params_file, "params file") if params_file else {}
    collected.update(parse_param(item) for item in params or [])
    return collected


def read_state(path: Path | None) -> dict[str, Any]:
    from ..files import read_mapping_file

    return read_mapping_file(path, "state file") if path else {}


def decisions(approve: list[str] | None, reject: list[str] | None) -> dict[str, bool]:
    """``--approve``/``--reject`` as the engine's approvals; a step cannot be both."""
    approve, reject = approve or [], reject or []
    both = sorted(set(approve) & set(reject))
    if both:
        raise fail_usage(f"step {both[0]!r} is both approved and rejected; give one decision per step")
    return {**{step: True for step in approve}, **{step: False for step in reject}}
