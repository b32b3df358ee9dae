"""The Invoices page and GET /api/v1/orgs/{slug}/invoices over neutral invoices from any accounting source."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from billingone.billing.models import Customer, Invoice, InvoiceLine
from billingone.integrations.models import Connection

TODAY = timezone.localdate()


STATUS = {"DRAFT": "draft", "SUBMITTED": "submitted", "AUTHORISED": "submitted", "PAID": "paid", "VOIDED": "voided"}


def invoice(
    org, number, status, *, total="100.00", due=None, paid_on=None, client="Cedar Dental", removed=False, source="xero"
):
    contact, _ = Customer.objects.get_or_create(
        organization=org, source=source, external_id=f"c-{client}", defaults={"name": client, "fingerprint": "x"}
    )
    return Invoice.objects.create(
        organization=org,
        source=source,
        external_id=f"i-{number}",
        number=number,
        status=STATUS[status],
        source_status=status,
        customer=contact,
        customer_name=client,
        url=f"https://go.xero.test/AccountsReceivable/View.aspx?InvoiceID=i-{number}",
        issue_date=TODAY - timedelta(days=20),
        due_date=due or TODAY + timedelta(days=10),
        total=Decimal(total),
        amount_due=Decimal(total) if status in ("AUTHORISED", "SUBMITTED") else 0,
        paid_on=paid_on,
        currency="AUD",
        fingerprint="x",
        removed_at=timezone.now() if removed else None,
    )


@pytest.fixture
def invoices(personas):
    org = personas.org_a
    return {
        "draft": invoice(org, "INV-001", "DRAFT", total="50.00"),
        "submitted": invoice(org, "INV-002", "SUBMITTED", total="75.00"),
        "current": invoice(org, "INV-003", "AUTHORISED", total="120.50", client="Harbor Legal"),
        "overdue": invoice(org, "INV-004", "AUTHORISED", total="999.99", due=TODAY - timedelta(days=3)),
        "paid": invoice(org, "INV-005", "PAID", total="300.00", paid_on=TODAY.replace(day=1)),
        "paid_before": invoice(org, "INV-006", "PAID", total="40.00", paid_on=TODAY.replace(day=1) - timedelta(days=1)),
        "voided": invoice(org, "INV-007", "VOIDED", total="10.00"),
        "removed": invoice(org, "INV-008", "PAID", removed=True),
        "other_org": invoice(personas.org_b, "INV-900", "PAID", total="5.00", client="Other"),
    }


def numbers(response) -> set[str]:
    return {item["number"] for item in response.json()["items"]}


def test_statuses_are_mapped_to_the_five_shown(invoices):
    shown = {key: row.display_status(TODAY) for key, row in invoices.items()}
    assert shown["draft"] == "draft" and shown["submitted"] == "submitted" and shown["current"] == "submitted"
    assert shown["overdue"] == "overdue" and shown["paid"] == "paid" and shown["voided"] == "voided"


def test_page_lists_searches_filters_and_sums(personas, client_for, invoices):
    client = client_for(personas.bob)  # a viewer reads billing data
    page = client.get("/org-a/invoices/").content.decode()
    assert "INV-003" in page and "INV-900" not in page and "INV-008" not in page
    assert invoices["current"].url in page.replace("&amp;", "&")
    assert 'data-testid="sync-xero"' not in page  # viewers do not sync
    overdue = client.get("/org-a/invoices/?status=overdue").content.decode()
    assert "INV-004" in overdue and "INV-003" not in overdue
    assert "INV-003" in client.get("/org-a/invoices/?q=harbor").content.decode()
    by_amount = client.get("/org-a/invoices/?q=999.99").content.decode()
    assert "INV-004" in by_amount and "INV-003" not in by_amount
    assert client.get("/org-a/invoices/?status=bogus&q=" + "x" * 300).status_code == 200


def test_summary_cards(personas, invoices):
    from billingone.billing.queries import invoice_summary

    cards = {card["key"]: card for card in invoice_summary(personas.org_a, TODAY)["cards"]}
    assert (cards["paid"]["amount"], cards["paid"]["count"]) == (Decimal("300.00"), 1)
    assert cards["outstanding"]["amount"] == Decimal("75.00") + Decimal("120.50") + Decimal("999.99")
    assert (cards["draft"]["amount"], cards["draft"]["count"]) == (Decimal("50.00"), 1)
    assert (cards["overdue"]["amount"], cards["overdue"]["count"]) == (Decimal("999.99"), 1)


def test_sync_button_for_engineers_when_connected(personas, client_for, invoices):
    Connection.objects.create(
        organization=personas.org_a, provider="xero", status="connected", credentials_token="v1:aes256gcm:x"
    )
    page = client_for(personas.member("engineer")).get("/org-a/invoices/").content.decode()
    assert 'data-testid="sync-xero"' in page and 'value="delta"' in page


def test_not_connected_shows_a_connect_prompt(personas, client_for):
    page = client_for(personas.member("finance")).get("/org-a/invoices/").content.decode()
    assert "No accounting system is connected" in page and "/org-a/settings/integrations/xero/" in page


def test_api_lists_with_search_filter_and_summary(personas, app_token, invoices):
    client = Client(HTTP_X_SESSION_TOKEN=app_token(personas.bob))
    everything = client.get("/api/v1/orgs/org-a/invoices")
    assert everything.status_code == 200 and everything.json()["count"] == 7
    item = next(i for i in everything.json()["items"] if i["number"] == "INV-004")
    assert item["status"] == "overdue" and item["total"] == "999.99" and item["source"] == "xero"
    assert item["url"].endswith("InvoiceID=i-INV-004") and item["client"] == "Cedar Dental"
    assert item["source_status"] == "AUTHORISED"
    assert numbers(client.get("/api/v1/orgs/org-a/invoices?status=paid")) == {"INV-005", "INV-006"}
    assert numbers(client.get("/api/v1/orgs/org-a/invoices?q=INV-00")) >= {"INV-001", "INV-007"}
    assert numbers(client.get("/api/v1/orgs/org-a/invoices?q=%24999.99")) == {"INV-004"}
    assert numbers(client.get("/api/v1/orgs/org-a/invoices?q=120.50")) == {"INV-003"}
    assert {c["key"] for c in everything.json()["summary"]} == {"paid", "outstanding", "draft", "overdue"}
    paged = client.get("/api/v1/orgs/org-a/invoices?limit=3")
    assert len(paged.json()["items"]) == 3 and paged.json()["next"]


def test_api_rejects_bad_input_with_422(personas, app_token):
    client = Client(HTTP_X_SESSION_TOKEN=app_token(personas.bob))
    bad = client.get("/api/v1/orgs/org-a/invoices?status=late")
    assert bad.status_code == 422 and bad.json()["error"]["fields"]["status"]
    assert client.get("/api/v1/orgs/org-a/invoices?limit=1000").status_code == 422
    assert client.get("/api/v1/orgs/org-a/invoices?cursor=@@@").status_code == 422


def test_outsider_gets_404(personas, client_for, app_token, invoices):
    assert client_for(personas.charlie).get("/org-a/invoices/").status_code == 404
    api = Client(HTTP_X_SESSION_TOKEN=app_token(personas.charlie))
    assert api.get("/api/v1/orgs/org-a/invoices").status_code == 404


def test_insufficient_role_gets_403_for_the_sync(personas, client_for):
    response = client_for(personas.bob).post("/org-a/settings/integrations/xero/sync/", {"mode": "delta"})
    assert response.status_code == 403


def test_date_fields_in_api_are_iso(personas, app_token, invoices):
    client = Client(HTTP_X_SESSION_TOKEN=app_token(personas.bob))
    item = client.get("/api/v1/orgs/org-a/invoices?q=INV-001").json()["items"][0]
    assert date.fromisoformat(item["due_date"]) == invoices["draft"].due_date


def test_two_accounting_sources_side_by_side_with_a_source_filter(personas, app_token, invoices):
    invoice(personas.org_a, "QB-1001", "AUTHORISED", total="42.00", source="quickbooks")
    client = Client(HTTP_X_SESSION_TOKEN=app_token(personas.bob))
    assert "QB-1001" in numbers(client.get("/api/v1/orgs/org-a/invoices"))
    assert numbers(client.get("/api/v1/orgs/org-a/invoices?source=quickbooks")) == {"QB-1001"}
    assert "QB-1001" not in numbers(client.get("/api/v1/orgs/org-a/invoices?source=xero"))
    assert client.get("/api/v1/orgs/org-a/invoices?source=nowhere").json()["count"] == 0
    assert client.get("/api/v1/orgs/org-a/invoices?source=Bad Key!").status_code == 422


def test_invoice_detail_has_its_lines_and_404s_elsewhere(personas, app_token, invoices):
    row = invoices["current"]
    InvoiceLine.objects.create(
        organization=personas.org_a,
        invoice=row,
        description="M365 Business Basic",
        item_code="M365-BB",
        quantity=Decimal(12),
        unit_price=Decimal("8.20"),
        amount=Decimal("98.40"),
    )
    client = Client(HTTP_X_SESSION_TOKEN=app_token(personas.bob))
    detail = client.get(f"/api/v1/orgs/org-a/invoices/{row.pk}").json()
    assert detail["number"] == "INV-003" and detail["lines"][0]["item_code"] == "M365-BB"
    assert detail["lines"][0]["quantity"] == "12" and detail["lines"][0]["amount"] == "98.40"
    other = invoices["other_org"].pk
    assert client.get(f"/api/v1/orgs/org-a/invoices/{other}").status_code == 404
    assert client.get("/api/v1/orgs/org-a/invoices/abc").status_code == 404
    assert client.get("/api/v1/orgs/org-a/invoices/" + "9" * 40).status_code == 404
