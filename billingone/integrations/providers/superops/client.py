"""The SuperOps MSP GraphQL API of one tenant (PROVIDERS.md §4): one POST endpoint per region,
`Authorization: Bearer <API token>` and `CustomerSubDomain` on every call, over
billingone/lib/http.py (hosts from settings, 800 calls a minute, retries on 5xx / timeouts /
garbled bodies).

SuperOps answers business errors with HTTP 200 and an `errors` array whose
`extensions.clientError[].code` says what went wrong, so no answer is taken as a success before
its `errors` are read. `rate_limit_exceeded` there is a rate refusal like a 429: the shared
limiter pauses the account and the call is retried (`rate_limited_answer`).
"""

from __future__ import annotations

import hashlib
import json

import httpx
from django.conf import settings

from billingone.integrations.base import (
    CredentialsRejected,
    PermissionMissing,
    RateLimit,
    UnexpectedAnswer,
)
from billingone.lib.http import ProviderClient, retry_after_seconds

REGIONS = {"us": "SUPEROPS_API_URL", "eu": "SUPEROPS_EU_API_URL"}  # region → the setting of its endpoint
RATE_REFUSAL_PAUSE = 10.0  # SuperOps documents no Retry-After: wait this long when it gives none

# The documented request shapes (PROVIDERS.md §4.2); nested inputs travel as variables, so no
# guessed type name of the reconstructed subset appears in the query text.
CLIENT_LIST = """query getClientList($input: ListInfoInput!) { getClientList(input: $input) {
  clients { accountId name stage status emailDomains accountManager primaryContact hqSite }
  listInfo { page pageSize hasMore totalCount } } }"""
INVOICE_LIST = """query getInvoiceList($input: ListInfoInput!) { getInvoiceList(input: $input) {
  invoices { invoiceId displayId client site invoiceDate dueDate statusEnum sentToClient totalAmount paymentDate }
  listInfo { page pageSize hasMore totalCount } } }"""
INVOICE = """query getInvoice($input: InvoiceIdentifierInput!) { getInvoice(input: $input) {
  invoiceId displayId client site invoiceDate dueDate statusEnum sentToClient discountAmount additionalDiscount
  additionalDiscountRate totalAmount notes paymentDate paymentMethod paymentReference invoicePaymentTerm
  taxes { id tax taxRate taxableAmount taxAmount rate }
  items { itemId billedDate details quantity unitPrice discountRate amount taxable } } }"""

# Client error codes that no retry mends: what a person must do about each.
PERMANENT_CODES = {
    "forbidden": "The SuperOps user who generated this API token may not read {what}. Give that user a role "
    "with access to clients and invoices (or generate the token as such a user), then save again.",
    "subscription_paused": "This SuperOps account's subscription is paused, so its API answers nothing. "
    "Resume the subscription in SuperOps, then sync again.",
    "subscription_cancelled": "This SuperOps account's subscription is cancelled: its API is closed.",
    "subscription_trial_expired": "This SuperOps account's trial has expired: its API is closed until a "
    "subscription starts.",
}


class EntityMissing(UnexpectedAnswer):
    """`entity_does_not_exist`: deleted between the list and the read (the scan moved)."""


def client_errors(payload: object) -> list[dict]:
    """Every `extensions.clientError` entry of a GraphQL answer (code, param)."""
    errors = payload.get("errors") if isinstance(payload, dict) else None
    found = []
    for error in errors or ():
        extensions = error.get("extensions") if isinstance(error, dict) else None
        for entry in (extensions or {}).get("clientError") or ():
            if isinstance(entry, dict):
                found.append(entry)
    return found


def rate_refusal(response: httpx.Response) -> float | None:
    """Seconds to pause when SuperOps refused for rate inside a 200, else None."""
    if response.status_code != 200 or b"rate_limit_exceeded" not in response.content:
        return None
    try:
        payload = json.loads(response.content)
    except ValueError:
        return None
    if not any(entry.get("code") == "rate_limit_exceeded" for entry in client_errors(payload)):
        return None
    return retry_after_seconds(response.headers) or RATE_REFUSAL_PAUSE


def endpoint(region: str) -> str:
    setting = REGIONS.get(region)
    if setting is None:
        raise CredentialsRejected("Choose the region of your SuperOps account: US or EU.", field="region")
    return getattr(settings, setting)


def allowed_urls() -> list[str]:
    return [getattr(settings, name) for name in REGIONS.values()]


def rate_limit() -> RateLimit:
    return RateLimit(
        calls=settings.SUPEROPS_RATE_LIMIT_CALLS,
        period=float(settings.SUPEROPS_RATE_LIMIT_PERIOD_SECONDS),
        concurrency=settings.SUPEROPS_MAX_CONCURRENCY,
    )


class SuperOpsApi:
    def __init__(self, api_token: str, subdomain: str, region: str):
        self.api_token, self.subdomain, self.region = api_token, subdomain.strip().lower(), region
        self.url = endpoint(region)
        account = hashlib.sha256(f"{region}:{self.subdomain}".encode()).hexdigest()[:16]  # the tenant
        self.http = ProviderClient(
            provider="SuperOps",
            account_key=account,
            rate_limit=rate_limit(),
            allowed_urls=allowed_urls(),
            secrets=[api_token],
            rate_limited_answer=rate_refusal,
        )

    def close(self) -> None:
        self.http.close()

    def call(self, query: str, variables: dict, what: str) -> dict:
        """The `data` of one GraphQL call, or the error taxonomy of integrations/base.py."""
        headers = {
            "Authorization": f"Bearer {self.api_token}",
            "CustomerSubDomain": self.subdomain,
            "Content-Type": "application/json",
        }
        body = {"query": query, "variables": variables}
        for attempt in range(self.http.max_retries + 1):
            response = self.http.request("POST", self.url, json=body, headers=headers)
            if response.status_code != 200:  # 400 may come with no body at all: the status says it
                return self.data(response, None, what)
            try:
                return self.data(response, json.loads(response.content), what)
            except ValueError:  # a garbled 200 is retried like a transient failure
                if attempt >= self.http.max_retries:
                    break
                self.http.stats.retries += 1
                self.http.sleep(self.http._backoff(attempt))
        raise UnexpectedAnswer(f"SuperOps sent an answer to {what} that is not valid JSON.")

    def data(self, response: httpx.Response, payload: object, what: str) -> dict:
        status = response.status_code
        if status == 401:
            raise CredentialsRejected(
                "SuperOps rejected this API token. It may have been regenerated (each user has one active "
                "token): generate one in SuperOps → Settings → My Profile → API token and paste it here.",
                field="api_token",
            )
        if status == 400:
            raise CredentialsRejected(
                f"SuperOps does not know the customer subdomain \u201c{self.subdomain}\u201d on its "
                f"{self.region.upper()} endpoint. Copy it from SuperOps → Settings → MSP Information, and check "
                "the region.",
                field="subdomain",
            )
        if status == 403:
            raise PermissionMissing(PERMANENT_CODES["forbidden"].format(what=what))
        if status != 200 or not isinstance(payload, dict):
            raise UnexpectedAnswer(f"SuperOps answered HTTP {status} to {what}.")
        self.raise_errors(payload, what)
        data = payload.get("data")
        if not isinstance(data, dict):
            raise UnexpectedAnswer(f"SuperOps' answer to {what} has no data.")
        return data

    def raise_errors(self, payload: dict, what: str) -> None:
        """A 200 with `errors` is a failure: permanent codes ask a person, the rest are transient."""
        if not payload.get("errors"):
            return
        codes = [str(entry.get("code") or "") for entry in client_errors(payload)]
        for code in codes:
            if code in PERMANENT_CODES:
                raise PermissionMissing(PERMANENT_CODES[code].format(what=what))
        if "entity_does_not_exist" in codes:
            raise EntityMissing(f"SuperOps no longer has {what}.")
        first = payload["errors"][0] if isinstance(payload["errors"], list) and payload["errors"] else {}
        message = str(first.get("message") if isinstance(first, dict) else first)[:300]
        label = f" ({', '.join(codes)})" if codes else ""
        raise UnexpectedAnswer(f"SuperOps refused {what}{label}: {self.http.scrub(message)}")

    # ---- the three queries ------------------------------------------------------------------
    def client_page(self, page: int, page_size: int) -> dict:
        listing = {"page": page, "pageSize": page_size, "sort": [{"attribute": "accountId", "order": "ASC"}]}
        return self.listing(CLIENT_LIST, "getClientList", "clients", listing, "the client list")

    def invoice_page(self, page: int, page_size: int, condition: dict | None = None) -> dict:
        listing: dict = {"page": page, "pageSize": page_size, "sort": [{"attribute": "invoiceId", "order": "ASC"}]}
        if condition:
            listing["condition"] = condition
        return self.listing(INVOICE_LIST, "getInvoiceList", "invoices", listing, "the invoice list")

    def listing(self, query: str, operation: str, key: str, listing: dict, what: str) -> dict:
        answer = self.call(query, {"input": listing}, what).get(operation)
        if not isinstance(answer, dict) or not isinstance(answer.get(key), list):
            raise UnexpectedAnswer(f"SuperOps' {operation} answer has no {key} list.")
        info = answer.get("listInfo")
        if not isinstance(info, dict):
            raise UnexpectedAnswer(f"SuperOps' {operation} answer has no listInfo.")
        return answer

    def invoice(self, invoice_id: str) -> dict:
        answer = self.call(INVOICE, {"input": {"invoiceId": invoice_id}}, f"invoice {invoice_id}").get("getInvoice")
        if not isinstance(answer, dict):
            raise UnexpectedAnswer(f"SuperOps sent no invoice {invoice_id}.")
        return answer


def has_more(info: dict) -> bool:
    """`hasMore` is null on a live tenant's last page: only `true` means another page."""
    return info.get("hasMore") is True
