from __future__ import annotations

import httpx
import pytest

from billingone.integrations.providers.quickbooks.testing import (
    credentials_for,
    obtain_tokens,
    start_simulator,
    wire,
)


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


@pytest.fixture
def qbo_wired(qbo_sim, settings):
    """The simulator with the QuickBooks settings pointing at it."""
    wire(settings, qbo_sim)
    return qbo_sim


@pytest.fixture
def qbo_credentials(qbo_wired):
    return credentials_for(qbo_wired)
