"""Settings → Billing Integrations over HTTP: who sees what, connect, test, save, sync, disconnect."""

from __future__ import annotations

import pytest

from billingone.audit.models import AuditEvent
from billingone.billing.models import Subscription
from billingone.integrations.models import Connection, SyncRun
from billingone.integrations.testing import PAX8_GOOD, connect_pax8
from billingone.testing.tasks import run_pending_tasks

PAGE = "/org-a/settings/integrations/"
CONFIGURE = "/org-a/settings/integrations/pax8/"
SYNC = "/org-a/settings/integrations/pax8/sync/"


def test_outsider_gets_404_everywhere(personas, client_for):
    client = client_for(personas.charlie)
    for url in (
        PAGE,
        CONFIGURE,
        SYNC,
        "/org-a/settings/integrations/sync-all/",
        "/org-a/settings/integrations/runs/1/",
    ):
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404


@pytest.mark.parametrize("role", ["engineer", "viewer"])
def test_roles_without_connect_get_403_on_configure(personas, client_for, role):
    client = client_for(personas.member(role))
    assert client.get(CONFIGURE).status_code == 403
    assert client.post("/org-a/settings/integrations/pax8/disconnect/", {"data_choice": "keep"}).status_code == 403


def test_viewer_sees_status_but_cannot_sync(pax8_sim, personas, client_for):
    connect_pax8(personas.alice, personas.org_a)
    client = client_for(personas.bob)
    page = client.get(PAGE).content.decode()
    assert "Pax8" in page and "Connected" in page
    assert "Sync now" not in page and "Sync All" not in page and "Configure" not in page
    assert client.post(SYNC).status_code == 403


def test_engineer_may_sync_but_not_configure(pax8_sim, personas, client_for):
    connect_pax8(personas.alice, personas.org_a)
    client = client_for(personas.member("engineer"))
    page = client.get(PAGE).content.decode()
    assert "Sync now" in page and "Sync All" in page and "Configure" not in page
    response = client.post(SYNC)
    assert response.status_code == 302
    assert SyncRun.objects.filter(organization=personas.org_a, trigger="person").count() == 1


def test_wrong_secret_gets_a_field_diagnostic_and_nothing_is_saved(pax8_sim, personas, client_for):
    client = client_for(personas.member("finance"))
    response = client.post(
        CONFIGURE, {"client_id": PAX8_GOOD["client_id"], "client_secret": "nope-nope", "action": "test"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Credentials rejected." in page and "Pax8 rejected this client ID and secret" in page
    assert "nope-nope" not in page
    response = client.post(
        CONFIGURE, {"client_id": PAX8_GOOD["client_id"], "client_secret": "nope-nope", "action": "save"}
    )
    assert "Credentials rejected." in response.content.decode()
    assert not Connection.objects.filter(organization=personas.org_a, credentials_token__gt="").exists()


def test_missing_fields_are_form_errors(pax8_sim, personas, client_for):
    response = client_for(personas.alice).post(CONFIGURE, {"client_id": "", "client_secret": "", "action": "save"})
    assert response.status_code == 200
    assert response.content.decode().count("This field is required.") == 2


def test_save_encrypts_and_never_renders_the_secret_back(pax8_sim, personas, client_for):
    client = client_for(personas.alice)
    response = client.post(CONFIGURE, {**PAX8_GOOD, "action": "save"})
    assert response.status_code == 302
    connection = Connection.objects.get(organization=personas.org_a, provider="pax8")
    assert connection.status == Connection.Status.CONNECTED
    assert PAX8_GOOD["client_secret"] not in connection.credentials_token
    assert connection.get_credentials() == PAX8_GOOD
    page = client.get(CONFIGURE).content.decode()
    assert PAX8_GOOD["client_secret"] not in page and "Saved — leave blank to keep it" in page
    # Saving again with a blank secret keeps the stored one.
    assert (
        client.post(CONFIGURE, {"client_id": PAX8_GOOD["client_id"], "client_secret": "", "action": "save"}).status_code
        == 302
    )
    connection.refresh_from_db()
    assert connection.get_credentials() == PAX8_GOOD
    events = AuditEvent.objects.filter(organization=personas.org_a, action__startswith="integration.")
    assert {"integration.connect", "integration.configure"} <= set(events.values_list("action", flat=True))
    assert all(PAX8_GOOD["client_secret"] not in str(e.data) + str(e.changes) for e in events)


def test_sync_not_connected_shows_a_connect_prompt(personas, client_for):
    response = client_for(personas.alice).post(SYNC, follow=True)
    assert "Pax8 is not connected yet" in response.content.decode()
    assert "Connect it" in response.content.decode()


def test_progress_partial_and_history(pax8_sim, personas, client_for):
    connect_pax8(personas.alice, personas.org_a)
    client = client_for(personas.member("engineer"))
    client.post(SYNC)
    run = SyncRun.objects.get(organization=personas.org_a)
    partial = client.get(f"/org-a/settings/integrations/runs/{run.pk}/").content.decode()
    assert "Queued" in partial and "every 1s" in partial
    run_pending_tasks()
    response = client.get(f"/org-a/settings/integrations/runs/{run.pk}/")
    assert "100%" in response.content.decode() and "every 1s" not in response.content.decode()
    assert response["HX-Trigger"] == "sync-finished"
    assert "Succeeded" in client.get(PAGE).content.decode()
    assert client.get("/org-a/settings/integrations/runs/999999/").status_code == 404
    assert client.get("/org-a/settings/integrations/nope/").status_code in (403, 404)


def test_disconnect_keeps_or_purges_synced_data(pax8_sim, personas, client_for):
    connect_pax8(personas.alice, personas.org_a)
    client = client_for(personas.alice)
    client.post(SYNC)
    run_pending_tasks()
    assert Subscription.objects.filter(source="pax8", organization=personas.org_a).count() == 120
    client.post("/org-a/settings/integrations/pax8/disconnect/", {"data_choice": "keep"})
    connection = Connection.objects.get(organization=personas.org_a)
    assert connection.credentials_token == "" and connection.status == Connection.Status.NOT_CONNECTED
    assert Subscription.objects.filter(source="pax8", organization=personas.org_a).count() == 120
    connect_pax8(personas.alice, personas.org_a)
    client.post("/org-a/settings/integrations/pax8/disconnect/", {"data_choice": "purge"})
    assert Subscription.objects.filter(source="pax8", organization=personas.org_a).count() == 0


def test_sync_all_queues_every_connected_integration(pax8_sim, personas, client_for):
    client = client_for(personas.member("engineer"))
    response = client.post("/org-a/settings/integrations/sync-all/", follow=True)
    assert "Nothing to sync" in response.content.decode()
    connect_pax8(personas.alice, personas.org_a)
    response = client.post("/org-a/settings/integrations/sync-all/", follow=True)
    assert "Sync All started: Pax8" in response.content.decode()
    assert SyncRun.objects.get(organization=personas.org_a).trigger == "sync_all"


@pytest.mark.parametrize(
    ("arrange", "headline", "detail"),
    [
        ("forbidden", "Permission missing.", "lack permission to read companies"),
        ("unreachable", "Pax8 unreachable.", "could not be reached"),
        ("unexpected", "Unexpected answer.", "answered unexpectedly (HTTP 404)"),
    ],
)
def test_each_diagnostic_has_its_own_message(pax8_sim, personas, client_for, settings, arrange, headline, detail):
    from billingone.integrations.testing import free_port

    if arrange == "forbidden":
        pax8_sim.forbidden_clients.add(PAX8_GOOD["client_id"])
    elif arrange == "unreachable":
        port = free_port()
        settings.PAX8_TOKEN_URL = f"http://127.0.0.1:{port}/oauth/token"
        settings.INTEGRATION_SIMULATOR_HOSTS = [f"127.0.0.1:{port}"]
    else:
        settings.PAX8_TOKEN_URL = pax8_sim.base_url + "/not-the-token-endpoint"
    response = client_for(personas.alice).post(CONFIGURE, {**PAX8_GOOD, "action": "test"})
    page = response.content.decode()
    assert headline in page and detail in page
    assert PAX8_GOOD["client_secret"] not in page
