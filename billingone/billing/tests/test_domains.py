"""The Domains & hosting page and GET /api/v1/orgs/{slug}/domains over the neutral Subscription
rows of kind domain / hosting: renewal windows, linked and billed evidence from reconciliation,
search, filters, pagination, bounded queries, tenancy and roles. And reconciliation itself: a
domain or hosting renewal flows through like any vendor subscription; one without a client is an
unmapped item."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billingone.billing.finding_models import Finding
from billingone.billing.models import Subscription
from billingone.billing.reconciliation import reconcile_organization
from billingone.billing.tests.builders import client, connect, customer, invoice, product, subscription
from billingone.billing.tests.test_payment_links import page_queries
from billingone.integrations.records import BillingTerm, SubscriptionKind

PAGE = "/org-a/domains/"
API = "/api/v1/orgs/org-a/domains"


def renewal(org, owner, item, name: str, days: int, *, kind=SubscriptionKind.DOMAIN, term=BillingTerm.ANNUAL, **extra):
    return subscription(
        org,
        owner,
        item,
        1,
        price=None,
        name=name,
        kind=kind,
        billing_term=term,
        renews_on=timezone.localdate() + timedelta(days=days),
        auto_renew=extra.pop("auto_renew", True),
        plan=extra.pop("plan", ".com.au"),
        **extra,
    )


@pytest.fixture
def world(personas):
    """Cedar Dental: its domain billed (matched), its hosting not billed (under-billed); a stranger's
    domain with no client (unmapped); a Pax8 licence (not a domain: never listed)."""
    org = personas.org_a
    connect(org, "synergy")
    connect(org, "xero")
    connect(org, "pax8")
    cedar, owner, contact = client(org, "Cedar Dental", vendor="synergy")
    tld = product(org, "Domain name .com.au", code="DOM-AU", source="synergy")
    plan = product(org, "Hosting EW1", code="HOST-EW1", source="synergy")
    renewal(org, owner, tld, "cedardental.com.au", 20)
    renewal(
        org, owner, plan, "cedardental.com.au", 10, kind=SubscriptionKind.HOSTING, term=BillingTerm.MONTHLY, plan="EW1"
    )
    stranger = customer(org, "synergy", "Harbour Lights Holdings")
    renewal(org, stranger, tld, "harbourlights.com.au", 50, auto_renew=False)
    licence = product(org, "Microsoft 365 E3", code="M365E3")
    subscription(org, customer(org, "pax8", "Cedar Dental", cedar), licence, 5)
    invoice(org, contact, [("DOM-AU", 1, "30")], issued=timezone.localdate().replace(day=1))
    reconcile_organization(org, "test")
    return org


def test_reconciliation_treats_domain_and_hosting_renewals_as_vendor_subscriptions(world):
    findings = {
        (f.client_label, f.product_label): f
        for f in Finding.objects.filter(organization=world, current=True, scope="product")
    }
    assert findings[("Cedar Dental", "Domain name .com.au")].kind == "matched"
    assert findings[("Cedar Dental", "Domain name .com.au")].term == "annual"
    assert findings[("Cedar Dental", "Hosting EW1")].kind == "under_billed"
    unlinked = findings[("Harbour Lights Holdings", "Domain name .com.au")]
    assert unlinked.kind == "unmapped" and unlinked.source == "synergy" and "not linked to a client" in unlinked.reason


def test_page_shows_windows_clients_and_billing(world, personas, client_for):
    page = client_for(personas.bob).get(PAGE).content.decode()
    for text in ("Domains &amp; hosting", "cedardental.com.au", "harbourlights.com.au", "EW1", "Cedar Dental"):
        assert text in page
    assert "Microsoft 365" not in page  # licences are not domains or hosting
    assert 'data-testid="billing-billed"' in page and 'data-testid="billing-not_billed"' in page
    assert 'data-testid="billing-unmapped"' in page and "No client" in page and "Harbour Lights Holdings" in page
    windows = client_for(personas.bob).get(PAGE).context["windows"]
    assert [(w.days, w.renewals, w.linked, w.unlinked, w.billed) for w in windows] == [
        (30, 2, 2, 0, 1),
        (60, 3, 2, 1, 1),
        (90, 3, 2, 1, 1),
    ]


def test_filters_search_and_windows(world, personas, client_for):
    client = client_for(personas.bob)

    def names(params) -> set[str]:
        return {row.name + ":" + row.kind for row in client.get(PAGE, params).context["page"].object_list}

    assert names({"kind": "hosting"}) == {"cedardental.com.au:hosting"}
    assert names({"linked": "unlinked"}) == {"harbourlights.com.au:domain"}
    assert names({"window": "30"}) == {"cedardental.com.au:domain", "cedardental.com.au:hosting"}
    assert names({"q": "harbour"}) == {"harbourlights.com.au:domain"}
    assert names({"q": "cedar dental", "kind": "domain"}) == {"cedardental.com.au:domain"}
    assert names({"status": "cancelled"}) == set()
    assert client.get(PAGE, {"kind": "bogus", "window": "7", "page": "999"}).status_code == 200


def test_pagination_and_outsider_and_viewer(world, personas, client_for):
    owner = Subscription.objects.filter(organization=world, name="harbourlights.com.au").first().customer
    tld = Subscription.objects.filter(organization=world, name="harbourlights.com.au").first().product
    for n in range(60):
        renewal(world, owner, tld, f"filler{n:03d}.com.au", 100 + n)
    page = client_for(personas.bob).get(PAGE).content.decode()
    assert "1–50 of 63" in page and "Page 1 of 2" in page
    assert "Sync from" not in page  # a viewer cannot sync
    assert client_for(personas.bob).post("/org-a/settings/integrations/synergy/sync/").status_code == 403
    assert client_for(personas.charlie).get(PAGE).status_code == 404
    assert client_for(personas.charlie).get(API).status_code == 404
    engineer = client_for(personas.member("engineer")).get(PAGE).content.decode()
    assert 'data-testid="sync-synergy"' in engineer


def test_reached_from_subscriptions_which_stays_active_in_the_top_bar(world, personas, client_for):
    page = client_for(personas.bob).get("/org-a/subscriptions/").content.decode()
    assert f'href="{PAGE}"' in page
    pages = client_for(personas.bob).get(PAGE).context["main_pages"]
    assert [item["key"] for item in pages if item["active"]] == ["subscriptions"]


@pytest.mark.parametrize("url", [PAGE, API])
def test_queries_stay_flat_as_rows_grow(world, personas, client_for, url):
    client = client_for(personas.bob)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    owner = Subscription.objects.filter(organization=world, name="cedardental.com.au").first().customer
    tld = Subscription.objects.filter(organization=world, name="cedardental.com.au").first().product
    for n in range(80):
        renewal(world, owner, tld, f"more{n:03d}.com.au", n % 90)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
    assert len(page_queries(many)) <= 12


def test_api_payload_filters_and_cursor(world, personas, client_for):
    client = client_for(personas.bob)
    body = client.get(API, {"limit": 2}).json()
    assert body["count"] == 3 and len(body["items"]) == 2 and body["next"]
    first = body["items"][0]
    assert set(first) >= {"id", "name", "kind", "client", "plan", "status", "expires_on", "renews_on", "auto_renew"}
    hosting = client.get(API, {"kind": "hosting"}).json()["items"][0]
    assert hosting["renews_on"] and hosting["expires_on"] is None and hosting["billing"] == "not_billed"
    assert hosting["client"] == "Cedar Dental" and hosting["plan"] == "EW1"
    domain = client.get(API, {"q": "harbour"}).json()["items"][0]
    assert domain["expires_on"] and domain["renews_on"] is None and domain["client"] is None
    assert domain["billing"] == "unmapped" and domain["auto_renew"] is False and domain["owner"]
    assert client.get(API, {"within": 30}).json()["count"] == 2
    assert client.get(API, {"linked": "linked"}).json()["count"] == 2
    rest = client.get(API, {"limit": 2, "cursor": body["next"]}).json()
    assert len(rest["items"]) == 1 and rest["next"] is None


def test_api_bad_input_is_422(world, personas, client_for):
    client = client_for(personas.bob)
    for params, field in (
        ({"kind": "licence"}, "kind"),
        ({"status": "bogus"}, "status"),
        ({"linked": "maybe"}, "linked"),
        ({"within": 45}, "within"),
        ({"q": "x" * 101}, "q"),
        ({"limit": 0}, "limit"),
    ):
        answer = client.get(API, params)
        assert answer.status_code == 422 and field in answer.json()["error"]["fields"], params
