"""Xero's OAuth2 side: which app an organization uses, the code exchange, token refresh with
atomic rotation, and revocation (PROVIDERS.md §2.1, SECURITY.md 37–38).

Refresh tokens rotate: every refresh returns a new one and the old one dies 30 minutes later.
Two workers refreshing at once must not both spend the old token and keep different new
ones, so a refresh runs under the connection row's lock (select_for_update; on SQLite the
IMMEDIATE transaction serialises writers) plus a per-process lock, re-reads the stored
tokens inside the lock, and only exchanges when nobody else has refreshed in the meantime.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import defaultdict

from django.conf import settings
from django.db import transaction

from billingone.integrations.base import (
    ConfigurationInvalid,
    CredentialsRejected,
    NeedsReauthorization,
    RateLimit,
    UnexpectedAnswer,
)
from billingone.integrations.models import Connection
from billingone.integrations.oauth import OAuthApp
from billingone.lib.http import ProviderClient

# Exactly what the sync needs (SECURITY.md 10.2.3): read contacts and invoices, stay connected.
SCOPES = ("offline_access", "accounting.contacts.read", "accounting.invoices.read")
REFRESH_MARGIN_SECONDS = 300  # refresh this long before the 30-minute access token expires
IDENTITY_RATE = RateLimit(calls=60, period=60.0, concurrency=2)
URL_SETTINGS = ("XERO_AUTHORIZE_URL", "XERO_TOKEN_URL", "XERO_REVOKE_URL", "XERO_API_URL")
_REFRESH_LOCKS: defaultdict[int, threading.Lock] = defaultdict(threading.Lock)

REAUTH_MESSAGE = "Xero no longer accepts BillingOne's access (the grant was revoked or expired). Reconnect Xero."


def allowed_urls() -> list[str]:
    return [getattr(settings, name) for name in URL_SETTINGS]


def platform_app() -> OAuthApp | None:
    if not (settings.XERO_CLIENT_ID and settings.XERO_CLIENT_SECRET):
        return None
    return _app(settings.XERO_CLIENT_ID, settings.XERO_CLIENT_SECRET, "platform")


def _app(client_id: str, client_secret: str, kind: str) -> OAuthApp:
    return OAuthApp(
        client_id=client_id,
        client_secret=client_secret,
        authorize_url=settings.XERO_AUTHORIZE_URL,
        token_url=settings.XERO_TOKEN_URL,
        redirect_uri=settings.XERO_REDIRECT_URI,
        scopes=SCOPES,
        kind=kind,
    )


def app_for(credentials: dict[str, str]) -> OAuthApp:
    """The organization's own app when one is configured, else the platform's."""
    if credentials.get("own_client_id") and credentials.get("own_client_secret"):
        return _app(credentials["own_client_id"], credentials["own_client_secret"], "own")
    app = platform_app()
    if app is None:
        raise ConfigurationInvalid(
            "No Xero app is configured: enter your own app's client ID and secret, or ask your administrator "
            "to set XERO_CLIENT_ID and XERO_CLIENT_SECRET."
        )
    return app


def identity_client(app: OAuthApp, *secrets: str) -> ProviderClient:
    return ProviderClient(
        provider="Xero",
        account_key="identity:" + hashlib.sha256(app.client_id.encode()).hexdigest()[:16],
        rate_limit=IDENTITY_RATE,
        allowed_urls=allowed_urls(),
        secrets=[app.client_secret, *secrets],
        max_retries=1,
    )


def _token_request(app: OAuthApp, form: dict[str, str]) -> dict:
    secrets = [value for key, value in form.items() if key in ("code", "refresh_token", "code_verifier")]
    with identity_client(app, *secrets) as http:
        response, payload = http.request_json("POST", app.token_url, data=form, auth=(app.client_id, app.client_secret))
    if response.status_code == 400 and isinstance(payload, dict) and payload.get("error") == "invalid_grant":
        raise NeedsReauthorization(REAUTH_MESSAGE)
    if response.status_code in (400, 401) and isinstance(payload, dict) and payload.get("error") == "invalid_client":
        raise CredentialsRejected("Xero rejected the app's client ID or secret.", field="own_client_secret")
    if response.status_code != 200 or not isinstance(payload, dict) or not payload.get("access_token"):
        raise UnexpectedAnswer(f"Xero's token service answered unexpectedly (HTTP {response.status_code}).")
    return {
        "access_token": payload["access_token"],
        "refresh_token": payload.get("refresh_token", ""),
        "expires_at": str(time.time() + float(payload.get("expires_in") or 1800)),
        "scope": payload.get("scope", ""),
    }


def exchange_code(app: OAuthApp, code: str, verifier: str) -> dict:
    """The callback's code (with its PKCE verifier) → tokens."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": app.redirect_uri,
        "code_verifier": verifier,
    }
    return _token_request(app, form)


def refresh_tokens(app: OAuthApp, refresh_token: str) -> dict:
    if not refresh_token:
        raise NeedsReauthorization(REAUTH_MESSAGE)
    return _token_request(app, {"grant_type": "refresh_token", "refresh_token": refresh_token})


def revoke(app: OAuthApp, refresh_token: str) -> bool:
    """Revoke the grant at Xero (all its connections). False when Xero could not be told."""
    if not refresh_token:
        return False
    with identity_client(app, refresh_token) as http:
        response = http.request(
            "POST", settings.XERO_REVOKE_URL, data={"token": refresh_token}, auth=(app.client_id, app.client_secret)
        )
    return response.status_code == 200


def is_fresh(credentials: dict[str, str]) -> bool:
    try:
        return float(credentials.get("expires_at", 0)) - REFRESH_MARGIN_SECONDS > time.time()
    except ValueError:
        return False


def refresh_connection(connection_pk: int, seen_access_token: str) -> dict[str, str]:
    """Refresh the tokens stored on the connection exactly once, whoever else is trying.

    Returns the credentials to use. If another worker refreshed while we waited for the lock
    (the stored access token is no longer the one we saw and is fresh), its tokens are used
    and no second exchange happens."""
    try:
        with _REFRESH_LOCKS[connection_pk], transaction.atomic():
            connection = Connection.objects.select_for_update().get(pk=connection_pk)
            credentials = connection.get_credentials()
            if credentials.get("access_token") != seen_access_token and is_fresh(credentials):
                return credentials
            tokens = refresh_tokens(app_for(credentials), credentials.get("refresh_token", ""))
            credentials.update(tokens)
            connection.set_credentials(credentials)
            connection.save(update_fields=["credentials_token", "updated_at"])
            return credentials
    except NeedsReauthorization:
        mark_needs_reauth(connection_pk)  # after the rollback, so the status change sticks
        raise


def mark_needs_reauth(connection_pk: int) -> None:
    Connection.objects.filter(pk=connection_pk).exclude(status=Connection.Status.NOT_CONNECTED).update(
        status=Connection.Status.NEEDS_ATTENTION, status_reason=REAUTH_MESSAGE
    )
