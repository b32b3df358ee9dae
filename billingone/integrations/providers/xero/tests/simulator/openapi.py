"""Validate simulator responses against Xero's published OpenAPI schemas, as extracted into
../../schemas/ by scripts/extract_provider_schemas.py (source commit and licence inside each
file). Field names are checked strictly: a property the spec does not declare fails, except
the few that real Xero sends undeclared (listed below)."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path

import jsonschema

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
MS_DATE = r"^/Date\(-?\d+([+-]\d{4})?\)/$"
# Sent by Xero but absent from xero_accounting.yaml (seen in Xero's own examples and SDK tests).
XERO_UNDECLARED = {
    "Invoices": {"Id", "Status", "ProviderName", "DateTimeUTC"},
    "Contacts": {"Id", "Status", "ProviderName", "DateTimeUTC"},
    "Invoice": {"DateString", "DueDateString"},
}
STRICT = ("Invoices", "Invoice", "Contacts", "Contact", "LineItem", "Pagination", "Address", "Phone", "Error")


@cache
def load(document: str) -> dict:
    return json.loads((SCHEMAS / f"{document}.json").read_text(encoding="utf-8"))


def _tighten(node):
    """Xero's MS-JSON dates get a pattern; recurse through the whole components tree."""
    if isinstance(node, dict):
        if node.get("x-is-msdate") or node.get("x-is-msdate-time"):
            node["pattern"] = MS_DATE
        for value in node.values():
            _tighten(value)
    elif isinstance(node, list):
        for value in node:
            _tighten(value)


@cache
def _components(document: str) -> dict:
    components = copy.deepcopy(load(document)["components"])
    _tighten(components)
    for name in STRICT:
        schema = components["schemas"].get(name)
        if schema is None:
            continue
        extra = {key: {} for key in XERO_UNDECLARED.get(name, ())}
        schema["properties"] = {**schema.get("properties", {}), **extra}
        schema["additionalProperties"] = False
    return components


def validate(payload, schema_name: str, document: str = "xero_accounting", many: bool = False) -> None:
    """Raise jsonschema.ValidationError when `payload` does not match components/schemas/<name>."""
    ref = {"$ref": f"#/components/schemas/{schema_name}"}
    schema = {"type": "array", "items": ref} if many else ref
    document = {**schema, "components": _components(document)}
    validator = jsonschema.Draft4Validator(document, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(payload), key=lambda error: list(error.path))
    if errors:
        raise errors[0]
