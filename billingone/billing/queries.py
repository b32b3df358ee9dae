"""Read-side queries over the neutral billing model, shared by the web pages and the API.

Every list is one ordered, organization-scoped queryset (paginated by the caller) with the
rows it shows joined in, so a page costs the same few queries at 10 rows or 100,000.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from billingone.billing.models import Client, ClientLink, Invoice, Subscription, invoice_status_filter
from billingone.integrations.records import InvoiceStatus, SubscriptionStatus

SUBSCRIPTION_STATUSES = {status.value for status in SubscriptionStatus} | {"removed"}
INVOICE_STATUSES = {status.value for status in InvoiceStatus}
LINKED_FILTERS = {"yes", "no", "suggested"}
AMOUNT = re.compile(r"^\$?\s*-?[\d,]+(\.\d{1,2})?$")


def parse_amount(text: str) -> Decimal | None:
    """ "1,234.50", "$99" → Decimal; anything else is not an amount."""
    if not AMOUNT.match(text.strip()):
        return None
    try:
        return Decimal(text.strip().lstrip("$").replace(",", "").strip())
    except InvalidOperation:
        return None


def subscriptions(organization, *, q: str = "", status: str = "", source: str = "") -> QuerySet[Subscription]:
    """Vendor subscriptions, searched by client, product or id. Rows a provider no longer
    returns (removed) show only under the "removed" filter."""
    rows = Subscription.objects.filter(organization=organization).select_related("customer", "product")
    rows = rows.filter(removed_at__isnull=False) if status == "removed" else rows.filter(removed_at__isnull=True)
    if status and status != "removed":
        rows = rows.filter(status=status)
    if source:
        rows = rows.filter(source=source)
    q = q.strip()
    if q:
        rows = rows.filter(
            Q(customer__name__icontains=q)
            | Q(product_name__icontains=q)
            | Q(name__icontains=q)
            | Q(product__vendor__icontains=q)
            | Q(external_id__icontains=q)
        )
    return rows.order_by(F("customer__name").asc(nulls_last=True), "product_name", "pk")


def quantity_text(value) -> str:
    return str(int(value)) if value == value.to_integral_value() else str(value.normalize())


def money_text(value) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def subscription_payload(row: Subscription) -> dict:
    return {
        "id": str(row.pk),
        "external_id": row.external_id,
        "source": row.source,
        "client": row.customer.name if row.customer else None,
        "product": row.product_name or row.name,
        "vendor": row.product.vendor if row.product else None,
        "kind": row.kind,
        "quantity": quantity_text(row.quantity),
        "unit_price": money_text(row.unit_price),
        "currency": row.currency,
        "billing_term": row.billing_term,
        "status": row.status,
        "source_status": row.source_status,
        "start_date": row.start_date,
        "end_date": row.end_date,
        "renews_on": row.renews_on,
        "removed": row.removed_at is not None,
    }


def invoices(
    organization, *, q: str = "", status: str = "", source: str = "", today: date | None = None
) -> QuerySet[Invoice]:
    """Live (not removed) sales invoices from every accounting source, by number, client or amount."""
    today = today or timezone.localdate()
    rows = Invoice.objects.filter(organization=organization, removed_at__isnull=True).select_related("customer")
    if status:
        rows = rows.filter(invoice_status_filter(status, today))
    if source:
        rows = rows.filter(source=source)
    q = q.strip()
    if q:
        match = Q(number__icontains=q) | Q(customer_name__icontains=q) | Q(customer__name__icontains=q)
        match |= Q(reference__icontains=q)
        amount = parse_amount(q)
        if amount is not None:
            match |= Q(total=amount) | Q(amount_due=amount) | Q(subtotal=amount)
        rows = rows.filter(match)
    return rows.order_by("-issue_date", "-number", "pk")


def invoice_summary(organization, today: date | None = None, source: str = "") -> dict:
    """The four cards: Paid this month, Outstanding, Draft, Overdue (one query)."""
    today = today or timezone.localdate()
    month_start = today.replace(day=1)
    live = Invoice.objects.filter(organization=organization, removed_at__isnull=True)
    live = live.filter(source=source) if source else live
    paid = Q(status=InvoiceStatus.PAID, paid_on__gte=month_start, paid_on__lte=today)
    outstanding = Q(status__in=[InvoiceStatus.SUBMITTED, InvoiceStatus.OVERDUE])
    draft = Q(status=InvoiceStatus.DRAFT)
    overdue = invoice_status_filter(InvoiceStatus.OVERDUE, today)
    totals = live.aggregate(
        paid_sum=Sum("total", filter=paid, default=0),
        paid_count=Count("pk", filter=paid),
        outstanding_sum=Sum("amount_due", filter=outstanding, default=0),
        outstanding_count=Count("pk", filter=outstanding),
        draft_sum=Sum("total", filter=draft, default=0),
        draft_count=Count("pk", filter=draft),
        overdue_sum=Sum("amount_due", filter=overdue, default=0),
        overdue_count=Count("pk", filter=overdue),
    )
    currencies = list(live.order_by().values_list("currency", flat=True).distinct()[:2])
    return {
        "currency": currencies[0] if len(currencies) == 1 else "",
        "cards": [
            _card("paid", "Paid this month", totals["paid_sum"], totals["paid_count"]),
            _card("outstanding", "Outstanding", totals["outstanding_sum"], totals["outstanding_count"]),
            _card("draft", "Draft", totals["draft_sum"], totals["draft_count"]),
            _card("overdue", "Overdue", totals["overdue_sum"], totals["overdue_count"]),
        ],
    }


def _card(key: str, label: str, amount, count: int) -> dict:
    return {"key": key, "label": label, "amount": Decimal(amount or 0).quantize(Decimal("0.01")), "count": count}


def invoice_payload(row: Invoice, today: date | None = None) -> dict:
    return {
        "id": str(row.pk),
        "external_id": row.external_id,
        "source": row.source,
        "number": row.number,
        "reference": row.reference,
        "client": row.customer.name if row.customer else row.customer_name,
        "status": row.display_status(today),
        "source_status": row.source_status,
        "issue_date": row.issue_date,
        "due_date": row.due_date,
        "currency": row.currency,
        "total": money_text(row.total),
        "amount_due": money_text(row.amount_due),
        "url": row.url,
    }


def line_payload(line) -> dict:
    return {
        "description": line.description,
        "item_code": line.item_code,
        "quantity": quantity_text(line.quantity),
        "unit_price": money_text(line.unit_price),
        "amount": money_text(line.amount),
        "tax": money_text(line.tax),
    }


def clients(organization, *, q: str = "", linked: str = "") -> QuerySet[Client]:
    """Canonical clients with their links (customers per provider) in two queries per page."""
    links = ClientLink.objects.exclude(state=ClientLink.State.REJECTED).select_related("customer")
    rows = Client.objects.filter(organization=organization).prefetch_related(
        Prefetch("links", queryset=links.order_by("customer__source", "-state", "-confidence"), to_attr="shown_links")
    )
    q = q.strip()
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(links__customer__name__icontains=q)).distinct()
    vendor_confirmed = ClientLink.objects.filter(organization=organization, state=ClientLink.State.CONFIRMED)
    if linked == "suggested":
        rows = rows.filter(
            pk__in=ClientLink.objects.filter(organization=organization, state="suggested").values("client_id")
        )
    elif linked in ("yes", "no"):
        several = vendor_confirmed.values("client_id").annotate(n=Count("pk")).filter(n__gt=1).values("client_id")
        rows = rows.filter(pk__in=several) if linked == "yes" else rows.exclude(pk__in=several)
    return rows.order_by("name", "pk")


def link_payload(link: ClientLink) -> dict:
    return {
        "id": str(link.pk),
        "source": link.customer.source,
        "customer": {"id": link.customer.external_id, "name": link.customer.name},
        "state": link.state,
        "confidence": link.confidence,
        "reason": link.reason,
    }


def client_payload(row: Client) -> dict:
    return {"id": str(row.pk), "name": row.name, "links": [link_payload(link) for link in row.shown_links]}


def unlinked_customers(organization, *, q: str = "", source: str = "") -> QuerySet:
    """Live customers no client is confirmed for, each with its pending suggestions."""
    from billingone.billing.models import Customer

    suggestions = ClientLink.objects.filter(state=ClientLink.State.SUGGESTED).select_related("client")
    rows = Customer.objects.filter(organization=organization, client__isnull=True, removed_at__isnull=True)
    rows = rows.filter(is_client=True).prefetch_related(
        Prefetch("links", queryset=suggestions.order_by("-confidence", "pk"), to_attr="suggestions")
    )
    if source:
        rows = rows.filter(source=source)
    if q.strip():
        rows = rows.filter(name__icontains=q.strip())
    return rows.order_by("name", "pk")


def customer_payload(row) -> dict:
    return {
        "id": str(row.pk),
        "source": row.source,
        "external_id": row.external_id,
        "name": row.name,
        "suggestions": [
            {
                "link_id": str(link.pk),
                "client": {"id": str(link.client_id), "name": link.client.name},
                "confidence": link.confidence,
                "reason": link.reason,
            }
            for link in row.suggestions
        ],
    }
