"""The demo's reconciliation story: the simulators' showcase data and a demo seeded reconciled."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

from billingone.billing.finding_models import Finding, ReconciliationRun
from billingone.integrations.providers.pax8.simulator.data import Pax8Data
from billingone.integrations.providers.pax8.testing import running_pax8
from billingone.integrations.providers.quickbooks.testing import start_simulator, wire
from billingone.integrations.providers.xero.simulator import XeroSimulator
from billingone.integrations.providers.xero.simulator.data import Dataset
from billingone.integrations.providers.xero.testing import wire_xero
from billingone.ops.demo import seed_demo
from simulators.dataset import SHOWCASE, clients


def test_the_showcase_story_is_in_both_simulators_data():
    pax8 = Pax8Data(subscriptions=600, showcase=True)
    plain = Pax8Data(subscriptions=600)
    assert len(pax8.subscriptions) == len(plain.subscriptions) + len(SHOWCASE)
    companies = clients(1, 24)
    held = {(s["companyId"], s["productName"], s["quantity"]) for s in pax8.subscriptions[-len(SHOWCASE) :]}
    assert held == {(companies[lic.client_index].uuid("pax8"), lic.product, lic.licensed) for lic in SHOWCASE}
    xero = Dataset("xero:1:0", 1500, 24, datetime.now(tz=UTC), showcase=True)
    story = [xero.invoice(i) for i in range(1500, xero.total)]
    billed = {
        (inv["Contact"]["Name"], line["ItemCode"], line["Quantity"]) for inv in story for line in inv["LineItems"]
    }
    expected = {
        (companies[lic.client_index].name, lic.item_code, float(lic.billed))
        for lic in SHOWCASE
        if lic.billed is not None
    }
    assert billed == expected
    unbooked = {companies[lic.client_index].name for lic in SHOWCASE if lic.billed is None}
    assert not unbooked & {contact.name for contact in xero.customers}


def test_make_run_demo_is_left_reconciled(db, pax8_sim, xero_sim, settings):
    settings.DEMO_RECONCILED = True
    organization = seed_demo()
    run = ReconciliationRun.objects.get(organization=organization)
    assert run.trigger == "demo"
    assert sum(kind["count"] for kind in run.summary.values()) > 0
    assert run.summary["no_data"]["count"] == 0  # both sources read and fresh


def test_the_demo_owner_lands_on_a_dashboard_with_real_numbers(db, pax8_sim, xero_sim, settings, client):
    from decimal import Decimal

    from billingone.ops.demo import DEMO_PASSWORD

    settings.DEMO_RECONCILED = True
    seed_demo()
    response = client.post("/accounts/login/", {"login": "owner@demo.test", "password": DEMO_PASSWORD})
    assert response.url == "/demo/"
    page = client.get("/demo/").content.decode()
    assert 'data-testid="chart-mrr"' in page and 'data-testid="dashboard-empty"' not in page
    body = client.get("/api/v1/orgs/demo/dashboard").json()
    assert body["currency"] == "AUD"  # the demo buys (Pax8) and bills (Xero) in AUD
    # (The test simulators' invoices are dated before a fixed anchor, so this month's MRR is not asserted.)
    assert Decimal(next(m["amount"] for m in body["cost"] if m["currency"] == "AUD")) > 0
    assert body["active_subscriptions"] > 0 and body["under_billed"]["clients"] > 0
    assert {source["state"] for source in body["sources"]} == {"ok"}
    assert all(source["rows"] > 0 for source in body["sources"])


def test_make_run_demo_shows_every_kind_of_finding_with_a_stale_quickbooks(db, settings):
    """Pax8, Xero and QuickBooks simulators as `make run` starts them (--showcase): the showcase's
    figures are intact, and QuickBooks, last synced three days ago and needing attention, is a
    stale source: no data for the clients it bills, with the reason, and one queue item."""
    settings.DEMO_RECONCILED = True
    qbo = start_simulator(showcase=True)
    try:
        # Anchored now, as `make run` does: the showcase's invoices fall in this month.
        xero = XeroSimulator(invoices=120, companies=12, showcase=True)
        with running_pax8(settings, showcase=True), xero:
            wire_xero(settings, xero)
            wire(settings, qbo)  # last: the others' wiring names their own simulator hosts
            organization = seed_demo()
    finally:
        qbo.stop()
    findings = Finding.objects.filter(organization=organization, current=True)
    source = findings.get(key="source:quickbooks")
    assert (source.kind, source.queued, source.severity) == ("no_data", True, "high")
    assert "older than its schedule allows" in source.reason and "revoked" in source.reason
    stale_rows = findings.filter(scope="product", kind="no_data", billing_sources__contains="quickbooks")
    assert stale_rows.exists() and all("older than its schedule allows" in f.reason for f in stale_rows)
    companies = clients(1, 24)
    story = {(f.client_label, f.product_label): f for f in findings.filter(scope="product")}
    under = story[(companies[0].name, "Microsoft 365 Business Premium")]
    assert (under.kind, under.licensed, under.billed) == ("under_billed", D(12), D(9))
    assert story[(companies[1].name, "Microsoft 365 E3")].kind == "matched"
    over = story[(companies[2].name, "Acronis Cyber Protect Cloud")]
    assert (over.kind, over.licensed, over.billed) == ("over_billed", D(8), D(10))
    assert story[(companies[4].name, "Microsoft 365 Business Standard")].kind == "unmapped"
    summary = ReconciliationRun.objects.filter(organization=organization).first().summary
    assert all(summary[kind]["count"] > 0 for kind in ("under_billed", "over_billed", "matched", "no_data", "unmapped"))
