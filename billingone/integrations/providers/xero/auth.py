"""Xero's OAuth hooks (PROVIDERS.md §2.1, SECURITY.md 37–38): the settings naming its endpoints
and app, the scopes, and its accounts: the organisations a grant covers come from /connections,
and the ones not chosen are disconnected there. The flow itself is integrations/oauth/.

The names provider.py uses (refresh_connection, is_fresh, ...) delegate to the shared code.
"""

from __future__ import annotations

import contextlib

from django.conf import settings

from billingone.integrations.base import ProviderError, RateLimit, UnexpectedAnswer
from billingone.integrations.oauth import client, tokens
from billingone.integrations.oauth.hooks import Account, OAuthApp, OAuthHooks
from billingone.lib.http import ProviderClient

# What the sync needs, plus what pushing draft invoices will: create invoices, read the
# contacts they are for and the settings they reference (items, accounts, tax rates).
SCOPES = ("offline_access", "accounting.contacts.read", "accounting.settings.read", "accounting.invoices")
IDENTITY_RATE = RateLimit(calls=60, period=60.0, concurrency=2)
URL_SETTINGS = ("XERO_AUTHORIZE_URL", "XERO_TOKEN_URL", "XERO_REVOKE_URL", "XERO_API_URL")


def allowed_urls() -> list[str]:
    return [getattr(settings, name) for name in URL_SETTINGS]


def connections_client(access_token: str, **options) -> ProviderClient:
    """A client for Xero's /connections (the identity API), with the token kept out of logs."""
    return ProviderClient(
        provider="Xero",
        account_key="connections",
        rate_limit=IDENTITY_RATE,
        allowed_urls=allowed_urls(),
        secrets=[access_token],
        **options,
    )


def connections_url(suffix: str = "") -> str:
    return settings.XERO_API_URL.rstrip("/") + "/connections" + suffix


def list_organisations(access_token: str) -> list[Account]:
    with connections_client(access_token) as http:
        headers = {"Authorization": f"Bearer {access_token}"}
        response, payload = http.request_json("GET", connections_url(), headers=headers)
    if response.status_code != 200 or not isinstance(payload, list):
        raise UnexpectedAnswer(f"Xero's list of organisations could not be read (HTTP {response.status_code}).")
    return [
        Account(item["tenantId"], item.get("tenantName") or "Xero organisation", {"connection_id": item.get("id", "")})
        for item in payload
        if isinstance(item, dict) and item.get("tenantId") and item.get("tenantType", "ORGANISATION") == "ORGANISATION"
    ]


def drop_organisations(access_token: str, others: list[Account]) -> None:
    """Disconnect the organisations not chosen, so the grant covers only the one we read."""
    with connections_client(access_token, max_retries=0) as http:
        for account in others:
            url = connections_url(f"/{account.extra.get('connection_id', '')}")
            with contextlib.suppress(ProviderError):
                http.request("DELETE", url, headers={"Authorization": f"Bearer {access_token}"})


HOOKS = OAuthHooks(
    provider="xero",
    name="Xero",
    scopes=SCOPES,
    scopes_explained="read contacts and settings, read and create invoices, stay connected",
    authorize_url_setting="XERO_AUTHORIZE_URL",
    token_url_setting="XERO_TOKEN_URL",  # noqa: S106 - setting names, not secrets
    revoke_url_setting="XERO_REVOKE_URL",
    redirect_uri_setting="XERO_REDIRECT_URI",
    client_id_setting="XERO_CLIENT_ID",
    client_secret_setting="XERO_CLIENT_SECRET",  # noqa: S106
    account_label="Xero organisation",
    list_accounts=list_organisations,
    release_accounts=drop_organisations,
    extra_url_settings=("XERO_API_URL",),
    identity_rate=IDENTITY_RATE,
    own_app_help="Create a Web app at developer.xero.com",
)
REAUTH_MESSAGE = HOOKS.reauth_message
is_fresh = tokens.is_fresh


def app_for(credentials: dict) -> OAuthApp:
    return HOOKS.app_for(credentials)


def refresh_tokens(app: OAuthApp, refresh_token: str) -> dict:
    return client.refresh(HOOKS, app, refresh_token)


def refresh_connection(connection_pk: int, seen_access_token: str) -> dict:
    return tokens.refresh_connection(HOOKS, connection_pk, seen_access_token)
