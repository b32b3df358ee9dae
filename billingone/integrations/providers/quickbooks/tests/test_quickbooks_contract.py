"""QuickBooks against its simulator over a real socket, through the shared provider contract."""

from __future__ import annotations

import pytest

from billingone.billing.models import Customer, Invoice, Item
from billingone.integrations.providers.quickbooks.provider import QuickBooks
from billingone.integrations.providers.quickbooks.testing import credentials_for
from billingone.integrations.testing import ProviderContract


class TestQuickBooksContract(ProviderContract):
    provider_class = QuickBooks

    @pytest.fixture
    def good_credentials(self, qbo_wired):
        return credentials_for(qbo_wired)

    @pytest.fixture
    def bad_credentials(self, qbo_wired):
        # a revoked grant: Intuit refuses the access token and the refresh token alike
        credentials = credentials_for(qbo_wired)
        qbo_wired.identity.grants[-1].revoked = True
        return credentials

    def count_rows(self, organization) -> int:
        return sum(model.objects.filter(organization=organization).count() for model in (Customer, Item, Invoice))
