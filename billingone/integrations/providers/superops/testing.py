"""Test helpers for SuperOps: the simulator (US and EU listeners) on free ports, wired into
settings, and its demo credentials."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from billingone.integrations.providers.superops.simulator import SuperOpsSimulator
from billingone.integrations.providers.superops.simulator.server import (
    DEMO_EU_SUBDOMAIN,
    DEMO_EU_TOKEN,
    DEMO_SUBDOMAIN,
    DEMO_TECHNICIAN_TOKEN,
    DEMO_TOKEN,
)
from billingone.integrations.testing import fast_http

GOOD = {"api_token": DEMO_TOKEN, "subdomain": DEMO_SUBDOMAIN, "region": "us", "currency": "AUD"}
EU_GOOD = {"api_token": DEMO_EU_TOKEN, "subdomain": DEMO_EU_SUBDOMAIN, "region": "eu", "currency": "EUR"}
TECHNICIAN = {**GOOD, "api_token": DEMO_TECHNICIAN_TOKEN}
BAD_TOKEN = {**GOOD, "api_token": "sop-a-token-regenerated-long-ago-000000"}


def wire_superops(settings, sim: SuperOpsSimulator, *, calls: int = 100_000) -> None:
    """Point the SuperOps settings at a running simulator. `calls` per minute: tests spend one
    in-process budget across many syncs, so they leave it wide unless they test the pacing."""
    settings.SUPEROPS_API_URL = sim.api_url
    settings.SUPEROPS_EU_API_URL = sim.eu_api_url
    settings.SUPEROPS_RATE_LIMIT_CALLS = calls
    settings.INTEGRATION_SIMULATOR_HOSTS = [*getattr(settings, "INTEGRATION_SIMULATOR_HOSTS", []), *sim.hosts]


@contextmanager
def running_superops(settings, **options) -> Iterator[SuperOpsSimulator]:
    """A SuperOps simulator (150 invoices, the Pax8 simulator's 24 companies) on free ports."""
    fast_http(settings)
    with SuperOpsSimulator(**{"invoices": 150, "companies": 24, "per_minute": 100_000, **options}) as sim:
        wire_superops(settings, sim)
        yield sim


def superops_simulator_fixture(settings):
    with running_superops(settings) as sim:
        yield sim
