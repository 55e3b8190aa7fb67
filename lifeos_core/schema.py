"""The JSON Schemas of the test-plan file formats, shipped inside the package.

Editors that understand JSON Schema (VS Code's YAML extension, JetBrains IDEs)
autocomplete and check plan files against them; see docs/test-plans.md.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

SCHEMAS = {"plan": "plan.schema.json", "expectations": "expectations.schema.json"}


def schema_text(name: str = "plan") -> str:
    """The schema ``name`` (``plan`` or ``expectations``) as JSON text."""
    if name not in SCHEMAS:
        raise ValueError(f"unknown schema {name!r}; choose one of {', '.join(SCHEMAS)}")
    return files("lifeos_core").joinpath("schemas", SCHEMAS[name]).read_text(encoding="utf-8")


def load_schema(name: str = "plan") -> dict[str, Any]:
    """The schema ``name`` as a dict."""
    return json.loads(schema_text(name))
