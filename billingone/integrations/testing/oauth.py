"""The OAuth contract suite, for providers whose `auth` is OAUTH2: the shared connect flow
(integrations/oauth/) driven through the web pages against the provider's simulator (its
identity endpoints are real servers), checked against the provider's `OAuthHooks`, then what
the tokens do afterwards.

    class TestAcmeOAuth(OAuthContract):
        provider_class = Acme                     # its `oauth` hooks name settings and scopes

        @pytest.fixture
        def simulator(self, settings): ...        # running, wired into settings; has .url
        def consent(self, simulator, params): ... # press "Allow" on its consent page for one
                                                  # account; returns our callback's path + query

Tokens are renewed and refused through the shared fault vocabulary (`token_expiry`), so the
suite needs nothing else from the simulator.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from billingone.integrations.base import AuthKind, Provider, ProviderContext, ProviderError
from billingone.integrations.testing.helpers import run_sync
from billingone.testing.tasks import run_pending_tasks

PKCE_CHALLENGE_LENGTH = 43  # base64url of a SHA-256 digest, unpadded


class OAuthContract(ABC):
    provider_class: ClassVar[type[Provider]]

    @abstractmethod
    def consent(self, simulator, params: dict[str, str]) -> str:
        """Approve the authorize request `params` at the simulator for one account; return the
        path and query the simulator redirects the browser back to."""

    def start_url(self, slug: str) -> str:
        return f"/{slug}/settings/integrations/{self.provider_class.key}/connect/"

    def disconnect_url(self, slug: str) -> str:
        return f"/{slug}/settings/integrations/{self.provider_class.key}/disconnect/"

    # ---- helpers ---------------------------------------------------------------------------
    def start(self, client) -> dict[str, str]:
        """Start connecting; the authorize URL's query, plus the URL itself under "url"."""
        response = client.post(self.start_url("org-a"))
        assert response.status_code == 302, response.content[:300]
        return dict(parse_qsl(urlsplit(response["Location"]).query)) | {"url": response["Location"]}

    def connection(self, organization):
        from billingone.integrations.models import Connection

        return Connection.objects.filter(organization=organization, provider=self.provider_class.key).first()

    def inject(self, simulator, kind: str, **options) -> None:
        response = httpx.post(simulator.url + "/_sim/faults", json={"kind": kind, **options}, timeout=5)
        assert response.status_code == 201, response.text

    @pytest.fixture
    def owner(self, personas, client_for):
        return client_for(personas.alice)

    @pytest.fixture
    def connected(self, simulator, personas, owner):
        """Connected through the web flow; the first sync (if the flow queues one) has run."""
        response = owner.get(self.consent(simulator, self.start(owner)))
        assert response.status_code == 302, response.content[:300]
        run_pending_tasks()
        connection = self.connection(personas.org_a)
        assert connection is not None and connection.is_connected
        return connection

    # ---- the connect flow ------------------------------------------------------------------
    @property
    def hooks(self):
        return self.provider_class.oauth

    def test_the_provider_declares_its_oauth_hooks(self):
        assert self.provider_class.auth == AuthKind.OAUTH2
        hooks = self.hooks
        assert hooks is not None and hooks.provider == self.provider_class.key
        assert hooks.scopes and (hooks.list_accounts is not None or hooks.account_param)
        assert set(hooks.url_settings) <= set(self.provider_class.url_settings)  # hosts its client may call

    def test_authorize_url_carries_state_and_pkce_s256(self, simulator, owner):
        params = self.start(owner)
        assert params["url"].startswith(self.hooks.authorize_url + "?")
        assert params["response_type"] == "code" and params["client_id"] == self.hooks.platform_app().client_id
        assert params["redirect_uri"] == self.hooks.redirect_uri and params["scope"].split() == list(self.hooks.scopes)
        assert len(params["state"]) >= 43  # 32 random bytes or more
        assert params["code_challenge_method"] == "S256"
        assert len(params["code_challenge"]) == PKCE_CHALLENGE_LENGTH
        assert params["state"] != self.start(owner)["state"]  # one per attempt

    def test_the_code_is_exchanged_and_the_tokens_kept_encrypted(self, simulator, personas, connected):
        credentials = connected.get_credentials()
        assert credentials["access_token"] and credentials["refresh_token"] and credentials["account_id"]
        assert credentials["refresh_token"] not in connected.credentials_token
        context = ProviderContext(organization=personas.org_a, credentials=credentials, config=connected.config)
        self.provider_class(context).test_connection()  # the exchanged tokens work

    def test_a_callback_with_a_foreign_state_connects_nothing(self, simulator, personas, owner):
        params = self.start(owner)
        callback = self.consent(simulator, {**params, "state": "not-the-state-" + "x" * 40})
        assert owner.get(callback).status_code in (400, 403)
        connection = self.connection(personas.org_a)
        assert connection is None or not connection.is_connected

    # ---- the tokens afterwards -------------------------------------------------------------
    def test_refresh_rotation_persists_the_new_refresh_token(self, simulator, personas, connected):
        before = connected.get_credentials()
        self.inject(simulator, "token_expiry")  # the access token dies mid-sync: renew it
        run = run_sync(personas.org_a, self.provider_class.key)
        assert run.status == "succeeded", run.error_message
        connected.refresh_from_db()
        after = connected.get_credentials()
        assert after["refresh_token"] != before["refresh_token"]
        assert after["access_token"] != before["access_token"]
        assert after["refresh_token"] not in connected.credentials_token

    def test_invalid_grant_is_permanent_and_needs_attention(self, simulator, personas, connected):
        from billingone.integrations.models import Connection

        connected.set_credentials({**connected.get_credentials(), "refresh_token": "revoked-" + "r" * 40})
        connected.save()
        self.inject(simulator, "token_expiry")
        run = run_sync(personas.org_a, self.provider_class.key)
        assert run.status == "failed" and run.permanent and run.attempt == 1
        assert "revoked-" not in run.error_message
        connected.refresh_from_db()
        assert connected.status == Connection.Status.NEEDS_ATTENTION and connected.status_reason

    def test_disconnect_revokes_the_grant(self, simulator, personas, owner, connected):
        credentials = connected.get_credentials()
        response = owner.post(self.disconnect_url("org-a"), {"data": "keep", "data_choice": "keep"})
        assert response.status_code == 302
        connection = self.connection(personas.org_a)
        assert connection is None or not connection.is_connected
        context = ProviderContext(organization=personas.org_a, credentials=credentials, config=connected.config)
        with pytest.raises(ProviderError) as refused:  # the provider no longer takes the old tokens
            self.provider_class(context).test_connection()
        assert refused.value.permanent
