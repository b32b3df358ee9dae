"""Xero against its simulator over a real socket, through the shared provider contract."""

from __future__ import annotations

import pytest

from billingone.billing.models import Customer, Invoice
from billingone.integrations.providers.xero.provider import Xero
from billingone.integrations.providers.xero.testing import xero_credentials
from billingone.integrations.testing import ProviderContract


class TestXeroContract(ProviderContract):
    provider_class = Xero

    @pytest.fixture
    def good_credentials(self, xero_sim):
        return xero_credentials(xero_sim)

    @pytest.fixture
    def bad_credentials(self, xero_sim):
        # a revoked grant: Xero refuses the access token and the refresh token alike
        credentials = xero_credentials(xero_sim)
        xero_sim.identity.grants[-1].revoked = True
        return credentials

    def count_rows(self, organization) -> int:
        return sum(model.objects.filter(organization=organization).count() for model in (Customer, Invoice))
