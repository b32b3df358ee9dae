"""Pax8 against its simulator over a real socket, through the shared provider contract."""

from __future__ import annotations

import pytest

from billingone.billing.models import Customer, Product, Subscription
from billingone.integrations.providers.pax8.provider import Pax8
from billingone.integrations.providers.pax8.testing import PAX8_BAD, PAX8_GOOD
from billingone.integrations.testing import ProviderContract


class TestPax8Contract(ProviderContract):
    provider_class = Pax8

    @pytest.fixture
    def good_credentials(self, pax8_sim):
        return dict(PAX8_GOOD)

    @pytest.fixture
    def bad_credentials(self, pax8_sim):
        return dict(PAX8_BAD)

    def count_rows(self, organization) -> int:
        models = (Customer, Product, Subscription)
        return sum(model.objects.filter(organization=organization).count() for model in models)
