"""The shared OAuth connect (integrations/oauth/) end to end against the Xero simulator, beyond
test_xero_connect.py: an abandoned reconnect keeps the working connection, the scopes notice,
invalid_grant with its reconnect link, the outbound-host policy on the token endpoint, a
rejected app secret, and the "account given in the callback" path (QuickBooks' realmId)."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client

from billingone.integrations import registry
from billingone.integrations.base import ProviderContext
from billingone.integrations.models import Connection, SyncRun
from billingone.integrations.providers.xero import auth as xero_auth
from billingone.integrations.providers.xero.provider import Xero
from billingone.integrations.providers.xero.simulator.consent import approve
from billingone.integrations.providers.xero.testing import connect_xero
from billingone.integrations.testing import membership_of
from billingone.testing.tasks import run_pending_tasks

SETTINGS = "/org-a/settings/integrations/xero/"
LEGACY_SCOPES = ("offline_access", "accounting.contacts.read", "accounting.invoices.read")


def start(client, provider: str = "xero") -> dict[str, str]:
    response = client.post(f"/org-a/settings/integrations/{provider}/connect/")
    assert response.status_code == 302, response.content[:300]
    return dict(parse_qsl(urlsplit(response["Location"]).query))


def consent(sim, params: dict[str, str], tenant_ids=None) -> str:
    location = approve(
        sim.url,
        client_id=params["client_id"],
        redirect_uri=params["redirect_uri"],
        scope=params["scope"],
        state=params["state"],
        challenge=params["code_challenge"],
        tenant_ids=tenant_ids,
    )
    parts = urlsplit(location)
    return f"{parts.path}?{parts.query}"


def xero(organization) -> Connection:
    return Connection.objects.get(organization=organization, provider="xero")


def test_abandoned_reconnect_keeps_the_working_connection(xero_sim, personas, client_for):
    connection = connect_xero(personas.alice, personas.org_a, xero_sim)
    before = connection.get_credentials()
    client = client_for(personas.alice)
    # Reconnect, allow both organisations, land on the choose page... and close the tab.
    landed = client.get(consent(xero_sim, start(client)))
    assert landed["Location"] == "/org-a/settings/integrations/xero/choose/"
    connection = xero(personas.org_a)
    assert connection.status == Connection.Status.CONNECTED and connection.is_connected
    after = connection.get_credentials()
    assert after["access_token"] == before["access_token"] and after["account_id"] == before["account_id"]
    assert connection.config["account_name"] == "Demo MSP Pty Ltd"
    # It still syncs with the grant it had.
    run = _sync(personas)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error_message
    page = client.get(SETTINGS).content.decode()
    assert "Demo MSP Pty Ltd" in page and "A new authorisation is waiting" in page
    # Coming back later and choosing switches to the new grant.
    client.post("/org-a/settings/integrations/xero/choose/", {"account": xero_sim.tenant_ids[1]})
    switched = xero(personas.org_a)
    assert switched.config["account_name"] == "Demo MSP Training Co"
    assert switched.get_credentials()["access_token"] != before["access_token"]
    assert "pending" not in switched.get_credentials() and "pending" not in switched.config


def _sync(personas, mode: str = "delta") -> SyncRun:
    membership = membership_of(personas.alice, personas.org_a)
    run = SyncRun.objects.filter(organization=personas.org_a, status__in=SyncRun.ACTIVE).first()
    if run is None:
        from billingone.integrations import flows

        run = flows.request_sync(personas.org_a, "xero", mode=mode, trigger="person", membership=membership)
    run_pending_tasks()
    run.refresh_from_db()
    return run


def test_connections_without_the_new_scopes_are_told_to_reconnect(xero_sim, personas, client_for, app_token):
    connect_xero(personas.alice, personas.org_a, xero_sim, scopes=LEGACY_SCOPES)
    page = client_for(personas.alice).get("/org-a/settings/integrations/").content.decode()
    assert 'data-testid="missing-scopes-xero"' in page and "accounting.settings.read accounting.invoices" in page
    assert 'data-testid="oauth-missing-scopes"' in client_for(personas.alice).get(SETTINGS).content.decode()
    api = Client(HTTP_X_SESSION_TOKEN=app_token(personas.alice)).get("/api/v1/orgs/org-a/integrations/xero")
    assert api.json()["missing_scopes"] == ["accounting.settings.read", "accounting.invoices"]
    # Reconnecting grants them; the notice goes away.
    client = client_for(personas.alice)
    client.get(consent(xero_sim, start(client), [xero_sim.tenant_ids[0]]))
    assert xero(personas.org_a).config["granted_scopes"] == list(xero_auth.SCOPES)
    assert 'data-testid="missing-scopes-xero"' not in client.get("/org-a/settings/integrations/").content.decode()
    fresh = Client(HTTP_X_SESSION_TOKEN=app_token(personas.alice)).get("/api/v1/orgs/org-a/integrations/xero")
    assert fresh.json()["missing_scopes"] == []


def test_the_granted_scopes_let_the_sync_read_invoices(xero_sim, personas):
    connect_xero(personas.alice, personas.org_a, xero_sim)
    assert set(xero_sim.identity.grants[-1].scopes) == set(xero_auth.SCOPES)
    assert _sync(personas, "full").status == SyncRun.Status.SUCCEEDED


def test_invalid_grant_needs_attention_with_a_reconnect_link(xero_sim, personas, client_for, app_token):
    connection = connect_xero(personas.alice, personas.org_a, xero_sim)
    credentials = connection.get_credentials()
    connection.set_credentials({**credentials, "expires_at": "0"})
    connection.save()
    xero_sim.identity.grants[-1].revoked = True  # the person removed BillingOne inside Xero
    run = _sync(personas)
    assert run.status == SyncRun.Status.FAILED and run.error_code == "needs_reauth"
    assert xero(personas.org_a).status == Connection.Status.NEEDS_ATTENTION
    page = client_for(personas.alice).get("/org-a/settings/integrations/").content.decode()
    assert 'data-testid="reconnect-xero"' in page and f'href="{SETTINGS}"' in page
    assert "Reconnect Xero" in client_for(personas.alice).get(SETTINGS).content.decode()
    body = Client(HTTP_X_SESSION_TOKEN=app_token(personas.alice)).get("/api/v1/orgs/org-a/integrations/xero").json()
    assert body["needs_attention"] and "Reconnect Xero" in body["status_reason"]
    assert body["connect_url"].endswith(SETTINGS)


def test_the_token_endpoint_obeys_the_outbound_host_policy(xero_sim, personas, client_for, settings):
    client = client_for(personas.alice)
    params = start(client)
    callback = consent(xero_sim, params, [xero_sim.tenant_ids[0]])
    settings.INTEGRATION_SIMULATOR_HOSTS = []  # the simulator is a loopback address: no longer allowed
    exchanges = xero_sim.identity.token_requests
    page = client.get(callback)
    assert page.status_code == 400 and b"Refusing to call" in page.content
    assert xero_sim.identity.token_requests == exchanges  # nothing left the building


def test_a_rejected_own_app_secret_is_a_clear_error(xero_sim, personas, client_for):
    client = client_for(personas.alice)
    client.post("/org-a/settings/integrations/xero/app/", {"own_client_id": "my-app", "own_client_secret": "wrong"})
    xero_sim.identity.register_client("my-app", "right-secret", [xero_auth.HOOKS.redirect_uri])
    page = client.get(consent(xero_sim, start(client), [xero_sim.tenant_ids[0]]))
    assert page.status_code == 400 and b"rejected the app&#x27;s client ID or secret" in page.content
    assert b"wrong" not in page.content


def test_disconnect_also_revokes_a_grant_still_waiting_for_its_choice(xero_sim, personas, client_for):
    connect_xero(personas.alice, personas.org_a, xero_sim)
    client = client_for(personas.alice)
    client.get(consent(xero_sim, start(client)))  # a reconnect left on the choose page
    live, waiting = xero_sim.identity.grants[-2:]
    client.post("/org-a/settings/integrations/xero/disconnect/", {"data_choice": "keep"})
    assert live.revoked and waiting.revoked
    assert not xero(personas.org_a).has_credentials


# ---- the account named by the callback (QuickBooks' realmId), on a test provider -------------


class CallbackAccountProvider(Xero):
    """A provider whose callback names the account (`realmId`), borrowing Xero's simulator as
    the authorization server; the account's name comes from its hook."""

    key = "callbackacct"
    name = "Books"
    oauth = replace(
        xero_auth.HOOKS,
        provider="callbackacct",
        name="Books",
        account_label="Books company",
        account_param="realmId",
        list_accounts=None,
        release_accounts=None,
        account_name=lambda access_token, account_id: f"Company {account_id}",
    )


@pytest.fixture
def callback_account_provider(monkeypatch):
    monkeypatch.setitem(registry.PROVIDERS, CallbackAccountProvider.key, CallbackAccountProvider)
    return CallbackAccountProvider


def test_an_account_given_in_the_callback_connects_without_a_choice(
    xero_sim, personas, client_for, callback_account_provider
):
    client = client_for(personas.alice)
    params = start(client, "callbackacct")
    callback = consent(xero_sim, params).replace("/oauth/xero/", "/oauth/callbackacct/") + "&realmId=9130"
    response = client.get(callback)
    assert response.status_code == 302 and response["Location"] == "/org-a/settings/integrations/callbackacct/"
    connection = Connection.objects.get(organization=personas.org_a, provider="callbackacct")
    assert connection.is_connected and connection.config["account_id"] == "9130"
    assert connection.config["account_name"] == "Company 9130"
    # No realmId: nothing to connect, said clearly.
    params = start(client, "callbackacct")
    missing = client.get(consent(xero_sim, params).replace("/oauth/xero/", "/oauth/callbackacct/"))
    assert missing.status_code == 400 and b"No Books company was authorised" in missing.content


def test_the_provider_refreshes_through_the_shared_code(xero_sim, personas):
    connection = connect_xero(personas.alice, personas.org_a, xero_sim)
    credentials = {**connection.get_credentials(), "expires_at": "0"}
    connection.set_credentials(credentials)
    connection.save()
    provider = Xero(ProviderContext(organization=personas.org_a, credentials=dict(credentials), connection=connection))
    provider.test_connection()
    stored = xero(personas.org_a).get_credentials()
    assert stored["refresh_token"] == xero_sim.identity.grants[-1].refresh_token != credentials["refresh_token"]
    assert float(stored["expires_at"]) > float(credentials["expires_at"])
