"""Xero passes the shared fault suite: each fault of the vocabulary, hit on the call after the
contacts (the invoices), ends as the error taxonomy says with nothing lost."""

from __future__ import annotations

import pytest

from billingone.integrations.providers.xero.testing import xero_credentials, xero_simulator_fixture
from billingone.integrations.testing import FaultSuite


class TestXeroFaults(FaultSuite):
    provider_key = "xero"
    fault_path = "/api.xro/2.0/"
    mode = "full"

    @pytest.fixture
    def simulator(self, settings):
        yield from xero_simulator_fixture(settings)

    @pytest.fixture
    def good_credentials(self, simulator):
        return xero_credentials(simulator)

    def expected_rows(self, simulator) -> int:
        data = simulator.tenant().data
        sales = sum(1 for index in range(data.total) if data.invoice(index)["Type"] == "ACCREC")
        return len(data.contacts) + sales
