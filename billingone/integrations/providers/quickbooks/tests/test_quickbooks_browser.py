"""In Chromium: connect QuickBooks from scratch through the simulator's consent page, choosing
the second of two companies, then sync and see its invoices on the Invoices page beside Xero's
source filter, each opening in QuickBooks."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from billingone.billing.models import Invoice
from billingone.integrations.models import Connection
from billingone.integrations.providers.quickbooks.testing import (
    TEST_CLIENT_ID,
    TEST_CLIENT_SECRET,
    start_simulator,
    wire,
)
from billingone.testing.browser import sign_in
from billingone.testing.tasks import run_pending_tasks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_quickbooks(settings, live_url):
    sim = start_simulator(invoices=400)
    try:
        wire(settings, sim)
        settings.QUICKBOOKS_REDIRECT_URI = f"{live_url}/oauth/quickbooks/callback/"
        sim.identity.register_app(TEST_CLIENT_ID, TEST_CLIENT_SECRET, [settings.QUICKBOOKS_REDIRECT_URI])
        # the connect form is redirected to the (simulated) Intuit authorize page: form-action allows it
        settings.SECURE_CSP = {**settings.SECURE_CSP, "form-action": [*settings.SECURE_CSP["form-action"], sim.url]}
        yield sim
    finally:
        sim.stop()


def test_connect_choose_a_company_sync_and_see_invoices(page, live_url, personas, password, browser_quickbooks):
    sim = browser_quickbooks
    sign_in(page, live_url, "alice@org-a.test", password)
    page.goto(f"{live_url}/org-a/settings/integrations/quickbooks/")
    expect(page.get_by_test_id("oauth-status")).to_have_text("Not connected")
    page.get_by_test_id("oauth-connect").click()

    # Intuit's consent page (the simulator): two companies to choose from.
    expect(page.get_by_role("heading", name=re.compile("to QuickBooks"))).to_be_visible()
    expect(page.locator("label.company")).to_have_count(2)
    page.get_by_label("Demo MSP Training Co").check()
    page.get_by_role("button", name="Connect").click()

    # Back in BillingOne: the callback's realmId is the account, named from CompanyInfo.
    expect(page.locator(".flash--success")).to_contain_text("QuickBooks is connected")
    expect(page.get_by_test_id("oauth-account")).to_have_text("Demo MSP Training Co")
    connection = Connection.objects.get(organization=personas.org_a, provider="quickbooks")
    assert connection.get_credentials()["account_id"] == sim.realm_ids[1]

    run_pending_tasks()  # the first (full) sync, as the worker would
    books = sim.company(sim.realm_ids[1]).books
    assert Invoice.objects.filter(source="quickbooks", organization=personas.org_a).count() == books.total
    page.goto(f"{live_url}/org-a/invoices/?source=quickbooks")
    rows = page.get_by_test_id("invoices-table").locator("tbody tr")
    expect(rows).to_have_count(books.total)
    expect(rows.first.locator(".source--quickbooks")).to_have_text("QuickBooks Online")
    link = rows.first.get_by_role("link")
    assert link.get_attribute("href").startswith(f"{sim.url}/app/invoice?txnId=")
