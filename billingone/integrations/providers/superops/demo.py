"""Demo wiring: the demo organization's SuperOps connection points at the local simulator.

Only when SUPEROPS_API_URL is a configured simulator host (the dev runner sets both), so the
demo never sends its published demo token to the real SuperOps.
"""

from __future__ import annotations

from billingone.integrations.demo import connect_demo, first_sync, is_simulated
from billingone.integrations.models import SyncRun


def superops_is_simulated() -> bool:
    return is_simulated("SUPEROPS_API_URL")


def wire_demo(organization, owner) -> SyncRun | None:
    """Connect SuperOps (US) with the simulator's demo token and queue a first sync (once)."""
    from billingone.integrations.providers.superops.simulator.server import DEMO_SUBDOMAIN, DEMO_TOKEN

    if not superops_is_simulated():
        return None
    credentials = {"api_token": DEMO_TOKEN, "subdomain": DEMO_SUBDOMAIN, "region": "us", "currency": "AUD"}
    return first_sync(connect_demo(organization, owner, "superops", credentials))
