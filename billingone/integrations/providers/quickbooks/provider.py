"""QuickBooks Online (accounting): customers, items and invoices with their lines (PROVIDERS.md §3).

Auth: OAuth2 with Intuit (web only), the chosen company's realmId is the connection's account.
Full sync: every customer, item and invoice through the query endpoint at the largest page
(1,000, STARTPOSITION/MAXRESULTS), counted first for the progress bar and the page plan, the
next pages fetched while one is stored. A Change Data Capture call over the scan's own window
then picks up what changed meanwhile; a kind is declared Complete (rows not seen are marked
removed) only when nothing of that kind was deleted during the scan, since a deletion shifts
the positions of the rows after it.
Delta: CDC from the last checkpoint (QBO's own `time`); more than 1,000 changes of a kind are
read in further windows from the last change seen; a look-back past 30 days is a full sync.
Within 500 calls a minute and 10 in flight per company, `minorversion=75` on every call.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from billingone.integrations.base import (
    AuthKind,
    Progress,
    Provider,
    PushDocument,
    PushResult,
    Side,
    SyncMode,
    UnexpectedAnswer,
)
from billingone.integrations.providers.quickbooks import auth as qbo_auth
from billingone.integrations.providers.quickbooks import drafts as qbo_drafts
from billingone.integrations.providers.quickbooks import mapping
from billingone.integrations.providers.quickbooks import webhooks as qbo_webhooks
from billingone.integrations.providers.quickbooks.client import RATE, QuickBooksApi, TokenExpired
from billingone.integrations.records import Batch, Checkpoint, Complete, Kind, Removed, Yielded

PAGE_SIZE = 1000  # the query language's MAXRESULTS maximum
PREFETCH = 2  # pages fetched ahead while one is stored (QBO allows 10 in flight)
CDC_MAX = 1000  # objects of one kind per CDC answer
CDC_LOOK_BACK = timedelta(days=30) - timedelta(hours=1)  # QBO's limit, with room for clock skew
ENTITIES: tuple[tuple[str, Kind], ...] = (("Customer", Kind.CUSTOMER), ("Item", Kind.ITEM), ("Invoice", Kind.INVOICE))
RECONCILE_PENDING = "QuickBooks data refreshed; reconciliation follows in the background."


class WindowStuck(Exception):
    """More than 1,000 changes of a kind share one timestamp: CDC cannot page past them."""


def qbo_time(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise UnexpectedAnswer("QuickBooks sent an unreadable time.") from None
    return parsed if parsed.tzinfo else timezone.make_aware(parsed)


class QuickBooks(Provider):
    key = "quickbooks"
    name = "QuickBooks Online"
    auth = AuthKind.OAUTH2
    side = Side.BILLING
    description = "Accounting: the invoices you send your clients."
    syncs = "customers, items, invoices"
    sync_modes = (
        SyncMode("delta", "Sync from QuickBooks", "Customers, items and invoices changed since the last sync."),
        SyncMode("full", "Full sync", "Every customer, item and invoice; flags what was removed."),
        SyncMode("reconcile", "Reconcile", "Refresh QuickBooks data, then reconcile it with what you buy."),
    )
    oauth = qbo_auth.HOOKS
    webhooks = qbo_webhooks.HOOKS
    rate_limit = RATE
    url_settings = qbo_auth.URL_SETTINGS
    sync_interval_setting = "QUICKBOOKS_SYNC_INTERVAL_MINUTES"
    default_sync_interval = timedelta(hours=1)
    data_url_name = "invoices"
    pushes_drafts = True
    draft_becomes = "an unsent invoice in QuickBooks"
    draft_note = (
        "QuickBooks has no draft state: pushing creates a real invoice that is not sent to the client "
        "(EmailStatus NotSet). Review it in QuickBooks, then send it from there."
    )
    default_tax_code = "TAX"

    def __init__(self, context):
        super().__init__(context)
        credentials = context.credentials
        realm_id = credentials.get("account_id") or context.config.get("account_id", "")  # the company
        self.api = QuickBooksApi(credentials, str(realm_id), self.refreshed_credentials)
        self.today = timezone.now().date()
        self.notes: list[str] = []  # said in the run's result
        self.planned = 0  # rows announced so far: the progress total

    def refreshed_credentials(self) -> dict[str, str]:
        connection = self.context.connection
        if connection is not None and connection.pk:
            return qbo_auth.refresh_connection(connection.pk, self.context.credentials.get("access_token", ""))
        fresh = {**self.context.credentials, **qbo_auth.refresh_tokens(self.context.credentials)}
        self.context.save_credentials(fresh)  # no stored connection (contract tests, the benchmark)
        return fresh

    def test_connection(self) -> None:
        self.company_name()

    def company_name(self) -> str:
        info = self.api.company_info()
        return str(info.get("CompanyName") or info.get("LegalName") or "")

    # ---- invoice drafts ------------------------------------------------------------------
    @classmethod
    def draft_payload(cls, document: PushDocument) -> dict:
        return qbo_drafts.payload(document)

    def push_draft(self, document: PushDocument) -> PushResult:
        try:
            return qbo_drafts.push(self, document)
        finally:
            self.api.close()

    # ---- fetch ---------------------------------------------------------------------------
    def fetch(self, mode: str, since: datetime | None, progress: Progress) -> Iterator[Yielded]:
        try:
            if mode == "reconcile":
                self.notes.append(RECONCILE_PENDING)
            if mode != "full" and since is not None and since > timezone.now() - CDC_LOOK_BACK:
                yield from self.delta(since, progress)
            else:
                yield from self.full(progress)
        finally:
            self.api.close()

    def expect(self, progress: Progress, rows: int) -> None:
        """Grow the progress total (the engine advances it as it stores each batch)."""
        self.planned += rows
        progress.set_total(self.planned)

    def full(self, progress: Progress) -> Iterator[Yielded]:
        """Customers and items page until a short page (a company has few); invoices are counted
        first, which plans their pages and sizes the progress bar."""
        invoices = self.api.count("Invoice")
        started = qbo_time(self.api.last_time)
        self.expect(progress, invoices)
        for entity, _kind in ENTITIES:
            for rows in self.pages(entity, invoices if entity == "Invoice" else 0, progress):
                if entity != "Invoice":
                    self.expect(progress, len(rows))
                yield Batch(tuple(self.records(entity, rows)))
        yield from self.catch_up(started, progress)

    def catch_up(self, scan_started: datetime, progress: Progress) -> Iterator[Yielded]:
        """What changed while the scan ran; Complete for each kind no deletion could have shifted."""
        try:
            changes, checkpoint = self.capture(scan_started)
        except WindowStuck as stuck:
            self.notes.append(f"{stuck.args[0]} changed too fast to confirm a complete scan; the next sync will.")
            return
        deleted_kinds = yield from self.emit(changes, progress)
        for _entity, kind in ENTITIES:
            if kind not in deleted_kinds:
                yield Complete(kind)
        yield Checkpoint(checkpoint)

    def delta(self, since: datetime, progress: Progress) -> Iterator[Yielded]:
        try:
            changes, checkpoint = self.capture(since)
        except WindowStuck:
            yield from self.full(progress)
            return
        yield from self.emit(changes, progress)
        yield Checkpoint(checkpoint)

    def emit(self, changes: dict[str, list[dict]], progress: Progress):
        """Batches of changed rows and Removed for deletion stubs, customers first; the kinds deleted."""
        self.expect(progress, sum(len(rows) for rows in changes.values()))
        deleted_kinds: set[Kind] = set()
        for entity, kind in ENTITIES:
            rows = changes.get(entity, [])
            live = [row for row in rows if row.get("status") != "Deleted"]
            gone = tuple(str(row["Id"]) for row in rows if row.get("status") == "Deleted")
            if live:
                yield Batch(tuple(self.records(entity, live)))
            if gone:
                deleted_kinds.add(kind)
                yield Removed(kind, gone)
                progress.advance(len(gone))  # the engine advances for stored batches only
        return deleted_kinds

    # ---- change data capture -------------------------------------------------------------------
    def capture(self, since: datetime) -> tuple[dict[str, list[dict]], datetime]:
        """Every change since `since` per entity (the newest version of each row) and the
        checkpoint: the first answer's time, which every later window also covers."""
        entities = tuple(entity for entity, _kind in ENTITIES)
        answer, answered_at = self.api.cdc(entities, since)
        changes = {entity: {str(row.get("Id")): row for row in answer[entity]} for entity in entities}
        full = [entity for entity in entities if len(answer[entity]) >= CDC_MAX]
        for entity in full:
            window_start, rows = since, answer[entity]
            while len(rows) >= CDC_MAX:
                latest = max(qbo_time((row.get("MetaData") or {}).get("LastUpdatedTime", "")) for row in rows)
                if latest <= window_start:
                    raise WindowStuck(entity)
                window_start = latest
                rows = self.api.cdc((entity,), window_start)[0][entity]
                changes[entity].update((str(row.get("Id")), row) for row in rows)
        return {entity: list(rows.values()) for entity, rows in changes.items()}, qbo_time(answered_at)

    # ---- pages ---------------------------------------------------------------------------
    def pages(self, entity: str, counted: int, progress: Progress) -> Iterator[list[dict]]:
        """Each page's rows in Id order; PREFETCH pages are fetched while the caller stores one.
        With a count, exactly its pages are read (rows added since come with the catch-up);
        without one, pages are read until a short one."""
        planned = -(-counted // PAGE_SIZE) if counted else None
        with ThreadPoolExecutor(max_workers=PREFETCH, thread_name_prefix="qbo-page") as pool:
            pending: deque[tuple[int, Future]] = deque()
            next_page = 0

            def submit() -> None:
                nonlocal next_page
                self.api.token(may_refresh=True)  # any refresh happens here, never in a fetching thread
                start = 1 + next_page * PAGE_SIZE
                pending.append((start, pool.submit(self.page, entity, start, False)))
                next_page += 1

            while planned is None or next_page < planned or pending:
                while len(pending) <= PREFETCH and (next_page < planned if planned is not None else not pending):
                    submit()
                start, future = pending.popleft()
                rows = self.collect(future, entity, start)
                progress.check()
                yield rows
                if len(rows) < PAGE_SIZE:
                    for _start, later in pending:
                        later.cancel()
                    return

    def page(self, entity: str, start: int, may_refresh: bool) -> list[dict]:
        text = f"SELECT * FROM {entity} ORDERBY Id STARTPOSITION {start} MAXRESULTS {PAGE_SIZE}"  # noqa: S608
        rows = self.api.query(text, may_refresh).get(entity, [])
        if not isinstance(rows, list):
            raise UnexpectedAnswer(f"QuickBooks' {entity} page is not a list.")
        return rows

    def collect(self, future: Future, entity: str, start: int) -> list[dict]:
        try:
            return future.result()
        except TokenExpired:  # expired between our check and QuickBooks': refresh here, fetch again
            self.api.refresh()
            return self.page(entity, start, True)

    def records(self, entity: str, rows: list[dict]) -> Iterator:
        for row in rows:
            if entity == "Customer":
                yield mapping.customer_record(row)
            elif entity == "Item":
                yield mapping.item_record(row)
            else:
                yield mapping.invoice_record(row, self.today, self.invoice_url(row))

    def invoice_url(self, row: dict) -> str:
        return f"{settings.QUICKBOOKS_APP_URL.rstrip('/')}/app/invoice?txnId={row.get('Id', '')}"
