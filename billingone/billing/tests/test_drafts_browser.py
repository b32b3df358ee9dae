"""In Chromium: put a missed-billing item on a draft from the queue, edit a line, meet Xero's
validation error on that line, fix it, approve, push to the Xero simulator, follow the link to
the DRAFT invoice there. SCREENSHOTS_DIR=/some/dir saves the pages at 1366 and 390 px."""

from __future__ import annotations

import os
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billingone.billing.draft_models import DraftStatus, InvoiceDraft
from billingone.billing.finding_models import Finding
from billingone.billing.models import Customer
from billingone.billing.reconciliation import reconcile_organization
from billingone.billing.tests.builders import client, connect, invoice, product, subscription
from billingone.integrations.models import SyncRun
from billingone.integrations.providers.xero.testing import connect_xero
from billingone.testing.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(personas, xero_sim):
    org = personas.org_a
    connection = connect_xero(personas.alice, org, xero_sim)
    now = timezone.now()
    SyncRun.objects.create(
        organization=org,
        connection=connection,
        provider="xero",
        trigger="schedule",
        status="succeeded",
        queued_at=now,
        started_at=now,
        finished_at=now,
    )
    connect(org, "pax8")
    standard = product(org, "Microsoft 365 Business Standard", code="M365-BS")
    _, company, contact = client(org, "Acme Dental")
    # The client's Xero contact is one the simulator knows.
    Customer.objects.filter(pk=contact.pk).update(external_id=xero_sim.tenant().data.customers[0].contact_id)
    subscription(org, company, standard, 12, price="18.70")
    invoice(org, contact, [("M365-BS", 9, "18.70")], issued=timezone.localdate().replace(day=1))
    reconcile_organization(org, "test")
    return Finding.objects.get(organization=org, kind="under_billed")


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
