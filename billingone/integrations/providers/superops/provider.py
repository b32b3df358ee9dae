"""SuperOps (PSA): clients and the invoices an MSP bills from its PSA (PROVIDERS.md §4).

Auth: a static API token (one per SuperOps user) + the customer subdomain, on the US or EU
endpoint. Test Connection is `getClientList` for one client, then one invoice (the permission).
Sync (`invoices`, the scheduled mode): every client (a full scan: a tenant has hundreds), then
the invoices dated from the last checkpoint minus an overlap (`invoiceDate after …`), each read
with `getInvoice` for its items, upserted by `invoiceId`. SuperOps has no change feed, so an
invoice paid or deleted outside the window is caught by a full scan: the first sync of every
SUPEROPS_FULL_SCAN_HOURS slot (and `full`) reads every invoice, and only a consistent one (the
total did not move, every listed invoice was read) marks what it did not see as removed; an
inconsistent one leaves a checkpoint that makes the next sync a full scan again.
Lists are read at SuperOps' largest page (100); the limiter keeps 5% under 800 calls a minute.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection as db
from django.utils import timezone

from billingone.integrations.base import (
    CredentialField,
    CredentialsRejected,
    Progress,
    Provider,
    RateLimit,
    Side,
    SyncMode,
)
from billingone.integrations.providers.superops import client as api
from billingone.integrations.providers.superops import mapping
from billingone.integrations.records import Batch, Checkpoint, Complete, Kind, Yielded

PAGE_SIZE = 100  # ListInfoInput's maximum pageSize
SUBDOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def subdomain_of(typed: str) -> str:
    """What people paste: `acme`, `acme.superops.ai` or the app's address → `acme`."""
    text = typed.strip().lower().removeprefix("https://").removeprefix("http://").split("/")[0]
    return text.removesuffix(".superops.ai").removesuffix(".superops.com")


class ScanMoved(Exception):
    """The list changed while it was paged: what was read is stored, nothing is swept."""


# The currencies SuperOps bills in (its billing settings), most used by our MSPs first.
CURRENCIES = (
    ("AUD", "AUD: Australian dollar"),
    ("USD", "USD: US dollar"),
    ("GBP", "GBP: Pound sterling"),
    ("EUR", "EUR: Euro"),
    ("NZD", "NZD: New Zealand dollar"),
    ("CAD", "CAD: Canadian dollar"),
)


class SuperOps(Provider):
    key = "superops"
    name = "SuperOps"
    side = Side.BILLING
    description = "PSA: the invoices you send your clients from SuperOps."
    syncs = "clients, invoices"
    credential_fields = (
        CredentialField(
            "api_token",
            "API token",
            secret=True,
            help_text="SuperOps → Settings → My Profile → API token → Generate (one active token per user).",
            max_length=1000,
        ),
        CredentialField(
            "subdomain",
            "Customer subdomain",
            help_text="SuperOps → Settings → MSP Information: the part before .superops.ai.",
            max_length=63,
        ),
        CredentialField(
            "region",
            "Region",
            choices=(("us", "US (api.superops.ai)"), ("eu", "EU (euapi.superops.ai)")),
            help_text="Where your SuperOps account is hosted.",
        ),
        CredentialField(
            "currency",
            "Billing currency",
            choices=CURRENCIES,
            help_text="The currency your SuperOps invoices are in: its API does not say, and amounts in "
            "different currencies are never added together.",
        ),
    )
    sync_modes = (
        SyncMode(
            "invoices",
            "Sync invoices",
            "Clients, and the invoices dated since the last sync (with an overlap); a daily full scan flags "
            "what was deleted.",
        ),
        SyncMode("full", "Full sync", "Every client and invoice; flags what was removed."),
    )
    rate_limit = RateLimit(calls=800, period=60.0, concurrency=4)  # Help Center: 800 requests a minute
    url_settings = tuple(api.REGIONS.values())
    sync_interval_setting = "SUPEROPS_SYNC_INTERVAL_MINUTES"
    default_sync_interval = timedelta(hours=1)
    data_url_name = "invoices"

    def __init__(self, context):
        super().__init__(context)
        credentials = context.credentials
        self.subdomain = subdomain_of(str(credentials.get("subdomain") or ""))
        self.region = str(credentials.get("region") or "us").strip().lower()
        self.api_token = str(credentials.get("api_token") or "")
        # Connections made before the field existed have none: their invoices stay without one.
        self.currency = str(credentials.get("currency") or "").strip().upper()[:3]
        self.today = timezone.now().date()
        self.planned = 0
        self._api: api.SuperOpsApi | None = None

    @classmethod
    def account_rate_limit(cls) -> RateLimit:
        return api.rate_limit()

    @property
    def api(self) -> api.SuperOpsApi:
        if self._api is None:
            if not SUBDOMAIN.match(self.subdomain):
                raise CredentialsRejected(
                    "A SuperOps subdomain is letters, digits and hyphens only (e.g. acme from acme.superops.ai).",
                    field="subdomain",
                )
            self._api = api.SuperOpsApi(self.api_token, self.subdomain, self.region)
        return self._api

    def close(self) -> None:
        if self._api is not None:
            self._api.close()

    def test_connection(self) -> None:
        """The documented test (`getClientList`, one client), then one invoice: a token whose
        user may read clients but not invoices is told so now, not at the first sync."""
        try:
            self.api.client_page(1, 1)
            self.api.invoice_page(1, 1)
        finally:
            self.close()

    # ---- fetch ---------------------------------------------------------------------------
    def fetch(self, mode: str, since: datetime | None, progress: Progress) -> Iterator[Yielded]:
        started = timezone.now()
        try:
            full = mode == "full" or since is None or self.full_scan_due(since, started)
            yield from self.clients(progress)
            if not full:
                yield from self.invoices(progress, self.window_condition(since))
                yield Checkpoint(started)
                return
            try:
                yield from self.invoices(progress, None)
            except ScanMoved:
                yield Checkpoint(self.slot_start(started) - timedelta(seconds=1))  # the next sync scans again
                return
            yield Complete(Kind.INVOICE)
            yield Checkpoint(started)
        finally:
            self.close()

    @staticmethod
    def scan_period() -> float:
        return max(1.0, float(settings.SUPEROPS_FULL_SCAN_HOURS)) * 3600

    def slot_start(self, moment: datetime) -> datetime:
        period = self.scan_period()
        return datetime.fromtimestamp((moment.timestamp() // period) * period, tz=moment.tzinfo)

    def full_scan_due(self, since: datetime, now: datetime) -> bool:
        """The first sync of each full-scan slot reads everything (the slots are UTC-aligned)."""
        period = self.scan_period()
        return since.timestamp() // period != now.timestamp() // period

    @staticmethod
    def window_condition(since: datetime) -> dict:
        start = since - timedelta(days=settings.SUPEROPS_DELTA_OVERLAP_DAYS)
        value = start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")  # SuperOps' dates are UTC
        return {"attribute": "invoiceDate", "operator": "after", "value": value}

    def expect(self, progress: Progress, rows: int) -> None:
        self.planned += rows
        progress.set_total(self.planned)

    def pages(self, read_page, first: dict, key: str, strict: bool = True) -> Iterator[list[dict]]:
        """Each page's rows until `hasMore` is not true; `strict`: ScanMoved when the total moved."""
        total = int(first["listInfo"].get("totalCount") or 0)
        page, number = first, 1
        limit = total // PAGE_SIZE + 2  # a server that always says hasMore cannot keep us here
        while True:
            if strict and int(page["listInfo"].get("totalCount") or 0) != total:
                raise ScanMoved(key)
            yield page[key]
            if not api.has_more(page["listInfo"]) or not page[key] or number >= limit:
                return
            number += 1
            page = read_page(number)

    def clients(self, progress: Progress) -> Iterator[Yielded]:
        first = self.api.client_page(1, PAGE_SIZE)
        total = int(first["listInfo"].get("totalCount") or 0)
        self.expect(progress, total)
        seen: set[str] = set()
        try:
            for rows in self.pages(lambda number: self.api.client_page(number, PAGE_SIZE), first, "clients"):
                progress.check()
                records = [mapping.customer_record(row) for row in rows]
                fresh = tuple(record for record in records if record.external_id not in seen)
                seen.update(record.external_id for record in fresh)
                progress.advance(len(rows) - len(fresh))  # repeated rows: the engine advances stored ones
                yield Batch(fresh)
        except ScanMoved:
            return  # stored what was read; the next sync sweeps
        if len(seen) == total:
            yield Complete(Kind.CUSTOMER)

    def invoices(self, progress: Progress, condition: dict | None) -> Iterator[Yielded]:
        """The listed invoices, each read whole with getInvoice (pages of details fetched in
        parallel within the account's concurrency). A full scan (no condition) raises ScanMoved
        unless it read exactly the invoices SuperOps counted."""
        first = self.api.invoice_page(1, PAGE_SIZE, condition)
        total = int(first["listInfo"].get("totalCount") or 0)
        self.expect(progress, total)
        seen: set[str] = set()
        missing = 0
        workers = self.reading_threads()
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="superops-invoice") as pool:
            read_page = lambda number: self.api.invoice_page(number, PAGE_SIZE, condition)  # noqa: E731
            for rows in self.pages(read_page, first, "invoices", strict=condition is None):
                progress.check()
                ids = [mapping.identifier(row.get("invoiceId")) for row in rows]
                ids = [invoice_id for invoice_id in dict.fromkeys(ids) if invoice_id and invoice_id not in seen]
                reads = pool.map(self.invoice_or_none, ids) if workers > 1 else map(self.invoice_or_none, ids)
                details = list(reads)
                found = (row for row in details if row is not None)
                records = tuple(mapping.invoice_record(row, self.today, currency=self.currency) for row in found)
                missing += details.count(None)
                seen.update(ids)
                progress.advance(len(rows) - len(records))  # repeated or vanished rows
                yield Batch(records)
        if condition is None and (missing or len(seen) != total):
            raise ScanMoved("invoices")

    def reading_threads(self) -> int:
        """Invoices are read `concurrency` at a time. Each reading thread counts its calls in the
        shared rate budget, which without Redis is the database's cache table: under a caller's
        open transaction on SQLite (the demo seed runs its first syncs inside one) those threads
        would wait on SQLite's one writer, so the reads stay in this thread there."""
        budget_in_database = "DatabaseCache" in settings.CACHES.get("budgets", {}).get("BACKEND", "")
        if budget_in_database and db.vendor == "sqlite" and db.in_atomic_block:
            return 1
        return max(1, self.account_rate_limit().concurrency)

    def invoice_or_none(self, invoice_id: str) -> dict | None:
        try:
            return self.api.invoice(invoice_id)
        except api.EntityMissing:
            return None  # deleted since it was listed
