"""Test helpers for QuickBooks: a simulator on a free port, and the consent flow driven
headlessly (what a person does on the consent page, as HTTP requests)."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx

from billingone.integrations.providers.quickbooks.simulator import QuickBooksSimulator, consent

TEST_CLIENT_ID, TEST_CLIENT_SECRET = "qbo-test-app", "qbo-test-secret"
TEST_REDIRECT_URI = "http://localhost:9/oauth/quickbooks/callback/"
ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"


def start_simulator(**options) -> QuickBooksSimulator:
    sim = QuickBooksSimulator(**{"invoices": 300, "companies": 24, **options})
    sim.identity.register_app(TEST_CLIENT_ID, TEST_CLIENT_SECRET, [TEST_REDIRECT_URI])
    return sim.start()


def approve(sim: QuickBooksSimulator, realm_id: str | None = None, state: str = "test-state") -> dict[str, str]:
    """Open the consent page, choose the company, press Connect: the callback's parameters."""
    params = {
        "client_id": TEST_CLIENT_ID,
        "response_type": "code",
        "scope": ACCOUNTING_SCOPE,
        "redirect_uri": TEST_REDIRECT_URI,
        "state": state,
    }
    return consent.approve(f"{sim.url}/connect/oauth2?{urlencode(params)}", realm_id)


def obtain_tokens(sim: QuickBooksSimulator, realm_id: str | None = None) -> dict:
    """Tokens for one company, through the consent page and the token endpoint."""
    callback = approve(sim, realm_id)
    answer = httpx.post(
        f"{sim.url}/oauth2/v1/tokens/bearer",
        auth=(TEST_CLIENT_ID, TEST_CLIENT_SECRET),
        data={"grant_type": "authorization_code", "code": callback["code"], "redirect_uri": TEST_REDIRECT_URI},
        headers={"Accept": "application/json"},
    )
    answer.raise_for_status()
    return {**answer.json(), "realm_id": callback["realmId"]}


def wire(settings, sim: QuickBooksSimulator) -> None:
    """Point the QuickBooks settings at a running simulator (its host is the one allowed)."""
    from billingone.integrations.providers.quickbooks import auth
    from billingone.integrations.testing import fast_http

    fast_http(settings)
    host = sim.url.removeprefix("http://")
    settings.QUICKBOOKS_DISCOVERY_URL = sim.discovery_url
    settings.QUICKBOOKS_API_URL = sim.url
    settings.QUICKBOOKS_APP_URL = sim.url
    settings.QUICKBOOKS_CLIENT_ID, settings.QUICKBOOKS_CLIENT_SECRET = TEST_CLIENT_ID, TEST_CLIENT_SECRET
    settings.QUICKBOOKS_REDIRECT_URI = TEST_REDIRECT_URI
    settings.INTEGRATION_SIMULATOR_HOSTS = [*settings.INTEGRATION_SIMULATOR_HOSTS, host]
    for name, url in auth.discovered_endpoints(sim.discovery_url).items():  # as intuit-oauth reads them
        setattr(settings, name, url)


def credentials_for(sim: QuickBooksSimulator, realm_id: str | None = None) -> dict[str, str]:
    """What a connection stores after the consent: tokens, their expiry and the company."""
    import time

    from billingone.integrations.providers.quickbooks import auth

    tokens = obtain_tokens(sim, realm_id)
    return {
        "access_token": tokens["access_token"],
        "refresh_token": tokens["refresh_token"],
        "expires_at": str(time.time() + tokens["expires_in"]),
        "scope": " ".join(auth.SCOPES),
        "account_id": tokens["realm_id"],  # as the shared OAuth connect stores the company
    }


def quickbooks_simulator_fixture(settings):
    """A QuickBooks simulator (300 invoices, the Pax8 simulator's 24 companies) on a free port,
    wired into settings."""
    sim = start_simulator()
    try:
        wire(settings, sim)
        yield sim
    finally:
        sim.stop()
