"""Test helpers for Pax8: the simulator on a free port wired into settings, its demo
credentials, and a connection made through the real connect flow."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from billingone.integrations.testing.helpers import fast_http, membership_of

PAX8_GOOD = {"client_id": "demo-pax8-client", "client_secret": "demo-pax8-secret-0123456789"}
PAX8_BAD = {"client_id": "demo-pax8-client", "client_secret": "wrong-secret-value"}


def wire_pax8(settings, sim) -> None:
    from billingone.integrations.providers.pax8 import provider as pax8

    settings.PAX8_API_URL = sim.api_url
    settings.PAX8_TOKEN_URL = sim.token_url
    settings.INTEGRATION_SIMULATOR_HOSTS = [f"127.0.0.1:{sim.port}"]
    settings.PAX8_RATE_LIMIT_CALLS, settings.PAX8_RATE_LIMIT_PERIOD_SECONDS = sim.rate_limit, sim.rate_period
    pax8._TOKENS.clear()


@contextmanager
def running_pax8(settings, **options) -> Iterator:
    """A Pax8 simulator on a free port (a real socket), wired into settings while it runs."""
    from billingone.integrations.providers.pax8.simulator.server import Pax8Simulator

    fast_http(settings)
    with Pax8Simulator(port=0, **{"subscriptions": 120, "companies": 12, **options}) as sim:
        wire_pax8(settings, sim)
        yield sim


def pax8_simulator_fixture(settings):
    """A Pax8 simulator (120 subscriptions, 12 companies) on a free port, wired into settings."""
    with running_pax8(settings) as sim:
        yield sim


def connect_pax8(user, organization, credentials: dict | None = None):
    """Connect Pax8 for `organization` through the real flow (the simulator must be running)."""
    from billingone.integrations import flows

    outcome = flows.save_credentials(membership_of(user, organization), None, "pax8", credentials or dict(PAX8_GOOD))
    assert outcome.ok, outcome.message
    return outcome
