"""Read-side of the Invoices page and API: search, status filter, summary cards, payloads."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from billingone.billing.xero_models import InvoiceStatus, XeroInvoice, status_filter

STATUS_FILTERS = {choice.value for choice in InvoiceStatus}
AMOUNT = re.compile(r"^\$?\s*-?[\d,]+(\.\d{1,2})?$")


def parse_amount(text: str) -> Decimal | None:
    """ "1,234.50", "$99" → Decimal; anything else is not an amount."""
    if not AMOUNT.match(text.strip()):
        return None
    try:
        return Decimal(text.strip().lstrip("$").replace(",", "").strip())
    except InvalidOperation:
        return None


def invoices(organization, *, q: str = "", status: str = "", today: date | None = None) -> QuerySet[XeroInvoice]:
    """Live (not removed) sales invoices, searched by number, client or amount."""
    today = today or timezone.localdate()
    rows = XeroInvoice.objects.filter(organization=organization, removed_at__isnull=True).select_related("contact")
    if status:
        rows = rows.filter(status_filter(status, today))
    q = q.strip()
    if q:
        match = Q(number__icontains=q) | Q(contact_name__icontains=q) | Q(contact__name__icontains=q)
        match |= Q(reference__icontains=q)
        amount = parse_amount(q)
        if amount is not None:
            match |= Q(total=amount) | Q(amount_due=amount) | Q(subtotal=amount)
        rows = rows.filter(match)
    return rows.order_by("-issue_date", "-number", "pk")


def summary(organization, today: date | None = None) -> dict:
    """The four cards: Paid this month, Outstanding, Draft, Overdue (one query)."""
    today = today or timezone.localdate()
    month_start = today.replace(day=1)
    live = XeroInvoice.objects.filter(organization=organization, removed_at__isnull=True)
    paid = Q(xero_status="PAID", fully_paid_on__gte=month_start, fully_paid_on__lte=today)
    outstanding = Q(xero_status__in=["AUTHORISED", "SUBMITTED"])
    draft = Q(xero_status="DRAFT")
    overdue = status_filter(InvoiceStatus.OVERDUE, today)
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


def invoice_payload(row: XeroInvoice, today: date | None = None) -> dict:
    return {
        "id": row.xero_id,
        "number": row.number,
        "reference": row.reference,
        "client": row.contact.name if row.contact else row.contact_name,
        "contact_id": row.contact_xero_id,
        "issue_date": row.issue_date,
        "due_date": row.due_date,
        "total": str(row.total),
        "amount_due": str(row.amount_due),
        "currency": row.currency,
        "status": row.display_status(today).value,
        "xero_status": row.xero_status,
        "source": "xero",
        "xero_url": row.xero_url,
        "updated_at": row.updated_utc,
    }
