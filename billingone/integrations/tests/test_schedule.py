"""The schedule: connected integrations sync on their interval; dead runs are reaped."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.utils import timezone

from billingone.integrations.models import Connection, SyncRun
from billingone.integrations.tasks import schedule_syncs
from billingone.integrations.testing import connect_pax8
from billingone.testing.tasks import run_pending_tasks


def test_a_new_connection_is_synced_at_the_next_tick_then_on_its_interval(pax8_sim, personas, settings):
    settings.PAX8_SYNC_INTERVAL_MINUTES = 30
    assert schedule_syncs.call() == {"reaped": 0, "queued": 0}
    connect_pax8(personas.alice, personas.org_a)
    assert schedule_syncs.call()["queued"] == 1
    run = SyncRun.objects.get(organization=personas.org_a)
    assert run.trigger == "schedule" and run.actor is None
    run_pending_tasks()
    assert schedule_syncs.call()["queued"] == 0  # synced moments ago
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert schedule_syncs.call()["queued"] == 1
    assert SyncRun.objects.filter(organization=personas.org_a).count() == 2


def test_needs_attention_and_not_connected_are_not_scheduled(pax8_sim, personas):
    connect_pax8(personas.alice, personas.org_a)
    Connection.objects.filter(organization=personas.org_a).update(status=Connection.Status.NEEDS_ATTENTION)
    assert schedule_syncs.call()["queued"] == 0
    Connection.objects.filter(organization=personas.org_a).update(status="connected", credentials_token="")
    assert schedule_syncs.call()["queued"] == 0


def test_the_tick_reaps_runs_whose_worker_died(pax8_sim, personas, settings):
    connect_pax8(personas.alice, personas.org_a)
    schedule_syncs.call()
    run = SyncRun.objects.get(organization=personas.org_a)
    stale = timezone.now() - timedelta(seconds=settings.SYNC_RUN_STALE_SECONDS + 5)
    SyncRun.objects.filter(pk=run.pk).update(status="running", started_at=stale, heartbeat_at=stale)
    assert schedule_syncs.call()["reaped"] == 1
    run.refresh_from_db()
    assert run.status == "failed" and "worker running this sync stopped" in run.error_message
