"""Xero passes the shared OAuth contract suite against its simulator's identity endpoints."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from billingone.integrations.providers.xero.provider import Xero
from billingone.integrations.providers.xero.simulator.consent import approve
from billingone.integrations.providers.xero.testing import xero_simulator_fixture
from billingone.integrations.testing import OAuthContract


class TestXeroOAuth(OAuthContract):
    provider_class = Xero

    @pytest.fixture
    def simulator(self, settings):
        yield from xero_simulator_fixture(settings)

    def consent(self, simulator, params: dict[str, str]) -> str:
        location = approve(
            simulator.url,
            client_id=params["client_id"],
            redirect_uri=params["redirect_uri"],
            scope=params["scope"],
            state=params["state"],
            challenge=params["code_challenge"],
            tenant_ids=[simulator.tenant_ids[0]],
        )
        parts = urlsplit(location)
        return f"{parts.path}?{parts.query}"
