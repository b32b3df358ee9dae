"""Test helpers for Synergy Wholesale: the simulator on a free port, wired into settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from billingone.integrations.providers.synergy.simulator import DEMO_API_KEY, DEMO_RESELLER_ID, SynergySimulator
from billingone.integrations.testing import fast_http

GOOD = {"reseller_id": DEMO_RESELLER_ID, "api_key": DEMO_API_KEY}


def wire_synergy(settings, sim: SynergySimulator) -> None:
    settings.SYNERGY_API_URL = sim.url
    host = sim.url.removeprefix("http://")
    settings.INTEGRATION_SIMULATOR_HOSTS = [*getattr(settings, "INTEGRATION_SIMULATOR_HOSTS", []), host]


@contextmanager
def running_synergy(settings, **options) -> Iterator[SynergySimulator]:
    """A Synergy simulator on a free port (12 companies unless told), wired into settings."""
    fast_http(settings)
    with SynergySimulator(**{"companies": 12, **options}) as sim:
        wire_synergy(settings, sim)
        yield sim
