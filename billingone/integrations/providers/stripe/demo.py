"""Demo wiring: the demo organization's Stripe connection, in test mode, at the local simulator.

Only when STRIPE_API_URL is a configured simulator host (the dev runner sets both), so the demo
never sends its published demo key to the real Stripe. The demo is a sandbox organization: its
connection's mode is "test" and it connects with the simulator's restricted test key.
"""

from __future__ import annotations

import httpx
from django.conf import settings
from django.urls import reverse

from billingone.integrations.demo import connect_demo, first_sync, is_simulated
from billingone.integrations.models import SyncRun

# The simulator's published demo webhook signing secret (never a real one).
DEMO_WEBHOOK_SECRET = "whsec_billingone_demo_0123456789abcdef"  # noqa: S105 - published, simulator only


def stripe_is_simulated() -> bool:
    return is_simulated("STRIPE_API_URL")


def wire_demo(organization, owner) -> SyncRun | None:
    """Connect Stripe with the simulator's restricted test key and queue a first refresh (once)."""
    from billingone.integrations.providers.stripe.simulator.keys import DEMO_RESTRICTED_KEY

    if not stripe_is_simulated():
        return None
    credentials = {"api_key": DEMO_RESTRICTED_KEY, "webhook_secret": DEMO_WEBHOOK_SECRET}
    connection = connect_demo(organization, owner, "stripe", credentials, config={"mode": "test"})
    register_demo_webhook(organization)
    return first_sync(connection, mode="full")


def register_demo_webhook(organization) -> None:
    """Point the simulator's webhook deliveries at this app's endpoint for the demo organization
    (signed with the demo secret), so paying through a link's page updates its row at once."""
    endpoint = settings.SITE_URL.rstrip("/") + reverse("stripe_webhook", args=[organization.public_id])
    control = settings.STRIPE_API_URL.rstrip("/") + "/_sim/webhooks"
    try:
        known = httpx.get(settings.STRIPE_API_URL.rstrip("/") + "/_sim/state", timeout=5).json()
        if endpoint not in known.get("webhook_endpoints", []):
            httpx.post(control, json={"url": endpoint, "secret": DEMO_WEBHOOK_SECRET}, timeout=5)
    except (httpx.HTTPError, ValueError):
        return  # the simulator is not running: the demo refreshes by sync alone
