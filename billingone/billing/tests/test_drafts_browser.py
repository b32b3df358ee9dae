"""In Chromium: put a missed-billing item on a draft from the queue, edit a line, meet Xero's
validation error on that line, fix it, approve, push to the Xero simulator, follow the link to
the DRAFT invoice there. SCREENSHOTS_DIR=/some/dir saves the pages at 1366 and 390 px."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from billingone.billing.draft_models import DraftStatus, InvoiceDraft
from billingone.billing.tests.draft_worlds import xero_world
from billingone.testing.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(personas, xero_sim):
    return xero_world(personas, xero_sim, licensed=12, billed=9)


def shoot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS_DIR")
    if not folder:
        return
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 860})


def test_apply_edit_approve_push_and_open_it_in_xero(page, live_url, personas, password, world, xero_sim):
    sign_in(page, live_url, "alice@org-a.test", password)
    page.goto(f"{live_url}/org-a/missed-billing/")
    item = page.get_by_test_id(f"item-{world.pk}")
    item.locator("summary").click()
    shoot(page, "missed-billing-apply")
    item.get_by_test_id(f"apply-{world.pk}").click()

    draft = InvoiceDraft.objects.get()
    expect(page).to_have_url(re.compile(rf"/org-a/invoice-drafts/{draft.pk}/$"))
    line = draft.lines.get()
    expect(page.get_by_test_id("total")).to_contain_text("56.10")  # 3 × 18.70
    page.get_by_label("Quantity").fill("4")
    page.get_by_label("Tax code").fill("GST-WRONG")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("total")).to_contain_text("74.80")
    page.get_by_test_id("approve").click()
    page.get_by_test_id("push").click()

    # Xero refuses the tax type: the error sits on the line, the draft can be fixed and pushed again.
    expect(page.get_by_test_id("line-error")).to_contain_text("TaxType code 'GST-WRONG'")
    expect(page.get_by_test_id("status").first).to_have_text("Failed")
    expect(page.get_by_test_id("preview")).to_contain_text('"TaxType": "GST-WRONG"')
    shoot(page, "draft-line-error")
    page.get_by_label("Tax code").fill("OUTPUT")
    page.get_by_test_id("save").click()
    page.get_by_test_id("approve").click()
    page.get_by_test_id("push").click()
    expect(page.locator(".flash--success").first).to_contain_text("Pushed to Xero")
    draft.refresh_from_db()
    assert draft.status == DraftStatus.PUSHED

    with page.context.expect_page() as opened:
        page.get_by_test_id("external-link").click()
    xero_page = opened.value
    expect(xero_page.get_by_role("heading")).to_contain_text("DRAFT")
    expect(xero_page.locator("table")).to_contain_text("M365-BS")
    expect(xero_page.locator("table")).to_contain_text("74.80")
    shoot(xero_page, "xero-draft-invoice")

    page.goto(f"{live_url}/org-a/invoice-drafts/")
    expect(page.get_by_test_id(f"draft-{draft.pk}")).to_contain_text("Pushed")
    expect(page.get_by_test_id("recovered")).to_contain_text("74.80")
    shoot(page, "drafts-list")
    assert line.pk == draft.lines.get().pk
