"""Which sources reconciliation can trust right now: the coverage of each vendor and billing source.

A source is usable only when it is connected, its last sync succeeded, that sync is no older than
twice its schedule (one missed run is tolerated; two are not), and it holds rows. Anything else
is "no data": reconciliation never calls a product matched because nothing was read.
`source` is just the provider key on synced rows, so sources that are not (yet) registered
providers are covered too: their side is inferred from the rows they hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from billingone.billing.models import Invoice, Subscription
from billingone.integrations import registry
from billingone.integrations.base import Side
from billingone.integrations.models import Connection, SyncRun

STALE_AFTER_INTERVALS = 2
DEFAULT_INTERVAL = timedelta(hours=1)


class SourceState:
    OK = "ok"
    MISSING = "missing"  # not connected, or never synced
    FAILED = "failed"  # the last sync failed or the connection needs attention
    STALE = "stale"  # the last good sync is older than the schedule allows
    EMPTY = "empty"  # synced, but holds nothing to compare


@dataclass(frozen=True)
class SourceCoverage:
    source: str
    name: str
    side: str  # Side value
    state: str
    last_sync: datetime | None
    rows: int
    reason: str

    @property
    def usable(self) -> bool:
        return self.state == SourceState.OK

    def payload(self) -> dict:
        return {
            "source": self.source,
            "name": self.name,
            "side": self.side,
            "state": self.state,
            "last_sync": self.last_sync,
            "rows": self.rows,
            "reason": self.reason,
        }


def sync_interval(source: str) -> timedelta:
    provider = registry.PROVIDERS.get(source)
    if provider is None:
        return DEFAULT_INTERVAL
    minutes = getattr(settings, provider.sync_interval_setting, None) if provider.sync_interval_setting else None
    return timedelta(minutes=minutes) if minutes else provider.default_sync_interval


def display_name(source: str) -> str:
    provider = registry.PROVIDERS.get(source)
    return provider.name if provider else source.replace("_", " ").title()


def _state(connection: Connection | None, last_ok: datetime | None, rows: int, source: str, now: datetime):
    name = display_name(source)
    if connection is None or not connection.is_connected:
        return SourceState.MISSING, f"{name} is not connected."
    failing = connection.status in (Connection.Status.ERROR, Connection.Status.NEEDS_ATTENTION)
    detail = (connection.status_reason or "its last sync failed") if failing else ""
    interval = sync_interval(source)
    if last_ok is not None and now - last_ok > STALE_AFTER_INTERVALS * interval:
        # Too old is what matters to the figures; a failing connection is why, so it is said too.
        why = f" It cannot be read now: {detail}" if failing else ""
        when = f"{timezone.localtime(last_ok):%d %b %H:%M}"
        allowed = f"older than its schedule allows ({_every(interval)})"
        return SourceState.STALE, f"{name} last synced {when}, {allowed}.{why}"
    if failing:
        return SourceState.FAILED, f"{name} cannot be read: {detail}"
    if last_ok is None:
        return SourceState.MISSING, f"{name} has not finished a sync yet."
    if rows == 0:
        return SourceState.EMPTY, f"{name} synced but returned nothing to compare."
    return SourceState.OK, ""


def _every(interval: timedelta) -> str:
    minutes = int(interval.total_seconds() // 60)
    for size, unit in ((1440, "day"), (60, "hour")):
        if minutes % size == 0:
            return f"every {unit}" if minutes == size else f"every {minutes // size} {unit}s"
    return f"every {minutes} minutes"


def row_counts(organization) -> dict[str, dict[str, int]]:
    """Live subscriptions and invoices per source: what each source holds to compare."""
    subscriptions = Subscription.objects.filter(organization=organization, removed_at__isnull=True)
    invoices = Invoice.objects.filter(organization=organization, removed_at__isnull=True)
    return {
        "subscriptions": dict(subscriptions.values_list("source").annotate(n=Count("id")).order_by()),
        "invoices": dict(invoices.values_list("source").annotate(n=Count("id")).order_by()),
    }


def source_coverage(organization, now: datetime | None = None, counts: dict | None = None) -> list[SourceCoverage]:
    """Every vendor and billing source the organization has connected or holds rows from.

    `counts` (from row_counts, e.g. as the last reconciliation stored them) saves two queries;
    connection state and last good sync are always read live, so staleness is never stale.
    """
    now = now or timezone.now()
    counts = counts if counts is not None else row_counts(organization)
    subscriptions, invoices = counts.get("subscriptions", {}), counts.get("invoices", {})
    succeeded = SyncRun.objects.filter(connection=OuterRef("pk"), status=SyncRun.Status.SUCCEEDED)
    connections = {
        c.provider: c
        for c in Connection.objects.filter(organization=organization).annotate(
            last_ok=Subquery(succeeded.order_by("-finished_at").values("finished_at")[:1])
        )
    }
    coverage = []
    for key in sorted(set(subscriptions) | set(invoices) | set(connections)):
        side = _side(key, subscriptions, invoices)
        if side not in (Side.VENDOR, Side.BILLING):
            continue
        rows = subscriptions.get(key, 0) if side == Side.VENDOR else invoices.get(key, 0)
        connection = connections.get(key)
        last_ok = connection.last_ok if connection else None
        state, reason = _state(connection, last_ok, rows, key, now)
        coverage.append(SourceCoverage(key, display_name(key), side, state, last_ok, rows, reason))
    return coverage


def _side(source: str, subscriptions: dict, invoices: dict) -> str:
    provider = registry.PROVIDERS.get(source)
    if provider is not None:
        return provider.side
    if source in subscriptions:
        return Side.VENDOR
    if source in invoices:
        return Side.BILLING
    return Side.PAYMENTS  # a connection with no rows and no descriptor: nothing to reconcile
