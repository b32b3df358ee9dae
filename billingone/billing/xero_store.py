"""Turning Xero's JSON into rows: MS-JSON dates, money as Decimal, bulk idempotent upserts of
contacts and invoices, and line items replaced only for invoices that changed."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from django.db import connection as db
from django.db import transaction
from django.utils import timezone

from billingone.billing.store import UpsertResult, fingerprint
from billingone.billing.xero_models import XeroContact, XeroInvoice, XeroLineItem
from billingone.integrations.base import SyncCounts, UnexpectedAnswer

MS_DATE = re.compile(r"^/Date\((-?\d+)(?:[+-]\d{4})?\)/$")


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


def contact_row(item: dict) -> dict:
    try:
        return {
            "xero_id": item["ContactID"],
            "name": (item.get("Name") or "")[:255],
            "email": (item.get("EmailAddress") or "")[:255],
            "contact_status": item.get("ContactStatus") or "",
            "is_customer": bool(item.get("IsCustomer")),
            "is_supplier": bool(item.get("IsSupplier")),
            "updated_utc": parse_datetime(item.get("UpdatedDateUTC")),
        }
    except (KeyError, TypeError, AttributeError):
        raise UnexpectedAnswer("Xero sent a contact without its ContactID.") from None


def invoice_row(item: dict) -> dict:
    try:
        contact = item.get("Contact") or {}
        return {
            "xero_id": item["InvoiceID"],
            "contact_xero_id": contact.get("ContactID") or "",
            "contact_name": (contact.get("Name") or "")[:255],
            "number": (item.get("InvoiceNumber") or "")[:255],
            "reference": (item.get("Reference") or "")[:255],
            "xero_status": item.get("Status") or "",
            "issue_date": parse_date(item.get("Date")),
            "due_date": parse_date(item.get("DueDate")),
            "fully_paid_on": parse_date(item.get("FullyPaidOnDate")),
            "currency": item.get("CurrencyCode") or "",
            "subtotal": money(item.get("SubTotal")),
            "total_tax": money(item.get("TotalTax")),
            "total": money(item.get("Total")),
            "amount_due": money(item.get("AmountDue")),
            "amount_paid": money(item.get("AmountPaid")),
            "updated_utc": parse_datetime(item.get("UpdatedDateUTC")),
            "lines": [line_row(position, line) for position, line in enumerate(item.get("LineItems") or [])],
        }
    except (KeyError, TypeError, AttributeError):
        raise UnexpectedAnswer("Xero sent an invoice without its InvoiceID.") from None


def line_row(position: int, line: dict) -> dict:
    return {
        "position": position,
        "line_id": line.get("LineItemID") or "",
        "description": line.get("Description") or "",
        "item_code": (line.get("ItemCode") or "")[:100],
        "account_code": (line.get("AccountCode") or "")[:20],
        "quantity": money(line.get("Quantity"), "0.0001"),
        "unit_amount": money(line.get("UnitAmount"), "0.0001"),
        "line_amount": money(line.get("LineAmount")),
        "tax_amount": money(line.get("TaxAmount")),
    }


def upsert(model, organization, rows: list[dict], run_id: int, extra: dict | None = None) -> UpsertResult:
    """Insert or update `rows` keyed by xero_id; rows whose fingerprint did not change are only
    marked as seen (one UPDATE). `extra` maps xero_id → fields resolved by us (foreign keys),
    stored and fingerprinted but not sent by Xero."""
    result = UpsertResult(SyncCounts())
    if not rows:
        return result
    existing = {
        xero_id: (print_, removed)
        for xero_id, print_, removed in model.objects.filter(
            organization=organization, xero_id__in=[row["xero_id"] for row in rows]
        ).values_list("xero_id", "fingerprint", "removed_at")
    }
    writes, seen = [], []
    for row in rows:
        fields = {**{name: row[name] for name in model.SYNCED_FIELDS}, **(extra or {}).get(row["xero_id"], {})}
        print_ = fingerprint({**fields, "lines": row.get("lines")})
        known, removed = existing.get(row["xero_id"], (None, None))
        if known == print_ and removed is None:
            result.counts.unchanged += 1
            seen.append(row["xero_id"])
            continue
        (result.created_ids if known is None else result.updated_ids).add(row["xero_id"])
        writes.append(
            {
                **fields,
                "organization_id": organization.pk,
                "xero_id": row["xero_id"],
                "fingerprint": print_,
                "last_seen_run": run_id,
                "removed_at": None,
            }
        )
    result.counts.created, result.counts.updated = len(result.created_ids), len(result.updated_ids)
    if writes:
        now = timezone.now()
        insert_rows(model, [{**write, "synced_at": now} for write in writes], conflict=("organization", "xero_id"))
    if seen:
        model.objects.filter(organization=organization, xero_id__in=seen).update(last_seen_run=run_id)
    return result


def insert_rows(model, rows: list[dict], conflict: tuple[str, ...] = ()) -> None:
    """One executemany INSERT (… ON CONFLICT … DO UPDATE when `conflict` names the unique key).

    Why not bulk_create: building one model instance and one giant statement per 1,000-row
    page costs more than the network and the database together; values still go through each
    field's get_db_prep_save, so SQLite and PostgreSQL see exactly what the ORM would send."""
    fields = [model._meta.get_field(name) for name in rows[0]]
    quote = db.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    # Identifiers come from model metadata, never from input; values are parameters.
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
    if conflict:
        keys = {model._meta.get_field(name).column for name in conflict}
        updates = ", ".join(f"{quote(f.column)} = excluded.{quote(f.column)}" for f in fields if f.column not in keys)
        sql += f" ON CONFLICT ({', '.join(quote(key) for key in sorted(keys))}) DO UPDATE SET {updates}"
    params = [tuple(field.get_db_prep_save(row[field.attname], db) for field in fields) for row in rows]
    with db.cursor() as cursor:
        cursor.executemany(sql, params)


def upsert_contacts(organization, items: list[dict], run_id: int) -> SyncCounts:
    rows = [contact_row(item) for item in items]
    with transaction.atomic():
        return upsert(XeroContact, organization, rows, run_id).counts


def upsert_invoices(organization, items: list[dict], run_id: int, contacts: dict[str, int]) -> SyncCounts:
    """One page of invoices; `contacts` maps ContactID → XeroContact pk (filled as we go)."""
    rows = [invoice_row(item) for item in items]
    extra = {row["xero_id"]: {"contact_id": contacts.get(row["contact_xero_id"])} for row in rows}
    with transaction.atomic():
        result = upsert(XeroInvoice, organization, rows, run_id, extra)
        changed = result.created_ids | result.updated_ids
        if changed:
            replace_lines(organization, [row for row in rows if row["xero_id"] in changed])
    return result.counts


def replace_lines(organization, rows: list[dict]) -> None:
    ids = dict(
        XeroInvoice.objects.filter(organization=organization, xero_id__in=[row["xero_id"] for row in rows]).values_list(
            "xero_id", "pk"
        )
    )
    XeroLineItem.objects.filter(organization=organization, invoice_id__in=ids.values()).delete()
    lines = [
        {"organization_id": organization.pk, "invoice_id": ids[row["xero_id"]], **line}
        for row in rows
        for line in row["lines"]
    ]
    if lines:
        insert_rows(XeroLineItem, lines)


def contact_ids(organization) -> dict[str, int]:
    return dict(XeroContact.objects.filter(organization=organization).values_list("xero_id", "pk"))


def mark_removed(organization, run_id: int) -> int:
    now = timezone.now()
    removed = 0
    for model in (XeroContact, XeroInvoice):
        removed += (
            model.objects.filter(organization=organization, removed_at__isnull=True)
            .exclude(last_seen_run=run_id)
            .update(removed_at=now)
        )
    return removed
