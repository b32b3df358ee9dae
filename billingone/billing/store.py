"""Bulk, idempotent writes of synced rows: at most three statements per page.

`upsert_page` reads the fingerprints of the page's existing rows (1 SELECT), writes new and
changed rows in one INSERT … ON CONFLICT DO UPDATE (SQLite and PostgreSQL alike) and marks the
unchanged ones as seen in one UPDATE: at most three statements per page.
`mark_removed` flags rows a complete scan did not see.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from billingone.integrations.base import SyncCounts


def fingerprint(values: dict) -> str:
    encoded = json.dumps(values, sort_keys=True, default=str).encode()
    return hashlib.blake2b(encoded, digest_size=16).hexdigest()


@dataclass
class UpsertResult:
    counts: SyncCounts
    created_ids: set[str] = field(default_factory=set)
    updated_ids: set[str] = field(default_factory=set)


def upsert_page(model, organization, rows: list[dict], run_id: int) -> UpsertResult:
    """Insert or update `rows` (each a dict of model.SYNCED_FIELDS plus "pax8_id"): new and
    changed rows in one INSERT … ON CONFLICT DO UPDATE, unchanged ones only marked as seen."""
    if not rows:
        return UpsertResult(SyncCounts())
    ids = [row["pax8_id"] for row in rows]
    existing = {
        pax8_id: (print_, removed_at is not None)
        for pax8_id, print_, removed_at in model.objects.filter(organization=organization, pax8_id__in=ids).values_list(
            "pax8_id", "fingerprint", "removed_at"
        )
    }
    result = UpsertResult(SyncCounts())
    writes, seen = [], []
    for row in rows:
        values = {name: row.get(name) for name in model.SYNCED_FIELDS}
        print_ = fingerprint(values)
        known = existing.get(row["pax8_id"])
        if known is not None and known == (print_, False):
            result.counts.unchanged += 1
            seen.append(row["pax8_id"])
            continue
        if known is None:
            result.counts.created += 1
            result.created_ids.add(row["pax8_id"])
        else:
            result.counts.updated += 1
            result.updated_ids.add(row["pax8_id"])
        writes.append(
            model(
                organization=organization,
                pax8_id=row["pax8_id"],
                fingerprint=print_,
                last_seen_run=run_id,
                removed_at=None,
                **values,
            )
        )
    _write(model, organization, writes, seen, run_id)
    return result


def _write(model, organization, writes: list, seen: list[str], run_id: int) -> None:
    update_fields = [*model.SYNCED_FIELDS, "fingerprint", "last_seen_run", "removed_at", "synced_at"]
    with transaction.atomic():
        if writes:
            model.objects.bulk_create(
                writes, update_conflicts=True, unique_fields=["organization", "pax8_id"], update_fields=update_fields
            )
        if seen:
            model.objects.filter(organization=organization, pax8_id__in=seen).update(last_seen_run=run_id)


def mark_removed(model, organization, run_id: int) -> int:
    """Flag every live row of `organization` that run `run_id` did not see; returns how many."""
    return (
        model.objects.filter(organization=organization, removed_at__isnull=True)
        .exclude(last_seen_run=run_id)
        .update(removed_at=timezone.now())
    )


def id_map(model, organization) -> dict[str, int]:
    """pax8_id → primary key, to link subscriptions to their company and product."""
    return dict(model.objects.filter(organization=organization).values_list("pax8_id", "pk"))


ANALYZE_AFTER_CREATED = 5_000


def refresh_statistics(models: list, created: int) -> None:
    """After a large first load, let PostgreSQL's planner see the new rows now instead of at
    autovacuum's next pass; with stale statistics the next sync's per-page lookups scan whole
    tables instead of using the (organization, pax8_id) index."""
    if created < ANALYZE_AFTER_CREATED or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
