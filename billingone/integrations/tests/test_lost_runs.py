"""A run whose worker died: noticed within a minute (a lease under the one-minute tick), failed
clearly, queued once more automatically, and its task rows no longer say "running"."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from billingone.integrations import flows, runner, schedule
from billingone.integrations.models import Connection, SyncRun
from billingone.integrations.tasks import schedule_syncs
from billingone.integrations.testing import connect_pax8, membership_of
from billingone.testing.tasks import run_pending_tasks


def test_the_lease_is_shorter_than_the_schedulers_tick():
    assert settings.SYNC_RUN_STALE_SECONDS < 60  # the tick runs every minute
    assert settings.SYNC_RUN_LEASE_RENEW_SECONDS * 2 < settings.SYNC_RUN_STALE_SECONDS


def start_and_lose_a_run(personas, seconds_ago: int) -> SyncRun:
    """A run claimed by a worker (its task row running) whose worker then died."""
    membership = membership_of(personas.alice, personas.org_a)
    run = flows.request_sync(personas.org_a, "pax8", trigger=SyncRun.Trigger.PERSON, membership=membership)
    last_beat = timezone.now() - timedelta(seconds=seconds_ago)
    SyncRun.objects.filter(pk=run.pk).update(status="running", started_at=last_beat, heartbeat_at=last_beat)
    DBTaskResult.objects.filter(args_kwargs__args__0=run.pk).update(status=TaskResultStatus.RUNNING)
    return run


def test_a_lost_run_is_failed_cleaned_and_queued_once_more(pax8_sim, personas):
    connect_pax8(personas.alice, personas.org_a)
    lost = start_and_lose_a_run(personas, settings.SYNC_RUN_STALE_SECONDS + 1)
    assert schedule_syncs.call()["reaped"] == 1
    lost.refresh_from_db()
    assert lost.status == "failed" and lost.error_code == "worker_lost"
    assert (
        lost.error_message
        == "The worker running this sync stopped (its heartbeat lapsed). It was queued again automatically."
    )
    tasks = DBTaskResult.objects.filter(args_kwargs__args__0=lost.pk)
    assert list(tasks.values_list("status", flat=True)) == [TaskResultStatus.FAILED]
    again = SyncRun.objects.get(organization=personas.org_a, status="queued")
    assert (again.mode, again.trigger, again.actor) == (lost.mode, lost.trigger, personas.alice)
    run_pending_tasks()
    again.refresh_from_db()
    assert again.status == "succeeded"
    assert Connection.objects.get(organization=personas.org_a).status == Connection.Status.CONNECTED


def test_a_run_still_beating_is_left_alone(pax8_sim, personas):
    connect_pax8(personas.alice, personas.org_a)
    alive = start_and_lose_a_run(personas, settings.SYNC_RUN_STALE_SECONDS - 10)
    assert schedule_syncs.call()["reaped"] == 0
    alive.refresh_from_db()
    assert alive.status == "running"


def test_the_second_try_is_not_queued_a_third_time(pax8_sim, personas):
    connect_pax8(personas.alice, personas.org_a)
    start_and_lose_a_run(personas, settings.SYNC_RUN_STALE_SECONDS + 1)
    schedule_syncs.call()
    second = SyncRun.objects.get(organization=personas.org_a, status="queued")
    stale = timezone.now() - timedelta(seconds=settings.SYNC_RUN_STALE_SECONDS + 1)
    SyncRun.objects.filter(pk=second.pk).update(status="running", started_at=stale, heartbeat_at=stale)
    assert schedule.reap_stale_runs() == 1
    second.refresh_from_db()
    assert second.status == "failed" and "next schedule" in second.error_message
    assert not SyncRun.objects.filter(organization=personas.org_a, status__in=SyncRun.ACTIVE).exists()


@pytest.mark.django_db(transaction=True)
def test_the_lease_is_renewed_while_the_provider_is_busy(pax8_sim, personas):
    connect_pax8(personas.alice, personas.org_a)
    run = start_and_lose_a_run(personas, 25)
    before = SyncRun.objects.get(pk=run.pk).heartbeat_at
    with runner.keep_lease(run.pk, every=0.05):
        time.sleep(0.4)  # a long provider call: no progress is written meanwhile
    assert SyncRun.objects.get(pk=run.pk).heartbeat_at > before + timedelta(seconds=20)
