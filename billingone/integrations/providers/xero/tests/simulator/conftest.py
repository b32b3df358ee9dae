from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from billingone.integrations.providers.xero.simulator import XeroSimulator
from billingone.integrations.providers.xero.simulator.consent import obtain_tokens

CLIENT_ID, CLIENT_SECRET = "sim-test-app", "sim-test-secret"
REDIRECT_URI = "http://localhost:9/oauth/xero/callback/"
SCOPE = "openid profile email offline_access accounting.invoices.read accounting.contacts.read accounting.settings.read"
ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def xero_sim():
    sim = XeroSimulator(invoices=300, companies=30, anchor=ANCHOR)
    sim.identity.register_client(CLIENT_ID, CLIENT_SECRET, [REDIRECT_URI])
    with sim:
        yield sim


@pytest.fixture
def xero_tokens(xero_sim):
    return obtain_tokens(
        xero_sim.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=REDIRECT_URI, scope=SCOPE
    )


@pytest.fixture
def xero_api(xero_sim, xero_tokens):
    """An httpx client for the accounting API of the first organisation."""
    headers = {
        "Authorization": f"Bearer {xero_tokens['access_token']}",
        "xero-tenant-id": xero_sim.tenant_ids[0],
        "Accept": "application/json",
    }
    with httpx.Client(base_url=xero_sim.url + "/api.xro/2.0", headers=headers, timeout=10) as client:
        yield client
