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
from datetime import timedelta

from django.conf import settings

from billingone.integrations.base import (
    CredentialField,
    CredentialsRejected,
    PermissionMissing,
    Progress,
    Provider,
    RateLimit,
    SyncMode,
    UnexpectedAnswer,
)
from billingone.integrations.providers.pax8 import mapping
from billingone.integrations.records import Batch, Complete, Kind, Yielded
from billingone.lib.http import ProviderClient

AUDIENCE = "https://api.pax8.com"
PAGE_SIZE = 200  # the contract's maximum
TOKEN_MARGIN = 300.0  # renew this many seconds before the token expires
RESOURCES = (
    ("companies", Kind.CUSTOMER, "name"),
    ("products", Kind.PRODUCT, "name"),
    ("subscriptions", Kind.SUBSCRIPTION, "createdDate,asc"),
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
                field="client_secret",
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

    def fetch(self, mode: str, since, progress: Progress) -> Iterator[Yielded]:
        """Full scans of companies, products and subscriptions (Pax8 has no delta)."""
        try:
            firsts = {path: self.page(f"/{path}", sort, 0) for path, _, sort in RESOURCES}
            progress.set_total(sum(int(first["page"].get("totalElements", 0)) for first in firsts.values()))
            for path, kind, sort in RESOURCES:
                yield from self.scan(path, kind, sort, firsts[path])
        finally:
            self.http.close()

    def scan(self, path: str, kind: Kind, sort: str, first: dict) -> Iterator[Yielded]:
        """One resource, retried once if the data moved under it; only a pass that saw exactly
        the total it announced may sweep (a moving scan removes nothing this time)."""
        seen: set[str] = set()
        for attempt in range(2):
            expected, this_pass, moved = None, set(), False
            for page in self.pages(f"/{path}", sort, first if attempt == 0 else None):
                total = int(page["page"].get("totalElements", 0))
                expected = total if expected is None else expected
                records = [mapping.to_record(path, item) for item in page["content"]]
                this_pass.update(record.external_id for record in records)
                fresh = tuple(record for record in records if record.external_id not in seen)
                seen.update(record.external_id for record in fresh)
                yield Batch(fresh)
                if total != expected:
                    moved = True
                    break
            if not moved and (expected is None or len(this_pass) == expected):
                yield Complete(kind)
                return
