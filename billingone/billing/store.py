"""One store for every provider: bulk, idempotent writes of neutral records.

`upsert(organization, source, run_id, records)` stores one batch of one kind in a handful of
statements whatever its size: read the batch's fingerprints (1 SELECT, plus 1 to resolve the
rows it references), write new and changed rows in one INSERT … ON CONFLICT DO UPDATE (through
COPY on PostgreSQL: bulk.py), leave unchanged rows untouched, and for invoices and payment links
replace the lines of the rows that changed (1 DELETE + 1 INSERT). `sweep` flags what a complete
scan did not see; `remove` flags what a provider said was deleted. Rows are never deleted by a
sync.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection as db
from django.db import transaction
from django.utils import timezone

from billingone.billing import rows
from billingone.billing.bulk import insert_rows
from billingone.billing.models import (
    Customer,
    Invoice,
    InvoiceLine,
    Item,
    PaymentLink,
    PaymentLinkLine,
    Product,
    Subscription,
)
from billingone.integrations.base import SyncCounts
from billingone.integrations.records import Kind, Record

MODELS = {
    Kind.CUSTOMER: Customer,
    Kind.PRODUCT: Product,
    Kind.ITEM: Item,
    Kind.SUBSCRIPTION: Subscription,
    Kind.INVOICE: Invoice,
    Kind.PAYMENT_LINK: PaymentLink,
}
LINES = {Kind.INVOICE: (InvoiceLine, "invoice_id"), Kind.PAYMENT_LINK: (PaymentLinkLine, "payment_link_id")}


def fingerprint(values: dict) -> str:
    """What a row holds, for "did it change": repr is deterministic here (rows.convert builds
    each kind's dict in one fixed order; values are str, Decimal, date, datetime, bool, None,
    lists and dicts of those) and three times cheaper than sorted JSON."""
    return hashlib.blake2b(repr(values).encode(), digest_size=16).hexdigest()


@dataclass
class UpsertResult:
    counts: SyncCounts
    created_ids: set[str] = field(default_factory=set)
    updated_ids: set[str] = field(default_factory=set)


def upsert(organization, source: str, run_id: int, kind: Kind, records: Sequence[Record]) -> UpsertResult:
    """Store one batch of records of `kind` from `source`; returns what changed.

    Change detection comes first, on rows converted without their references: a sync that
    changed little resolves references (customer, product ids) only for the rows it writes."""
    result = UpsertResult(SyncCounts())
    if not records:
        return result
    model = MODELS[kind]
    records = list({record.external_id: record for record in records}.values())  # last one wins
    bare = [rows.convert(kind, record, NO_REFERENCES) for record in records]
    existing = _existing(model, organization, source, [values["external_id"] for values, _ in bare])
    changed = []
    for record, (values, lines) in zip(records, bare, strict=True):
        print_ = fingerprint({**{k: v for k, v in values.items() if k not in REFERENCE_COLUMNS}, "lines": lines})
        known = existing.get(record.external_id)
        if known == (print_, False, False):
            result.counts.unchanged += 1
            continue
        (result.created_ids if known is None else result.updated_ids).add(record.external_id)
        changed.append((record, print_))
    result.counts.created, result.counts.updated = len(result.created_ids), len(result.updated_ids)
    if not changed:
        return result
    refs = rows.References.load(organization, source, kind, [record for record, _ in changed])
    writes, changed_lines = [], {}
    for record, print_ in changed:
        values, lines = rows.convert(kind, record, refs)
        writes.append({**values, "fingerprint": print_, "last_seen_run": run_id, "removed_at": None})
        changed_lines[record.external_id] = lines
    with transaction.atomic():
        _write(model, organization, source, writes)
        if kind in LINES and changed_lines:
            _replace_lines(kind, organization, source, changed_lines)
    return result


# Resolved from other rows, not from the record: outside the fingerprint. A row whose reference
# could not be resolved yet ("dangling": its customer arrived later) is written again.
NO_REFERENCES = rows.References()
REFERENCE_COLUMNS = ("customer_id", "product_id")


def _existing(model, organization, source: str, ids: list[str]) -> dict[str, tuple[str, bool, bool]]:
    """external id → (fingerprint, removed, has a reference still to resolve)."""
    refs = [name for name in ("customer", "product") if _has_field(model, f"{name}_external_id")]
    columns = [f"{name}{suffix}" for name in refs for suffix in ("_id", "_external_id")]
    found = model.objects.filter(organization=organization, source=source, external_id__any_of=ids)
    existing = {}
    for external_id, print_, removed_at, *pairs in found.values_list(
        "external_id", "fingerprint", "removed_at", *columns
    ):
        dangling = any(pk is None and ref for pk, ref in zip(pairs[::2], pairs[1::2], strict=True))
        existing[external_id] = (print_, removed_at is not None, dangling)
    return existing


def _has_field(model, name: str) -> bool:
    return any(f.name == name for f in model._meta.concrete_fields)


def _write(model, organization, source: str, writes: list[dict]) -> None:
    if writes:
        now = timezone.now()
        base = {"organization_id": organization.pk, "source": source, "synced_at": now}
        keep: tuple[str, ...] = ()
        if model is Customer:
            base["first_seen_at"], keep = now, ("first_seen_at",)  # when we first saw it, kept on update
        insert_rows(
            model,
            [{**base, **write} for write in writes],
            conflict=("organization", "source", "external_id"),
            keep=keep,
        )


def _replace_lines(kind: Kind, organization, source: str, lines_by_id: dict[str, list[dict]]) -> None:
    line_model, parent_field = LINES[kind]
    parents = dict(
        MODELS[kind]
        .objects.filter(organization=organization, source=source, external_id__any_of=list(lines_by_id))
        .values_list("external_id", "pk")
    )
    line_model.objects.filter(organization=organization, **{f"{parent_field}__in": parents.values()}).delete()
    new_lines = [
        {"organization_id": organization.pk, parent_field: parents[external_id], **line}
        for external_id, lines in lines_by_id.items()
        for line in lines
    ]
    if new_lines:
        insert_rows(line_model, new_lines)


def sweep(organization, source: str, kind: Kind, seen: set[str]) -> int:
    """Flag every live row of `kind` from `source` whose id a complete scan did not see.

    The engine keeps the scan's ids (`seen`) instead of stamping every unchanged row as seen:
    that UPDATE rewrote each row and its indexes on every sync and cost more than the rest of
    an unchanged batch. One SELECT of the live ids, the difference in Python, and the removals
    flagged in chunks (usually none)."""
    live = (
        MODELS[kind]
        .objects.filter(organization=organization, source=source, removed_at__isnull=True)
        .values_list("external_id", flat=True)
    )
    gone = [external_id for external_id in live.iterator(chunk_size=5000) if external_id not in seen]
    return sum(
        remove(organization, source, kind, gone[i : i + REMOVE_CHUNK]) for i in range(0, len(gone), REMOVE_CHUNK)
    )


REMOVE_CHUNK = 500  # ids per UPDATE: within SQLite's bound on parameters


def remove(organization, source: str, kind: Kind, external_ids: Sequence[str]) -> int:
    """Flag the rows a provider said were deleted."""
    if not external_ids:
        return 0
    return (
        MODELS[kind]
        .objects.filter(organization=organization, source=source, external_id__any_of=list(external_ids))
        .filter(removed_at__isnull=True)
        .update(removed_at=timezone.now())
    )


def purge(organization, source: str) -> int:
    """Delete everything synced from `source` (disconnect with "delete data")."""
    total = 0
    for model in (Subscription, Invoice, PaymentLink, Item, Product, Customer):
        total += model.objects.filter(organization=organization, source=source).delete()[0]
    return total


ANALYZE_AFTER_CREATED = 5_000


def refresh_statistics(kinds: Sequence[Kind], created: int) -> None:
    """After a large first load, let PostgreSQL's planner see the new rows now instead of at
    autovacuum's next pass; with stale statistics the next sync's per-page lookups scan whole
    tables instead of using the (organization, source, external_id) index."""
    if created < ANALYZE_AFTER_CREATED or db.vendor != "postgresql":
        return
    with db.cursor() as cursor:
        for kind in kinds:
            for model in (MODELS[kind], *(LINES[kind][:1] if kind in LINES else ())):
                cursor.execute(f"ANALYZE {db.ops.quote_name(model._meta.db_table)}")
