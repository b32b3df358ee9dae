"""Read-side queries over synced billing data, shared by the web pages and the API."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from billingone.billing.models import Pax8Subscription

STATUS_FILTERS = {choice.value for choice in Pax8Subscription.Display} | {"removed"}


def subscriptions(organization, *, q: str = "", status: str = "") -> QuerySet[Pax8Subscription]:
    """The organization's Pax8 subscriptions, searched by client, product or subscription ID.

    Rows Pax8 no longer returns (removed) show only under the "removed" filter."""
    rows = Pax8Subscription.objects.filter(organization=organization).select_related("company", "product")
    rows = rows.filter(removed_at__isnull=False) if status == "removed" else rows.filter(removed_at__isnull=True)
    if status and status != "removed":
        rows = rows.filter(status=status)
    q = q.strip()
    if q:
        rows = rows.filter(
            Q(company__name__icontains=q)
            | Q(product_name__icontains=q)
            | Q(product__vendor_name__icontains=q)
            | Q(pax8_id__icontains=q)
            | Q(vendor_subscription_id__icontains=q)
        )
    return rows.order_by(F("company__name").asc(nulls_last=True), "product_name", "pax8_id")


def quantity_text(value) -> str:
    return str(int(value)) if value == value.to_integral_value() else str(value)


def subscription_payload(row: Pax8Subscription) -> dict:
    return {
        "id": row.pax8_id,
        "client": row.company.name if row.company else None,
        "company_id": row.company_pax8_id,
        "product": row.product_name,
        "vendor": row.product.vendor_name if row.product else None,
        "quantity": quantity_text(row.quantity),
        "unit_price": str(row.price),
        "total": str((row.quantity * row.price).quantize(row.price)),
        "currency": row.currency_code,
        "billing_term": row.billing_term,
        "status": row.status,
        "pax8_status": row.pax8_status,
        "start_date": row.start_date,
        "end_date": row.end_date,
        "removed": row.removed_at is not None,
        "synced_at": row.synced_at,
    }
