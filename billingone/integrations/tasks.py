"""Background work of the integration engine (django.tasks on the django-tasks-db worker)."""

from __future__ import annotations

import logging
from datetime import datetime

from crontask import cron
from django.tasks import task

from billingone.integrations import runner
from billingone.integrations.models import SyncRun

logger = logging.getLogger(__name__)


@task
def run_sync(run_id: int) -> str:
    """Execute one queued sync run (retries re-enqueue this task with a later run_after)."""
    return runner.execute_run(run_id)


def enqueue_run(run: SyncRun, run_after: datetime | None = None) -> None:
    target = run_sync.using(run_after=run_after) if run_after else run_sync
    target.enqueue(run.pk)


@cron("* * * * *")
@task
def schedule_syncs() -> dict[str, int]:
    """Every minute: fail runs whose worker died, then queue the syncs that are due."""
    from billingone.integrations.flows import NotConnected, SyncInProgress, request_sync

    reaped = runner.reap_stale_runs()
    queued = 0
    for connection in runner.due_connections():
        try:
            request_sync(connection.organization, connection.provider, trigger=SyncRun.Trigger.SCHEDULE)
            queued += 1
        except (NotConnected, SyncInProgress):
            continue  # changed since we looked: nothing to do this minute
    if reaped or queued:
        logger.info("sync schedule", extra={"reaped": reaped, "queued": queued})
    return {"reaped": reaped, "queued": queued}
