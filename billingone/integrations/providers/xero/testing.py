"""Test helpers for Xero: the simulator on a free port wired into settings, real tokens from
its consent flow, and a connected Xero connection for an organization."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from django.utils import timezone

from billingone.integrations.models import Connection
from billingone.integrations.providers.xero.auth import SCOPES
from billingone.integrations.providers.xero.simulator import XeroSimulator
from billingone.integrations.providers.xero.simulator.consent import obtain_tokens
from billingone.integrations.testing import fast_http

CLIENT_ID, CLIENT_SECRET = "billingone-test", "billingone-test-secret-0123456789"
ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)


def wire_xero(settings, sim: XeroSimulator, redirect_uri: str = "http://localhost/oauth/xero/callback/"):
    settings.XERO_CLIENT_ID, settings.XERO_CLIENT_SECRET = CLIENT_ID, CLIENT_SECRET
    settings.XERO_AUTHORIZE_URL = sim.url + "/identity/connect/authorize"
    settings.XERO_TOKEN_URL = sim.url + "/connect/token"
    settings.XERO_REVOKE_URL = sim.url + "/connect/revocation"
    settings.XERO_API_URL = sim.url
    settings.XERO_WEB_URL = sim.url
    settings.XERO_REDIRECT_URI = redirect_uri
    host = sim.url.removeprefix("http://")
    settings.INTEGRATION_SIMULATOR_HOSTS = [*getattr(settings, "INTEGRATION_SIMULATOR_HOSTS", []), host]
    sim.identity.register_client(CLIENT_ID, CLIENT_SECRET, [redirect_uri])


def xero_simulator_fixture(settings, invoices: int = 120, companies: int = 12, **options):
    fast_http(settings)
    sim = XeroSimulator(invoices=invoices, companies=companies, anchor=ANCHOR, **options)
    with sim:
        wire_xero(settings, sim)
        yield sim


def xero_credentials(sim: XeroSimulator, tenant_index: int = 0, scopes: tuple[str, ...] = SCOPES) -> dict[str, str]:
    """Real tokens for the simulator's organisation `tenant_index` (consent walked headlessly)."""
    from django.conf import settings

    tokens = obtain_tokens(
        sim.url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri=settings.XERO_REDIRECT_URI,
        scope=" ".join(scopes),
    )
    return {
        "access_token": tokens["access_token"],
        "refresh_token": tokens["refresh_token"],
        "expires_at": str(time.time() + tokens["expires_in"]),
        "scope": tokens["scope"],
        "account_id": sim.tenant_ids[tenant_index],
    }


def connect_xero(
    user, organization, sim: XeroSimulator, tenant_index: int = 0, scopes: tuple[str, ...] = SCOPES
) -> Connection:
    """Store a connection as the OAuth connect leaves it (tokens from the simulator's consent)."""
    credentials = xero_credentials(sim, tenant_index, scopes)
    connection, _ = Connection.objects.get_or_create(organization=organization, provider="xero")
    connection.set_credentials(credentials)
    connection.status = Connection.Status.CONNECTED
    connection.config = {
        "app": "platform",
        "account_id": credentials["account_id"],
        "account_name": sim.tenant(credentials["account_id"]).name,
        "granted_scopes": credentials["scope"].split(),
    }
    connection.connected_at, connection.connected_by = timezone.now(), user
    connection.save()
    return connection
