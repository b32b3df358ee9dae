"""The Reconciliation, Missed billing and Products pages; reconciliation after a real sync."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from billingone.audit.models import AuditEvent
from billingone.billing.finding_models import Finding, ReconciliationRun
from billingone.billing.models import Customer, Product, ProductItemMapping
from billingone.billing.reconciliation import reconcile_organization
from billingone.billing.tests.builders import client, connect, invoice, product, subscription
from billingone.integrations.models import SyncRun
from billingone.integrations.testing import connect_pax8
from billingone.notifications.models import Delivery
from billingone.orgs.roles import Role
from billingone.testing.tasks import run_pending_tasks


@pytest.fixture
def world(personas):
    org = personas.org_a
    connect(org, "pax8")
    connect(org, "xero", synced_ago=timedelta(days=2))  # stale
    connect(org, "quickbooks")
    m365 = product(org, "Microsoft 365 Business Premium", code="M365BP")
    product(org, "Firewall Pro")
    _, acme, acme_qbo = client(org, "Acme Dental", billing="quickbooks")
    _, harbor, _ = client(org, "Harbor Legal", billing="xero")
    subscription(org, acme, m365, 10, price="30")
    subscription(org, harbor, m365, 4, price="30")
    invoice(org, acme_qbo, [("M365BP", 7, "30")], issued=timezone.localdate().replace(day=1))
    reconcile_organization(org, "test")
    return org


def test_reconciliation_page_cards_sources_table_and_drill_down(world, client_for, personas):
    page = client_for(personas.bob).get("/org-a/reconciliation/").content.decode()
    assert 'data-testid="card-under_billed"' in page and "90.00 AUD</span> / month" in page
    assert 'data-testid="source-xero"' in page and "older than its schedule allows" in page
    assert "Acme Dental" in page and "Harbor Legal" in page
    assert "Reconcile now" not in page  # a viewer reads
    filtered = client_for(personas.bob).get("/org-a/reconciliation/", {"outcome": "no_data"}).content.decode()
    assert "Harbor Legal" in filtered and "Acme Dental" not in filtered.split("reconciliation-table")[1]
    acme = Finding.objects.get(organization=world, client_label="Acme Dental")
    drill = client_for(personas.bob).get("/org-a/reconciliation/", {"client": acme.client_id}).content.decode()
    assert 'data-testid="drill-down"' in drill and "Invoice lines billing it" in drill and "M365BP" in drill


def test_cards_and_queue_totals_show_each_currency_apart(world, client_for, personas):
    m365 = Product.objects.get(organization=world, name="Microsoft 365 Business Premium")
    _, company, contact = client(world, "Yankee Labs", billing="quickbooks")
    subscription(world, company, m365, 4, price="10", currency="USD")
    invoice(world, contact, [("M365BP", 2, "10")], issued=timezone.localdate().replace(day=1))
    reconcile_organization(world, "test")
    page = client_for(personas.bob).get("/org-a/reconciliation/").content.decode()
    card = page.split('data-testid="card-under_billed"')[1].split("</a>")[0]
    assert "90.00 AUD" in card and "20.00 USD" in card and "110.00" not in card
    queue = client_for(personas.bob).get("/org-a/missed-billing/").content.decode()
    total = queue.split('data-testid="total-open-impact"')[1].split("</a>")[0]
    assert 'data-testid="open-AUD"' in total and 'data-testid="open-USD"' in total and "110.00" not in total


def test_reconciliation_csv_is_formula_safe_and_audited(world, client_for, personas):
    Finding.objects.filter(organization=world, client_label="Acme Dental").update(client_label="=cmd|' /C calc'!A0")
    response = client_for(personas.bob).get("/org-a/reconciliation.csv")
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "'=cmd" in text and "\n=cmd" not in text
    assert AuditEvent.objects.filter(action="missed_billing.export", organization=world).exists()


def test_reconcile_now_runs_in_the_background_for_finance_not_for_engineers(world, client_for, personas):
    assert client_for(personas.member(Role.ENGINEER)).post("/org-a/reconciliation/run/").status_code == 403
    before = ReconciliationRun.objects.filter(organization=world).count()
    client_for(personas.member(Role.FINANCE)).post("/org-a/reconciliation/run/")
    run_pending_tasks()
    assert ReconciliationRun.objects.filter(organization=world).count() == before + 1
    assert ReconciliationRun.objects.filter(organization=world).first().trigger == "person"


def test_queue_page_lists_open_items_and_acts_one_by_one_and_in_bulk(world, client_for, personas):
    finance = client_for(personas.member(Role.FINANCE))
    page = finance.get("/org-a/missed-billing/").content.decode()
    item = Finding.objects.get(organization=world, kind="under_billed")
    assert f'data-testid="item-{item.pk}"' in page and "Bill Acme Dental for 3 more" in page
    response = finance.post(f"/org-a/missed-billing/{item.pk}/", {"action": "ignore", "reason": ""})
    assert response.status_code == 302
    assert Finding.objects.get(pk=item.pk).status == "open"  # refused: a reason is required
    until = (timezone.localdate() + timedelta(days=5)).isoformat()
    finance.post("/org-a/missed-billing/bulk/", {"ids": [item.pk], "action": "snooze", "until": until})
    assert Finding.objects.get(pk=item.pk).status == "snoozed"
    assert f'data-testid="item-{item.pk}"' not in finance.get("/org-a/missed-billing/").content.decode()
    assert f'data-testid="item-{item.pk}"' in finance.get("/org-a/missed-billing/?status=snoozed").content.decode()


def test_viewers_see_the_queue_without_actions_and_cannot_post(world, client_for, personas):
    viewer = client_for(personas.bob)
    page = viewer.get("/org-a/missed-billing/").content.decode()
    assert "Apply to selected" not in page and "Mark reviewed" not in page
    item = Finding.objects.get(organization=world, kind="under_billed")
    assert viewer.post(f"/org-a/missed-billing/{item.pk}/", {"action": "review"}).status_code == 403


def test_queue_csv_follows_the_filters(world, client_for, personas):
    text = client_for(personas.bob).get("/org-a/missed-billing.csv?kind=under_billed").content.decode()
    lines = text.strip().splitlines()
    assert lines[0].startswith("severity,kind,status,client")
    assert len(lines) == 2 and "Acme Dental" in lines[1]


def test_products_page_maps_a_product_and_reconciles_again(world, client_for, personas):
    finance = client_for(personas.member(Role.FINANCE))
    page = finance.get("/org-a/products/").content.decode()
    assert "Firewall Pro" in page and "not mapped" in page
    firewall = ProductItemMapping.objects.filter(product__name="Firewall Pro").first()
    assert firewall is None
    from billingone.billing.models import Product

    product_id = Product.objects.get(name="Firewall Pro").pk
    bad = finance.post(
        f"/org-a/products/{product_id}/", {"action": "change", "item_code": "", "description_pattern": ""}
    )
    assert bad.status_code == 302 and not ProductItemMapping.objects.filter(product_id=product_id).exists()
    finance.post(f"/org-a/products/{product_id}/", {"action": "change", "item_code": "FW-PRO"})
    mapping = ProductItemMapping.objects.get(product_id=product_id)
    assert (mapping.item_code, mapping.confirmed, mapping.decided_by) == ("FW-PRO", True, personas.member(Role.FINANCE))
    assert AuditEvent.objects.filter(action="product_mapping.change", organization=world).exists()
    run_pending_tasks()
    assert ReconciliationRun.objects.filter(organization=world).first().trigger == "mapping"
    assert client_for(personas.bob).post(f"/org-a/products/{product_id}/", {"action": "clear"}).status_code == 403


def test_suggestions_come_from_lines_that_already_bill_the_product(world, client_for, personas):
    from billingone.billing import product_mapping
    from billingone.billing.models import Customer, Product

    contact = Customer.objects.get(organization=world, source="quickbooks")
    invoice(world, contact, [("FWP", 1, "80", "Firewall Pro – monthly")])
    firewall = Product.objects.get(name="Firewall Pro")
    subscription(world, Customer.objects.get(organization=world, source="pax8", name="Acme Dental"), firewall, 1)
    assert product_mapping.refresh_suggestions(world) == 1
    mapping = ProductItemMapping.objects.get(product=firewall)
    assert (mapping.item_code, mapping.confirmed, mapping.confidence) == ("FWP", False, 90)
    assert "1 client who hold" in mapping.reason
    client_for(personas.member(Role.FINANCE)).post(f"/org-a/products/{firewall.pk}/", {"action": "confirm"})
    assert ProductItemMapping.objects.get(product=firewall).confirmed


def test_a_successful_pax8_sync_is_followed_by_a_reconciliation(pax8_sim, personas, client_for):
    connect_pax8(personas.alice, personas.org_a)
    client_for(personas.alice).post("/org-a/settings/integrations/pax8/sync/")
    run_pending_tasks()  # the sync, whose success queues the reconciliation
    run_pending_tasks()
    assert SyncRun.objects.get(organization=personas.org_a).status == "succeeded"
    run = ReconciliationRun.objects.get(organization=personas.org_a)
    assert run.trigger == "sync:pax8"
    # Pax8 synced but no accounting integration: nothing is called matched.
    assert run.summary["matched"]["count"] == 0
    assert Finding.objects.filter(organization=personas.org_a, key="source:billing", queued=True).exists()
    # Every Pax8 company is new and no client exists yet: counted and announced once, in-app.
    unlinked = Customer.objects.filter(organization=personas.org_a, source="pax8", client__isnull=True).count()
    (title,) = {
        d.payload["title"]
        for d in Delivery.objects.filter(organization=personas.org_a, event="clients.unlinked_found", channel="in_app")
    }
    assert unlinked > 0 and title == f"{unlinked} new Pax8 customers to link"
    client_for(personas.alice).post("/org-a/settings/integrations/pax8/sync/")
    run_pending_tasks()  # seen before: not announced again
    announced = Delivery.objects.filter(organization=personas.org_a, event="clients.unlinked_found")
    assert announced.values("dedupe_key").distinct().count() == 1
