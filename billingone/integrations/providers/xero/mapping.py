"""Xero's JSON (specs/xero field names) → neutral records: MS-JSON dates, money as Decimal."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.conf import settings

from billingone.integrations.base import UnexpectedAnswer
from billingone.integrations.records import CustomerRecord, InvoiceLineRecord, InvoiceRecord, InvoiceStatus

MS_DATE = re.compile(r"^/Date\((-?\d+)(?:[+-]\d{4})?\)/$")
# AUTHORISED is awaiting payment: "submitted" here, "overdue" once past its due date (read time).
STATUS = {
    "DRAFT": InvoiceStatus.DRAFT,
    "SUBMITTED": InvoiceStatus.SUBMITTED,
    "AUTHORISED": InvoiceStatus.SUBMITTED,
    "PAID": InvoiceStatus.PAID,
    "VOIDED": InvoiceStatus.VOIDED,
    "DELETED": InvoiceStatus.VOIDED,
}


def parse_datetime(value) -> datetime | None:
    """Xero's "/Date(1539993600000+0000)/" (milliseconds since the epoch, UTC) or ISO 8601."""
    if not value:
        return None
    match = MS_DATE.match(str(value))
    if match:
        return datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise UnexpectedAnswer(f"Xero sent a date BillingOne cannot read: {str(value)[:40]}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_date(value) -> date | None:
    moment = parse_datetime(value)
    return moment.date() if moment else None


def money(value, places: str = "0.01") -> Decimal:
    try:
        return Decimal(str(value if value is not None else 0)).quantize(Decimal(places))
    except InvalidOperation:
        raise UnexpectedAnswer(f"Xero sent an amount BillingOne cannot read: {str(value)[:20]}") from None


def invoice_url(invoice_id: str) -> str:
    query = urlencode({"InvoiceID": invoice_id})  # an id from the provider: never trusted raw
    return f"{settings.XERO_WEB_URL.rstrip('/')}/AccountsReceivable/View.aspx?{query}"


def contact(item: dict) -> CustomerRecord:
    try:
        supplier_only = bool(item.get("IsSupplier")) and not item.get("IsCustomer")
        return CustomerRecord(
            external_id=item["ContactID"],
            name=(item.get("Name") or "")[:255],
            email=(item.get("EmailAddress") or "")[:255],
            website=(item.get("Website") or "")[:255],
            source_status=item.get("ContactStatus") or "",
            active=(item.get("ContactStatus") or "ACTIVE") == "ACTIVE",
            is_client=not supplier_only,
            updated_at=parse_datetime(item.get("UpdatedDateUTC")),
        )
    except (KeyError, TypeError, AttributeError):
        raise UnexpectedAnswer("Xero sent a contact without its ContactID.") from None


def invoice(item: dict) -> InvoiceRecord:
    try:
        who = item.get("Contact") or {}
        status = item.get("Status") or ""
        return InvoiceRecord(
            external_id=item["InvoiceID"],
            customer_id=who.get("ContactID") or "",
            customer_name=(who.get("Name") or "")[:255],
            number=(item.get("InvoiceNumber") or "")[:255],
            reference=(item.get("Reference") or "")[:255],
            status=STATUS.get(status, InvoiceStatus.VOIDED),
            source_status=status,
            issue_date=parse_date(item.get("Date")),
            due_date=parse_date(item.get("DueDate")),
            paid_on=parse_date(item.get("FullyPaidOnDate")),
            currency=item.get("CurrencyCode") or "",
            subtotal=money(item.get("SubTotal")),
            tax=money(item.get("TotalTax")),
            total=money(item.get("Total")),
            amount_due=money(item.get("AmountDue")),
            amount_paid=money(item.get("AmountPaid")),
            url=invoice_url(item["InvoiceID"]),
            updated_at=parse_datetime(item.get("UpdatedDateUTC")),
            lines=tuple(line(entry) for entry in item.get("LineItems") or []),
        )
    except (KeyError, TypeError, AttributeError):
        raise UnexpectedAnswer("Xero sent an invoice without its InvoiceID.") from None


def line(entry: dict) -> InvoiceLineRecord:
    return InvoiceLineRecord(
        external_id=entry.get("LineItemID") or "",
        description=entry.get("Description") or "",
        item_code=(entry.get("ItemCode") or "")[:100],
        quantity=money(entry.get("Quantity"), "0.0001"),
        unit_price=money(entry.get("UnitAmount"), "0.0001"),
        amount=money(entry.get("LineAmount")),
        tax=money(entry.get("TaxAmount")),
    )
