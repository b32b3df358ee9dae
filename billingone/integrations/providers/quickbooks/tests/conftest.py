from __future__ import annotations

import httpx
import pytest

from billingone.integrations.providers.quickbooks.testing import obtain_tokens, start_simulator


@pytest.fixture
def qbo_sim():
    sim = start_simulator()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def qbo_tokens(qbo_sim):
    return obtain_tokens(qbo_sim)


@pytest.fixture
def qbo_api(qbo_sim, qbo_tokens):
    """An httpx client on the first company's accounting API (minorversion=75 on every call)."""
    with httpx.Client(
        base_url=f"{qbo_sim.url}/v3/company/{qbo_tokens['realm_id']}",
        headers={"Authorization": f"Bearer {qbo_tokens['access_token']}", "Accept": "application/json"},
        params={"minorversion": "75"},
        timeout=10,
    ) as client:
        yield client
