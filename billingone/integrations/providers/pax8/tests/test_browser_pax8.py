"""In Chromium: connect Pax8 (a wrong secret gets its diagnostic), save, sync, watch the
progress reach 100% without a page reload, then see the subscriptions."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from billingone.billing.models import Subscription
from billingone.integrations.testing import PAX8_GOOD, running_pax8, worker_thread
from billingone.testing.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def slow_pax8(settings):
    # 450 subscriptions = three pages, each answer 0.4 s late: progress visibly moves.
    with running_pax8(settings, subscriptions=450) as sim:
        sim.latency = 0.4
        yield sim


def test_connect_pax8_then_sync_and_watch_progress(page, live_url, personas, password, slow_pax8):
    sign_in(page, live_url, personas.alice.email, password)
    page.goto(f"{live_url}/org-a/settings/integrations/")
    expect(page.get_by_test_id("status-pax8")).to_have_text("Not connected")
    page.get_by_role("link", name="Connect Pax8").click()

    page.get_by_label("Client ID").fill(PAX8_GOOD["client_id"])
    page.get_by_label("Client secret").fill("not-the-secret")
    page.get_by_test_id("test-connection").click()
    expect(page.get_by_test_id("test-outcome")).to_contain_text("Credentials rejected.")
    expect(page.locator(".field--error")).to_contain_text("Pax8 rejected this client ID and secret")
    expect(page.get_by_label("Client secret")).to_have_value("")  # write-only: never rendered back

    page.get_by_label("Client secret").fill(PAX8_GOOD["client_secret"])
    page.get_by_test_id("test-connection").click()
    expect(page.get_by_test_id("test-outcome")).to_contain_text("Connection works.")
    page.get_by_label("Client secret").fill(PAX8_GOOD["client_secret"])
    page.get_by_test_id("save").click()
    expect(page).to_have_url(re.compile(r"/org-a/settings/integrations/$"))
    expect(page.locator(".flash--success")).to_contain_text("Pax8 is connected")
    expect(page.get_by_test_id("status-pax8")).to_have_text("Connected")

    page.get_by_role("button", name="Sync now").click()
    percent = page.get_by_test_id("sync-percent")
    expect(page.get_by_test_id("sync-progress")).to_contain_text("Queued")
    # The SQLite test database is in-memory with table-level locks that fail instead of
    # waiting: the worker runs only while the sync does, so other page loads never race it.
    with worker_thread():
        seen = set()
        for _ in range(120):
            seen.add(percent.inner_text())
            if percent.inner_text() == "100%":
                break
            page.wait_for_timeout(250)
        expect(percent).to_have_text("100%", timeout=30_000)
    expect(page.get_by_test_id("sync-progress")).to_contain_text("Sync complete")
    assert len(seen) >= 2, seen  # it moved while we watched, without a reload
    # When it ends, the card and the history refresh themselves: button back, run recorded.
    expect(page.locator("#run-history")).to_contain_text("Succeeded")
    expect(page.locator("#run-history")).to_contain_text("492 new")  # 450 subscriptions + 12 companies + 30 products
    expect(page.get_by_role("button", name="Sync now")).to_be_enabled()
    assert Subscription.objects.filter(source="pax8", organization=personas.org_a).count() == 450

    page.get_by_role("link", name="Subscriptions").click()
    expect(page.get_by_role("heading", name="Subscriptions")).to_be_visible()
    expect(page.locator(".pager")).to_contain_text("1–50 of 450")
    page.get_by_placeholder("Search client, product or subscription ID").fill("Microsoft 365 E3")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("table.subscriptions tbody tr").first).to_contain_text("Microsoft 365 E3")

    # "Sync from Pax8" on the Subscriptions page: the same live progress, then the page refreshes.
    slow_pax8.data.mutate(0.02)
    page.get_by_test_id("sync-pax8").click()
    expect(page.get_by_test_id("sync-progress")).to_contain_text("Queued")
    with worker_thread():
        expect(page.get_by_test_id("sync-percent")).to_have_text("100%", timeout=30_000)
        expect(page.get_by_test_id("sync-progress")).to_contain_text("9 updated")
    expect(page.get_by_test_id("sync-pax8")).to_be_enabled()
    expect(page.locator(".page-head")).to_contain_text("450 live subscriptions")
