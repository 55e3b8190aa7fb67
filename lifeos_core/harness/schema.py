"""The JSON Schemas of the test-plan file formats, shipped inside the package.

Editors that understand JSON Schema (VS Code's YAML extension, JetBrains IDEs)
autocomplete and check plan files against them, and validators such as
``check-jsonschema`` check them offline: each schema is self-contained (no
reference leaves the file). ``plan.schema.json`` is the one written by hand;
the schema of a separate expectations file is made from its definitions
(:func:`expectations_schema`), and the shipped copy is checked to equal it.
See docs/test-plans.md.
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
    return files("lifeos_core.harness").joinpath("schemas", SCHEMAS[name]).read_text(encoding="utf-8")


def load_schema(name: str = "plan") -> dict[str, Any]:
    """The schema ``name`` as a dict."""
    return json.loads(schema_text(name))


def expectations_schema(plan: dict[str, Any] | None = None) -> dict[str, Any]:
    """The schema of an expectations file, built from the plan schema's definitions."""
    plan = plan if plan is not None else load_schema("plan")
    return {
        "$schema": plan["$schema"],
        "title": "lifeos expectations file",
        "description": "Expectations kept in a file of their own, next to a plan file. Fields not listed here are "
                       "errors.",
        "type": "object",
        "required": ["expectations"],
        "additionalProperties": False,
        "properties": {
            "$schema": plan["properties"]["$schema"],
            "expectations": {"type": "array", "items": {"$ref": "#/$defs/expectation"}},
        },
        "$defs": plan["$defs"],
    }
