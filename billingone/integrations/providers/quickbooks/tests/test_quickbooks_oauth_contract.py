"""QuickBooks passes the shared OAuth contract suite against its simulator's Intuit endpoints:
the consent page's company choice gives the callback its realmId."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import httpx
import pytest

from billingone.integrations.providers.quickbooks.provider import QuickBooks
from billingone.integrations.providers.quickbooks.testing import quickbooks_simulator_fixture
from billingone.integrations.testing import OAuthContract


class TestQuickBooksOAuth(OAuthContract):
    provider_class = QuickBooks
    authorize_setting = "QUICKBOOKS_AUTHORIZE_URL"

    @pytest.fixture
    def simulator(self, settings):
        yield from quickbooks_simulator_fixture(settings)

    def consent(self, simulator, params: dict[str, str]) -> str:
        query = {key: value for key, value in params.items() if key != "url"}
        page = httpx.get(f"{simulator.url}/connect/oauth2?{urlencode(query)}")
        assert page.status_code == 200, page.text
        answer = httpx.post(
            f"{simulator.url}/connect/oauth2/consent",
            data={**query, "realm": simulator.realm_ids[0], "decision": "allow"},
        )
        assert answer.status_code == 302, answer.text
        parts = urlsplit(answer.headers["Location"])
        return f"{parts.path}?{parts.query}"
