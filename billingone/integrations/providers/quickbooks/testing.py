"""Test helpers for QuickBooks: a simulator on a free port, and the consent flow driven
headlessly (what a person does on the consent page, as HTTP requests)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from billingone.integrations.providers.quickbooks.simulator import QuickBooksSimulator

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
    page = httpx.get(f"{sim.url}/connect/oauth2?{urlencode(params)}")
    page.raise_for_status()
    chosen = realm_id or sim.realm_ids[0]
    answer = httpx.post(f"{sim.url}/connect/oauth2/consent", data={**params, "realm": chosen, "decision": "allow"})
    assert answer.status_code == 302, answer.text
    return {key: values[0] for key, values in parse_qs(urlsplit(answer.headers["Location"]).query).items()}


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
