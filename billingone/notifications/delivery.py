"""Running one delivery on the worker: send it over its channel, then mark it sent, retry it
later (transient failure) or give up (permanent failure). Each delivery is retried alone, so a
failing channel never re-sends what the other channels already delivered."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from billingone.notifications.channels import email, inapp, push
from billingone.notifications.channels.errors import DeviceGone, PermanentDeliveryError
from billingone.notifications.models import Delivery

logger = logging.getLogger(__name__)

SENDERS = {"email": email.send, "in_app": inapp.send, "push": push.send}


def retry_delays() -> list[int]:
    return list(getattr(settings, "NOTIFICATION_RETRY_DELAYS", [30, 120, 600]))


def _claim(delivery_id: int) -> Delivery | None:
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("user", "organization", "device")
            .filter(pk=delivery_id, status=Delivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return None
        delivery.attempts += 1
        delivery.save(update_fields=["attempts", "updated_at"])
        return delivery


def _finish(delivery: Delivery, status: str, error: str = "") -> None:
    delivery.status = status
    delivery.last_error = error[:300]
    delivery.sent_at = timezone.now() if status == Delivery.Status.SENT else None
    delivery.save(update_fields=["status", "last_error", "sent_at", "updated_at"])


def _safe_error(exc: Exception) -> str:
    # Our channel errors carry safe texts; anything else is named by class only (it could
    # quote a server reply or a credential).
    if isinstance(exc, PermanentDeliveryError | push.TransientPushError):
        return str(exc)
    return type(exc).__name__


def run_delivery(delivery_id: int) -> str:
    delivery = _claim(delivery_id)
    if delivery is None:
        return "skipped"
    try:
        SENDERS[delivery.channel](delivery)
    except DeviceGone as exc:
        _finish(delivery, Delivery.Status.DROPPED, str(exc))
        return "dropped"
    except PermanentDeliveryError as exc:
        logger.warning("notification delivery failed", extra={"delivery": delivery.pk, "error": str(exc)})
        _finish(delivery, Delivery.Status.FAILED, str(exc))
        return "failed"
    except Exception as exc:  # transient: SMTP down, push service 5xx, timeouts
        return _retry_or_fail(delivery, _safe_error(exc))
    _finish(delivery, Delivery.Status.SENT)
    return "sent"


def _retry_or_fail(delivery: Delivery, error: str) -> str:
    delays = retry_delays()
    if delivery.attempts > len(delays):
        logger.warning("notification delivery gave up", extra={"delivery": delivery.pk, "error": error})
        _finish(delivery, Delivery.Status.FAILED, error)
        return "failed"
    delivery.last_error = error[:300]
    delivery.save(update_fields=["last_error", "updated_at"])
    run_after = timezone.now() + timedelta(seconds=delays[delivery.attempts - 1])
    deliver_notification.using(run_after=run_after).enqueue(delivery.pk)
    logger.info("notification delivery will retry", extra={"delivery": delivery.pk, "attempt": delivery.attempts})
    return "retry"


@task
def deliver_notification(delivery_id: int) -> str:
    """Send one queued delivery (email, in-app item or push to one device)."""
    return run_delivery(delivery_id)
