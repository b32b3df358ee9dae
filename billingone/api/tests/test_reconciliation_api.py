"""GET /reconciliation, the /missed-billing queue and its actions, /product-mappings (API.md shapes)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billingone.billing.draft_models import InvoiceDraft
from billingone.billing.finding_models import Finding
from billingone.billing.reconciliation import reconcile_organization
from billingone.billing.tests.builders import client, connect, invoice, product, subscription
from billingone.orgs.roles import Role

BASE = "/api/v1/orgs/org-a"
MAX_QUERIES = 12


def add_client(org, m365, name: str, licensed: int, billed: int) -> None:
    _, company, contact = client(org, name)
    subscription(org, company, m365, licensed, price="30")
    invoice(org, contact, [("M365BP", billed, "30")], issued=timezone.localdate().replace(day=1))


@pytest.fixture
def world(personas):
    org = personas.org_a
    connect(org, "pax8")
    connect(org, "xero")
    m365 = product(org, "Microsoft 365 Business Premium", code="M365BP")
    add_client(org, m365, "Acme Dental", 10, 7)
    add_client(org, m365, "Bolt Legal", 5, 5)
    reconcile_organization(org, "test")
    return {"org": org, "m365": m365}


@pytest.fixture
def api(app_token, personas):
    def as_role(role: Role) -> Client:
        return Client(HTTP_X_SESSION_TOKEN=app_token(personas.member(role)))

    return as_role


def item_id(org) -> str:
    return str(Finding.objects.get(organization=org, kind="under_billed").pk)


def post(api_client: Client, path: str, body: dict | None = None):
    return api_client.post(BASE + path, json.dumps(body or {}), content_type="application/json")


def test_reconciliation_summary_sources_and_clients_with_products(world, api):
    response = api(Role.VIEWER).get(BASE + "/reconciliation")
    assert response.status_code == 200
    body = response.json()
    assert body["summary"]["under_billed"] == {
        "count": 1,
        "monthly_amount": "90.00",
        "currency": "AUD",
        "by_currency": [{"currency": "AUD", "count": 1, "monthly_amount": "90.00"}],
    }
    assert body["summary"]["matched"]["count"] == 1
    assert {s["source"]: s["state"] for s in body["sources"]} == {"pax8": "ok", "xero": "ok"}
    first = body["items"][0]
    assert (first["client"]["name"], first["outcome"]) == ("Acme Dental", "under_billed")
    assert first["products"][0]["gap"] == "3.00"
    assert body["count"] == 2 and body["last_run"]["trigger"] == "test"
    filtered = api(Role.VIEWER).get(BASE + "/reconciliation?outcome=matched").json()
    assert [row["client"]["name"] for row in filtered["items"]] == ["Bolt Legal"]
    assert api(Role.VIEWER).get(BASE + "/reconciliation?outcome=nope").status_code == 422


def test_amounts_in_different_currencies_are_never_added_together(world, api):
    """A USD client beside the AUD ones: every card, client row and total keeps each currency apart."""
    org, m365 = world["org"], world["m365"]
    _, company, contact = client(org, "Yankee Labs")
    subscription(org, company, m365, 4, price="10", currency="USD")  # under-billed by 2 × 10 USD
    subscription(org, company, product(org, "Backup", code="BK"), 1, price="7", currency="NZD")  # over-billed by 2
    invoice(org, contact, [("M365BP", 2, "10"), ("BK", 3, "7")], issued=timezone.localdate().replace(day=1))
    reconcile_organization(org, "test")
    body = api(Role.VIEWER).get(BASE + "/reconciliation").json()
    under = body["summary"]["under_billed"]
    assert (under["count"], under["monthly_amount"], under["currency"]) == (2, None, None)
    assert under["by_currency"] == [
        {"currency": "AUD", "count": 1, "monthly_amount": "90.00"},
        {"currency": "USD", "count": 1, "monthly_amount": "20.00"},
    ]
    yankee = next(row for row in body["items"] if row["client"]["name"] == "Yankee Labs")
    assert (yankee["under_billed"], yankee["over_billed"], yankee["currency"]) == (None, None, None)
    assert yankee["by_currency"] == [
        {"currency": "NZD", "under_billed": "0", "over_billed": "14.00"},
        {"currency": "USD", "under_billed": "20.00", "over_billed": "0"},
    ]
    totals = api(Role.VIEWER).get(BASE + "/missed-billing").json()["totals"]
    assert (totals["open_monthly_impact"], totals["currency"]) == (None, None)
    assert {t["currency"]: t["open_monthly_impact"] for t in totals["by_currency"]} == {"AUD": "90.00", "USD": "20.00"}


def test_missed_billing_lists_items_with_evidence_and_totals(world, api):
    body = api(Role.ENGINEER).get(BASE + "/missed-billing?status=open").json()
    (item,) = body["items"]
    assert (item["kind"], item["licensed"], item["billed"], item["gap"], item["monthly_impact"]) == (
        "under_billed",
        "10.00",
        "7.00",
        "3.00",
        "90.00",
    )
    assert (item["severity"], item["status"], item["currency"]) == ("low", "open", "AUD")
    assert len(item["evidence"]["subscriptions"]) == 1
    assert item["evidence"]["invoice_lines"][0]["quantity"] == "7.0000"
    assert body["totals"]["open_monthly_impact"] == "90.00"
    assert api(Role.VIEWER).get(BASE + "/missed-billing?kind=matched").status_code == 422
    assert api(Role.VIEWER).get(BASE + "/missed-billing?status=bogus").json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.FINANCE])
def test_finance_and_up_snooze_ignore_and_review(world, api, role):
    item = item_id(world["org"])
    until = (timezone.localdate() + timedelta(days=7)).isoformat()
    snoozed = post(api(role), f"/missed-billing/{item}/snooze", {"until": until})
    assert snoozed.status_code == 200, snoozed.content
    assert (snoozed.json()["status"], snoozed.json()["snoozed_until"]) == ("snoozed", until)
    ignored = post(api(role), f"/missed-billing/{item}/ignore", {"reason": "Goodwill for November"})
    assert (ignored.json()["status"], ignored.json()["ignore_reason"]) == ("ignored", "Goodwill for November")
    assert post(api(role), f"/missed-billing/{item}/review").json()["status"] == "reviewed"


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.VIEWER])
def test_engineers_and_viewers_read_but_cannot_act(world, api, role):
    item = item_id(world["org"])
    response = post(api(role), f"/missed-billing/{item}/review")
    assert (response.status_code, response.json()["error"]["code"]) == (403, "forbidden")
    assert Finding.objects.get(pk=item).status == "open"


def test_bad_input_gets_422_and_apply_answers_the_draft(world, api):
    item = item_id(world["org"])
    finance = api(Role.FINANCE)
    no_reason = post(finance, f"/missed-billing/{item}/ignore", {"reason": ""})
    assert (no_reason.status_code, list(no_reason.json()["error"]["fields"])) == (422, ["reason"])
    past = post(finance, f"/missed-billing/{item}/snooze", {"until": "2020-01-01"})
    assert (past.status_code, past.json()["error"]["fields"]) == (422, {"until": ["Snooze until a date after today."]})
    garbage = post(finance, f"/missed-billing/{item}/snooze", {"until": "soon"})
    assert garbage.status_code == 422
    applied = post(finance, f"/missed-billing/{item}/apply")
    assert applied.status_code == 200
    body = applied.json()
    assert body["item"]["status"] == "applied" and body["draft"]["status"] == "draft"
    assert [line["finding_id"] for line in body["draft"]["lines"]] == [item]
    again = post(finance, f"/missed-billing/{item}/apply")
    assert again.status_code == 409 and "already on invoice draft" in again.json()["error"]["message"]
    assert post(finance, "/missed-billing/abc/review").status_code == 404


def test_bulk_actions(world, api):
    item = item_id(world["org"])
    response = post(api(Role.FINANCE), "/missed-billing/bulk", {"ids": [int(item)], "action": "review"})
    assert response.status_code == 200
    assert [i["status"] for i in response.json()["items"]] == ["reviewed"]
    bad = post(api(Role.FINANCE), "/missed-billing/bulk", {"ids": [], "action": "review"})
    assert bad.status_code == 422
    applied = post(api(Role.FINANCE), "/missed-billing/bulk", {"ids": [int(item)], "action": "apply"})
    assert applied.status_code == 200 and applied.json()["items"][0]["status"] == "applied"
    assert applied.json()["drafts"] == [str(InvoiceDraft.objects.get().pk)]


def test_product_mappings(world, api):
    body = api(Role.VIEWER).get(BASE + "/product-mappings").json()
    (row,) = body["items"]
    assert row["mapping"] == {
        "item_code": "M365BP",
        "description_pattern": None,
        "state": "confirmed",
        "confidence": 0,
        "reason": "",
    }
    assert row["subscriptions"] == 2


def count_queries(api_client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api_client.get(BASE + path).status_code == 200
    return len(queries)


@pytest.mark.parametrize("path", ["/reconciliation", "/missed-billing", "/product-mappings"])
def test_endpoints_stay_within_the_query_budget_as_rows_grow(world, api, path):
    viewer = api(Role.VIEWER)
    viewer.get(BASE + path)  # warm the session
    before = count_queries(viewer, path)
    for n in range(6):
        add_client(world["org"], world["m365"], f"Client {n}", 10, n)
    reconcile_organization(world["org"], "test")
    after = count_queries(viewer, path)
    assert before <= MAX_QUERIES and after == before
