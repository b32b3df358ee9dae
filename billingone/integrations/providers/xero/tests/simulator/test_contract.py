"""The Xero simulator's answers match xero_accounting.yaml / xero-identity.yaml, field by field."""

from __future__ import annotations

import re

import httpx
import jsonschema
import pytest

from billingone.integrations.providers.xero.simulator import XeroSimulator
from billingone.integrations.providers.xero.simulator.data import ms_date
from billingone.integrations.providers.xero.tests.simulator.openapi import validate

from .conftest import ANCHOR

MS_DATE = re.compile(r"^/Date\(\d+\+0000\)/$")


def test_invoices_page_matches_the_spec(xero_api):
    body = xero_api.get("/Invoices", params={"page": 1, "pageSize": 1000}).json()
    validate(body, "Invoices")
    assert body["pagination"] == {"page": 1, "pageSize": 1000, "pageCount": 1, "itemCount": 300}
    invoice = body["Invoices"][0]
    assert MS_DATE.match(invoice["Date"]) and MS_DATE.match(invoice["UpdatedDateUTC"])
    assert invoice["LineItems"] and {"ItemCode", "Quantity", "UnitAmount", "LineAmount"} <= set(invoice["LineItems"][0])


def test_contacts_page_matches_the_spec(xero_api):
    body = xero_api.get("/Contacts", params={"page": 1, "pageSize": 100}).json()
    validate(body, "Contacts")
    assert all(contact["EmailAddress"] for contact in body["Contacts"])


def test_connections_and_tokens_match_the_identity_spec(xero_sim, xero_tokens):
    validate(
        {k: v for k, v in xero_tokens.items() if k not in ("connections", "scope")},
        "AccessToken",
        "xero-identity",
    )
    validate(xero_tokens["connections"], "Connection", "xero-identity", many=True)
    assert {c["tenantId"] for c in xero_tokens["connections"]} == set(xero_sim.tenant_ids)


def test_validation_error_matches_the_spec(xero_api):
    response = xero_api.get("/Invoices", params={"where": 'Colour == "red"'})
    assert response.status_code == 400
    validate(response.json(), "Error")


def test_the_validator_catches_a_misnamed_field(xero_api):
    body = xero_api.get("/Invoices", params={"page": 1}).json()
    body["Invoices"][0]["InvoiceNo"] = body["Invoices"][0].pop("InvoiceNumber")
    with pytest.raises(jsonschema.ValidationError):
        validate(body, "Invoices")
    body["Invoices"][0]["InvoiceNumber"] = body["Invoices"][0].pop("InvoiceNo")
    body["Invoices"][0]["Date"] = "2026-11-01"
    with pytest.raises(jsonschema.ValidationError):
        validate(body, "Invoices")


def test_the_data_set_is_deterministic_and_scales_to_100k():
    small = XeroSimulator(invoices=100_000, companies=200, anchor=ANCHOR, tenants=1)
    again = XeroSimulator(invoices=100_000, companies=200, anchor=ANCHOR, tenants=1)
    data, other = small.tenant().data, again.tenant().data
    assert data.invoice(99_999) == other.invoice(99_999)
    assert data.invoice(0)["UpdatedDateUTC"] < data.invoice(99_999)["UpdatedDateUTC"]
    assert data.invoice(99_999)["UpdatedDateUTC"] == ms_date(data.anchor_ms)
    with small:
        tokens_needed = small.tenant_ids[0]
        assert tokens_needed
        page = small.list_invoices(small.tenant_ids[0], {"page": "100", "pageSize": "1000"}, None)
        assert len(page["Invoices"]) == 1000 and page["pagination"]["pageCount"] == 100


def test_contacts_line_up_with_the_distributor_companies(xero_sim):
    from simulators.dataset import clients

    data = xero_sim.tenant().data
    domains = {company.domain for company in clients(1, 30)}
    contact_domains = {c.email.split("@")[1] for c in data.customers}
    assert contact_domains <= domains
    assert 0 < len(contact_domains) < len(domains) + 1


def test_paths_are_case_insensitive(xero_sim, xero_tokens):
    headers = {"Authorization": f"Bearer {xero_tokens['access_token']}"}
    assert httpx.get(xero_sim.url + "/Connections", headers=headers).status_code == 200
