"""What the simulator sends uses only element names Intuit's XSDs declare (xsd_elements.json, an
extract of the official schema kept beside this test; JSON uses the XSD element names)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

EXTRACT = Path(__file__).with_name("xsd_elements.json")
# Keys QBO's JSON adds to entities that the XSD has as attributes of IntuitEntity or simple content.
JSON_EXTRAS = {"domain", "sparse", "status", "value"}


@cache
def types() -> dict[str, dict[str, str]]:
    return json.loads(EXTRACT.read_text())["types"]


def undeclared(value: object, type_name: str, path: str = "") -> list[str]:
    if isinstance(value, list):
        return [problem for item in value for problem in undeclared(item, type_name, path)]
    if not isinstance(value, dict) or type_name not in types():
        return []
    fields = types()[type_name]
    problems = []
    for key, child in value.items():
        if key not in fields and key not in JSON_EXTRAS:
            problems.append(f"{path}{type_name}.{key}")
        elif key in fields:
            problems += undeclared(child, fields[key], f"{path}{key}/")
    return problems


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("SELECT * FROM Invoice MAXRESULTS 300", "Invoice"),
        ("SELECT * FROM Customer", "Customer"),
        ("SELECT * FROM Item", "Item"),
        ("SELECT * FROM CompanyInfo", "CompanyInfo"),
    ],
)
def test_query_answers_use_declared_names(qbo_sim, qbo_api, text, entity):
    qbo_sim.void_invoice(2)
    answer = qbo_api.get("/query", params={"query": text}).json()
    assert set(answer["QueryResponse"]) <= set(types()["QueryResponse"]) | {entity}
    rows = answer["QueryResponse"][entity]
    assert rows and undeclared(rows, entity) == []


def test_faults_use_declared_names(qbo_api):
    fault = qbo_api.get("/invoice/424242").json()["Fault"]
    assert undeclared(fault, "Fault") == []
    assert set(fault["Error"][0]) <= set(types()["Error"]) | {"code"}  # `code` is an attribute in the XSD


def test_the_checker_catches_an_undeclared_name():
    assert undeclared({"Id": "1", "Balance": 0, "InvoiceTotal": 3}, "Invoice") == ["Invoice.InvoiceTotal"]
    assert undeclared({"Line": [{"Amount": 1, "Colour": "red"}]}, "Invoice") == ["Line/Line.Colour"]
