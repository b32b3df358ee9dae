"""The per-provider tables migrate into the neutral model with nothing lost: row counts and
money totals match, lines stay with their invoices, confirmed mappings become confirmed links."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from billingone.testing.migrations import migrate

BEFORE = [("billing", "0002_xero")]
AFTER = [("billing", "0005_drop_legacy_tables")]


def seed_legacy(apps, user_pk: int, org_pk: int) -> dict:
    get = lambda name: apps.get_model("billing", name)  # noqa: E731
    company = get("Pax8Company").objects.create(
        organization_id=org_pk, pax8_id="c1", name="Cedar Dental Pty Ltd", website="cedardental.com.au", fingerprint="x"
    )
    get("Pax8Company").objects.create(organization_id=org_pk, pax8_id="c2", name="Harbor Legal", fingerprint="x")
    product = get("Pax8Product").objects.create(organization_id=org_pk, pax8_id="p1", name="M365 BB", fingerprint="x")
    for i, (quantity, price) in enumerate([("10", "8.20"), ("3", "22.00"), ("1.5", "4.10")]):
        get("Pax8Subscription").objects.create(
            organization_id=org_pk,
            pax8_id=f"s{i}",
            company=company,
            product=product,
            company_pax8_id="c1",
            product_pax8_id="p1",
            product_name="M365 BB",
            quantity=Decimal(quantity),
            price=Decimal(price),
            billing_term="Annual" if i == 1 else "Monthly",
            pax8_status="Active",
            status="active",
            fingerprint="x",
        )
    contact = get("XeroContact").objects.create(
        organization_id=org_pk,
        xero_id="x1",
        name="CEDAR DENTAL",
        email="a@cedardental.com.au",
        is_customer=True,
        fingerprint="x",
    )
    get("XeroContact").objects.create(
        organization_id=org_pk, xero_id="x2", name="Paper Supplies", is_supplier=True, fingerprint="x"
    )
    for n, (status, total) in enumerate([("AUTHORISED", "120.50"), ("PAID", "300.00"), ("VOIDED", "10.00")]):
        invoice = get("XeroInvoice").objects.create(
            organization_id=org_pk,
            xero_id=f"i{n}",
            contact=contact,
            contact_xero_id="x1",
            number=f"INV-{n}",
            xero_status=status,
            total=Decimal(total),
            amount_due=Decimal(total),
            currency="AUD",
            fingerprint="x",
        )
        for position in range(2):
            get("XeroLineItem").objects.create(
                organization_id=org_pk,
                invoice=invoice,
                position=position,
                item_code="M365-BB",
                quantity=Decimal(5),
                unit_amount=Decimal("8.20"),
                line_amount=Decimal("41.00"),
            )
    get("ClientMapping").objects.create(
        organization_id=org_pk,
        company=company,
        contact=contact,
        state="confirmed",
        confidence=100,
        reason="Same name",
        confirmed_by_id=user_pk,
        confirmed_at=timezone.now(),
    )
    return {"subscription_total": Decimal("82.00") + Decimal("66.00") + Decimal("6.15")}


@pytest.mark.django_db(transaction=True)
def test_legacy_rows_arrive_in_the_neutral_model_with_nothing_lost(personas, back_to_latest):
    org, owner = personas.org_a, personas.alice
    old = migrate(BEFORE)
    expected = seed_legacy(old, owner.pk, org.pk)
    new = migrate(AFTER)
    get = lambda name: new.get_model("billing", name)  # noqa: E731
    Customer, Subscription, Invoice = get("Customer"), get("Subscription"), get("Invoice")
    assert Customer.objects.filter(source="pax8").count() == 2 and Customer.objects.filter(source="xero").count() == 2
    assert get("Product").objects.filter(source="pax8").count() == 1
    subscriptions = Subscription.objects.filter(organization_id=org.pk, source="pax8")
    assert subscriptions.count() == 3
    total = sum(row.quantity * row.unit_price for row in subscriptions)
    assert total.quantize(Decimal("0.01")) == expected["subscription_total"]
    assert set(subscriptions.values_list("billing_term", flat=True)) == {"monthly", "annual"}
    assert all(row.customer_id and row.product_id for row in subscriptions)
    invoices = Invoice.objects.filter(source="xero")
    assert invoices.count() == 3 and invoices.aggregate(t=Sum("total"))["t"] == Decimal("430.50")
    assert set(invoices.values_list("status", flat=True)) == {"submitted", "paid", "voided"}
    assert get("InvoiceLine").objects.count() == 6
    assert get("InvoiceLine").objects.aggregate(t=Sum("amount"))["t"] == Decimal("246.00")
    clients = get("Client").objects.filter(organization_id=org.pk)
    assert list(clients.values_list("name", flat=True)) == ["CEDAR DENTAL"]  # suppliers are not clients
    cedar_company = Customer.objects.get(source="pax8", external_id="c1")
    link = get("ClientLink").objects.get(customer=cedar_company)
    assert (link.state, link.decided_by_id, link.client_id) == ("confirmed", owner.pk, clients.get().pk)
    assert cedar_company.client_id == clients.get().pk
