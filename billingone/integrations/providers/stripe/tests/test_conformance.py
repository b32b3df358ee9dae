"""Stripe passes the conformance kit: the provider contract and the shared fault suite, syncs
through the engine against the simulator over a real socket."""

from __future__ import annotations

import pytest

from billingone.billing.models import PaymentLink
from billingone.integrations.models import Connection
from billingone.integrations.providers.stripe.provider import Stripe
from billingone.integrations.providers.stripe.simulator.keys import DEMO_RESTRICTED_KEY
from billingone.integrations.providers.stripe.testing import running_stripe
from billingone.integrations.testing import FaultSuite, ProviderContract

GOOD = {"api_key": DEMO_RESTRICTED_KEY}


def live_links(organization) -> int:
    return PaymentLink.objects.filter(organization=organization, removed_at__isnull=True).count()


class TestStripeContract(ProviderContract):
    provider_class = Stripe

    @pytest.fixture
    def good_credentials(self, stripe_sim):
        return dict(GOOD)

    @pytest.fixture
    def bad_credentials(self, stripe_sim):
        return {"api_key": "rk_test_51ThisKeyWasRolledLongAgo000000000000000000"}

    def count_rows(self, organization) -> int:
        return live_links(organization)


class TestStripeFaults(FaultSuite):
    provider_key = "stripe"
    fault_path = "/v1/"  # the second call of a sync is the first page of payment links

    @pytest.fixture
    def simulator(self, settings, personas):
        with running_stripe(settings, personas.org_a.slug) as sim:
            yield sim

    @pytest.fixture
    def good_credentials(self, simulator):
        return dict(GOOD)

    def count_rows(self, organization) -> int:
        return live_links(organization)

    def expected_rows(self, simulator) -> int:
        return len(simulator.data(False).links)

    # A Stripe key is not a token the client can renew: the kit's renewal case does not apply.
    # What does: a key rolled mid-sync fails the run for good and asks a person for a new key.
    test_token_expiry_mid_sync_renews_the_token = None

    def test_a_key_rolled_mid_sync_needs_attention_and_removes_nothing(self, connected, personas, simulator):
        assert self.sync(personas).status == "succeeded"
        self.inject(simulator, "token_expiry")
        run = self.sync(personas)
        assert run.status == "failed" and run.permanent and run.error_code == "credentials_rejected"
        assert run.attempt == 1 and run.removed == 0
        self.assert_complete(personas, simulator)
        connected.refresh_from_db()
        assert connected.status == Connection.Status.NEEDS_ATTENTION
        assert "Stripe rejected this key" in connected.status_reason
