"""Connecting Synergy Wholesale: Test Connection is balanceQuery, with one diagnostic per failure
(login failed, this server's IP not registered with its address to register, unreachable, SOAP
fault); the key is write-only; the API refuses connect (web only) and offers domains_hosting."""

from __future__ import annotations

import httpx
import pytest

from billingone.audit.models import AuditEvent
from billingone.integrations.base import (
    CredentialsRejected,
    PermissionMissing,
    ProviderContext,
    ProviderServerError,
    UnexpectedAnswer,
    Unreachable,
)
from billingone.integrations.models import Connection
from billingone.integrations.providers.synergy.client import NotRegistered, SoapFault, SynergyApi
from billingone.integrations.providers.synergy.provider import SynergyWholesale
from billingone.integrations.providers.synergy.simulator import (
    DEMO_API_KEY,
    DEMO_RESELLER_ID,
    ELSEWHERE_API_KEY,
    ELSEWHERE_RESELLER_ID,
)
from billingone.integrations.providers.synergy.testing import GOOD
from billingone.integrations.testing import free_port

PAGE = "/org-a/settings/integrations/synergy/"


def check(organization, credentials) -> None:
    SynergyWholesale(ProviderContext(organization=organization, credentials=credentials)).test_connection()


def test_login_failed_names_both_fields_and_never_the_key(synergy_sim, personas):
    with pytest.raises(CredentialsRejected) as caught:
        check(personas.org_a, {"reseller_id": DEMO_RESELLER_ID, "api_key": "sw-wrong-key-123456"})
    assert caught.value.fields == ("reseller_id", "api_key") and "ERR_LOGIN_FAILED" in caught.value.message
    assert "sw-wrong-key-123456" not in str(caught.value)
    with pytest.raises(CredentialsRejected) as empty:
        SynergyApi("", "").call("balanceQuery")
    assert "ERR_RESELLER_AUTH_FAILED" in empty.value.message


def test_an_unregistered_server_address_is_named_to_register(synergy_sim, personas, settings):
    credentials = {"reseller_id": ELSEWHERE_RESELLER_ID, "api_key": ELSEWHERE_API_KEY}
    with pytest.raises(NotRegistered) as caught:
        check(personas.org_a, credentials)
    error = caught.value
    assert isinstance(error, PermissionMissing) and error.permanent and not error.fields
    assert "not registered with Synergy" in error.message and "add this server's address, 127.0.0.1" in error.message
    httpx.post(
        synergy_sim.url + "/_sim/ips", json={"reseller_id": ELSEWHERE_RESELLER_ID, "addresses": ["127.0.0.1"]}
    ).raise_for_status()
    check(personas.org_a, credentials)  # registered: the same credentials work


def test_the_address_shown_without_one_in_synergys_words(settings):
    api = SynergyApi("1", "k")
    settings.SYNERGY_OUTBOUND_IP = "203.0.113.77"
    assert "add this server's address, 203.0.113.77, then" in api.not_registered("Reseller not authorised").message
    settings.SYNERGY_OUTBOUND_IP = ""
    routed = api.not_registered("").message  # the address the OS routes to Synergy's host from
    assert "not registered with Synergy" in routed and "this server's" in routed
    api.close()


def test_unreachable_is_transient(personas, settings):
    port = free_port()
    settings.SYNERGY_API_URL = f"http://127.0.0.1:{port}"
    settings.INTEGRATION_SIMULATOR_HOSTS = [f"127.0.0.1:{port}"]
    settings.INTEGRATION_HTTP_RETRIES = 0
    with pytest.raises(Unreachable) as caught:
        check(personas.org_a, dict(GOOD))
    assert not caught.value.permanent and "could not be reached" in caught.value.message


def test_soap_faults_are_shown_in_synergys_words(synergy_sim, personas):
    with pytest.raises(SoapFault) as client_fault:
        SynergyApi(DEMO_RESELLER_ID, DEMO_API_KEY).call("listEverything")
    assert isinstance(client_fault.value, UnexpectedAnswer)
    assert "SOAP fault: Operation 'listEverything' is not defined" in client_fault.value.message
    httpx.post(synergy_sim.url + "/_sim/faults", json={"kind": "soap_fault", "times": 10}).raise_for_status()
    with pytest.raises(ProviderServerError) as server_fault:
        check(personas.org_a, dict(GOOD))
    assert "HTTP 500" in server_fault.value.message and "SOAP fault: The service is temporarily unavailable" in (
        server_fault.value.message
    )


def test_err_occured_is_a_transient_server_error(synergy_sim, personas):
    httpx.post(synergy_sim.url + "/_sim/faults", json={"kind": "err_occured"}).raise_for_status()
    with pytest.raises(ProviderServerError) as caught:
        check(personas.org_a, dict(GOOD))
    assert "ERR_OCCURED" in caught.value.message and not caught.value.permanent


def test_web_test_then_save_keeps_the_key_write_only(synergy_sim, personas, client_for):
    client = client_for(personas.alice)
    wrong = client.post(PAGE, {"reseller_id": DEMO_RESELLER_ID, "api_key": "sw-wrong", "action": "save"})
    assert "refused this reseller ID and API key" in wrong.content.decode()
    assert not Connection.objects.filter(organization=personas.org_a, provider="synergy", status="connected").exists()
    ok = client.post(PAGE, {"reseller_id": DEMO_RESELLER_ID, "api_key": DEMO_API_KEY, "action": "test"})
    assert "Connected to Synergy Wholesale" in ok.content.decode() and DEMO_API_KEY not in ok.content.decode()
    saved = client.post(PAGE, {"reseller_id": DEMO_RESELLER_ID, "api_key": DEMO_API_KEY, "action": "save"}, follow=True)
    assert "Synergy Wholesale is connected" in saved.content.decode()
    connection = Connection.objects.get(organization=personas.org_a, provider="synergy")
    assert connection.get_credentials() == {"reseller_id": DEMO_RESELLER_ID, "api_key": DEMO_API_KEY}
    page = client.get(PAGE).content.decode()
    assert DEMO_API_KEY not in page and DEMO_RESELLER_ID in page
    events = AuditEvent.objects.filter(organization=personas.org_a, action__startswith="integration.")
    assert events.exists() and not any(DEMO_API_KEY in str(event.data) for event in events)


def test_web_shows_the_address_to_register(synergy_sim, personas, client_for):
    client = client_for(personas.alice)
    values = {"reseller_id": ELSEWHERE_RESELLER_ID, "api_key": ELSEWHERE_API_KEY, "action": "test"}
    page = client.post(PAGE, values).content.decode()
    assert "not registered with Synergy" in page and "127.0.0.1" in page


def test_api_connect_is_web_only_and_domains_hosting_is_offered(synergy_sim, personas, client_for):
    client = client_for(personas.alice)
    answer = client.post("/api/v1/orgs/org-a/integrations/synergy/connect", dict(GOOD), content_type="application/json")
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "web_only"
    items = client.get("/api/v1/orgs/org-a/integrations").json()["items"]
    synergy = next(item for item in items if item["provider"] == "synergy")
    assert synergy["status"] == "not_connected" and synergy["modes"] == ["domains_hosting"]
    client.post(PAGE, {**GOOD, "action": "save"})
    from billingone.testing.tasks import run_pending_tasks

    run_pending_tasks()  # Save started the first sync
    synergy = client.get("/api/v1/orgs/org-a/integrations/synergy").json()
    assert synergy["status"] == "connected" and "sync:domains_hosting" in synergy["actions"]
    run = client.post("/api/v1/orgs/org-a/integrations/synergy/sync", {"mode": "full"}, content_type="application/json")
    assert run.status_code == 422
    run = client.post(
        "/api/v1/orgs/org-a/integrations/synergy/sync", {"mode": "domains_hosting"}, content_type="application/json"
    )
    assert run.status_code == 202 and run.json()["run"]["mode"] == "domains_hosting"
    run_pending_tasks()
    finished = client.get(f"/api/v1/orgs/org-a/sync-runs/{run.json()['run']['id']}").json()
    assert finished["status"] == "succeeded" and finished["warnings"]["count"] == 2
    assert "Synergy Wholesale" in client.get("/org-a/settings/integrations/").content.decode()
