from __future__ import annotations

import pytest
import stripe

from billingone.integrations.providers.stripe.simulator import StripeSimulator
from billingone.integrations.providers.stripe.simulator.keys import DEMO_RESTRICTED_KEY


@pytest.fixture
def stripe_sim():
    # Anchored today (the default): Stripe keeps events 30 days back from the real clock, and
    # webhook signatures carry the real time the official library checks.
    with StripeSimulator(companies=12) as sim:
        yield sim


def official_client(sim: StripeSimulator, key: str = DEMO_RESTRICTED_KEY) -> stripe.StripeClient:
    """Stripe's own Python library, pointed at the simulator (no retries: tests see every answer)."""
    return stripe.StripeClient(key, base_addresses={"api": sim.url}, max_network_retries=0)
