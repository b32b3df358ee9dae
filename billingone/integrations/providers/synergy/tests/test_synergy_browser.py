"""In Chromium: connect Synergy Wholesale with a wrong API key (the diagnostic shows), fix it,
save, let the first sync run, and find the Domains & hosting page filled."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from billingone.billing.models import Subscription
from billingone.integrations.providers.synergy.testing import GOOD, running_synergy
from billingone.integrations.testing import worker_thread
from billingone.testing.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def synergy(settings):
    with running_synergy(settings) as sim:
        yield sim


def test_wrong_key_then_fix_then_sync_fills_domains(page, live_url, personas, password, synergy):
    sign_in(page, live_url, personas.alice.email, password)
    page.goto(f"{live_url}/org-a/settings/integrations/")
    expect(page.get_by_test_id("status-synergy")).to_have_text("Not connected")
    page.get_by_role("link", name="Connect Synergy Wholesale").click()

    page.get_by_label("Reseller ID").fill(GOOD["reseller_id"])
    page.get_by_label("API key").fill("sw-an-old-key-0000")
    page.get_by_test_id("test-connection").click()
    expect(page.get_by_test_id("test-outcome")).to_contain_text("Credentials rejected.")
    expect(page.locator(".field--error").first).to_contain_text("refused this reseller ID and API key")
    expect(page.get_by_label("API key")).to_have_value("")  # write-only: never rendered back

    page.get_by_label("API key").fill(GOOD["api_key"])
    page.get_by_test_id("test-connection").click()
    expect(page.get_by_test_id("test-outcome")).to_contain_text("Connection works.")
    page.get_by_label("API key").fill(GOOD["api_key"])
    page.get_by_test_id("save").click()
    expect(page).to_have_url(re.compile(r"/org-a/settings/integrations/$"))
    expect(page.locator(".flash--success")).to_contain_text("Synergy Wholesale is connected")

    with worker_thread():
        expect(page.locator("#run-history")).to_contain_text("Succeeded", timeout=30_000)
    expect(page.get_by_test_id("run-warnings")).to_contain_text("2 warnings")
    assert Subscription.objects.filter(source="synergy", organization=personas.org_a, kind="hosting").exists()

    page.get_by_role("link", name="Subscriptions").first.click()
    page.get_by_test_id("domains-link").click()
    expect(page.get_by_role("heading", name="Domains & hosting")).to_be_visible()
    first_domain = synergy.account.domains[0]["domainName"]
    expect(page.get_by_test_id("domains-table")).to_contain_text(first_domain)
    expect(page.get_by_test_id("window-90")).to_contain_text("renewal")
    page.get_by_label("Kind").select_option("hosting")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.domains tbody tr")
    expect(rows.first).to_have_attribute("data-kind", "hosting")
    expect(page.locator('table.domains tbody tr[data-kind="domain"]')).to_have_count(0)
