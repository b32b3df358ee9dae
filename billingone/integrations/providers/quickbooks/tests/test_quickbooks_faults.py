"""QuickBooks passes the shared fault suite: each fault of the vocabulary, hit on the invoice
pages (after the count), ends as the error taxonomy says with nothing lost."""

from __future__ import annotations

import pytest

from billingone.billing.models import Customer, Invoice, Item
from billingone.integrations.providers.quickbooks.testing import credentials_for, quickbooks_simulator_fixture
from billingone.integrations.testing import FaultSuite


class TestQuickBooksFaults(FaultSuite):
    provider_key = "quickbooks"
    fault_path = "FROM Invoice ORDERBY"  # the invoice pages of a full sync
    fault_after = 0  # the first page: the count and the customers are already in
    mode = "full"

    @pytest.fixture
    def simulator(self, settings):
        yield from quickbooks_simulator_fixture(settings)

    @pytest.fixture
    def good_credentials(self, simulator):
        return credentials_for(simulator)

    def count_rows(self, organization) -> int:
        models = (Customer, Item, Invoice)
        return sum(model.objects.filter(organization=organization, removed_at__isnull=True).count() for model in models)

    def expected_rows(self, simulator) -> int:
        books = simulator.company().books
        return len(books.customers) + len(books.items) + books.total - len(books.deleted)
