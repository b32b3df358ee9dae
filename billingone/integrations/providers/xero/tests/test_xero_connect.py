"""Connecting Xero on the web: authorization code + PKCE through the simulator's consent page,
the state's bindings (session, user, organization, provider, 10 minutes, single use), the
choice between Xero organisations, the organization's own app, disconnect with revocation."""

from __future__ import annotations

import hashlib
from base64 import urlsafe_b64encode
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import time_machine
from django.test import Client

from billingone.audit.models import AuditEvent
from billingone.billing.models import Invoice
from billingone.integrations.models import Connection, SyncRun
from billingone.integrations.oauth import session as oauth
from billingone.integrations.providers.xero.auth import SCOPES
from billingone.integrations.providers.xero.simulator.consent import approve
from billingone.integrations.providers.xero.testing import CLIENT_ID, connect_xero
from billingone.orgs.models import Membership
from billingone.testing.tasks import run_pending_tasks

CONNECT = "/org-a/settings/integrations/xero/connect/"


def start(client, slug: str = "org-a", next_url: str = "") -> dict[str, str]:
    response = client.post(f"/{slug}/settings/integrations/xero/connect/", {"next": next_url})
    assert response.status_code == 302, response.content[:300]
    return dict(parse_qsl(urlsplit(response["Location"]).query)) | {"url": response["Location"]}


def consent(sim, params: dict[str, str], tenant_ids=None) -> str:
    """Press "Allow access" on the simulator's consent page; the path+query of our callback."""
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


def xero_connection(organization) -> Connection | None:
    return Connection.objects.filter(organization=organization, provider="xero").first()


def test_authorize_url_has_state_pkce_exact_scopes_and_the_configured_redirect(
    xero_sim, personas, client_for, settings
):
    client = client_for(personas.alice)
    params = start(client)
    assert params["url"].startswith(settings.XERO_AUTHORIZE_URL + "?")
    assert (
        params["scope"].split()
        == list(SCOPES)
        == ["offline_access", "accounting.contacts.read", "accounting.settings.read", "accounting.invoices"]
    )
    assert params["code_challenge_method"] == "S256" and len(params["state"]) >= 43
    assert params["redirect_uri"] == settings.XERO_REDIRECT_URI and params["client_id"] == CLIENT_ID
    # the verifier kept server-side hashes to the challenge sent
    flow = next(iter(client.session[oauth.SESSION_KEY].values()))
    digest = urlsafe_b64encode(hashlib.sha256(flow["code_verifier"].encode()).digest()).rstrip(b"=").decode()
    assert digest == params["code_challenge"]
    other_host = client.post(CONNECT, HTTP_HOST="127.0.0.1")  # the Host header never shapes the redirect URI
    assert dict(parse_qsl(urlsplit(other_host["Location"]).query))["redirect_uri"] == settings.XERO_REDIRECT_URI


def test_one_organisation_connects_and_the_first_sync_runs(xero_sim, personas, client_for, app_token):
    client = client_for(personas.alice)
    params = start(client, next_url="/org-a/invoices/")
    response = client.get(consent(xero_sim, params, [xero_sim.tenant_ids[0]]))
    assert response.status_code == 302 and response["Location"] == "/org-a/invoices/"
    connection = xero_connection(personas.org_a)
    assert connection.is_connected and connection.config["account_name"] == "Demo MSP Pty Ltd"
    credentials = connection.get_credentials()
    assert credentials["account_id"] == xero_sim.tenant_ids[0]
    assert credentials["access_token"] not in connection.credentials_token  # encrypted at rest
    run_pending_tasks()
    assert SyncRun.objects.get(connection=connection).status == SyncRun.Status.SUCCEEDED
    assert Invoice.objects.filter(source="xero", organization=personas.org_a).exists()
    page = client.get("/org-a/settings/integrations/xero/").content.decode()
    assert "Demo MSP Pty Ltd" in page
    assert credentials["access_token"] not in page and credentials["refresh_token"] not in page
    api = Client(HTTP_X_SESSION_TOKEN=app_token(personas.alice)).get("/api/v1/orgs/org-a/integrations/xero")
    assert api.status_code == 200 and api.json()["status"] in ("connected", "syncing")
    assert credentials["access_token"] not in api.content.decode()
    assert credentials["refresh_token"] not in api.content.decode()
    assert "integration.connect" in AuditEvent.objects.values_list("action", flat=True)
    assert not any(credentials["refresh_token"] in str(e.data) for e in AuditEvent.objects.all())


def test_several_organisations_the_user_picks_one(xero_sim, personas, client_for):
    client = client_for(personas.member("finance"))
    response = client.get(consent(xero_sim, start(client)))
    assert response["Location"] == "/org-a/settings/integrations/xero/choose/"
    assert not xero_connection(personas.org_a).is_connected
    page = client.get(response["Location"]).content.decode()
    assert "Demo MSP Pty Ltd" in page and "Demo MSP Training Co" in page
    assert client.post(response["Location"], {"account": "not-a-tenant"}).status_code == 400
    chosen = client.post(response["Location"], {"account": xero_sim.tenant_ids[1]})
    assert chosen.status_code == 302
    connection = xero_connection(personas.org_a)
    assert connection.is_connected and connection.config["account_name"] == "Demo MSP Training Co"
    assert list(xero_sim.identity.grants[-1].connections) == [xero_sim.tenant_ids[1]]  # the other was dropped


def test_replayed_state_is_refused(xero_sim, personas, client_for):
    client = client_for(personas.alice)
    callback = consent(xero_sim, start(client), [xero_sim.tenant_ids[0]])
    assert client.get(callback).status_code == 302
    exchanges = xero_sim.identity.token_requests
    replay = client.get(callback)
    assert replay.status_code == 403 and b"not valid" in replay.content
    assert xero_sim.identity.token_requests == exchanges  # no second code exchange


def test_state_from_another_session_is_refused(xero_sim, personas, client_for):
    params = start(client_for(personas.alice))
    callback = consent(xero_sim, params, [xero_sim.tenant_ids[0]])
    other = Client()
    other.force_login(personas.alice, backend="django.contrib.auth.backends.ModelBackend")  # same user, new session
    assert other.get(callback).status_code == 403
    charlie = Client()
    charlie.force_login(personas.charlie, backend="django.contrib.auth.backends.ModelBackend")
    assert charlie.get(callback).status_code == 403
    assert not Connection.objects.filter(provider="xero", status="connected").exists()


def test_state_from_another_organization_is_refused(xero_sim, personas, client_for, rf):
    Membership.objects.create(user=personas.alice, organization=personas.org_b, role="finance")
    client = client_for(personas.alice)
    params = start(client, slug="org-b")
    request = rf.get("/")
    request.session, request.user = client.session, personas.alice
    flow = oauth.complete(request, provider="xero", state=params["state"])
    with pytest.raises(oauth.StateRejected) as refused:
        oauth.check_organization(flow, personas.org_a)
    assert refused.value.reason == "wrong_organization"
    # the callback itself re-checks the member's capability in the state's organization
    params = start(client, slug="org-b")
    Membership.objects.filter(user=personas.alice, organization=personas.org_b).update(role="viewer")
    response = client.get(consent(xero_sim, params, [xero_sim.tenant_ids[0]]))
    assert response.status_code == 403
    assert not Connection.objects.filter(provider="xero", status="connected").exists()


def test_state_for_another_provider_and_expired_state_are_refused(xero_sim, personas, client_for, rf):
    client = client_for(personas.alice)
    params = start(client)
    request = rf.get("/")
    request.session, request.user = client.session, personas.alice
    with pytest.raises(oauth.StateRejected) as refused:
        oauth.complete(request, provider="quickbooks", state=params["state"])
    assert refused.value.reason == "wrong_provider"
    params = start(client)
    with _later(11 * 60):
        response = client.get(consent(xero_sim, params, [xero_sim.tenant_ids[0]]))
    assert response.status_code == 403 and b"expired" in response.content


def _later(seconds: int):
    import time

    return time_machine.travel(time.time() + seconds)


def test_wrong_verifier_is_refused_by_xero(xero_sim, personas, client_for):
    client = client_for(personas.alice)
    params = start(client)
    session = client.session
    flows = session[oauth.SESSION_KEY]
    for flow in flows.values():
        flow["code_verifier"] = "x" * 64  # not the verifier the challenge was made from
    session[oauth.SESSION_KEY] = flows
    session.save()
    response = client.get(consent(xero_sim, params, [xero_sim.tenant_ids[0]]))
    assert response.status_code == 400 and b"Xero was not connected" in response.content
    assert not (xero_connection(personas.org_a) and xero_connection(personas.org_a).is_connected)


def test_declined_consent_and_xero_errors_end_on_a_clear_page(xero_sim, personas, client_for):
    client = client_for(personas.alice)
    params = start(client)
    denied = httpx.post(
        xero_sim.url + "/identity/connect/authorize/consent",
        data={**{k: v for k, v in params.items() if k != "url"}, "decision": "deny"},
    )
    parts = urlsplit(denied.headers["Location"])
    page = client.get(f"{parts.path}?{parts.query}")
    assert page.status_code == 400 and b"You declined access in Xero" in page.content
    params = start(client)
    error = client.get(f"/oauth/xero/callback/?error=server_error&state={params['state']}")
    assert error.status_code == 400 and b"server_error" in error.content
    assert client.get("/oauth/xero/callback/").status_code == 403


def test_next_must_be_internal(xero_sim, personas, client_for):
    client = client_for(personas.alice)
    params = start(client, next_url="https://evil.example/steal")
    response = client.get(consent(xero_sim, params, [xero_sim.tenant_ids[0]]))
    assert response["Location"] == "/org-a/settings/integrations/xero/"


def test_own_app_is_stored_encrypted_and_used(xero_sim, personas, client_for):
    client = client_for(personas.alice)
    secret = "own-app-secret-SENTINEL-123"
    missing = client.post("/org-a/settings/integrations/xero/app/", {"own_client_id": "my-app"})
    assert missing.status_code == 400 and b"Enter both" in missing.content
    saved = client.post(
        "/org-a/settings/integrations/xero/app/", {"own_client_id": "my-app", "own_client_secret": secret}
    )
    assert saved.status_code == 302
    connection = xero_connection(personas.org_a)
    assert secret not in connection.credentials_token and not connection.is_connected
    page = client.get("/org-a/settings/integrations/xero/").content.decode()
    assert secret not in page and "my-app" in page
    xero_sim.identity.register_client("my-app", secret, [xero_sim_redirect()])
    params = start(client)
    assert params["client_id"] == "my-app"
    client.get(consent(xero_sim, params, [xero_sim.tenant_ids[0]]))
    assert xero_connection(personas.org_a).is_connected
    assert xero_sim.identity.grants[-1].client_id == "my-app"


def xero_sim_redirect() -> str:
    from django.conf import settings

    return settings.XERO_REDIRECT_URI


def test_disconnect_revokes_at_xero_and_deletes_tokens(xero_sim, personas, client_for):
    connect_xero(personas.alice, personas.org_a, xero_sim)
    client = client_for(personas.alice)
    response = client.post("/org-a/settings/integrations/xero/disconnect/", {"data_choice": "keep"})
    assert response.status_code == 302
    assert xero_sim.identity.grants[-1].revoked
    connection = xero_connection(personas.org_a)
    assert not connection.has_credentials and connection.status == Connection.Status.NOT_CONNECTED
    assert {"integration.revoke", "integration.disconnect"} <= set(AuditEvent.objects.values_list("action", flat=True))


def test_api_answers_web_only_with_the_link(xero_sim, personas, app_token):
    token = app_token(personas.alice)
    response = Client().post("/api/v1/orgs/org-a/integrations/xero/connect", HTTP_X_SESSION_TOKEN=token)
    assert response.status_code == 403
    body = response.json()["error"]
    assert body["code"] == "web_only" and body["web_url"].endswith("/org-a/settings/integrations/xero/")


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/org-a/settings/integrations/xero/"),
        ("post", CONNECT),
        ("get", "/org-a/settings/integrations/xero/choose/"),
        ("post", "/org-a/settings/integrations/xero/app/"),
        ("post", "/org-a/settings/integrations/xero/disconnect/"),
    ],
)
def test_outsider_gets_404(xero_sim, personas, client_for, method, path):
    assert getattr(client_for(personas.charlie), method)(path).status_code == 404


@pytest.mark.parametrize("role", ["viewer", "engineer"])
@pytest.mark.parametrize(
    "method,path",
    [
        ("post", CONNECT),
        ("get", "/org-a/settings/integrations/xero/choose/"),
        ("post", "/org-a/settings/integrations/xero/app/"),
        ("post", "/org-a/settings/integrations/xero/disconnect/"),
    ],
)
def test_insufficient_role_gets_403(xero_sim, personas, client_for, role, method, path):
    assert getattr(client_for(personas.member(role)), method)(path).status_code == 403


def test_viewer_reads_the_xero_page_without_connect_buttons(xero_sim, personas, client_for):
    page = client_for(personas.bob).get("/org-a/settings/integrations/xero/")
    assert page.status_code == 200 and b"can connect Xero" in page.content
    assert b'data-testid="oauth-connect"' not in page.content
