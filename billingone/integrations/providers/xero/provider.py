"""Xero (accounting): contacts and sales invoices with their lines, per specs/xero.

Auth: OAuth2 authorization code + PKCE (web only; see xero_auth.py and the xero_web views).
Sync: `delta` asks only for what changed since the start of the last successful sync
(If-Modified-Since), `full` reads everything and flags what disappeared. Pages of 1,000, the
`xero-tenant-id` header on every call, 60 calls/minute and 5 in flight per organisation, and
the daily budget read from X-DayLimit-Remaining: when it runs out the sync stops cleanly.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
from django.conf import settings

from billingone.integrations.base import (
    AuthKind,
    ConfigurationInvalid,
    NeedsReauthorization,
    PermissionMissing,
    Progress,
    Provider,
    PushDocument,
    PushResult,
    RateLimit,
    RateLimited,
    Side,
    SyncMode,
    UnexpectedAnswer,
)
from billingone.integrations.providers.xero import auth as xero_auth
from billingone.integrations.providers.xero import drafts as xero_drafts
from billingone.integrations.providers.xero import mapping
from billingone.integrations.providers.xero import webhooks as xero_webhooks
from billingone.integrations.records import Batch, Complete, Kind, Yielded
from billingone.lib.http import ProviderClient

PAGE_SIZE = 1000  # the contract's maximum
PREFETCH = 2  # pages fetched ahead while one is stored (Xero allows 5 in flight)
DELTA_MARGIN = timedelta(minutes=2)  # clock skew between Xero and us: re-read a little, lose nothing
API_PATH = "/api.xro/2.0"


class TokenExpired(Exception):
    """A prefetching thread met a 401; the sync's own thread refreshes and fetches again."""


class DailyLimitReached(RateLimited):
    """Xero's daily call budget for this organisation is spent; it resets at midnight UTC."""

    code = "daily_limit"


def seconds_to_midnight_utc() -> float:
    now = datetime.now(tz=UTC)
    return (now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1) - now).total_seconds()


def daily_limit_error(done: int) -> DailyLimitReached:
    return DailyLimitReached(
        f"Xero's daily API limit for this organisation is used up; the sync stopped cleanly after {done:,} "
        "records and continues after the limit resets at 00:00 UTC.",
        retry_after=seconds_to_midnight_utc() + 60,
    )


class Xero(Provider):
    key = "xero"
    name = "Xero"
    auth = AuthKind.OAUTH2
    side = Side.BILLING
    description = "Accounting: the invoices you send your clients."
    syncs = "contacts, invoices"
    sync_modes = (
        SyncMode("delta", "Sync from Xero", "Contacts and invoices changed since the last sync."),
        SyncMode("full", "Full sync", "Every contact and invoice; flags what was removed."),
    )
    url_settings = xero_auth.URL_SETTINGS
    sync_interval_setting = "XERO_SYNC_INTERVAL_MINUTES"
    default_sync_interval = timedelta(hours=1)
    data_url_name = "invoices"
    rate_limit = RateLimit(calls=60, period=60.0, concurrency=5)  # per Xero organisation
    oauth = xero_auth.HOOKS
    webhooks = xero_webhooks.HOOKS
    pushes_drafts = True
    draft_becomes = "a DRAFT invoice (or credit note) in Xero, to approve and send there"
    default_tax_code = "OUTPUT"  # GST on income; a line may name another tax type

    def __init__(self, context):
        super().__init__(context)
        self.credentials = context.credentials
        # The chosen organisation ("tenant_id" before the shared OAuth connect stored "account_id").
        self.tenant_id = self.credentials.get("account_id") or self.credentials.get("tenant_id") or ""
        self.day_remaining: int | None = None
        self.records_done = 0  # rows written so far (for the daily-limit message)
        self.planned = 0  # rows announced by the first pages (the progress total)
        self.http = ProviderClient(
            provider="Xero",
            account_key=self.tenant_id or "no-tenant",
            rate_limit=self.rate_limit,
            allowed_urls=xero_auth.allowed_urls(),
            secrets=[self.credentials.get(k, "") for k in ("access_token", "refresh_token", "own_client_secret")],
            rate_headers=self.read_rate_headers,
        )

    # ---- tokens --------------------------------------------------------------------------
    def access_token(self) -> str:
        if xero_auth.is_fresh(self.credentials):
            return self.credentials["access_token"]
        return self.refresh()

    def current_token(self) -> str:
        if not xero_auth.is_fresh(self.credentials):
            raise TokenExpired
        return self.credentials["access_token"]

    def refresh(self) -> str:
        seen = self.credentials.get("access_token", "")
        connection = self.context.connection
        if connection is not None and connection.pk:
            fresh = xero_auth.refresh_connection(connection.pk, seen)
        else:  # no stored connection (contract tests, the benchmark): refresh in memory
            app = xero_auth.app_for(self.credentials)
            fresh = {**self.credentials, **xero_auth.refresh_tokens(app, self.credentials.get("refresh_token", ""))}
            self.context.save_credentials(fresh)
        self.credentials.update(fresh)
        self.http.secrets.extend(s for s in (fresh["access_token"], fresh.get("refresh_token", "")) if s)
        return fresh["access_token"]

    # ---- calls -----------------------------------------------------------------------------
    def read_rate_headers(self, headers: httpx.Headers) -> float | None:
        """Called on every answer: track the daily budget; a daily 429 stops the sync at once."""
        if headers.get("X-Rate-Limit-Problem", "").lower() == "day":
            self.day_remaining = 0
            raise daily_limit_error(self.records_done)
        remaining = headers.get("X-DayLimit-Remaining")
        if remaining is not None and remaining.strip().isdigit():
            self.day_remaining = int(remaining)
        minute = headers.get("X-MinLimit-Remaining")
        return 2.0 if minute is not None and minute.strip() == "0" else None

    def get(self, path: str, params: dict | None = None, since: datetime | None = None, may_refresh: bool = True):
        """GET with the bearer token and tenant header; one refresh on a 401 (or TokenExpired
        when called from a prefetching thread, which must not touch the database)."""
        if not self.tenant_id and path != "/connections":
            raise ConfigurationInvalid("No Xero organisation is chosen for this connection; reconnect Xero.")
        url = settings.XERO_API_URL.rstrip("/") + path
        for attempt in (1, 2):
            if self.day_remaining is not None and self.day_remaining <= 0:
                raise daily_limit_error(self.records_done)
            token = self.access_token() if may_refresh else self.current_token()
            headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": self.tenant_id}
            if since is not None:
                headers["If-Modified-Since"] = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            response, payload = self.http.request_json("GET", url, params=params, headers=headers)
            if response.status_code == 401 and attempt == 1:
                if not may_refresh:
                    raise TokenExpired
                self.refresh()
                continue
            return self.check(response, payload)
        raise AssertionError("unreachable")

    def check(self, response: httpx.Response, payload: object) -> object:
        if response.status_code == 401:
            raise NeedsReauthorization(xero_auth.REAUTH_MESSAGE)
        if response.status_code == 403:
            raise PermissionMissing(
                "Xero refused access to this organisation: it was disconnected from BillingOne, or a permission "
                "is missing. Reconnect Xero."
            )
        if response.status_code != 200:
            raise UnexpectedAnswer(f"Xero answered HTTP {response.status_code} to a {response.request.url.path} call.")
        return payload

    def test_connection(self) -> None:
        connections = self.get("/connections")
        if not isinstance(connections, list):
            raise UnexpectedAnswer("Xero's /connections answer is not a list.")
        if self.tenant_id and self.tenant_id not in {c.get("tenantId") for c in connections if isinstance(c, dict)}:
            raise PermissionMissing(
                "The chosen Xero organisation is no longer connected to BillingOne. Reconnect Xero."
            )

    # ---- invoice drafts --------------------------------------------------------------------
    @classmethod
    def draft_payload(cls, document: PushDocument) -> dict:
        return xero_drafts.payload(document)

    def push_draft(self, document: PushDocument) -> PushResult:
        if not self.tenant_id:
            raise ConfigurationInvalid("No Xero organisation is chosen for this connection; reconnect Xero.")
        return xero_drafts.push(self, document)

    # ---- sync ------------------------------------------------------------------------------
    def fetch(self, mode: str, since: datetime | None, progress: Progress) -> Iterator[Yielded]:
        """Contacts, then sales invoices: changed since `since` (delta) or all (full)."""
        since = since if mode == "delta" else None
        for resource, convert, kind in (
            ("Contacts", mapping.contact, Kind.CUSTOMER),
            ("Invoices", mapping.invoice, Kind.INVOICE),
        ):
            for items in self.pages(resource, since, progress):
                self.records_done += len(items)
                yield Batch(tuple(convert(item) for item in items))
            if mode == "full":
                yield Complete(kind)

    def pages(self, resource: str, since: datetime | None, progress: Progress):
        """Yield each page's items. The first page tells the total (progress bar) and the page
        count; the next PREFETCH pages are fetched while the caller stores this one."""
        payload = self.fetch_page(resource, 1, since)
        items, last = self.unpack(resource, payload)
        self.add_total(progress, int((payload.get("pagination") or {}).get("itemCount") or len(items)))
        number = 1
        with ThreadPoolExecutor(max_workers=PREFETCH, thread_name_prefix="xero-page") as pool:
            pending: dict[int, Future] = {}
            while True:
                for upcoming in range(number + 1, min(last, number + PREFETCH) + 1):
                    if upcoming not in pending:
                        self.access_token()  # any refresh happens here, never in a fetching thread
                        pending[upcoming] = pool.submit(self.fetch_page, resource, upcoming, since, False)
                progress.check()
                yield items
                if number >= last or len(items) < PAGE_SIZE:
                    for future in pending.values():
                        future.cancel()
                    return
                number += 1
                payload = self.collect(pending.pop(number), resource, number, since)
                items, count = self.unpack(resource, payload)
                last = max(last, count)  # the data grew while we paged: keep going

    def fetch_page(self, resource: str, number: int, since: datetime | None, may_refresh: bool = True) -> object:
        params = {"page": number, "pageSize": PAGE_SIZE}
        if resource == "Invoices":
            params["where"] = 'Type=="ACCREC"'  # sales invoices only; bills are not billing data
        return self.get(f"{API_PATH}/{resource}", params, since, may_refresh)

    def collect(self, future: Future, resource: str, number: int, since: datetime | None) -> object:
        try:
            return future.result()
        except TokenExpired:  # expired between our check and Xero's: refresh here, fetch again
            self.refresh()
            return self.fetch_page(resource, number, since)

    @staticmethod
    def unpack(resource: str, payload: object) -> tuple[list, int]:
        if not isinstance(payload, dict) or not isinstance(payload.get(resource), list):
            raise UnexpectedAnswer(f"Xero's {resource} answer has no {resource} list.")
        try:
            count = int((payload.get("pagination") or {}).get("pageCount") or 1)
        except (TypeError, ValueError):
            raise UnexpectedAnswer(f"Xero's {resource} answer has an unreadable page count.") from None
        return payload[resource], count

    def add_total(self, progress: Progress, count: int) -> None:
        self.planned += count
        progress.set_total(self.planned)
