"""The engine's half of a sync: store what a provider's `fetch` yields (records.py).

Batches go to billing's one store; `Complete` sweeps what a full scan did not see, `Removed`
flags what the provider deleted, `Checkpoint` is kept on the run for the next delta. After the
records are in, client matching looks at the customers this run touched.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from billingone.billing import matching, store
from billingone.integrations.base import Progress, Provider, SyncCounts
from billingone.integrations.models import SyncRun
from billingone.integrations.records import Batch, Checkpoint, Complete, ItemWarning, Kind, Removed

DELTA_MARGIN = timedelta(minutes=2)  # clock skew between a provider and us: re-read a little, lose nothing


class Ingest:
    def __init__(self, provider: Provider, run_id: int, progress: Progress):
        self.provider = provider
        self.organization = provider.organization
        self.source = provider.key
        self.run_id = run_id
        self.progress = progress
        self.counts = SyncCounts()
        self.checkpoint: datetime | None = None
        self.planned = 0
        self.created_since_analyze = 0
        self.touched_customers = False
        self.warnings: list[ItemWarning] = []
        self.seen: dict[Kind, set[str]] = {}  # ids of each kind this run stored, for the sweep

    def run(self, mode: str, since: datetime | None) -> SyncCounts:
        for item in self.provider.fetch(mode, since, self.progress):
            self.progress.check()
            if isinstance(item, Batch):
                self.store(item)
            elif isinstance(item, Complete):
                seen = self.seen.pop(item.kind, set())
                self.counts.removed += store.sweep(self.organization, self.source, item.kind, seen)
            elif isinstance(item, Removed):
                self.counts.removed += store.remove(self.organization, self.source, item.kind, item.external_ids)
                self.touched_customers |= item.kind is Kind.CUSTOMER
            elif isinstance(item, Checkpoint):
                self.checkpoint = item.at
            elif isinstance(item, ItemWarning):
                self.warnings.append(item)
        store.refresh_statistics(list(store.MODELS), self.created_since_analyze)
        matching.match_source(self.organization, self.source, self.provider.side)
        from billingone.billing import client_flows  # not at the top: it imports integrations.flows

        client_flows.auto_confirm(self.organization)  # only what the organization chose: off by default
        started = SyncRun.objects.filter(pk=self.run_id).values_list("started_at", flat=True).first()
        matching.announce_new_unlinked(self.organization, self.source, started, self.run_id)
        return self.counts

    def store(self, batch: Batch) -> None:
        if batch.total is not None:
            self.planned += batch.total
            self.progress.set_total(self.planned)
        if not batch.records:
            return
        kind = batch.kind
        self.seen.setdefault(kind, set()).update(record.external_id for record in batch.records)
        result = store.upsert(self.organization, self.source, self.run_id, kind, batch.records)
        self.counts = self.counts + result.counts
        self.progress.advance(len(batch.records), result.counts)
        self.created_since_analyze += result.counts.created
        if self.created_since_analyze >= store.ANALYZE_AFTER_CREATED:
            store.refresh_statistics([kind], self.created_since_analyze)
            self.created_since_analyze = 0


def delta_since(connection, mode: str) -> datetime | None:
    """Where a delta sync starts: the last good run's checkpoint, else its start (minus a
    margin); None (everything) for a full sync or when nothing succeeded yet."""
    if mode == "full" or connection is None or not connection.pk:
        return None
    last = (
        SyncRun.objects.filter(connection=connection, status=SyncRun.Status.SUCCEEDED, started_at__isnull=False)
        .order_by("-started_at")
        .values("checkpoint", "started_at")
        .first()
    )
    if last is None:
        return None
    return last["checkpoint"] or last["started_at"] - DELTA_MARGIN
