"""The Dashboard in Chromium: both charts drawn in the organization's brand colours, readable on a
390 px phone with nothing scrolling sideways, and on a laptop."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billingone.billing.draft_models import DraftStatus, InvoiceDraft
from billingone.billing.reconciliation import reconcile_organization
from billingone.billing.tests.builders import client, connect, invoice, product, subscription
from billingone.testing.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BRAND = "#7A1FA2"  # rgb(122, 31, 162)


@pytest.fixture
def world(personas):
    org = personas.org_a
    org.primary_color = BRAND
    org.save(update_fields=["primary_color"])
    connect(org, "pax8")
    connect(org, "xero")
    m365 = product(org, "Microsoft 365 Business Premium", code="M365BP")
    acme_row, acme, acme_x = client(org, "Acme Dental")
    subscription(org, acme, m365, 12, price="30", unit_cost="24", start_date=timezone.localdate() - timedelta(days=500))
    month = timezone.localdate().replace(day=1)
    for back in range(12):
        issued = (month - timedelta(days=28 * back)).replace(day=1)
        row = invoice(org, acme_x, [("M365BP", 10, "30")], issued=issued, status="paid")
        row.subtotal = Decimal(300 + back * 10)
        row.save(update_fields=["subtotal"])
    reconcile_organization(org, "test")
    InvoiceDraft.objects.create(
        organization=org, client=acme_row, target="xero", status=DraftStatus.PUSHED, currency="AUD", total=60,
        pushed_at=timezone.now(),
    )  # fmt: skip
    return org


def open_dashboard(browser, live_url, user, password, width: int):
    context = browser.new_context(base_url=live_url, viewport={"width": width, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, live_url, user.email, password)
    page.goto("/org-a/")
    return context, page


@pytest.mark.parametrize("width", [390, 1366])
def test_the_dashboard_draws_its_charts_without_sideways_scroll(world, browser, live_url, personas, password, width):
    context, page = open_dashboard(browser, live_url, personas.bob, password, width)
    try:
        bars = page.locator('[data-testid="chart-mrr"] rect.chart__bar')
        assert bars.count() == 12
        assert page.locator('[data-testid="chart-mrr"] polyline.chart__line').count() == 1
        assert bars.last.evaluate("el => getComputedStyle(el).fill") != bars.first.evaluate(
            "el => getComputedStyle(el).fill"
        )  # the month in progress is lighter
        assert bars.first.evaluate("el => getComputedStyle(el).fill") == "rgb(122, 31, 162)"  # the brand colour
        assert all(bars.nth(i).bounding_box()["height"] > 20 for i in range(12))
        assert page.locator('[data-testid="chart-leakage"] rect.leak-open').bounding_box()["width"] > 0
        assert page.locator('[data-testid="chart-leakage"] rect.leak-recovered').bounding_box()["width"] > 0
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner == width, f"{scroll} px wide on a {inner} px screen"
        chart = page.locator('[data-testid="chart-mrr"]').bounding_box()
        assert chart["x"] >= 0 and chart["x"] + chart["width"] <= width
        labels = page.locator('[data-testid="chart-mrr"] .chart__months span')
        font = labels.first.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
        assert font >= 11  # month labels stay readable: HTML text, not scaled with the drawing
        page.click('[data-testid="kpi-under-billed"]')
        page.wait_for_url("**/org-a/missed-billing/?kind=under_billed")
    finally:
        context.close()
