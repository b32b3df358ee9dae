"""The scheduler's minute: runs whose worker died are failed, cleaned and queued once more,
then the syncs that are due are queued (crontask runs `schedule_syncs` every minute).

A running run's lease is its `heartbeat_at`, renewed by progress writes and by runner.keep_lease;
one older than SYNC_RUN_STALE_SECONDS (shorter than the one-minute tick) belongs to a dead worker.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from crontask import cron
from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from billingone.audit.log import record
from billingone.integrations import flows, registry
from billingone.integrations.models import Connection, SyncRun
from billingone.integrations.runner import enqueue_run, fail, run_sync

logger = logging.getLogger(__name__)
WORKER_LOST = "worker_lost"
LOST_MESSAGE = "The worker running this sync stopped (its heartbeat lapsed). {next}"


def reap_stale_runs() -> int:
    """Fail running runs whose lease lapsed (the worker died), clean their task rows, and queue
    each once more, unless it was itself such a second try."""
    cutoff = timezone.now() - timedelta(seconds=settings.SYNC_RUN_STALE_SECONDS)
    stale = SyncRun.objects.filter(status=SyncRun.Status.RUNNING, heartbeat_at__lt=cutoff)
    count = 0
    for run in stale.select_related("organization", "actor"):
        again = not was_requeued_after_loss(run)
        next_step = "It was queued again automatically." if again else "It will run again at the next schedule."
        if fail(run, LOST_MESSAGE.format(next=next_step), WORKER_LOST, permanent=False) != SyncRun.Status.FAILED:
            continue  # finished or closed meanwhile
        clean_orphaned_tasks(run.pk)
        if again:
            requeue_lost_run(run)
        count += 1
    return count


def was_requeued_after_loss(run: SyncRun) -> bool:
    from billingone.audit.models import AuditEvent

    return AuditEvent.objects.filter(
        organization=run.organization,
        action="integration.sync.request",
        target_id=str(run.pk),
        data__requeued_from__gt=0,
    ).exists()


def requeue_lost_run(lost: SyncRun) -> SyncRun | None:
    """A new run of the same kind, queued now (at most once per lost run: see reap_stale_runs)."""
    with transaction.atomic():
        connection = Connection.objects.select_for_update().filter(pk=lost.connection_id).first()
        if connection is None or not connection.is_connected or connection.runs.filter(status__in=SyncRun.ACTIVE):
            return None
        run = SyncRun.objects.create(
            organization=lost.organization,
            connection=connection,
            provider=lost.provider,
            mode=lost.mode,
            trigger=lost.trigger,
            actor=lost.actor,
        )
        connection.status, connection.last_run = Connection.Status.SYNCING, run
        connection.save(update_fields=["status", "last_run", "updated_at"])
        enqueue_run(run)
        record(
            "integration.sync.request",
            organization=lost.organization,
            target=run,
            target_label=f"{lost.provider} {lost.mode} sync",
            data={
                "provider": lost.provider,
                "mode": lost.mode,
                "trigger": lost.trigger,
                "run": run.pk,
                "requeued_from": lost.pk,
            },
        )
    return run


def clean_orphaned_tasks(run_id: int) -> int:
    """The dead worker's task rows stay "running" forever otherwise: mark them failed."""
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    orphans = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, task_path=run_sync.module_path)
    return orphans.filter(args_kwargs__args__0=run_id).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path="billingone.integrations.runner.WorkerLost",
        traceback="The worker running this task stopped; its sync run was failed and queued again.",
    )


def due_connections(now=None) -> list[Connection]:
    """Connected integrations whose last run started longer ago than their interval."""
    now = now or timezone.now()
    due = []
    # "Needs attention" waits for a person: retrying rejected credentials on a timer helps nobody.
    parked = [Connection.Status.NOT_CONNECTED, Connection.Status.NEEDS_ATTENTION]
    rows = Connection.objects.exclude(credentials_token="").exclude(status__in=parked)
    for connection in rows.select_related("last_run", "organization"):
        provider = registry.PROVIDERS.get(connection.provider)
        if provider is None:
            continue
        minutes = getattr(settings, provider.sync_interval_setting, None) if provider.sync_interval_setting else None
        interval = timedelta(minutes=minutes) if minutes else provider.default_sync_interval
        last = connection.last_run
        if last is None or (not last.is_active and last.queued_at <= now - interval):
            due.append(connection)
    return due


@cron("* * * * *")
@task
def schedule_syncs() -> dict[str, int]:
    """Every minute: fail runs whose worker died, then queue the syncs that are due."""
    reaped = reap_stale_runs()
    queued = 0
    for connection in due_connections():
        try:
            flows.request_sync(connection.organization, connection.provider, trigger=SyncRun.Trigger.SCHEDULE)
            queued += 1
        except (flows.NotConnected, flows.SyncInProgress):
            continue  # changed since we looked: nothing to do this minute
    if reaped or queued:
        logger.info("sync schedule", extra={"reaped": reaped, "queued": queued})
    return {"reaped": reaped, "queued": queued}
