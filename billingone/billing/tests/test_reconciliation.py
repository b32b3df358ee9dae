"""Reconciliation rules as specifications, on small worlds built with the ORM (rules: reconciliation.py)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from billingone.billing.finding_models import Finding
from billingone.billing.reconciliation import compute, reconcile_organization
from billingone.billing.tests.builders import AS_OF, client, connect, customer, invoice, product, subscription
from billingone.integrations.records import BillingTerm, InvoiceKind, InvoiceStatus, SubscriptionStatus

D = Decimal


@pytest.fixture
def org(personas):
    connect(personas.org_a, "pax8")
    connect(personas.org_a, "xero")
    return personas.org_a


@pytest.fixture
def m365(org):
    return product(org, "Microsoft 365 Business Premium", code="M365BP")


def results(org, as_of=AS_OF, client_ids=None) -> dict[str, object]:
    """client label → product label → result, for client × product results."""
    found = {}
    for result in compute(org, as_of, client_ids).results:
        if result.scope == "product":
            found[(result.client_label, result.product_label)] = result
    return found


def only(org, as_of=AS_OF):
    (result,) = results(org, as_of).values()
    return result


def test_under_billed_by_a_few_seats_with_impact_per_month_at_the_invoice_price(org, m365):
    _, company, contact = client(org, "Acme Dental")
    subscription(org, company, m365, 10, price="25")
    invoice(org, contact, [("M365BP", 7, "30")])
    result = only(org)
    assert (result.kind, result.licensed, result.billed, result.gap) == ("under_billed", D(10), D(7), D(3))
    assert (result.unit_price, result.price_source, result.monthly_impact) == (D(30), "invoice", D("90.00"))
    assert result.severity == "low"
    assert "3 more" in result.suggested_action


def test_vendor_price_when_the_client_is_not_billed_for_the_product_at_all(org, m365):
    _, company, contact = client(org, "Acme Dental")
    subscription(org, company, m365, 20, price="30")
    invoice(org, contact, [("OTHER", 1, "100")])
    result = only(org)
    assert (result.kind, result.gap, result.price_source, result.monthly_impact) == (
        "under_billed",
        D(20),
        "vendor",
        D("600.00"),
    )
    assert result.severity == "high"


def test_matched_and_over_billed(org, m365):
    _, company, contact = client(org, "Acme Dental")
    subscription(org, company, m365, 10)
    invoice(org, contact, [("m365bp", 10, "20")])  # item codes compare case-insensitively
    assert only(org).kind == "matched"
    invoice(org, contact, [("M365BP", 2, "20")])
    result = only(org)
    assert (result.kind, result.billed, result.gap, result.monthly_impact) == ("over_billed", D(12), D(-2), D("40.00"))
    assert result.severity == "info"


def test_several_subscriptions_for_one_product_are_summed(org, m365):
    _, company, contact = client(org, "Acme Dental")
    subscription(org, company, m365, 3)
    subscription(org, company, m365, 4)
    invoice(org, contact, [("M365BP", 7, "20")])
    result = only(org)
    assert (result.kind, result.licensed) == ("matched", D(7))


def test_mid_month_changes_are_prorated_by_the_subscriptions_dates(org, m365):
    _, company, contact = client(org, "Acme Dental")
    # 10 seats until the 15th, then 14 seats from the 16th: 10×15/30 + 14×15/30 = 12 seat-months.
    subscription(org, company, m365, 10, status=SubscriptionStatus.CANCELLED, end_date=date(2026, 11, 15))
    subscription(org, company, m365, 14, start_date=date(2026, 11, 16))
    invoice(org, contact, [("M365BP", 12, "20")])
    result = only(org, as_of=date(2026, 11, 20))
    assert (result.kind, result.licensed) == ("matched", D(12))
    invoice(org, contact, [("M365BP", 2, "20")])  # billing the full new quantity is not over-billing
    assert only(org, as_of=date(2026, 11, 20)).kind == "matched"
    invoice(org, contact, [("M365BP", 1, "20")])
    result = only(org, as_of=date(2026, 11, 20))
    assert (result.kind, result.gap) == ("over_billed", D(-1))


def test_a_seat_added_mid_month_and_not_billed_is_under_billed_for_the_days_it_ran(org, m365):
    _, company, contact = client(org, "Acme Dental")
    subscription(org, company, m365, 10, start_date=date(2026, 10, 1))
    subscription(org, company, m365, 6, start_date=date(2026, 11, 21))  # 10 of 30 days
    invoice(org, contact, [("M365BP", 10, "20")])
    result = only(org, as_of=date(2026, 11, 25))
    assert (result.kind, result.licensed, result.gap, result.monthly_impact) == (
        "under_billed",
        D(12),
        D(2),
        D("40.00"),
    )


def test_an_annual_subscription_billed_once_a_year_is_matched(org, m365):
    _, company, contact = client(org, "Acme Dental")
    subscription(org, company, m365, 5, price="240", billing_term=BillingTerm.ANNUAL, start_date=date(2025, 3, 10))
    invoice(org, contact, [("M365BP", 5, "240")], issued=date(2026, 3, 10))
    result = only(org)
    assert (result.kind, result.term, result.licensed, result.billed) == ("matched", "annual", D(5), D(5))


def test_an_annual_term_not_billed_this_year_is_under_billed_per_month(org, m365):
    _, company, contact = client(org, "Acme Dental")
    subscription(org, company, m365, 5, price="240", billing_term=BillingTerm.ANNUAL, start_date=date(2024, 9, 1))
    invoice(org, contact, [("M365BP", 5, "240")], issued=date(2025, 9, 1))  # 14 months ago: last term's invoice
    result = only(org)
    assert (result.kind, result.gap, result.monthly_impact) == ("under_billed", D(5), D("100.00"))  # 5 × 240 / 12


def test_annual_paid_monthly_compares_with_this_months_invoice(org, m365):
    _, company, contact = client(org, "Acme Dental")
    subscription(org, company, m365, 8, billing_term=BillingTerm.ANNUAL_MONTHLY)
    invoice(org, contact, [("M365BP", 8, "20")], issued=date(2026, 10, 1))  # last month only
    result = only(org)
    assert (result.term, result.kind, result.gap) == ("monthly", "under_billed", D(8))


def test_trials_free_and_one_time_subscriptions_are_not_billable(org, m365):
    _, company, contact = client(org, "Acme Dental")
    subscription(org, company, m365, 25, status=SubscriptionStatus.TRIAL)
    subscription(org, company, m365, 3, price="0")  # free to client and MSP
    subscription(org, company, m365, 1, billing_term=BillingTerm.ONE_TIME)
    invoice(org, contact, [("OTHER", 1, "1")])
    assert results(org) == {}


def test_a_zero_price_subscription_that_costs_the_msp_is_still_billable_at_its_cost(org, m365):
    _, company, contact = client(org, "Acme Dental")
    subscription(org, company, m365, 2, price="0", unit_cost="12.50")
    invoice(org, contact, [("OTHER", 1, "1")])
    result = only(org)
    assert (result.kind, result.price_source, result.monthly_impact) == ("under_billed", "cost", D("25.00"))


def test_credit_notes_subtract_and_drafts_or_voided_invoices_do_not_count(org, m365):
    _, company, contact = client(org, "Acme Dental")
    subscription(org, company, m365, 10)
    invoice(org, contact, [("M365BP", 10, "20")])
    invoice(org, contact, [("M365BP", 2, "20")], kind=InvoiceKind.CREDIT_NOTE, issued=date(2026, 11, 9))
    invoice(org, contact, [("M365BP", 50, "20")], status=InvoiceStatus.DRAFT)
    invoice(org, contact, [("M365BP", 50, "20")], status=InvoiceStatus.VOIDED)
    result = only(org)
    assert (result.kind, result.billed, result.gap) == ("under_billed", D(8), D(2))


def test_a_line_description_pattern_maps_a_product(org):
    backup = product(org, "Cloud Backup 1TB", pattern="cloud backup")
    _, company, contact = client(org, "Acme Dental")
    subscription(org, company, backup, 3)
    invoice(org, contact, [("", 3, "50", "Cloud Backup 1TB – November")])
    assert only(org).kind == "matched"


def test_a_line_service_period_wins_over_its_invoice_date(org, m365):
    _, company, contact = client(org, "Acme Dental")
    subscription(org, company, m365, 4)
    row = invoice(org, contact, [("M365BP", 4, "20")], issued=date(2026, 10, 28))  # billed in advance for Nov
    row.lines.update(period_start=date(2026, 11, 1), period_end=date(2026, 11, 30))
    assert only(org).kind == "matched"


def test_two_accounting_providers_each_bill_their_own_clients(org, m365):
    connect(org, "quickbooks")
    _, acme, acme_xero = client(org, "Acme Dental", billing="xero")
    _, bolt, bolt_qbo = client(org, "Bolt Legal", billing="quickbooks")
    subscription(org, acme, m365, 5)
    subscription(org, bolt, m365, 9)
    invoice(org, acme_xero, [("M365BP", 5, "20")])
    invoice(org, bolt_qbo, [("M365BP", 6, "20")])
    found = results(org)
    assert found[("Acme Dental", m365.name)].kind == "matched"
    bolt_result = found[("Bolt Legal", m365.name)]
    assert (bolt_result.kind, bolt_result.gap, bolt_result.billing_sources) == ("under_billed", D(3), "quickbooks")


def test_a_stale_accounting_source_gives_no_data_for_its_clients_only(org, m365):
    connect(org, "quickbooks", synced_ago=timedelta(days=3))
    _, acme, acme_xero = client(org, "Acme Dental", billing="xero")
    _, bolt, bolt_qbo = client(org, "Bolt Legal", billing="quickbooks")
    subscription(org, acme, m365, 5)
    subscription(org, bolt, m365, 9)
    invoice(org, acme_xero, [("M365BP", 5, "20")])
    invoice(org, bolt_qbo, [("M365BP", 9, "20")])
    found = results(org)
    assert found[("Acme Dental", m365.name)].kind == "matched"
    assert found[("Bolt Legal", m365.name)].kind == "no_data"
    assert "older than its schedule allows" in found[("Bolt Legal", m365.name)].reason
    sources = {r.key: r for r in compute(org, AS_OF).results if r.scope == "source"}
    assert sources["source:quickbooks"].kind == "no_data"


def test_a_failing_source_with_old_data_is_stale_and_says_why(org, m365):
    qbo = connect(org, "quickbooks", synced_ago=timedelta(days=3))
    qbo.status, qbo.status_reason = "needs_attention", "Access was revoked in QuickBooks."
    qbo.save()
    _, bolt, bolt_qbo = client(org, "Bolt Legal", billing="quickbooks")
    subscription(org, bolt, m365, 9)
    invoice(org, bolt_qbo, [("M365BP", 9, "20")])
    result = results(org)[("Bolt Legal", m365.name)]
    assert result.kind == "no_data" and result.monthly_impact == 0
    assert "older than its schedule allows" in result.reason and "Access was revoked" in result.reason
    assert {c.source: c.state for c in compute(org, AS_OF).coverage}["quickbooks"] == "stale"


@pytest.mark.parametrize("how", ["empty", "failed", "disconnected", "never synced"])
def test_an_empty_or_failed_billing_source_is_no_data_never_matched_nor_a_phantom_leak(personas, how):
    org = personas.org_a
    connect(org, "pax8")
    if how == "failed":
        connect(org, "xero", status="error")
    elif how == "never synced":
        connect(org, "xero", synced=False)
    elif how == "empty":
        connect(org, "xero")
    else:
        connect(org, "xero", status="not_connected")
    m365 = product(org, "M365", code="M365")
    _, company, contact = client(org, "Acme Dental")
    subscription(org, company, m365, 40, price="30")
    if how != "empty":
        invoice(org, contact, [("M365", 40, "30")])
    result = only(org)
    assert (result.kind, result.monthly_impact) == ("no_data", D(0))
    source = next(r for r in compute(org, AS_OF).results if r.key == "source:xero")
    assert source.kind == "no_data" and source.queued


def test_no_accounting_integration_at_all_is_no_data(personas):
    org = personas.org_a
    connect(org, "pax8")
    m365 = product(org, "M365", code="M365")
    _, company, _ = client(org, "Acme Dental", billing=None)
    subscription(org, company, m365, 4)
    assert only(org).kind == "no_data"
    assert "source:billing" in {r.key for r in compute(org, AS_OF).results}


def test_an_empty_vendor_source_is_reported_not_called_clean(personas):
    org = personas.org_a
    connect(org, "pax8")
    connect(org, "xero")
    _, _, contact = client(org, "Acme Dental")
    invoice(org, contact, [("M365", 4, "20")])
    computed = compute(org, AS_OF).results
    assert [(r.key, r.kind) for r in computed] == [("source:pax8", "no_data")]


def test_unmapped_company_product_and_client_without_accounting_contact(org, m365):
    unmapped_product = product(org, "Firewall Pro")
    _, company, contact = client(org, "Acme Dental")
    _, lonely_company, _ = client(org, "Cedar Clinic", billing=None)
    stray = customer(org, "pax8", "Stray Pty Ltd")
    subscription(org, company, unmapped_product, 2, price="100")
    subscription(org, lonely_company, m365, 1)
    subscription(org, stray, m365, 3)
    invoice(org, contact, [("M365BP", 1, "20")])
    found = results(org)
    product_unmapped = found[("Acme Dental", "Firewall Pro")]
    assert (product_unmapped.kind, product_unmapped.monthly_impact, product_unmapped.severity) == (
        "unmapped",
        D("200.00"),
        "medium",
    )
    assert "Products page" in product_unmapped.suggested_action
    assert "accounting contact" in found[("Cedar Clinic", m365.name)].reason
    stray_result = found[("Stray Pty Ltd", m365.name)]
    assert (stray_result.kind, stray_result.client_id, stray_result.customer_id) == ("unmapped", None, stray.pk)
    assert "Clients page" in stray_result.suggested_action


def test_products_sharing_an_item_code_share_its_billed_quantity(org):
    monthly = product(org, "M365 E3 (monthly)", code="E3")
    annual_sku = product(org, "M365 E3 (NCE)", code="E3")
    _, company, contact = client(org, "Acme Dental")
    subscription(org, company, monthly, 4)
    subscription(org, company, annual_sku, 6)
    invoice(org, contact, [("E3", 10, "20")])
    found = results(org)
    assert {r.kind for r in found.values()} == {"matched"}


def test_one_client_only_run_reads_that_client(org, m365):
    acme, acme_co, acme_xero = client(org, "Acme Dental")
    _, bolt_co, _ = client(org, "Bolt Legal")
    subscription(org, acme_co, m365, 5)
    subscription(org, bolt_co, m365, 5)
    invoice(org, acme_xero, [("M365BP", 5, "20")])
    found = results(org, client_ids=[acme.pk])
    assert list(found) == [("Acme Dental", m365.name)]


def test_org_b_runs_see_nothing_of_org_a(org, m365, personas):
    _, company, _ = client(org, "Acme Dental")
    subscription(org, company, m365, 5)
    reconcile_organization(org, "test", as_of=AS_OF)
    reconcile_organization(personas.org_b, "test", as_of=AS_OF)
    assert not Finding.objects.filter(organization=personas.org_b, scope="product").exists()
    assert Finding.objects.filter(organization=org, scope="product").count() == 1
