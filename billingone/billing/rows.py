"""Neutral records → column values of the neutral tables (what store.py writes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from billingone.billing.models import Customer, Product
from billingone.billing.names import domains_of, normalise
from billingone.integrations.records import (
    CustomerRecord,
    InvoiceRecord,
    ItemRecord,
    Kind,
    PaymentLinkRecord,
    ProductRecord,
    Record,
    SubscriptionRecord,
)


@dataclass
class References:
    """external id → primary key of the customers and products a batch names (one query each)."""

    customers: dict[str, int] = field(default_factory=dict)
    products: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, organization, source: str, kind: Kind, records: Sequence[Record]) -> References:
        refs = cls()
        if kind in (Kind.SUBSCRIPTION, Kind.INVOICE, Kind.PAYMENT_LINK):
            wanted = {r.customer_id for r in records if r.customer_id}
            refs.customers = _ids(Customer, organization, source, wanted)
        if kind is Kind.SUBSCRIPTION:
            refs.products = _ids(Product, organization, source, {r.product_id for r in records if r.product_id})
        return refs


def _ids(model, organization, source: str, wanted: set[str]) -> dict[str, int]:
    if not wanted:
        return {}
    found = model.objects.filter(organization=organization, source=source, external_id__any_of=wanted)
    return dict(found.values_list("external_id", "pk"))


def cut(value: str, limit: int) -> str:
    return (value or "")[:limit]


def convert(kind: Kind, record: Record, refs: References) -> tuple[dict, list[dict]]:
    """(row values, line values) for one record."""
    return CONVERTERS[kind](record, refs)


def customer(r: CustomerRecord, refs: References) -> tuple[dict, list[dict]]:
    domains = domains_of(email=r.email, website=r.website, extra=r.domains)
    return {
        "external_id": r.external_id,
        "name": cut(r.name, 255) or "(unnamed)",
        "normalized_name": normalise(r.name),
        "email": cut(r.email, 255),
        "website": cut(r.website, 255),
        "domains": cut(" ".join(domains), 500),
        "active": r.active,
        "is_client": r.is_client,
        "updated_at": r.updated_at,
        "source_status": cut(r.source_status, 40),
    }, []


def product(r: ProductRecord, refs: References) -> tuple[dict, list[dict]]:
    return {
        "external_id": r.external_id,
        "name": cut(r.name, 255) or "(unnamed product)",
        "vendor": cut(r.vendor, 255),
        "sku": cut(r.sku, 100),
        "kind": str(r.kind),
        "description": cut(r.description, 500),
        "requires_commitment": r.requires_commitment,
        "source_status": "",
    }, []


def item(r: ItemRecord, refs: References) -> tuple[dict, list[dict]]:
    return {
        "external_id": r.external_id,
        "code": cut(r.code, 100),
        "name": cut(r.name, 255),
        "description": cut(r.description, 500),
        "unit_price": r.unit_price,
        "active": r.active,
        "source_status": "",
    }, []


def subscription(r: SubscriptionRecord, refs: References) -> tuple[dict, list[dict]]:
    return {
        "external_id": r.external_id,
        "customer_id": refs.customers.get(r.customer_id),
        "customer_external_id": cut(r.customer_id, 128),
        "product_id": refs.products.get(r.product_id),
        "product_external_id": cut(r.product_id, 128),
        "product_name": cut(r.product_name, 255),
        "name": cut(r.name, 255),
        "kind": str(r.kind),
        "quantity": r.quantity,
        "unit_price": r.unit_price,
        "unit_cost": r.unit_cost,
        "currency": cut(r.currency, 3).upper(),
        "billing_term": str(r.billing_term),
        "source_term": cut(r.source_term, 30),
        "status": str(r.status),
        "source_status": cut(r.source_status, 40),
        "start_date": r.start_date,
        "end_date": r.end_date,
        "renews_on": r.renews_on,
        "auto_renew": r.auto_renew,
        "plan": cut(r.plan, 100),
        "updated_at": r.updated_at,
    }, []


def invoice(r: InvoiceRecord, refs: References) -> tuple[dict, list[dict]]:
    lines = [
        {
            "position": position,
            "external_id": cut(line.external_id, 128),
            "item_code": cut(line.item_code, 100),
            "item_external_id": cut(line.item_id, 128),
            "description": line.description or "",
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "amount": line.amount,
            "tax": line.tax,
            "period_start": line.period_start,
            "period_end": line.period_end,
        }
        for position, line in enumerate(r.lines)
    ]
    return {
        "external_id": r.external_id,
        "customer_id": refs.customers.get(r.customer_id),
        "customer_external_id": cut(r.customer_id, 128),
        "customer_name": cut(r.customer_name, 255),
        "number": cut(r.number, 255),
        "reference": cut(r.reference, 255),
        "kind": str(r.kind),
        "status": str(r.status),
        "source_status": cut(r.source_status, 40),
        "issue_date": r.issue_date,
        "due_date": r.due_date,
        "paid_on": r.paid_on,
        "currency": cut(r.currency, 3).upper(),
        "subtotal": r.subtotal,
        "tax": r.tax,
        "total": r.total,
        "amount_due": r.amount_due,
        "amount_paid": r.amount_paid,
        "url": cut(r.url, 500),
        "updated_at": r.updated_at,
    }, lines


def payment_link(r: PaymentLinkRecord, refs: References) -> tuple[dict, list[dict]]:
    lines = [
        {
            "position": position,
            "description": cut(line.description, 500),
            "quantity": line.quantity,
            "unit_amount": line.unit_amount,
            "amount": line.amount,
            "currency": cut(line.currency, 3).upper(),
            "price_id": cut(line.price_id, 128),
        }
        for position, line in enumerate(r.lines)
    ]
    return {
        "external_id": r.external_id,
        "customer_id": refs.customers.get(r.customer_id),
        "customer_external_id": cut(r.customer_id, 128),
        "client_name": cut(r.client_name, 255),
        "description": cut(r.description, 500),
        "amount": r.amount,
        "currency": cut(r.currency, 3).upper(),
        "active": r.active,
        "url": cut(r.url, 500),
        "paid_count": r.paid_count,
        "last_paid_at": r.last_paid_at,
        "source_status": cut(r.source_status, 40),
        "updated_at": r.updated_at,
    }, lines


CONVERTERS = {
    Kind.CUSTOMER: customer,
    Kind.PRODUCT: product,
    Kind.ITEM: item,
    Kind.SUBSCRIPTION: subscription,
    Kind.INVOICE: invoice,
    Kind.PAYMENT_LINK: payment_link,
}
