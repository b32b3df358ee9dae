"""Intuit's OAuth2 side (PROVIDERS.md §3.1): endpoints from the discovery document, the code
exchange, refresh with rotation, revocation.

The discovery document is configuration we fetch, so its endpoints are only used when their
hosts are Intuit's own (or the discovery document's host: the simulator serves everything from
one address). Refresh tokens may rotate on every refresh: a refresh runs under the connection
row's lock, re-reads the stored tokens inside it and always saves the newest refresh token, so
two workers never spend the same token and keep different answers.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import defaultdict
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db import transaction

from billingone.integrations.base import (
    ConfigurationInvalid,
    CredentialsRejected,
    NeedsReauthorization,
    RateLimit,
    UnexpectedAnswer,
)
from billingone.lib.http import ProviderClient

SCOPE = "com.intuit.quickbooks.accounting"
REFRESH_MARGIN_SECONDS = 300  # refresh this long before the one-hour access token expires
DISCOVERY_TTL_SECONDS = 24 * 3600
OAUTH_RATE = RateLimit(calls=60, period=60.0, concurrency=2)
URL_SETTINGS = ("QUICKBOOKS_DISCOVERY_URL", "QUICKBOOKS_API_URL")
INTUIT_HOSTS = {"appcenter.intuit.com", "oauth.platform.intuit.com", "developer.api.intuit.com"}
ENDPOINTS = ("authorization_endpoint", "token_endpoint", "revocation_endpoint")
REAUTH_MESSAGE = (
    "QuickBooks no longer accepts BillingOne's access (the grant was revoked or expired). Reconnect QuickBooks."
)

_DISCOVERED: dict[str, tuple[float, dict[str, str]]] = {}
_REFRESH_LOCKS: defaultdict[int, threading.Lock] = defaultdict(threading.Lock)


def allowed_urls() -> list[str]:
    return [getattr(settings, name) for name in URL_SETTINGS]


def app_credentials() -> tuple[str, str]:
    client_id, secret = settings.QUICKBOOKS_CLIENT_ID, settings.QUICKBOOKS_CLIENT_SECRET
    if not (client_id and secret):
        raise ConfigurationInvalid(
            "No QuickBooks app is configured: ask your administrator to set QUICKBOOKS_CLIENT_ID and "
            "QUICKBOOKS_CLIENT_SECRET."
        )
    return client_id, secret


def oauth_client(*secrets: str, urls: list[str] | None = None) -> ProviderClient:
    client_id = settings.QUICKBOOKS_CLIENT_ID or "none"
    return ProviderClient(
        provider="QuickBooks",
        account_key="oauth:" + hashlib.sha256(client_id.encode()).hexdigest()[:16],
        rate_limit=OAUTH_RATE,
        allowed_urls=urls or allowed_urls(),
        secrets=[settings.QUICKBOOKS_CLIENT_SECRET, *secrets],
        max_retries=1,
    )


def endpoints() -> dict[str, str]:
    """The OAuth endpoints of the discovery document (cached for a day per document URL)."""
    url = settings.QUICKBOOKS_DISCOVERY_URL
    cached = _DISCOVERED.get(url)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    with oauth_client() as http:
        response, document = http.request_json("GET", url)
    if response.status_code != 200 or not isinstance(document, dict):
        raise UnexpectedAnswer(f"Intuit's discovery document answered HTTP {response.status_code}.")
    trusted = INTUIT_HOSTS | {urlsplit(url).hostname}
    found = {}
    for name in ENDPOINTS:
        value = document.get(name)
        if not isinstance(value, str) or urlsplit(value).hostname not in trusted:
            raise ConfigurationInvalid(f"Intuit's discovery document names an unexpected {name}.")
        found[name] = value
    _DISCOVERED[url] = (time.monotonic() + DISCOVERY_TTL_SECONDS, found)
    return found


def authorize_url(state: str) -> str:
    client_id, _ = app_credentials()
    query = {
        "client_id": client_id,
        "response_type": "code",
        "scope": SCOPE,
        "redirect_uri": settings.QUICKBOOKS_REDIRECT_URI,
        "state": state,
    }
    return endpoints()["authorization_endpoint"] + "?" + urlencode(query)


def token_request(form: dict[str, str]) -> dict[str, str]:
    client_id, secret = app_credentials()
    url = endpoints()["token_endpoint"]
    spent = [value for key, value in form.items() if key in ("code", "refresh_token")]
    with oauth_client(*spent, urls=[*allowed_urls(), url]) as http:
        response, payload = http.request_json("POST", url, data=form, auth=(client_id, secret))
    error = payload.get("error") if isinstance(payload, dict) else None
    if response.status_code == 400 and error == "invalid_grant":
        raise NeedsReauthorization(REAUTH_MESSAGE)
    if response.status_code in (400, 401) and error == "invalid_client":
        raise CredentialsRejected("Intuit rejected BillingOne's QuickBooks app (client ID or secret).")
    if response.status_code != 200 or not isinstance(payload, dict) or not payload.get("access_token"):
        raise UnexpectedAnswer(f"Intuit's token service answered unexpectedly (HTTP {response.status_code}).")
    now = time.time()
    return {
        "access_token": payload["access_token"],
        "refresh_token": payload.get("refresh_token") or form.get("refresh_token", ""),
        "expires_at": str(now + float(payload.get("expires_in") or 3600)),
        "refresh_expires_at": str(now + float(payload.get("x_refresh_token_expires_in") or 0)),
    }


def exchange_code(code: str) -> dict[str, str]:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": settings.QUICKBOOKS_REDIRECT_URI}
    return token_request(form)


def refresh_tokens(refresh_token: str) -> dict[str, str]:
    if not refresh_token:
        raise NeedsReauthorization(REAUTH_MESSAGE)
    return token_request({"grant_type": "refresh_token", "refresh_token": refresh_token})


def revoke(token: str) -> bool:
    """Revoke the grant at Intuit. False when Intuit could not be told (disconnect goes on)."""
    if not token:
        return False
    client_id, secret = app_credentials()
    url = endpoints()["revocation_endpoint"]
    with oauth_client(token, urls=[*allowed_urls(), url]) as http:
        response = http.request("POST", url, json={"token": token}, auth=(client_id, secret))
    return response.status_code == 200


def is_fresh(credentials: dict[str, str]) -> bool:
    try:
        return float(credentials.get("expires_at", 0)) - REFRESH_MARGIN_SECONDS > time.time()
    except ValueError:
        return False


def refresh_connection(connection_pk: int, seen_access_token: str) -> dict[str, str]:
    """Refresh the connection's stored tokens once, whoever else is trying; the credentials to use."""
    from billingone.integrations.models import Connection

    try:
        with _REFRESH_LOCKS[connection_pk], transaction.atomic():
            connection = Connection.objects.select_for_update().get(pk=connection_pk)
            credentials = connection.get_credentials()
            if credentials.get("access_token") != seen_access_token and is_fresh(credentials):
                return credentials  # another worker refreshed while we waited
            credentials.update(refresh_tokens(credentials.get("refresh_token", "")))
            connection.set_credentials(credentials)
            connection.save(update_fields=["credentials_token", "updated_at"])
            return credentials
    except NeedsReauthorization:
        mark_needs_reauth(connection_pk)  # after the rollback, so the status change sticks
        raise


def mark_needs_reauth(connection_pk: int) -> None:
    from billingone.integrations.models import Connection

    Connection.objects.filter(pk=connection_pk).exclude(status=Connection.Status.NOT_CONNECTED).update(
        status=Connection.Status.NEEDS_ATTENTION, status_reason=REAUTH_MESSAGE
    )
