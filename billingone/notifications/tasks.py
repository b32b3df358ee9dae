"""Worker tasks of the notifications app."""

from __future__ import annotations

from django.tasks import task


@task
def deliver_notification(delivery_id: int) -> str:
    """Send one queued delivery (email, in-app item or push to one device)."""
    from billingone.notifications.delivery import run_delivery

    return run_delivery(delivery_id)
