"""Tokens on a stored connection: refreshed ahead of the hour, the rotated refresh token always
persisted (encrypted), invalid_grant → needs
attention; endpoints from a trusted discovery document; revoke ends the grant."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from billingone.integrations.base import ConfigurationInvalid, NeedsReauthorization, ProviderContext
from billingone.integrations.models import Connection
from billingone.integrations.oauth import client
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
    assert float(after["expires_at"]) > time.time() + 3000 and after["account_id"] == before["account_id"]
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


def test_the_shared_revoke_ends_the_grant(qbo_wired, qbo_credentials):
    assert client.revoke(auth.HOOKS, auth.app_for(qbo_credentials), qbo_credentials["refresh_token"]) is True
    assert qbo_wired.identity.grants[-1].revoked


def test_the_endpoint_defaults_are_the_production_discovery_document():
    from billingone.integrations.providers.quickbooks.simulator.discovery import PRODUCTION

    for setting, name in auth.DISCOVERED.items():
        assert env_default(setting) == PRODUCTION[name]


def test_the_simulator_endpoints_are_read_from_its_discovery_document(qbo_wired, settings):
    assert auth.discovered_endpoints(qbo_wired.discovery_url) == {
        "QUICKBOOKS_AUTHORIZE_URL": f"{qbo_wired.url}/connect/oauth2",
        "QUICKBOOKS_TOKEN_URL": f"{qbo_wired.url}/oauth2/v1/tokens/bearer",
        "QUICKBOOKS_REVOKE_URL": f"{qbo_wired.url}/v2/oauth2/tokens/revoke",
    }
    assert f"{qbo_wired.url}/oauth2/v1/tokens/bearer" == settings.QUICKBOOKS_TOKEN_URL


def env_default(setting: str) -> str:
    """The default settings.py gives `setting` when the environment names nothing."""
    source = (Path(__file__).resolve().parents[4] / "settings.py").read_text()
    line = next(line for line in source.splitlines() if line.startswith(f"{setting} = env_str("))
    return line.split(", ", 1)[1].rsplit(")", 1)[0].strip('"')


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
        settings.INTEGRATION_SIMULATOR_HOSTS = [*settings.INTEGRATION_SIMULATOR_HOSTS, host]
        with pytest.raises(ConfigurationInvalid) as caught:
            auth.discovered_endpoints(f"http://{host}/.well-known/openid_configuration")
        assert "token_endpoint" in caught.value.message
    finally:
        server.shutdown()
        server.server_close()
