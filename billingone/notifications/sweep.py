"""Recovering deliveries whose task was lost (a worker killed mid-run leaves its task RUNNING and
the delivery pending): re-queue pending deliveries that nothing is about to run."""

from __future__ import annotations

from datetime import timedelta

from crontask import cron
from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from billingone.notifications.delivery import deliver_notification, retry_delays
from billingone.notifications.models import Delivery

TASK_PATH = "billingone.notifications.delivery.deliver_notification"
GRACE = timedelta(minutes=15)
RUNNING_TIMEOUT = timedelta(hours=1)


def _in_flight() -> set[int]:
    """Delivery ids with a task waiting, or running and not presumed dead."""
    now = timezone.now()
    tasks = DBTaskResult.objects.filter(task_path=TASK_PATH).filter(status="READY") | DBTaskResult.objects.filter(
        task_path=TASK_PATH, status="RUNNING", started_at__gte=now - RUNNING_TIMEOUT
    )
    ids = set()
    for args_kwargs in tasks.values_list("args_kwargs", flat=True):
        args = (args_kwargs or {}).get("args") or []
        if args and isinstance(args[0], int):
            ids.add(args[0])
    return ids


def requeue_stuck() -> int:
    longest_wait = timedelta(seconds=max(retry_delays(), default=0)) + GRACE
    stale = Delivery.objects.filter(status=Delivery.Status.PENDING, updated_at__lt=timezone.now() - longest_wait)
    busy = _in_flight()
    requeued = 0
    for delivery_id in stale.values_list("pk", flat=True):
        if delivery_id not in busy:
            deliver_notification.enqueue(delivery_id)
            requeued += 1
    return requeued


@cron("*/15 * * * *")
@task
def requeue_stuck_deliveries() -> int:
    """Every 15 minutes: re-queue pending deliveries whose task was lost."""
    return requeue_stuck()
