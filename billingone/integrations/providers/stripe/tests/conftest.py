from __future__ import annotations

import pytest

from billingone.integrations.providers.stripe.testing import running_stripe


@pytest.fixture
def stripe_sim(settings, personas):
    """The simulator (12 clients), with Org A and Org B as sandboxes (test-mode keys)."""
    with running_stripe(settings, personas.org_a.slug, personas.org_b.slug) as sim:
        yield sim
