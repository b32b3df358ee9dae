"""Extract the schemas our simulator contract tests validate against from the providers'
official OpenAPI files, so a clone of this repository tests with nothing beside it.

    python scripts/extract_provider_schemas.py --specs /path/to/the/official/specs

`--specs` is the folder of official files with its SOURCES.md (repository, commit, path and
licence of each file). For each entry of EXTRACTS the named component schemas and everything
they `$ref` are written, unchanged, to billingone/integrations/providers/<key>/schemas/<name>.json
with their provenance; nothing else of the document is kept. Re-run after updating a spec or
adding a schema a test needs, and commit the result.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Extract:
    provider: str  # the provider package the extract lands in
    spec: str  # the official file, relative to --specs (as SOURCES.md names it)
    schemas: tuple[str, ...]  # components/schemas the tests validate against
    licence: str  # the licence of the source repository


EXTRACTS = (
    Extract("xero", "xero/xero_accounting.yaml", ("Invoices", "Contacts", "Error"), "MIT"),
    Extract("xero", "xero/xero-identity.yaml", ("AccessToken", "Connection"), "MIT"),
)
SOURCE_ROW = re.compile(r"^\|\s*(?P<file>[^|]+?)\s*\|[^|]*\|[^|]*\|\s*(?P<source>[^|]+?)\s*\|\s*$")
SOURCE_AT = re.compile(r"^(?P<repo>[\w.-]+/[\w.-]+) @ (?P<commit>[0-9a-f]{40})[^:]*: (?P<path>\S+)")
SAME_COMMIT = re.compile(r"^same commit\s*: (?P<path>\S+)")


def read_sources(specs: Path) -> dict[str, dict[str, str]]:
    """SOURCES.md's table: file → repository, commit and path ("same commit" rows inherit)."""
    sources: dict[str, dict[str, str]] = {}
    previous: dict[str, str] = {}
    for line in (specs / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        row = SOURCE_ROW.match(line)
        if not row:
            continue
        text = row["source"]
        if match := SOURCE_AT.match(text):
            previous = {"repository": match["repo"], "commit": match["commit"]}
            sources[row["file"]] = {**previous, "path": match["path"]}
        elif (match := SAME_COMMIT.match(text)) and previous:
            sources[row["file"]] = {**previous, "path": match["path"]}
    return sources


def references(node) -> set[str]:
    """Names of the component schemas a node refers to (`#/components/schemas/<name>`)."""
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            found |= references(value)
    elif isinstance(node, list):
        for value in node:
            found |= references(value)
    return found


def closure(schemas: dict, roots: tuple[str, ...]) -> dict:
    """The root schemas and every schema they reach through `$ref`, in name order."""
    wanted, queue = set(), list(roots)
    while queue:
        name = queue.pop()
        if name in wanted:
            continue
        if name not in schemas:
            raise KeyError(f"schema {name!r} is not in the document")
        wanted.add(name)
        queue.extend(references(schemas[name]) - wanted)
    return {name: schemas[name] for name in sorted(wanted)}


def as_text(value) -> str:
    """YAML reads unquoted example dates as dates; JSON keeps them as the text they were."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def extract(specs: Path, entry: Extract, sources: dict[str, dict[str, str]]) -> Path:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(specs / entry.spec, encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader (C or Python)
    if entry.spec not in sources:
        raise KeyError(f"{entry.spec} has no row in SOURCES.md")
    payload = {
        "source": {
            **sources[entry.spec],
            "licence": entry.licence,
            "openapi": document.get("openapi", ""),
            "version": (document.get("info") or {}).get("version", ""),
            "extracted": list(entry.schemas),
            "generated_by": "scripts/extract_provider_schemas.py",
        },
        "components": {"schemas": closure(document["components"]["schemas"], entry.schemas)},
    }
    target = REPO / "billingone/integrations/providers" / entry.provider / "schemas" / (Path(entry.spec).stem + ".json")
    target.parent.mkdir(exist_ok=True)
    text = json.dumps(payload, indent=1, sort_keys=True, ensure_ascii=False, default=as_text)
    target.write_text(text + "\n", encoding="utf-8")
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--specs", type=Path, required=True, help="the folder of official specs (with SOURCES.md)")
    args = parser.parse_args()
    sources = read_sources(args.specs)
    for entry in EXTRACTS:
        target = extract(args.specs, entry, sources)
        print(f"{target.relative_to(REPO)}: {target.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
