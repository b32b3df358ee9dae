"""SuperOps clients and invoices → neutral records (records.py). Pure functions: no HTTP, no database.

Association fields (`client`, `site`, `accountManager`, …) are JSON scalars: objects, or on some
tenants the same object as a JSON string; both are read as data. Their ids may be unquoted
numbers beyond 2^53 — Python reads JSON integers exactly, and every id is kept as its decimal
string, so the invoice's `client.accountId` 4611686018427388039 names the client whose `ID` is
"4611686018427388039". SuperOps does not publish its invoice status values (PROVIDERS.md §8.5):
they are read by their words (paid, void, draft, overdue), the raw value kept as source_status.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from billingone.integrations.base import UnexpectedAnswer
from billingone.integrations.records import (
    CustomerRecord,
    InvoiceLineRecord,
    InvoiceRecord,
    InvoiceStatus,
)

# Mailbox providers: an address there says nothing about which company it belongs to.
WEBMAIL = {"gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "bigpond.com", "icloud.com", "live.com"}
INACTIVE_STATUSES = {"inactive", "churned", "archived", "deleted"}


def association(value: object) -> dict:
    """A JSON-scalar field as a dict: an object as is, a JSON string parsed, anything else {}."""
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def identifier(value: object) -> str:
    """An id as its exact decimal string (a bool or a float is not an id we can trust)."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, float):
        raise UnexpectedAnswer("SuperOps sent an id as a floating-point number; it may have lost digits.")
    return str(value).strip()


def decimal(value: object) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        raise UnexpectedAnswer(f"SuperOps sent an amount that is not a number: {str(value)[:20]}") from None


def day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def moment(value: object) -> datetime | None:
    """SuperOps' times are UTC ISO-8601, usually without an offset (2022-04-10T10:15:30)."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def text(value: object) -> str:
    """A String field, or a JSON scalar's name (some tenants send `stage` as an object)."""
    if isinstance(value, dict):
        return str(value.get("name") or "")
    return "" if value is None else str(value)


def domains(row: dict) -> tuple[str, ...]:
    """The client's email domains (lower-case, mailbox providers left out), then its contact's."""
    found: list[str] = []
    candidates = list(row.get("emailDomains") or [])
    email = str(association(row.get("primaryContact")).get("email") or "")
    if "@" in email:
        candidates.append(email.rpartition("@")[2])
    for candidate in candidates:
        domain = str(candidate or "").strip().lower().lstrip("@").removeprefix("www.")
        if domain and "." in domain and domain not in WEBMAIL and domain not in found:
            found.append(domain)
    return tuple(found)


def customer_record(row: dict) -> CustomerRecord:
    account_id = identifier(row.get("accountId"))
    if not account_id:
        raise UnexpectedAnswer("SuperOps sent a client without an accountId.")
    status = text(row.get("status"))
    contact = association(row.get("primaryContact"))
    found = domains(row)
    return CustomerRecord(
        external_id=account_id,
        name=str(row.get("name") or account_id),
        source_status=" · ".join(part for part in (status, text(row.get("stage"))) if part),
        active=status.strip().lower() not in INACTIVE_STATUSES,
        email=str(contact.get("email") or ""),
        website=f"https://{found[0]}" if found else "",
        domains=found,
    )


def invoice_status(row: dict, today: date) -> tuple[InvoiceStatus, str]:
    """Ours from SuperOps' word (unpublished values, read by what they say) and the dates."""
    raw = str(row.get("statusEnum") or "")
    word = raw.upper().replace(" ", "_")
    if "VOID" in word or "CANCEL" in word:
        return InvoiceStatus.VOIDED, raw
    if "DRAFT" in word:
        return InvoiceStatus.DRAFT, raw
    if (word == "PAID" or (word.endswith("_PAID") and "PARTIAL" not in word)) and "UNPAID" not in word:
        return InvoiceStatus.PAID, raw
    if not word and row.get("paymentDate"):
        return InvoiceStatus.PAID, raw
    due = day(row.get("dueDate"))
    if "OVERDUE" in word or (due is not None and due < today):
        return InvoiceStatus.OVERDUE, raw
    return InvoiceStatus.SUBMITTED, raw


def line_record(item: dict) -> InvoiceLineRecord:
    quantity, unit_price = decimal(item.get("quantity")), decimal(item.get("unitPrice"))
    amount = decimal(item["amount"]) if item.get("amount") is not None else quantity * unit_price
    billed = day(item.get("billedDate"))
    return InvoiceLineRecord(
        description=str(item.get("details") or ""),
        quantity=quantity,
        unit_price=unit_price,
        amount=amount,
        external_id=identifier(item.get("itemId")),
        period_start=billed,
        period_end=billed,
    )


def invoice_record(row: dict, today: date, link: str = "", currency: str = "") -> InvoiceRecord:
    """One invoice read with getInvoice (its items and taxes included), in the connection's
    currency (SuperOps sends none)."""
    invoice_id = identifier(row.get("invoiceId"))
    if not invoice_id:
        raise UnexpectedAnswer("SuperOps sent an invoice without an invoiceId.")
    client = association(row.get("client"))
    status, source_status = invoice_status(row, today)
    total = decimal(row.get("totalAmount"))
    tax = sum(
        (decimal(entry.get("taxAmount")) for entry in row.get("taxes") or () if isinstance(entry, dict)), Decimal(0)
    )
    paid = status == InvoiceStatus.PAID
    owed = status not in (InvoiceStatus.PAID, InvoiceStatus.VOIDED, InvoiceStatus.DRAFT)
    return InvoiceRecord(
        external_id=invoice_id,
        customer_id=identifier(client.get("accountId")),
        number=str(row.get("displayId") or invoice_id),
        customer_name=str(client.get("name") or ""),
        reference=str(row.get("paymentReference") or ""),
        status=status,
        source_status=source_status,
        issue_date=day(row.get("invoiceDate")),
        due_date=day(row.get("dueDate")),
        paid_on=day(row.get("paymentDate")) if paid else None,
        subtotal=total - tax,
        tax=tax,
        total=total,
        amount_due=total if owed else Decimal(0),
        amount_paid=total if paid else Decimal(0),
        currency=currency,
        url=link,
        lines=tuple(line_record(item) for item in row.get("items") or () if isinstance(item, dict)),
    )
