"""QuickBooks rows → neutral records (records.py). Pure functions: no HTTP, no database.

QuickBooks has no invoice status field (PROVIDERS.md §3.3); it is derived the QuickBooks way:
voided when the amounts were zeroed with a "Voided" note, paid when the balance is 0, overdue
when a balance is left past the due date, else submitted (sent, awaiting payment), with what
was paid so far in `amount_paid` when partially paid.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from billingone.integrations.base import UnexpectedAnswer
from billingone.integrations.records import (
    CustomerRecord,
    InvoiceLineRecord,
    InvoiceRecord,
    InvoiceStatus,
    ItemRecord,
)

# Mailbox providers: an address there says nothing about which company it belongs to.
WEBMAIL = {"gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "bigpond.com", "icloud.com", "live.com"}


def decimal(value: object) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        raise UnexpectedAnswer(f"QuickBooks sent an amount that is not a number: {str(value)[:20]}") from None


def day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def moment(value: object) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return parsed if parsed is None or parsed.tzinfo else None


def updated_at(row: dict) -> datetime | None:
    return moment((row.get("MetaData") or {}).get("LastUpdatedTime"))


def ref(row: dict, key: str) -> dict:
    value = row.get(key)
    return value if isinstance(value, dict) else {}


def domains(email: str, website: str) -> tuple[str, ...]:
    found = []
    mail_domain = email.rpartition("@")[2].strip().lower() if "@" in email else ""
    if mail_domain and mail_domain not in WEBMAIL:
        found.append(mail_domain)
    host = (urlsplit(website if "//" in website else f"//{website}").hostname or "") if website else ""
    host = host.lower().removeprefix("www.")
    if host and host not in found:
        found.append(host)
    return tuple(found)


def customer_record(row: dict) -> CustomerRecord:
    email = str(ref(row, "PrimaryEmailAddr").get("Address") or "")
    website = str(ref(row, "WebAddr").get("URI") or "")
    active = row.get("Active", True) is not False
    return CustomerRecord(
        external_id=str(row["Id"]),
        name=str(row.get("DisplayName") or row.get("CompanyName") or row["Id"]),
        source_status="Active" if active else "Inactive",
        active=active,
        email=email,
        website=website,
        domains=domains(email, website),
        updated_at=updated_at(row),
    )


def item_record(row: dict) -> ItemRecord:
    unit_price = row.get("UnitPrice")
    return ItemRecord(
        external_id=str(row["Id"]),
        code=str(row.get("Sku") or row.get("Name") or row["Id"]),
        name=str(row.get("Name") or ""),
        description=str(row.get("Description") or ""),
        unit_price=decimal(unit_price) if unit_price is not None else None,
        active=row.get("Active", True) is not False,
    )


def is_voided(row: dict) -> bool:
    note = str(row.get("PrivateNote") or "").strip().lower()
    return decimal(row.get("TotalAmt")) == 0 and note.startswith("voided")


def invoice_status(row: dict, today: date) -> tuple[InvoiceStatus, str]:
    """Our status and QuickBooks' own word for it."""
    total, balance = decimal(row.get("TotalAmt")), decimal(row.get("Balance"))
    if is_voided(row):
        return InvoiceStatus.VOIDED, "Voided"
    if balance <= 0:
        return InvoiceStatus.PAID, "Paid"
    partly = "Partially paid" if balance < total else ""
    due = day(row.get("DueDate"))
    if due is not None and due < today:
        return InvoiceStatus.OVERDUE, f"{partly}, overdue" if partly else "Overdue"
    return InvoiceStatus.SUBMITTED, partly or "Open"


def line_record(line: dict) -> InvoiceLineRecord | None:
    """Sales lines only: subtotal lines repeat the sum, description-only lines bill nothing."""
    if line.get("DetailType") != "SalesItemLineDetail":
        return None
    detail = ref(line, "SalesItemLineDetail")
    item = ref(detail, "ItemRef")
    quantity = decimal(detail.get("Qty", 0))
    amount = decimal(line.get("Amount"))
    unit_price = decimal(detail["UnitPrice"]) if detail.get("UnitPrice") is not None else Decimal(0)
    service_date = day(detail.get("ServiceDate"))
    return InvoiceLineRecord(
        description=str(line.get("Description") or ""),
        quantity=quantity,
        unit_price=unit_price,
        amount=amount,
        item_code=str(item.get("name") or ""),
        item_id=str(item.get("value") or ""),
        external_id=str(line.get("Id") or ""),
        period_start=service_date,
        period_end=service_date,
    )


def invoice_record(row: dict, today: date, link: str = "") -> InvoiceRecord:
    status, source_status = invoice_status(row, today)
    total, balance = decimal(row.get("TotalAmt")), decimal(row.get("Balance"))
    tax = decimal(ref(row, "TxnTaxDetail").get("TotalTax"))
    customer = ref(row, "CustomerRef")
    lines = tuple(record for record in map(line_record, row.get("Line") or ()) if record is not None)
    return InvoiceRecord(
        external_id=str(row["Id"]),
        customer_id=str(customer.get("value") or ""),
        number=str(row.get("DocNumber") or ""),
        customer_name=str(customer.get("name") or ""),
        reference=str(row.get("PONumber") or ""),
        status=status,
        source_status=source_status,
        issue_date=day(row.get("TxnDate")),
        due_date=day(row.get("DueDate")),
        currency=str(ref(row, "CurrencyRef").get("value") or ""),
        subtotal=total - tax,
        tax=tax,
        total=total,
        amount_due=max(balance, Decimal(0)),
        amount_paid=Decimal(0) if status == InvoiceStatus.VOIDED else max(total - balance, Decimal(0)),
        url=link,
        updated_at=updated_at(row),
        lines=lines,
    )
