"""Demo wiring (called by ops/demo.py): sync-failure notifications on for the demo
organization, and, when APNs points at the local simulator, a registered "iPhone" for the
owner, so a failed sync shows email, in-app and push end to end."""

from __future__ import annotations

from django.conf import settings

from billingone.notifications.models import OrganizationNotificationPolicy, PushDevice, token_digest

DEMO_APNS_TOKEN = "d3" * 32


def seed_demo_notifications(organization, owner) -> None:
    OrganizationNotificationPolicy.objects.update_or_create(
        organization=organization, defaults={"sync_failures_enabled": True}
    )
    if settings.APNS_HOST in ("127.0.0.1", "localhost"):
        PushDevice.objects.get_or_create(
            token_hash=token_digest(f"apns:{DEMO_APNS_TOKEN}"),
            defaults={"user": owner, "platform": "apns", "token": DEMO_APNS_TOKEN, "name": "Demo iPhone (simulator)"},
        )
