"""Test helpers for Stripe: the simulator on a free port, wired into settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from billingone.integrations.providers.stripe.simulator import StripeSimulator
from billingone.integrations.providers.stripe.simulator.keys import DEMO_RESTRICTED_KEY
from billingone.integrations.testing import fast_http

GOOD = {"api_key": DEMO_RESTRICTED_KEY, "webhook_secret": ""}


def wire_stripe(settings, sim: StripeSimulator, *sandbox_slugs: str) -> None:
    settings.STRIPE_API_URL = sim.url
    settings.STRIPE_TEST_MODE_ORGS = list(sandbox_slugs)
    host = sim.url.removeprefix("http://")
    settings.INTEGRATION_SIMULATOR_HOSTS = [*getattr(settings, "INTEGRATION_SIMULATOR_HOSTS", []), host]


@contextmanager
def running_stripe(settings, *sandbox_slugs: str, **options) -> Iterator[StripeSimulator]:
    """A Stripe simulator on a free port; `sandbox_slugs` may connect test-mode keys."""
    fast_http(settings)
    with StripeSimulator(**{"companies": 12, **options}) as sim:
        wire_stripe(settings, sim, *sandbox_slugs)
        yield sim
