"""Demo wiring: the demo organization's Synergy Wholesale connection at the local simulator.

Only when SYNERGY_API_URL is a configured simulator host (the dev runner sets both), so the
demo never sends its published demo key to the real Synergy."""

from __future__ import annotations

from billingone.integrations.demo import connect_demo, first_sync, is_simulated
from billingone.integrations.models import SyncRun


def synergy_is_simulated() -> bool:
    return is_simulated("SYNERGY_API_URL")


def wire_demo(organization, owner) -> SyncRun | None:
    """Connect with the simulator's demo reseller and queue a first domains & hosting sync (once)."""
    from billingone.integrations.providers.synergy.simulator import DEMO_API_KEY, DEMO_RESELLER_ID

    if not synergy_is_simulated():
        return None
    credentials = {"reseller_id": DEMO_RESELLER_ID, "api_key": DEMO_API_KEY}
    return first_sync(connect_demo(organization, owner, "synergy", credentials), mode="domains_hosting")
