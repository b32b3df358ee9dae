"""In Chromium: connect Xero from scratch through the simulator's consent page, choosing
between two Xero organisations, then sync and read the Invoices page (live progress)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from billingone.billing.models import Invoice
from billingone.integrations.models import Connection
from billingone.integrations.providers.xero.testing import wire_xero
from billingone.testing.browser import sign_in
from billingone.testing.tasks import run_pending_tasks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_xero(settings, live_url):
    from billingone.integrations.providers.xero.simulator import XeroSimulator
    from billingone.integrations.providers.xero.testing import ANCHOR
    from billingone.integrations.testing import fast_http

    fast_http(settings)
    with XeroSimulator(invoices=180, companies=12, anchor=ANCHOR) as sim:
        wire_xero(settings, sim, redirect_uri=f"{live_url}/oauth/xero/callback/")
        # the connect form is redirected to the (simulated) Xero authorize page: form-action allows it
        settings.SECURE_CSP = {**settings.SECURE_CSP, "form-action": [*settings.SECURE_CSP["form-action"], sim.url]}
        yield sim


def test_connect_choose_an_organisation_sync_and_see_invoices(page, live_url, personas, password, browser_xero):
    sim = browser_xero
    sign_in(page, live_url, "alice@org-a.test", password)
    page.goto(f"{live_url}/org-a/settings/integrations/xero/")
    expect(page.get_by_test_id("oauth-status")).to_have_text("Not connected")
    page.get_by_test_id("oauth-connect").click()

    # Xero's consent screen (the simulator): two organisations, both ticked; allow.
    expect(page.get_by_role("heading", name=re.compile("wants to connect to Xero"))).to_be_visible()
    expect(page.locator("label.org")).to_have_count(2)
    page.get_by_role("button", name="Allow access").click()

    # Back in BillingOne: pick one of the two organisations.
    expect(page).to_have_url(re.compile(r"/org-a/settings/integrations/xero/choose/$"))
    page.get_by_label("Demo MSP Training Co").check()
    page.get_by_test_id("oauth-choose").click()
    expect(page.locator(".flash--success")).to_contain_text("Xero is connected")
    expect(page.get_by_test_id("oauth-account")).to_have_text("Demo MSP Training Co")
    connection = Connection.objects.get(organization=personas.org_a, provider="xero")
    assert connection.get_credentials()["account_id"] == sim.tenant_ids[1]
    assert list(sim.identity.grants[-1].connections) == [sim.tenant_ids[1]]

    run_pending_tasks()  # the first (full) sync, as the worker would
    new = sim.add_invoice(sim.tenant_ids[1])
    page.goto(f"{live_url}/org-a/invoices/")
    count = Invoice.objects.filter(source="xero", organization=personas.org_a).count()
    assert count > 0
    expect(page.get_by_test_id("invoices-table").locator("tbody tr")).to_have_count(min(count, 50))

    page.get_by_test_id("sync-xero").click()  # "Sync from Xero": a delta sync with live progress
    expect(page.get_by_test_id("sync-progress")).to_be_visible()
    run_pending_tasks()
    expect(page.get_by_test_id("sync-percent")).to_have_text("100%", timeout=15_000)
    expect(page.get_by_test_id("sync-progress")).to_contain_text("1 new")
    assert Invoice.objects.filter(source="xero", organization=personas.org_a).count() == count + 1
    # the page refreshes itself when the sync ends: the new invoice shows without a reload
    expect(page.get_by_test_id("invoices-table")).to_contain_text(new["InvoiceNumber"], timeout=15_000)

    page.reload()
    expect(page.get_by_test_id("card-paid")).to_be_visible()
    page.get_by_label("Search invoices").fill("INV-000")
    page.get_by_role("button", name="Filter").click()
    first = page.get_by_test_id("invoices-table").locator("tbody tr").first
    link = first.get_by_role("link")
    assert link.get_attribute("href").startswith(f"{sim.url}/AccountsReceivable/View.aspx?InvoiceID=")
