"""Pax8 passes the shared fault suite: each fault of the vocabulary, hit on the second page of
subscriptions (450 = three pages of 200), ends as the error taxonomy says with nothing lost."""

from __future__ import annotations

import pytest

from billingone.integrations.providers.pax8.testing import PAX8_GOOD, running_pax8
from billingone.integrations.testing import FaultSuite


class TestPax8Faults(FaultSuite):
    provider_key = "pax8"
    fault_path = "/v1/subscriptions"

    @pytest.fixture
    def simulator(self, settings):
        with running_pax8(settings, subscriptions=450) as sim:
            yield sim

    @pytest.fixture
    def good_credentials(self, simulator):
        return dict(PAX8_GOOD)

    def expected_rows(self, simulator) -> int:
        data = simulator.data
        return len(data.companies) + len(data.products) + len(data.subscriptions)
