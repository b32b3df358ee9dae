"""Synergy Wholesale passes the conformance kit: the provider contract and the shared fault
suite, syncs through the engine against the SOAP simulator over a real socket."""

from __future__ import annotations

import pytest

from billingone.billing.models import Subscription
from billingone.integrations.models import Connection
from billingone.integrations.providers.synergy.provider import SynergyWholesale
from billingone.integrations.providers.synergy.simulator import DEMO_RESELLER_ID
from billingone.integrations.providers.synergy.testing import GOOD, running_synergy
from billingone.integrations.testing import FaultSuite, ProviderContract


def expected_rows(sim) -> int:
    """Owners + products + subscriptions a complete sync of the simulator's account stores."""
    domains = [d for d in sim.account.domains if d["status"] == "OK"]
    services = [s for s in sim.account.services if s.get("hoid")]
    products = {d["domainName"].split(".", 1)[1] for d in domains} | {s["plan"] for s in services}
    owners = {d.get("auRegistrantName") or d["domainName"] for d in domains}
    owners |= {s["domain"] for s in services if s["domain"] not in {d["domainName"] for d in domains}}
    return len(owners) + len(products) + len(domains) + len(services)


class TestSynergyContract(ProviderContract):
    provider_class = SynergyWholesale

    @pytest.fixture
    def good_credentials(self, synergy_sim):
        return dict(GOOD)

    @pytest.fixture
    def bad_credentials(self, synergy_sim):
        return {"reseller_id": DEMO_RESELLER_ID, "api_key": "sw-this-key-was-regenerated-last-week"}


class TestSynergyFaults(FaultSuite):
    provider_key = "synergy"
    fault_path = "/"  # every command posts to the one API location
    mode = "domains_hosting"

    @pytest.fixture
    def simulator(self, settings):
        with running_synergy(settings) as sim:
            yield sim

    @pytest.fixture
    def good_credentials(self, simulator):
        return dict(GOOD)

    def expected_rows(self, simulator) -> int:
        return expected_rows(simulator)

    # Synergy has no tokens to renew: an API key regenerated mid-sync fails the run for good
    # and asks a person for the new key, removing nothing.
    test_token_expiry_mid_sync_renews_the_token = None

    def test_a_key_regenerated_mid_sync_needs_attention_and_removes_nothing(self, connected, personas, simulator):
        assert self.sync(personas).status == "succeeded"
        self.inject(simulator, "token_expiry")
        run = self.sync(personas)
        assert run.status == "failed" and run.permanent and run.error_code == "credentials_rejected"
        assert run.attempt == 1 and run.removed == 0
        assert Subscription.objects.filter(organization=personas.org_a, source="synergy", removed_at=None).exists()
        connected.refresh_from_db()
        assert connected.status == Connection.Status.NEEDS_ATTENTION
        assert "refused this reseller ID and API key" in connected.status_reason
