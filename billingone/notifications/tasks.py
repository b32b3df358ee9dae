"""Worker tasks of the notifications app."""

from __future__ import annotations

from crontask import cron
from django.tasks import task


@task
def deliver_notification(delivery_id: int) -> str:
    """Send one queued delivery (email, in-app item or push to one device)."""
    from billingone.notifications.delivery import run_delivery

    return run_delivery(delivery_id)


@cron("*/15 * * * *")
@task
def requeue_stuck_deliveries() -> int:
    """Every 15 minutes: re-queue pending deliveries whose task was lost."""
    from billingone.notifications.sweep import requeue_stuck

    return requeue_stuck()
