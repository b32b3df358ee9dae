"""Small billing worlds built with the ORM: connected sources, clients, products, subscriptions, invoices."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from billingone.billing.models import (
    Client,
    Customer,
    Invoice,
    InvoiceLine,
    Product,
    ProductItemMapping,
    Subscription,
)
from billingone.integrations.models import Connection, SyncRun

AS_OF = date(2026, 11, 15)  # November 2026 has 30 days


def connect(org, provider: str, *, synced_ago=timedelta(minutes=5), status="connected", synced=True) -> Connection:
    connection = Connection.objects.create(organization=org, provider=provider, status=status)
    connection.set_credentials({"client_secret": "s3cret"})
    connection.save()
    if synced:
        finished = timezone.now() - synced_ago
        SyncRun.objects.create(
            organization=org,
            connection=connection,
            provider=provider,
            trigger="schedule",
            status="succeeded",
            queued_at=finished,
            started_at=finished,
            finished_at=finished,
        )
    return connection


def customer(org, source: str, name: str, client: Client | None = None) -> Customer:
    return Customer.objects.create(
        organization=org, source=source, external_id=f"{source}-{name}", name=name, client=client, fingerprint="x"
    )


def client(org, name: str, *, vendor: str = "pax8", billing: str | None = "xero") -> tuple[Client, Customer, Customer]:
    """A client linked to its vendor company and (unless billing=None) its accounting contact."""
    row = Client.objects.create(organization=org, name=name)
    company = customer(org, vendor, name, row)
    contact = customer(org, billing, name, row) if billing else None
    return row, company, contact


def product(org, name: str, *, code: str = "", pattern: str = "", confirmed: bool = True, source="pax8") -> Product:
    row = Product.objects.create(organization=org, source=source, external_id=f"p-{name}", name=name, fingerprint="x")
    if code or pattern:
        ProductItemMapping.objects.create(
            organization=org, product=row, item_code=code, description_pattern=pattern, confirmed=confirmed
        )
    return row


_counter = iter(range(1, 10**9))


def subscription(
    org, company: Customer, product: Product, quantity, price="20", currency="AUD", **extra
) -> Subscription:
    return Subscription.objects.create(
        organization=org,
        source=company.source,
        external_id=f"s-{next(_counter)}",
        customer=company,
        product=product,
        product_name=product.name if product else extra.pop("product_name", ""),
        quantity=Decimal(str(quantity)),
        unit_price=None if price is None else Decimal(str(price)),
        currency=currency,
        fingerprint="x",
        **extra,
    )


FIRST_OF_MONTH = AS_OF.replace(day=1)


def invoice(org, contact: Customer, lines, *, issued: date = FIRST_OF_MONTH, **extra) -> Invoice:
    """lines: (item_code, quantity, unit_price[, description])."""
    row = Invoice.objects.create(
        organization=org,
        source=contact.source,
        external_id=f"i-{next(_counter)}",
        customer=contact,
        number=f"INV-{next(_counter)}",
        issue_date=issued,
        currency="AUD",
        fingerprint="x",
        **extra,
    )
    for position, (code, quantity, price, *description) in enumerate(lines):
        InvoiceLine.objects.create(
            organization=org,
            invoice=row,
            position=position,
            item_code=code,
            description=description[0] if description else code,
            quantity=Decimal(str(quantity)),
            unit_price=Decimal(str(price)),
            amount=Decimal(str(quantity)) * Decimal(str(price)),
        )
    return row
