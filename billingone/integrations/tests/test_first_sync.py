"""Saving credentials or finishing OAuth always starts a first sync, reconnects after a purge included."""

from __future__ import annotations

from billingone.billing.models import Subscription
from billingone.integrations.models import Connection, SyncRun
from billingone.integrations.providers.xero.tests.test_xero_connect import consent, start, xero_connection
from billingone.integrations.testing import PAX8_GOOD
from billingone.testing.tasks import run_pending_tasks

CONFIGURE = "/org-a/settings/integrations/pax8/"


def test_saving_pax8_credentials_queues_the_first_sync(pax8_sim, personas, client_for):
    client = client_for(personas.alice)
    assert client.post(CONFIGURE, {**PAX8_GOOD, "action": "save"}).status_code in (200, 302)
    run = SyncRun.objects.get(organization=personas.org_a, provider="pax8")
    assert run.status == SyncRun.Status.QUEUED
    run_pending_tasks()
    assert (
        Subscription.objects.filter(organization=personas.org_a, source="pax8", removed_at__isnull=True).count() == 120
    )


def test_reconnecting_pax8_after_disconnect_and_delete_syncs_again(pax8_sim, personas, client_for):
    client = client_for(personas.alice)
    client.post(CONFIGURE, {**PAX8_GOOD, "action": "save"})
    run_pending_tasks()
    client.post("/org-a/settings/integrations/pax8/disconnect/", {"data_choice": "purge"})
    assert Subscription.objects.filter(organization=personas.org_a, source="pax8", removed_at__isnull=True).count() == 0
    client.post(CONFIGURE, {**PAX8_GOOD, "action": "save"})
    assert SyncRun.objects.filter(organization=personas.org_a, status=SyncRun.Status.QUEUED).count() == 1
    run_pending_tasks()
    assert (
        Subscription.objects.filter(organization=personas.org_a, source="pax8", removed_at__isnull=True).count() == 120
    )


def test_reconnecting_xero_after_disconnect_and_delete_syncs_again(xero_sim, personas, client_for):
    client = client_for(personas.alice)
    client.get(consent(xero_sim, start(client), [xero_sim.tenant_ids[0]]))
    run_pending_tasks()
    assert client.post("/org-a/settings/integrations/xero/disconnect/", {"data_choice": "purge"}).status_code == 302
    assert not xero_connection(personas.org_a).is_connected
    client.get(consent(xero_sim, start(client), [xero_sim.tenant_ids[0]]))
    connection = xero_connection(personas.org_a)
    assert connection.status in (Connection.Status.CONNECTED, Connection.Status.SYNCING)
    assert SyncRun.objects.filter(connection=connection, status=SyncRun.Status.QUEUED).count() == 1
