"""Demo wiring: the demo organization's Pax8 connection points at the local simulator.

Only when PAX8_API_URL is a configured simulator host (the dev runner sets both), so the demo
never sends made-up credentials to the real Pax8.
"""

from __future__ import annotations

from billingone.integrations.demo import connect_demo, first_sync, is_simulated
from billingone.integrations.models import SyncRun


def pax8_is_simulated() -> bool:
    return is_simulated("PAX8_API_URL")


def wire_demo(organization, owner) -> SyncRun | None:
    """Connect Pax8 with the simulator's demo credentials and queue a first sync (once)."""
    from billingone.integrations.providers.pax8.simulator.server import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

    if not pax8_is_simulated():
        return None
    credentials = {"client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET}
    return first_sync(connect_demo(organization, owner, "pax8", credentials))
