"""The accounting API of one QuickBooks company (realm): query, CDC and CompanyInfo reads over
billingone/lib/http.py (hosts from settings, 500 calls a minute and 10 in flight per realm,
Retry-After honoured, 5xx / timeouts / garbled bodies retried), `minorversion=75` on every call.

Fault bodies become the error taxonomy of integrations/base.py. A 401 refreshes the token once;
a thread that must not refresh (a page fetched ahead) raises TokenExpired so the sync's own
thread refreshes and fetches again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

import httpx
from django.conf import settings

from billingone.integrations.base import (
    NeedsReauthorization,
    PermissionMissing,
    RateLimit,
    UnexpectedAnswer,
)
from billingone.integrations.providers.quickbooks import auth
from billingone.lib.http import ProviderClient

MINOR_VERSION = "75"
RATE = RateLimit(calls=500, period=60.0, concurrency=10)  # per realm (PROVIDERS.md §3.6)


class TokenExpired(Exception):
    """A 401 (or a stale token) in a thread that may not refresh."""


def fault_message(payload: object) -> str:
    """The first Fault error as a sentence (Message: Detail (code)), or ""."""
    fault = payload.get("Fault") if isinstance(payload, dict) else None
    errors = fault.get("Error") if isinstance(fault, dict) else None
    if not errors or not isinstance(errors[0], dict):
        return ""
    error = errors[0]
    detail = str(error.get("Detail") or "")[:200]
    return f"{error.get('Message', 'Fault')}: {detail} (code {error.get('code', '?')})"


class QuickBooksApi:
    def __init__(
        self,
        credentials: dict[str, str],
        realm_id: str,
        refresh: Callable[[], dict[str, str]],
        *,
        rate_limit: RateLimit = RATE,
    ):
        self.credentials = credentials
        self.realm_id = realm_id
        self.refresh_credentials = refresh
        self.last_time = ""  # the `time` of the latest answer: QuickBooks' own clock
        self.http = ProviderClient(
            provider="QuickBooks",
            account_key=self.realm_id or "no-realm",
            rate_limit=rate_limit,
            allowed_urls=auth.allowed_urls(),
            secrets=[credentials.get("access_token", ""), credentials.get("refresh_token", "")],
        )

    def close(self) -> None:
        self.http.close()

    @property
    def base(self) -> str:
        return f"{settings.QUICKBOOKS_API_URL.rstrip('/')}/v3/company/{quote(self.realm_id, safe='')}"

    # ---- tokens --------------------------------------------------------------------------
    def token(self, may_refresh: bool) -> str:
        if auth.is_fresh(self.credentials):
            return self.credentials["access_token"]
        if not may_refresh:
            raise TokenExpired
        return self.refresh()

    def refresh(self) -> str:
        fresh = self.refresh_credentials()
        self.credentials.update(fresh)
        self.http.secrets.extend(s for s in (fresh.get("access_token"), fresh.get("refresh_token")) if s)
        return self.credentials["access_token"]

    # ---- calls ---------------------------------------------------------------------------
    def get(self, path: str, params: dict[str, str] | None = None, may_refresh: bool = True) -> dict:
        if not self.realm_id:
            raise NeedsReauthorization("No QuickBooks company is chosen for this connection; reconnect QuickBooks.")
        query = {**(params or {}), "minorversion": MINOR_VERSION}
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self.token(may_refresh)}", "Accept": "application/json"}
            response, payload = self.http.request_json("GET", self.base + path, params=query, headers=headers)
            if response.status_code == 401 and attempt == 1:
                if not may_refresh:
                    raise TokenExpired
                self.refresh()
                continue
            answer = self.check(response, payload)
            self.last_time = str(answer.get("time") or self.last_time)
            return answer
        raise AssertionError("unreachable")

    def check(self, response: httpx.Response, payload: object) -> dict:
        if response.status_code == 401:
            raise NeedsReauthorization(auth.REAUTH_MESSAGE)
        if response.status_code == 403:
            raise PermissionMissing(
                "QuickBooks refused access to this company: the app was disconnected from it or a permission is "
                "missing. Reconnect QuickBooks."
            )
        message = fault_message(payload)
        if response.status_code != 200 or message:
            path = response.request.url.path.rsplit("/", 1)[-1]
            raise UnexpectedAnswer(
                f"QuickBooks answered HTTP {response.status_code} to a {path} call: {message or 'no Fault body'}"
            )
        if not isinstance(payload, dict):
            raise UnexpectedAnswer("QuickBooks sent an answer that is not a JSON object.")
        return payload

    def query(self, text: str, may_refresh: bool = True) -> dict:
        """QueryResponse of one query (QBO omits the entity key when nothing matched)."""
        answer = self.get("/query", {"query": text}, may_refresh)
        body = answer.get("QueryResponse")
        if not isinstance(body, dict):
            raise UnexpectedAnswer("QuickBooks' query answer has no QueryResponse.")
        return body

    def count(self, entity: str) -> int:
        body = self.query(f"SELECT count(*) FROM {entity}")  # noqa: S608 - QBO query text, constant entity
        try:
            return int(body.get("totalCount", 0))
        except (TypeError, ValueError):
            raise UnexpectedAnswer(f"QuickBooks' count of {entity} is not a number.") from None

    def cdc(self, entities: tuple[str, ...], since: datetime) -> tuple[dict[str, list[dict]], str]:
        """Changed and deleted entities since `since`, per entity, and the answer's `time`."""
        params = {"entities": ",".join(entities), "changedSince": since.isoformat(timespec="seconds")}
        answer = self.get("/cdc", params)
        try:
            responses = answer["CDCResponse"][0]["QueryResponse"]
            found = {name: list(entry.get(name) or []) for entry in responses for name in entities if name in entry}
            return {name: found.get(name, []) for name in entities}, str(answer["time"])
        except (KeyError, IndexError, TypeError, AttributeError):
            raise UnexpectedAnswer("QuickBooks' change data capture answer is not in the documented shape.") from None

    def company_info(self) -> dict:
        answer = self.get(f"/companyinfo/{quote(self.realm_id, safe='')}")
        info = answer.get("CompanyInfo")
        if not isinstance(info, dict):
            raise UnexpectedAnswer("QuickBooks' CompanyInfo answer has no CompanyInfo.")
        return info
