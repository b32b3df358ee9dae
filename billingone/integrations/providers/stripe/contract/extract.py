"""Rebuild schemas.json and fixtures.json from Stripe's published OpenAPI files (a maintainer's
tool; tests read only the committed extracts).

    python -m billingone.integrations.providers.stripe.contract.extract SPEC3.yaml FIXTURES3.json

Schemas are kept shallow: each object's `required` list and, per property, its scalar type,
nullability and enum; nested objects ($ref, anyOf) are kept as "any value" so the extract
stays small while still catching missing, renamed or mistyped fields.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).parent
SCHEMAS = ("payment_link", "item", "price", "checkout.session", "event", "error", "api_errors")
FIXTURES = ("payment_link", "item", "price", "checkout.session", "event")
LISTS = {
    "payment_links": ("/v1/payment_links", "get"),
    "payment_link_line_items": ("/v1/payment_links/{payment_link}/line_items", "get"),
    "checkout_sessions": ("/v1/checkout/sessions", "get"),
    "events": ("/v1/events", "get"),
}


def shallow(prop: dict) -> dict:
    if "type" not in prop or (prop["type"] in ("object", "array") and "$ref" in json.dumps(prop)):
        kept = {}
    else:
        kept = {"type": [prop["type"], "null"] if prop.get("nullable") else prop["type"]}
        if "enum" in prop:
            kept["enum"] = prop["enum"] + ([None] if prop.get("nullable") else [])
    return kept


def schema(source: dict) -> dict:
    properties = {name: shallow(prop) for name, prop in source.get("properties", {}).items()}
    return {"type": "object", "required": source.get("required", []), "properties": properties}


def list_envelope(spec: dict, path: str, method: str) -> dict:
    body = spec["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
    envelope = schema(body)
    envelope["properties"]["data"] = {"type": "array"}
    return envelope


def main(spec_path: str, fixtures_path: str) -> None:
    spec = yaml.load(Path(spec_path).read_text(), Loader=yaml.CSafeLoader)
    components = spec["components"]["schemas"]
    schemas = {name: schema(components[name]) for name in SCHEMAS}
    schemas["lists"] = {name: list_envelope(spec, *where) for name, where in LISTS.items()}
    parameters = {
        name: sorted(p["name"] for p in spec["paths"][path][method].get("parameters", []))
        for name, (path, method) in LISTS.items()
    }
    schemas["list_parameters"] = parameters
    (HERE / "schemas.json").write_text(json.dumps(schemas, indent=1, sort_keys=True) + "\n")
    resources = json.loads(Path(fixtures_path).read_text())["resources"]
    fixtures = {name: resources[name] for name in FIXTURES}
    (HERE / "fixtures.json").write_text(json.dumps(fixtures, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
