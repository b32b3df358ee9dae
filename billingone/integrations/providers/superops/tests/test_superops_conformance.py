"""SuperOps passes the conformance kit: the provider contract and the shared fault suite, syncs
through the engine against the simulator over real sockets."""

from __future__ import annotations

import pytest

from billingone.billing.models import Customer, Invoice
from billingone.integrations.models import Connection
from billingone.integrations.providers.superops.provider import SuperOps
from billingone.integrations.providers.superops.testing import BAD_TOKEN, GOOD, running_superops
from billingone.integrations.testing import FaultSuite, ProviderContract


class TestSuperOpsContract(ProviderContract):
    provider_class = SuperOps

    @pytest.fixture
    def good_credentials(self, superops_sim):
        return dict(GOOD)

    @pytest.fixture
    def bad_credentials(self, superops_sim):
        return dict(BAD_TOKEN)


class TestSuperOpsFaults(FaultSuite):
    provider_key = "superops"
    fault_path = "/msp/getInvoice"  # the invoice list, then each invoice read with getInvoice
    mode = "full"

    @pytest.fixture
    def simulator(self, settings):
        with running_superops(settings) as sim:
            yield sim

    @pytest.fixture
    def good_credentials(self, simulator):
        return dict(GOOD)

    def expected_rows(self, simulator) -> int:
        tenant = simulator.tenant("us")
        return len(tenant.clients) + len(tenant.invoices)

    def count_rows(self, organization) -> int:
        live = {"organization": organization, "source": "superops", "removed_at__isnull": True}
        return Customer.objects.filter(**live).count() + Invoice.objects.filter(**live).count()

    # A SuperOps API token is not renewable: the kit's renewal case does not apply. What does: a
    # token regenerated in SuperOps mid-sync fails the run for good and asks a person for the new one.
    test_token_expiry_mid_sync_renews_the_token = None

    def test_a_token_regenerated_mid_sync_needs_attention_and_removes_nothing(self, connected, personas, simulator):
        assert self.sync(personas).status == "succeeded"
        self.inject(simulator, "token_expiry")
        run = self.sync(personas)
        assert run.status == "failed" and run.permanent and run.error_code == "credentials_rejected"
        assert run.attempt == 1 and run.removed == 0
        self.assert_complete(personas, simulator)
        connected.refresh_from_db()
        assert connected.status == Connection.Status.NEEDS_ATTENTION
        assert "SuperOps rejected this API token" in connected.status_reason
