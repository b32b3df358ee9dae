"""In the browser: the Reconciliation cards keep currencies apart and filter the table; the
queue's totals do the same (screenshots at 1366 and 390 px under /tmp/shots/recon/)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billingone.billing.reconciliation import reconcile_organization
from billingone.billing.tests.builders import client, connect, invoice, product, subscription
from billingone.testing.browser import sign_in

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots/recon"))


def mixed_world(org) -> None:
    connect(org, "pax8")
    connect(org, "xero")
    m365 = product(org, "Microsoft 365 Business Premium", code="M365BP")
    first = timezone.localdate().replace(day=1)
    for name, currency, licensed, billed in (
        ("Acme Dental", "AUD", 10, 7),
        ("Yankee Labs", "USD", 4, 2),
        ("Bolt Legal", "AUD", 5, 5),
        ("Kiwi Kitchens", "NZD", 3, 4),
    ):
        _, company, contact = client(org, name)
        subscription(org, company, m365, licensed, price="30", currency=currency)
        invoice(org, contact, [("M365BP", billed, "30")], issued=first)
    reconcile_organization(org, "test")


@pytest.mark.browser
def test_cards_show_each_currency_and_filter_the_table(transactional_db, personas, page, live_url, password):
    mixed_world(personas.org_a)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, live_url, personas.member("finance").email, password)
    page.goto(f"{live_url}/org-a/reconciliation/")
    card = page.get_by_test_id("card-under_billed")
    expect(card).to_contain_text("90.00 AUD")
    expect(card).to_contain_text("60.00 USD")
    expect(card).not_to_contain_text("150.00")
    page.screenshot(path=SHOTS / "reconciliation-1366.png", full_page=True)
    card.click()
    expect(page.get_by_test_id("reconciliation-table")).to_contain_text("Yankee Labs")
    expect(page.get_by_test_id("reconciliation-table")).not_to_contain_text("Bolt Legal")
    page.goto(f"{live_url}/org-a/missed-billing/")
    total = page.get_by_test_id("total-open-impact")
    expect(total).to_contain_text("90.00")
    expect(total).to_contain_text("USD")
    page.screenshot(path=SHOTS / "queue-1366.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_url}/org-a/reconciliation/")
    page.screenshot(path=SHOTS / "reconciliation-390.png", full_page=True)
    page.goto(f"{live_url}/org-a/missed-billing/")
    page.screenshot(path=SHOTS / "queue-390.png", full_page=True)


@pytest.mark.browser
def test_an_owner_sets_the_auto_confirm_threshold_on_the_clients_page(
    transactional_db, personas, page, live_url, password
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, live_url, personas.alice.email, password)
    page.goto(f"{live_url}/org-a/clients/")
    form = page.get_by_test_id("auto-confirm")
    form.locator("input[name=threshold]").fill("95")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Suggestions at 95% or more are linked at each sync")).to_be_visible()
    page.screenshot(path=SHOTS / "clients-1366.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=SHOTS / "clients-390.png", full_page=True)
    personas.org_a.refresh_from_db()
    assert personas.org_a.auto_confirm_links == 95
