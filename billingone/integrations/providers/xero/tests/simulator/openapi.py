"""Validate simulator responses against the providers' published OpenAPI documents in
../shared/specs (PROVIDERS.md). Field names are checked strictly: a property the spec does not
declare fails, except the few that real Xero sends undeclared (listed below)."""

from __future__ import annotations

import copy
import os
from functools import cache
from pathlib import Path

import jsonschema
import yaml

REPO = Path(__file__).resolve().parents[2]
MS_DATE = r"^/Date\(-?\d+([+-]\d{4})?\)/$"
# Sent by Xero but absent from xero_accounting.yaml (seen in Xero's own examples and SDK tests).
XERO_UNDECLARED = {
    "Invoices": {"Id", "Status", "ProviderName", "DateTimeUTC"},
    "Contacts": {"Id", "Status", "ProviderName", "DateTimeUTC"},
    "Invoice": {"DateString", "DueDateString"},
}
STRICT = ("Invoices", "Invoice", "Contacts", "Contact", "LineItem", "Pagination", "Address", "Phone", "Error")


def specs_dir() -> Path:
    """shared/specs beside the repository (CI), above the worktree, or SHARED_SPECS_DIR."""
    candidates = [os.environ.get("SHARED_SPECS_DIR", "")]
    candidates += [str(parent / "shared" / "specs") for parent in REPO.parents]
    for candidate in candidates:
        if candidate and Path(candidate, "xero").is_dir():
            return Path(candidate)
    raise FileNotFoundError("shared/specs not found beside the repository; set SHARED_SPECS_DIR")


@cache
def load(relative: str) -> dict:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(specs_dir() / relative, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader (C or Python)


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
def _components(relative: str) -> dict:
    components = copy.deepcopy(load(relative)["components"])
    _tighten(components)
    for name in STRICT:
        schema = components["schemas"].get(name)
        if schema is None:
            continue
        extra = {key: {} for key in XERO_UNDECLARED.get(name, ())}
        schema["properties"] = {**schema.get("properties", {}), **extra}
        schema["additionalProperties"] = False
    return components


def validate(payload, schema_name: str, relative: str = "xero/xero_accounting.yaml", many: bool = False) -> None:
    """Raise jsonschema.ValidationError when `payload` does not match components/schemas/<name>."""
    ref = {"$ref": f"#/components/schemas/{schema_name}"}
    schema = {"type": "array", "items": ref} if many else ref
    document = {**schema, "components": _components(relative)}
    validator = jsonschema.Draft4Validator(document, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(payload), key=lambda error: list(error.path))
    if errors:
        raise errors[0]
