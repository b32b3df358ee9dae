"""In the browser: the unread count rises when a sync fails, and the item opens the
integrations page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from billingone.notifications.conftest import fail_sync
from billingone.testing.browser import sign_in
from billingone.testing.tasks import run_pending_tasks


@pytest.mark.browser
def test_unread_count_rises_on_sync_failure_and_opens_integrations(
    transactional_db, personas, sync_failures_on, page, live_url, password
):
    sign_in(page, live_url, personas.alice.email, password)
    page.goto(f"{live_url}/org-a/settings/notifications/")
    bell = page.locator("#notification-bell")
    expect(bell).to_be_visible()
    expect(bell.locator(".bell__count")).to_have_count(0)

    fail_sync(personas.org_a, provider="xero", run_id=99, message="Xero refused the refresh token")
    run_pending_tasks()  # the worker delivers the in-app item

    # The bell polls (htmx) and shows the new count without a reload.
    expect(page.locator("#notification-bell .bell__count")).to_have_text("1", timeout=15_000)
    page.locator("#notification-bell").click()
    expect(page).to_have_url(re.compile(r"/org-a/notifications/$"))
    item = page.locator(".feed-item.is-unread")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Xero refused the refresh token")
    item.locator(".feed-item__title").click()
    expect(page).to_have_url(re.compile(r"/org-a/settings/integrations/$"))
    page.goto(f"{live_url}/org-a/notifications/")
    expect(page.locator(".feed-item.is-unread")).to_have_count(0)
    expect(page.locator("#notification-bell .bell__count")).to_have_count(0)
