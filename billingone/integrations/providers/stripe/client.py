"""Stripe's REST API as the provider needs it: key auth, a pinned API version, cursor-paged
lists, and Stripe's answers turned into the error taxonomy of integrations/base.py.

Every call goes through lib/http.ProviderClient (configured host only, timeouts, retries, and a
per-account limiter under Stripe's 25 requests per second per endpoint), so a sync sees no 429."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

from django.conf import settings

from billingone.integrations.base import (
    CredentialsRejected,
    PermissionMissing,
    RateLimit,
    UnexpectedAnswer,
)
from billingone.lib.http import ProviderClient

API_VERSION = "2023-08-16"  # pinned: answers keep the shape of contract/schemas.json
PAGE_LIMIT = 100  # the largest page Stripe serves
PERMISSION = re.compile(r"'(rak_[a-z_]+)'")
PERMISSION_LABELS = {
    "rak_payment_link_read": "Payment Links: Read",
    "rak_checkout_session_read": "Checkout Sessions: Read",
}


class NotFound(Exception):
    """Stripe has no such object (a link deleted since it was listed)."""


def key_mode(key: str) -> str:
    """ "test" or "live", from the key's prefix (sk_test_, rk_live_, …); "" if it is not a key."""
    match = re.match(r"^(sk|rk)_(test|live)_", key)
    return match.group(2) if match else ""


def rate_limit() -> RateLimit:
    # A one-second window is short enough for network jitter to bunch our calls up on arrival:
    # keep 20% under Stripe's budget rather than the usual 5%.
    per_second = settings.STRIPE_RATE_LIMIT_PER_SECOND
    return RateLimit(calls=per_second, period=1.0, concurrency=settings.STRIPE_MAX_CONCURRENCY, headroom=0.8)


class StripeApi:
    def __init__(self, key: str):
        self.key = key
        self.base = settings.STRIPE_API_URL.rstrip("/")
        self.http = ProviderClient(
            provider="Stripe",
            account_key=hashlib.sha256(key.encode()).hexdigest()[:16],
            rate_limit=rate_limit(),
            allowed_urls=[settings.STRIPE_API_URL],
            secrets=[key],
            rate_headers=lambda headers: None,  # Stripe sends no rate headers; 429s pause the limiter
        )

    def close(self) -> None:
        self.http.close()

    def get(self, path: str, params: list[tuple[str, str]] | dict | None = None) -> dict:
        headers = {"Authorization": f"Bearer {self.key}", "Stripe-Version": API_VERSION}
        response, payload = self.http.request_json("GET", self.base + path, params=params or {}, headers=headers)
        return self.checked(response.status_code, payload, path)

    def checked(self, status: int, payload: object, path: str) -> dict:
        error = payload.get("error") if isinstance(payload, dict) else None
        message = error.get("message", "") if isinstance(error, dict) else ""
        if status == 401:
            raise CredentialsRejected(
                "Stripe rejected this key (it is wrong, was rolled or deleted). "
                "Copy a current key from Stripe → Developers → API keys.",
                field="api_key",
            )
        if status == 403:
            raise self.permission_missing(message)
        if status == 404 and isinstance(error, dict) and error.get("code") == "resource_missing":
            raise NotFound(path)
        if status != 200 or not isinstance(payload, dict) or "object" not in payload:
            detail = f": {self.http.scrub(message)[:200]}" if message else "."
            raise UnexpectedAnswer(f"Stripe answered HTTP {status} for {path}{detail}")
        return payload

    @staticmethod
    def permission_missing(message: str) -> PermissionMissing:
        found = PERMISSION.search(message)
        needed = PERMISSION_LABELS.get(found.group(1), found.group(1)) if found else "read access"
        return PermissionMissing(
            f"This Stripe key lacks a permission BillingOne needs ({needed}). In Stripe → Developers → API keys, "
            "edit the restricted key: Payment Links and Checkout Sessions both need Read.",
            field="api_key",
        )

    def pages(self, path: str, params: list[tuple[str, str]] | None = None) -> Iterator[dict]:
        """Every page of a list, `limit=100`, following `starting_after` until `has_more` is false."""
        after = ""
        while True:
            query = [*(params or []), ("limit", str(PAGE_LIMIT))] + ([("starting_after", after)] if after else [])
            page = self.get(path, query)
            data = page.get("data")
            if page.get("object") != "list" or not isinstance(data, list) or not isinstance(page.get("has_more"), bool):
                raise UnexpectedAnswer(f"Stripe's {path} answer is not a list.")
            yield page
            if not page["has_more"] or not data:
                return
            after = str(data[-1].get("id", ""))
            if not after:
                raise UnexpectedAnswer(f"Stripe's {path} answer has an object without an id.")
