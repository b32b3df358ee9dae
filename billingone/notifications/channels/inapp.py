"""In-app channel: the feed item, created once per delivery."""

from __future__ import annotations

from billingone.notifications.models import Delivery, Notification


def send(delivery: Delivery) -> Notification:
    payload = delivery.payload
    item, _ = Notification.objects.get_or_create(
        delivery=delivery,
        defaults={
            "user": delivery.user,
            "organization": delivery.organization,
            "event": delivery.event,
            "title": payload.get("title", "")[:200],
            "body": payload.get("body", ""),
            "url": payload.get("url", "")[:500],
            "created_at": delivery.created_at,
        },
    )
    return item
