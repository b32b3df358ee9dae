"""Read side of payment links (the neutral PaymentLink rows a payments provider syncs), shared
by the Payment links page and the API: search, filters, and the API.md payload."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q, QuerySet

from billingone.billing.models import PaymentLink

STATE_FILTERS = {
    "active": Q(active=True),
    "inactive": Q(active=False),
    "paid": Q(paid_count__gt=0),
    "unpaid": Q(paid_count=0),
}
STATE_CHOICES = [
    ("active", "Active"),
    ("inactive", "Inactive"),
    ("paid", "Paid at least once"),
    ("unpaid", "Never paid"),
]
CENT = Decimal("0.01")


def payment_links(organization, *, q: str = "", state: str = "") -> QuerySet[PaymentLink]:
    """The organization's payment links (not those the provider no longer lists), searched by
    client, description, link id or URL; newest payment first within a client."""
    rows = PaymentLink.objects.filter(organization=organization, removed_at__isnull=True)
    rows = rows.select_related("customer__client")
    if state in STATE_FILTERS:
        rows = rows.filter(STATE_FILTERS[state])
    q = q.strip()
    if q:
        rows = rows.filter(
            Q(client_name__icontains=q)
            | Q(customer__client__name__icontains=q)
            | Q(description__icontains=q)
            | Q(external_id__icontains=q)
            | Q(url__icontains=q)
        )
    return rows.order_by("client_name", "-active", "description", "pk")


def client_of(row: PaymentLink) -> str:
    """The canonical client when the link's customer is matched to one, else the name the link
    carries (its metadata)."""
    if row.customer_id and row.customer.client_id:
        return row.customer.client.name
    return row.client_name


def amount_text(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount.quantize(CENT))


def payment_link_payload(row: PaymentLink) -> dict:
    return {
        "id": row.external_id,
        "client": client_of(row) or None,
        "description": row.description,
        "amount": amount_text(row.amount),
        "currency": row.currency,
        "active": row.active,
        "url": row.url,
        "paid_count": row.paid_count,
        "last_paid_at": row.last_paid_at,
    }
