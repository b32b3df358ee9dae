"""Pax8 (cloud distributor): companies, products and subscriptions, per specs/pax8.

Auth: OAuth2 client credentials with a JSON body and `audience` → a 24 h bearer token,
cached per credential pair and renewed 5 minutes before expiry (or at once on a 401).
Sync: full paged scans at the largest page size (200), bulk upserts, removal marking only
after a scan proved consistent (the total did not move while paging).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings

from billingone.billing import store
from billingone.billing.models import DISPLAY_STATUS, Pax8Company, Pax8Product, Pax8Subscription
from billingone.integrations.base import (
    CredentialField,
    CredentialsRejected,
    PermissionMissing,
    Progress,
    Provider,
    RateLimit,
    SyncCounts,
    SyncMode,
    UnexpectedAnswer,
)
from billingone.lib.http import ProviderClient

AUDIENCE = "https://api.pax8.com"
PAGE_SIZE = 200  # the contract's maximum
TOKEN_MARGIN = 300.0  # renew this many seconds before the token expires
RESOURCES = (
    ("companies", Pax8Company, "name"),
    ("products", Pax8Product, "name"),
    ("subscriptions", Pax8Subscription, "createdDate,asc"),
)

_TOKENS: dict[str, tuple[str, float]] = {}  # sha256(client id + secret) → (token, monotonic expiry)
_TOKENS_LOCK = threading.Lock()
_RENEW_LOCKS: dict[str, threading.Lock] = {}  # per credential pair: concurrent fetches renew once


class Pax8(Provider):
    key = "pax8"
    name = "Pax8"
    description = "Cloud distributor: the licences your clients use."
    syncs = "companies, products, subscriptions"
    credential_fields = (
        CredentialField(
            "client_id", "Client ID", help_text="Pax8 app → Settings → Integrations → Credentials.", max_length=200
        ),
        CredentialField("client_secret", "Client secret", secret=True, max_length=500),
    )
    sync_modes = (SyncMode("full", "Sync now", "Full scan of companies, products and subscriptions."),)
    url_settings = ("PAX8_API_URL", "PAX8_TOKEN_URL")
    sync_interval_setting = "PAX8_SYNC_INTERVAL_MINUTES"
    default_sync_interval = timedelta(hours=1)
    data_url_name = "subscriptions"
    rate_limit = RateLimit(calls=1000, period=60.0, concurrency=4)

    def __init__(self, context):
        super().__init__(context)
        self.client_id = context.credentials.get("client_id", "")
        self.client_secret = context.credentials.get("client_secret", "")
        self.api_url = settings.PAX8_API_URL.rstrip("/")
        self.http = ProviderClient(
            provider="Pax8",
            account_key=hashlib.sha256(self.client_id.encode()).hexdigest()[:16],
            rate_limit=self.account_rate_limit(),
            allowed_urls=[getattr(settings, name) for name in self.url_settings],
            secrets=[self.client_secret],
        )

    @classmethod
    def account_rate_limit(cls) -> RateLimit:
        return RateLimit(
            calls=settings.PAX8_RATE_LIMIT_CALLS,
            period=float(settings.PAX8_RATE_LIMIT_PERIOD_SECONDS),
            concurrency=settings.PAX8_MAX_CONCURRENCY,
        )

    # ---- token ---------------------------------------------------------------------------
    def _token_key(self) -> str:
        return hashlib.sha256(f"{self.client_id}\0{self.client_secret}".encode()).hexdigest()

    def token(self, *, rejected: str | None = None) -> str:
        """The cached bearer token, or a new one when it is missing, near expiry, or is the
        `rejected` one. Single-flight: concurrent page fetches renew it once."""
        key = self._token_key()
        with _TOKENS_LOCK:
            renew_lock = _RENEW_LOCKS.setdefault(key, threading.Lock())
        with renew_lock:
            with _TOKENS_LOCK:
                cached = _TOKENS.get(key)
            if cached and cached[0] != rejected and cached[1] - TOKEN_MARGIN > time.monotonic():
                return cached[0]
            token, expires_in = self._request_token()
            with _TOKENS_LOCK:
                _TOKENS[key] = (token, time.monotonic() + expires_in)
            return token

    def _request_token(self) -> tuple[str, float]:
        body = {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "audience": AUDIENCE,
            "grant_type": "client_credentials",
        }
        response, payload = self.http.request_json("POST", settings.PAX8_TOKEN_URL, json=body)
        if response.status_code in (400, 401, 403):
            raise CredentialsRejected(
                "Pax8 rejected this client ID and secret. Copy both again from Pax8 → Settings → Integrations.",
                field=("client_id", "client_secret"),  # Pax8 cannot say which of the pair is wrong
            )
        if response.status_code != 200 or not isinstance(payload, dict) or not payload.get("access_token"):
            raise UnexpectedAnswer(f"Pax8's token service answered unexpectedly (HTTP {response.status_code}).")
        return payload["access_token"], float(payload.get("expires_in") or 86400)

    # ---- calls -----------------------------------------------------------------------------
    def get(self, path: str, params: dict) -> dict:
        """GET an API path with the bearer token; one token renewal on 401 (expired mid-sync)."""
        token = self.token()
        for attempt in range(2):
            headers = {"Authorization": f"Bearer {token}"}
            response, payload = self.http.request_json("GET", f"{self.api_url}{path}", params=params, headers=headers)
            if response.status_code == 401 and attempt == 0:
                token = self.token(rejected=token)
                continue
            return self._checked(response.status_code, payload, path)
        raise AssertionError("unreachable")

    def _checked(self, status: int, payload: object, path: str) -> dict:
        if status == 401:
            raise CredentialsRejected("Pax8 no longer accepts these credentials.", field="client_secret")
        if status == 403:
            raise PermissionMissing(
                f"These Pax8 credentials lack permission to read {path.strip('/')}. "
                "Grant the partner API read scopes to this credential in Pax8."
            )
        if status != 200 or not isinstance(payload, dict):
            message = payload.get("message") if isinstance(payload, dict) else None
            raise UnexpectedAnswer(f"Pax8 answered HTTP {status} for {path}" + (f": {message}" if message else "."))
        return payload

    def page(self, path: str, sort: str, number: int) -> dict:
        page = self.get(path, {"page": number, "size": PAGE_SIZE, "sort": sort})
        if not isinstance(page.get("content"), list) or not isinstance(page.get("page"), dict):
            raise UnexpectedAnswer(f"Pax8's {path} answer has no content/page.")
        return page

    def pages(self, path: str, sort: str, first: dict | None = None) -> Iterator[dict]:
        """Every page of a list endpoint, 0-based, at the maximum size, in order. The next pages
        are fetched while the caller stores this one (within the account's concurrency)."""
        page = first if first is not None else self.page(path, sort, 0)
        if not isinstance(page.get("content"), list) or not isinstance(page.get("page"), dict):
            raise UnexpectedAnswer(f"Pax8's {path} answer has no content/page.")
        ahead = max(0, self.account_rate_limit().concurrency - 1)
        pending: dict[int, Future] = {}
        with ThreadPoolExecutor(max_workers=max(1, ahead), thread_name_prefix="pax8-page") as pool:
            try:
                number = 0
                while True:
                    total_pages = int(page["page"].get("totalPages", 0))
                    for upcoming in range(number + 1, min(total_pages, number + 1 + ahead)):
                        if upcoming not in pending:
                            pending[upcoming] = pool.submit(self.page, path, sort, upcoming)
                    yield page
                    number += 1
                    if number >= total_pages:
                        return
                    future = pending.pop(number, None)
                    page = future.result() if future else self.page(path, sort, number)
            finally:
                for future in pending.values():
                    future.cancel()

    # ---- the contract ---------------------------------------------------------------------
    def test_connection(self) -> None:
        try:
            self.get("/companies", {"page": 0, "size": 1})
        finally:
            self.http.close()

    def sync(self, mode: str, progress: Progress) -> SyncCounts:
        from billingone.billing.mapping import refresh_suggestions

        try:
            counts = Pax8Scan(self, progress).run()
        finally:
            self.http.close()
        refresh_suggestions(self.organization)  # new companies get Xero contact suggestions (issue 6)
        return counts

    @classmethod
    def purge(cls, organization) -> int:
        total = 0
        for model in (Pax8Subscription, Pax8Product, Pax8Company):
            total += model.objects.filter(organization=organization).delete()[0]
        return total


class Pax8Scan:
    """One full sync: three paged scans, each retried once if the data moved under it."""

    def __init__(self, provider: Pax8, progress: Progress):
        self.provider = provider
        self.progress = progress
        self.organization = provider.organization
        self.run_id = provider.context.run_id or 0
        self.counts = SyncCounts()
        self.unanalyzed = 0  # rows created since the planner last saw the table

    def run(self) -> SyncCounts:
        firsts = {
            path: self.provider.get(f"/{path}", {"page": 0, "size": PAGE_SIZE, "sort": sort})
            for path, _, sort in RESOURCES
        }
        self.progress.set_total(sum(int(first["page"].get("totalElements", 0)) for first in firsts.values()))
        for path, model, sort in RESOURCES:
            self.scan_resource(path, model, sort, firsts[path])
        return self.counts

    def scan_resource(self, path: str, model, sort: str, first: dict) -> None:
        seen: set[str] = set()
        for attempt in range(2):
            consistent = self.one_pass(path, model, sort, first if attempt == 0 else None, seen)
            if consistent:
                self.counts.removed += store.mark_removed(model, self.organization, self.run_id)
                return
        # The data kept moving while we paged: keep everything seen, remove nothing this time.

    def one_pass(self, path: str, model, sort: str, first: dict | None, seen: set[str]) -> bool:
        expected = None
        seen_this_pass: set[str] = set()
        links = self.links() if model is Pax8Subscription else None
        for page in self.provider.pages(f"/{path}", sort, first):
            self.progress.check()
            total = int(page["page"].get("totalElements", 0))
            expected = total if expected is None else expected
            rows = [self.row(model, item, links) for item in page["content"]]
            fresh = [row for row in rows if row["pax8_id"] not in seen]
            result = store.upsert_page(model, self.organization, fresh, self.run_id)
            seen.update(row["pax8_id"] for row in fresh)
            seen_this_pass.update(row["pax8_id"] for row in rows)
            self.counts = self.counts + result.counts
            self.progress.advance(len(fresh), result.counts)
            self.unanalyzed += result.counts.created
            if self.unanalyzed >= store.ANALYZE_AFTER_CREATED:
                store.refresh_statistics([model], self.unanalyzed)
                self.unanalyzed = 0
            if total != expected:
                return False
        return expected is None or len(seen_this_pass) == expected

    def links(self) -> dict[str, dict[str, int]]:
        return {
            "company": store.id_map(Pax8Company, self.organization),
            "product": store.id_map(Pax8Product, self.organization),
        }

    def row(self, model, item: dict, links) -> dict:
        if not isinstance(item, dict) or not item.get("id"):
            raise UnexpectedAnswer("Pax8 sent a record without an id.")
        try:
            if model is Pax8Company:
                return company_row(item)
            if model is Pax8Product:
                return product_row(item)
            return subscription_row(item, links)
        except (TypeError, ValueError, InvalidOperation) as exc:
            raise UnexpectedAnswer(f"Pax8 sent a record we could not read ({type(exc).__name__}).") from exc


# ---- field mapping (spec field names → our columns) -----------------------------------------


def _text(item: dict, key: str, limit: int) -> str:
    value = item.get(key)
    return "" if value is None else str(value)[:limit]


def _datetime(value) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _date(value) -> date | None:
    return datetime.fromisoformat(str(value)).date() if value else None


def _decimal(value, default: Decimal | None = Decimal(0)) -> Decimal | None:
    if value is None or value == "":
        return default
    return Decimal(str(value)).quantize(Decimal("0.01"))


def company_row(item: dict) -> dict:
    address = item.get("address") or {}
    return {
        "pax8_id": str(item["id"]),
        "name": _text(item, "name", 255) or "(unnamed company)",
        "status": _text(item, "status", 20),
        "city": _text(address, "city", 100),
        "country": _text(address, "country", 2),
        "website": _text(item, "website", 255),
        "external_id": _text(item, "externalId", 100),
        "updated_date": _datetime(item.get("updatedDate")),
    }


def product_row(item: dict) -> dict:
    return {
        "pax8_id": str(item["id"]),
        "name": _text(item, "name", 255) or "(unnamed product)",
        "vendor_name": _text(item, "vendorName", 255),
        "sku": _text(item, "sku", 100),
        "vendor_sku": _text(item, "vendorSku", 100),
        "short_description": _text(item, "shortDescription", 500),
        "requires_commitment": bool(item.get("requiresCommitment")),
    }


def subscription_row(item: dict, links: dict[str, dict[str, int]]) -> dict:
    pax8_status = _text(item, "status", 30)
    company_id, product_id = _text(item, "companyId", 64), _text(item, "productId", 64)
    return {
        "pax8_id": str(item["id"]),
        "company_id": links["company"].get(company_id),
        "product_id": links["product"].get(product_id),
        "company_pax8_id": company_id,
        "product_pax8_id": product_id,
        "product_name": _text(item, "productName", 255),
        "vendor_subscription_id": _text(item, "vendorSubscriptionId", 100),
        "quantity": _decimal(item.get("quantity")),
        "price": _decimal(item.get("price")),
        "partner_cost": _decimal(item.get("partnerCost"), None),
        "currency_code": _text(item, "currencyCode", 3),
        "billing_term": _text(item, "billingTerm", 20),
        "pax8_status": pax8_status,
        "status": DISPLAY_STATUS.get(pax8_status, Pax8Subscription.Display.SUSPENDED).value,
        "start_date": _date(item.get("startDate")),
        "end_date": _date(item.get("endDate")),
        "billing_start": _date(item.get("billingStart")),
        "updated_date": _datetime(item.get("updatedDate")),
    }
