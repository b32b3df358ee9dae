"""The Payment links page and GET /api/v1/orgs/{slug}/payment-links over the neutral PaymentLink
rows: columns, search, state filter, pagination, bounded queries, the API's typed payload."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billingone.billing.models import Client, Customer, PaymentLink

PAGE = "/org-a/payment-links/"
API = "/api/v1/orgs/org-a/payment-links"
PAID_AT = datetime(2026, 10, 5, 9, 30, tzinfo=UTC)


def make_links(organization, count: int, *, start: int = 0) -> list[PaymentLink]:
    """Rows as a Stripe sync leaves them (client names from link metadata)."""
    rows = [
        PaymentLink(
            organization=organization,
            source="stripe",
            external_id=f"plink_{number:05d}",
            fingerprint=f"f{number}",
            client_name=f"Client {number % 7:02d} Pty Ltd",
            description=f"INV-{1000 + number} · Managed IT services",
            amount=Decimal("1234.5") + number,
            currency="AUD",
            active=number % 4 != 0,
            url=f"https://buy.stripe.com/test_{number:05d}",
            paid_count=number % 3,
            last_paid_at=PAID_AT - timedelta(days=number) if number % 3 else None,
        )
        for number in range(start, start + count)
    ]
    return PaymentLink.objects.bulk_create(rows)


def test_outsider_404_and_viewer_sees_no_refresh_button(personas, client_for):
    assert client_for(personas.charlie).get(PAGE).status_code == 404
    make_links(personas.org_a, 3)
    page = client_for(personas.bob).get(PAGE).content.decode()
    assert "Client 01 Pty Ltd" in page and "Refresh from Stripe" not in page
    assert client_for(personas.bob).post("/org-a/settings/integrations/stripe/sync/").status_code == 403


def test_page_shows_every_column(personas, client_for):
    (row,) = make_links(personas.org_a, 1, start=5)
    page = client_for(personas.bob).get(PAGE).content.decode()
    for text in ("Client 05 Pty Ltd", "INV-1005 · Managed IT services", "1,239.50", "AUD", "Active", "2×"):
        assert text in page
    assert "30 Sep 2026" in page  # last paid
    assert f'href="{row.url}"' in page and 'rel="noopener noreferrer"' in page


def test_search_filter_and_pagination(personas, client_for):
    make_links(personas.org_a, 120)
    make_links(personas.org_b, 5)  # another organization's links never show
    client = client_for(personas.bob)
    page = client.get(PAGE).content.decode()
    assert "1–50 of 120" in page and "Page 1 of 3" in page
    by_id = client.get(PAGE, {"q": "plink_00042"}).content.decode()
    assert by_id.count("<td>INV-") == 1 and "<td>INV-1042 · " in by_id
    one = client.get(PAGE, {"q": "INV-1042"}).content.decode()
    assert one.count("<td>INV-") == 1 and "<td>INV-1042 · " in one
    inactive = client.get(PAGE, {"state": "inactive"}).content.decode()
    assert inactive.count(">Inactive</span>") == 30 and ">Active</span>" not in inactive
    never_paid = client.get(PAGE, {"state": "unpaid", "q": "Client 03"}).content.decode()
    assert ">Never<" in never_paid and "×" not in never_paid
    assert client.get(PAGE, {"state": "bogus", "page": "999"}).status_code == 200


def test_removed_links_are_not_listed(personas, client_for):
    gone, kept = make_links(personas.org_a, 2, start=1)
    PaymentLink.objects.filter(pk=gone.pk).update(removed_at=PAID_AT)
    page = client_for(personas.bob).get(PAGE).content.decode()
    assert kept.description in page and gone.description not in page


def test_matched_client_name_wins_over_the_metadata_name(personas, client_for):
    (row,) = make_links(personas.org_a, 1, start=1)
    client = Client.objects.create(organization=personas.org_a, name="Cedar Dental")
    customer = Customer.objects.create(
        organization=personas.org_a, source="stripe", external_id="cus_1", fingerprint="x", name="x", client=client
    )
    PaymentLink.objects.filter(pk=row.pk).update(customer=customer)
    assert "Cedar Dental" in client_for(personas.bob).get(PAGE).content.decode()
    item = client_for(personas.bob).get(API).json()["items"][0]
    assert item["client"] == "Cedar Dental"


SESSION_TABLES = ("django_session", "accounts_user", "usersessions_usersession", "SAVEPOINT", "session_timeout")


def page_queries(captured: CaptureQueriesContext) -> list[str]:
    """The request's queries past sign-in and session bookkeeping (the same on every page)."""
    return [q["sql"] for q in captured.captured_queries if not any(t in q["sql"] for t in SESSION_TABLES)]


@pytest.mark.parametrize("url", [PAGE, API])
def test_queries_stay_flat_as_rows_grow(personas, client_for, url):
    client = client_for(personas.bob)
    make_links(personas.org_a, 5)
    client.get(url)  # the first signed-in request records the session's activity; measure the next ones
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    make_links(personas.org_a, 95, start=5)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
    assert len(page_queries(many)) <= 12


def test_api_payload_search_filter_and_cursor(personas, client_for):
    make_links(personas.org_a, 30)
    client = client_for(personas.bob)
    body = client.get(API, {"limit": 10}).json()
    assert body["count"] == 30 and len(body["items"]) == 10 and body["next"]
    item = body["items"][0]
    assert set(item) == {"id", "client", "description", "amount", "currency", "active", "url"} | {
        "paid_count",
        "last_paid_at",
    }
    row = PaymentLink.objects.get(organization=personas.org_a, external_id=item["id"])
    assert item["amount"] == str(row.amount.quantize(Decimal("0.01"))) and item["currency"] == "AUD"
    assert item["paid_count"] == row.paid_count
    second = client.get(API, {"limit": 10, "cursor": body["next"]}).json()
    assert not {i["id"] for i in second["items"]} & {i["id"] for i in body["items"]}
    paid = client.get(API, {"state": "paid", "limit": 100}).json()
    assert paid["count"] == 20 and all(i["paid_count"] > 0 and i["last_paid_at"] for i in paid["items"])
    assert client.get(API, {"q": "INV-1007"}).json()["count"] == 1


def test_api_bad_input_is_422_and_outsider_404(personas, client_for):
    client = client_for(personas.bob)
    for params, field in (({"state": "bogus"}, "state"), ({"q": "x" * 101}, "q"), ({"limit": 0}, "limit")):
        answer = client.get(API, params)
        assert answer.status_code == 422 and field in answer.json()["error"]["fields"]
    assert client.get(API, {"cursor": "!!"}).status_code == 422
    assert client_for(personas.charlie).get(API).status_code == 404
