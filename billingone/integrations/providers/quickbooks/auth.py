"""QuickBooks' OAuth hooks (PROVIDERS.md §3.1): Intuit's endpoints and the platform's app from
settings, the accounting scope, and the account: the company (realmId) the callback names, shown
by its CompanyInfo name. The flow itself is integrations/oauth/ (shared by every OAuth provider).

Intuit publishes its endpoints in a discovery document. The endpoint settings default to the
production document's values; `discovered_endpoints()` reads a document (the simulator's, in
tests and the demo) and refuses endpoints on hosts that are neither Intuit's nor the document's.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from django.conf import settings

from billingone.integrations.base import ConfigurationInvalid, RateLimit, UnexpectedAnswer
from billingone.integrations.oauth import client, tokens
from billingone.integrations.oauth.hooks import OAuthApp, OAuthHooks
from billingone.lib.http import ProviderClient

SCOPES = ("com.intuit.quickbooks.accounting",)
IDENTITY_RATE = RateLimit(calls=60, period=60.0, concurrency=2)
URL_SETTINGS = ("QUICKBOOKS_AUTHORIZE_URL", "QUICKBOOKS_TOKEN_URL", "QUICKBOOKS_REVOKE_URL", "QUICKBOOKS_API_URL")
INTUIT_HOSTS = {"appcenter.intuit.com", "oauth.platform.intuit.com", "developer.api.intuit.com"}
DISCOVERED = {
    "QUICKBOOKS_AUTHORIZE_URL": "authorization_endpoint",
    "QUICKBOOKS_TOKEN_URL": "token_endpoint",
    "QUICKBOOKS_REVOKE_URL": "revocation_endpoint",
}


def allowed_urls() -> list[str]:
    return [getattr(settings, name) for name in URL_SETTINGS]


def company_name(access_token: str, realm_id: str) -> str:
    """The company's name from CompanyInfo, right after the code exchange (the fresh token)."""
    from billingone.integrations.providers.quickbooks.client import QuickBooksApi

    def no_refresh() -> dict[str, str]:
        raise UnexpectedAnswer("QuickBooks refused a token it had just issued.")

    credentials = {"access_token": access_token, "expires_at": str(time.time() + 3600)}
    api = QuickBooksApi(credentials, realm_id, no_refresh)
    try:
        info = api.company_info()
    finally:
        api.close()
    return str(info.get("CompanyName") or info.get("LegalName") or f"QuickBooks company {realm_id}")


HOOKS = OAuthHooks(
    provider="quickbooks",
    name="QuickBooks",
    scopes=SCOPES,
    scopes_explained="read and write your company's accounting data: customers, items and invoices",
    authorize_url_setting="QUICKBOOKS_AUTHORIZE_URL",
    token_url_setting="QUICKBOOKS_TOKEN_URL",  # noqa: S106 - setting names, not secrets
    revoke_url_setting="QUICKBOOKS_REVOKE_URL",
    redirect_uri_setting="QUICKBOOKS_REDIRECT_URI",
    client_id_setting="QUICKBOOKS_CLIENT_ID",
    client_secret_setting="QUICKBOOKS_CLIENT_SECRET",  # noqa: S106
    account_label="QuickBooks company",
    account_param="realmId",
    account_name=company_name,
    extra_url_settings=("QUICKBOOKS_API_URL",),
    identity_rate=IDENTITY_RATE,
    own_app_help="Create an app at developer.intuit.com (Keys & credentials)",
)
REAUTH_MESSAGE = HOOKS.reauth_message
is_fresh = tokens.is_fresh


def app_for(credentials: dict) -> OAuthApp:
    return HOOKS.app_for(credentials)


def refresh_tokens(credentials: dict) -> dict:
    return client.refresh(HOOKS, app_for(credentials), credentials.get("refresh_token", ""))


def refresh_connection(connection_pk: int, seen_access_token: str) -> dict:
    return tokens.refresh_connection(HOOKS, connection_pk, seen_access_token)


def discovered_endpoints(discovery_url: str) -> dict[str, str]:
    """The endpoint settings as Intuit's discovery document at `discovery_url` names them."""
    http = ProviderClient(
        provider="QuickBooks",
        account_key="discovery",
        rate_limit=IDENTITY_RATE,
        allowed_urls=[discovery_url],
        max_retries=1,
    )
    with http:
        response, document = http.request_json("GET", discovery_url)
    if response.status_code != 200 or not isinstance(document, dict):
        raise UnexpectedAnswer(f"Intuit's discovery document answered HTTP {response.status_code}.")
    trusted = INTUIT_HOSTS | {urlsplit(discovery_url).hostname}
    found = {}
    for setting, name in DISCOVERED.items():
        value = document.get(name)
        if not isinstance(value, str) or urlsplit(value).hostname not in trusted:
            raise ConfigurationInvalid(f"Intuit's discovery document names an unexpected {name}.")
        found[setting] = value
    return found
