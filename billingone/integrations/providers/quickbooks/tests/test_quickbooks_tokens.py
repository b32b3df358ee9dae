"""Tokens on a stored connection: refreshed ahead of the hour, the rotated refresh token always
persisted (encrypted), invalid_grant → needs
attention; endpoints only from a trusted discovery document; revoke ends the grant."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from billingone.integrations.base import ConfigurationInvalid, NeedsReauthorization, ProviderContext
from billingone.integrations.models import Connection
from billingone.integrations.providers.quickbooks import auth
from billingone.integrations.providers.quickbooks.provider import QuickBooks
from billingone.integrations.providers.quickbooks.simulator import discovery


@pytest.fixture
def connection(personas, qbo_credentials):
    row = Connection.objects.create(organization=personas.org_a, provider="quickbooks", status="connected")
    row.set_credentials({**qbo_credentials, "expires_at": str(time.time() + 60)})  # inside the refresh margin
    row.save()
    return row


def provider_for(connection: Connection) -> QuickBooks:
    return QuickBooks(
        ProviderContext(
            organization=connection.organization, credentials=connection.get_credentials(), connection=connection
        )
    )


def test_an_access_token_near_its_hour_is_refreshed_and_the_rotated_token_saved(connection, qbo_wired):
    before = connection.get_credentials()
    provider_for(connection).test_connection()
    connection.refresh_from_db()
    after = connection.get_credentials()
    assert after["refresh_token"] != before["refresh_token"] and after["access_token"] != before["access_token"]
    assert float(after["expires_at"]) > time.time() + 3000 and after["realm_id"] == before["realm_id"]
    assert before["refresh_token"] not in connection.credentials_token  # stored encrypted
    grant = qbo_wired.identity.grants[-1]
    assert grant.refreshes == 1 and grant.refresh_token == after["refresh_token"]


def test_invalid_grant_marks_the_connection_needs_attention(connection, qbo_wired):
    qbo_wired.identity.grants[-1].revoked = True
    with pytest.raises(NeedsReauthorization):
        provider_for(connection).test_connection()
    connection.refresh_from_db()
    assert connection.status == Connection.Status.NEEDS_ATTENTION
    assert "Reconnect QuickBooks" in connection.status_reason


def test_revoke_ends_the_grant(qbo_wired, qbo_credentials):
    assert auth.revoke(qbo_credentials["refresh_token"]) is True
    assert qbo_wired.identity.grants[-1].revoked
    assert auth.revoke("") is False


def test_the_authorize_url_comes_from_the_discovery_document(qbo_wired):
    url = auth.authorize_url("state-123")
    assert url.startswith(f"{qbo_wired.url}/connect/oauth2?")
    assert "scope=com.intuit.quickbooks.accounting" in url and "state=state-123" in url
    assert httpx.get(url).status_code == 200


class ForeignDiscovery(BaseHTTPRequestHandler):
    """A discovery document whose token endpoint is not Intuit's."""

    def do_GET(self):
        body = json.dumps({**discovery.document("http://127.0.0.1:9"), "token_endpoint": "https://evil.example/t"})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


def test_a_discovery_document_naming_a_foreign_host_is_refused(qbo_wired, settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), ForeignDiscovery)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host = f"127.0.0.1:{server.server_address[1]}"
        settings.QUICKBOOKS_DISCOVERY_URL = f"http://{host}/.well-known/openid_configuration"
        settings.INTEGRATION_SIMULATOR_HOSTS = [*settings.INTEGRATION_SIMULATOR_HOSTS, host]
        auth._DISCOVERED.clear()
        with pytest.raises(ConfigurationInvalid) as caught:
            auth.endpoints()
        assert "token_endpoint" in caught.value.message
    finally:
        server.shutdown()
        server.server_close()
