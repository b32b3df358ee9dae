"""In Chromium: configure SuperOps with a wrong API token (its diagnostic shows at the token
field), fix it, save, watch the first sync finish, then see SuperOps' invoices on the Invoices
page. With BILLINGONE_SHOTS=<folder> it also saves the configure page (diagnostic, connected)
at 1366 and 390 px wide for a person to look at."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from billingone.billing.models import Invoice
from billingone.integrations.providers.superops.testing import GOOD
from billingone.integrations.testing import worker_thread
from billingone.testing.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shoot(page, name: str) -> None:
    folder = os.environ.get("BILLINGONE_SHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 1366
    for size in (1366, 390):
        page.set_viewport_size({"width": size, "height": 900})
        page.screenshot(path=f"{folder}/superops-{name}-{size}.png", full_page=True)
    page.set_viewport_size({"width": width, "height": 900})


def test_wrong_token_then_fixed_then_synced_invoices(page, live_url, personas, password, superops_sim):
    sign_in(page, live_url, personas.alice.email, password)
    page.goto(f"{live_url}/org-a/settings/integrations/")
    expect(page.get_by_test_id("status-superops")).to_have_text("Not connected")
    page.get_by_role("link", name="Connect SuperOps").click()

    page.get_by_label("API token").fill("sop-a-token-regenerated-long-ago")
    page.get_by_label("Customer subdomain").fill(GOOD["subdomain"])
    page.get_by_label("Region").select_option("us")
    page.get_by_test_id("test-connection").click()
    expect(page.get_by_test_id("test-outcome")).to_contain_text("Credentials rejected.")
    expect(page.locator(".field--error")).to_have_count(1)
    expect(page.locator(".field--error")).to_contain_text("SuperOps rejected this API token")
    expect(page.get_by_label("API token")).to_have_value("")  # write-only: never rendered back
    expect(page.get_by_label("Customer subdomain")).to_have_value(GOOD["subdomain"])
    shoot(page, "diagnostic")

    page.get_by_label("API token").fill(GOOD["api_token"])
    page.get_by_test_id("test-connection").click()
    expect(page.get_by_test_id("test-outcome")).to_contain_text("Connection works.")
    page.get_by_label("API token").fill(GOOD["api_token"])
    page.get_by_test_id("save").click()
    expect(page).to_have_url(re.compile(r"/org-a/settings/integrations/$"))
    expect(page.locator(".flash--success")).to_contain_text("SuperOps is connected; the first sync has started")

    with worker_thread():
        expect(page.get_by_test_id("status-superops")).to_have_text("Connected", timeout=60_000)
    tenant = superops_sim.tenant("us")
    assert Invoice.objects.filter(source="superops", organization=personas.org_a).count() == len(tenant.invoices)
    page.goto(f"{live_url}/org-a/settings/integrations/superops/")
    shoot(page, "connected")
    page.goto(f"{live_url}/org-a/settings/integrations/")
    shoot(page, "integrations")

    page.goto(f"{live_url}/org-a/invoices/?source=superops")
    rows = page.get_by_test_id("invoices-table").locator("tbody tr")
    expect(rows.first.locator(".source--superops")).to_have_text("SuperOps")
    expect(page.locator(".pager")).to_contain_text(f"of {len(tenant.invoices)}")
