"""The demo's reconciliation story: the simulators' showcase data and a demo seeded reconciled."""

from __future__ import annotations

from datetime import UTC, datetime

from billingone.billing.finding_models import ReconciliationRun
from billingone.integrations.providers.pax8.simulator.data import Pax8Data
from billingone.integrations.providers.xero.simulator.data import Dataset
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
