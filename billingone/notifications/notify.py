"""notify(): the one entry point. It picks recipients by capability and preference, removes
duplicates, and queues one delivery per user × channel (× device for push) on the worker, so
the caller never waits for SMTP or a push service."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from billingone.notifications.delivery import deliver_notification
from billingone.notifications.events import CHANNELS, Channel, NotificationEvent, get_event
from billingone.notifications.models import Delivery, OrganizationNotificationPolicy, PushDevice
from billingone.notifications.preferences import wants
from billingone.notifications.rendering import render_message
from billingone.orgs import roles
from billingone.orgs.models import Membership

logger = logging.getLogger(__name__)


def sync_failures_enabled(organization) -> bool:
    policy = OrganizationNotificationPolicy.objects.filter(organization=organization).first()
    return bool(policy and policy.sync_failures_enabled)


def recipients(event: NotificationEvent, organization, users: Iterable | None) -> list[tuple[Any, str | None]]:
    """(user, role) pairs, each user once. Capability events go to the organization's members
    whose role has it (narrowed to `users` when given); personal events to `users`."""
    wanted_ids = {user.pk for user in users} if users is not None else None
    if event.capability is None:
        if users is None:
            raise ValueError(f"{event.key} is personal: pass users=[...]")
        role_by_user = {}
        if organization is not None:
            role_by_user = dict(
                Membership.objects.filter(organization=organization, user_id__in=wanted_ids).values_list(
                    "user_id", "role"
                )
            )
        unique = {user.pk: user for user in users if user.is_active}
        return [(user, role_by_user.get(user.pk)) for user in unique.values()]
    allowed = [role.value for role in roles.ROLES_BY_POWER if roles.has_capability(role, event.capability)]
    memberships = Membership.objects.filter(organization=organization, role__in=allowed, user__is_active=True)
    if wanted_ids is not None:
        memberships = memberships.filter(user_id__in=wanted_ids)
    found: dict[int, tuple[Any, str]] = {}
    for membership in memberships.select_related("user").order_by("user_id"):
        found.setdefault(membership.user_id, (membership.user, membership.role))
    return list(found.values())


def default_dedupe_key(event: NotificationEvent, organization, context: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(context, sort_keys=True, default=str).encode()).hexdigest()[:32]
    return f"{event.key}:{organization.pk if organization else '-'}:{digest}"


def channels_for(event: NotificationEvent, role: str | None, saved) -> list[Channel]:
    chosen = [channel for channel in CHANNELS if wants(event, channel, role, saved)]
    if event.emailed_by_allauth and Channel.EMAIL in chosen:
        chosen.remove(Channel.EMAIL)  # allauth sends this email itself; never twice
    return chosen


def _targets(user, channel: Channel) -> list[tuple[str, PushDevice | None]]:
    if channel != Channel.PUSH:
        return [("", None)]
    return [(f"device:{device.pk}", device) for device in PushDevice.objects.filter(user=user)]


def _queue(event: NotificationEvent, user, role: str | None, organization, key: str, payload: dict) -> list[Delivery]:
    """Create (or find, when already queued under `key`) this user's deliveries; enqueue new ones."""
    from billingone.notifications.preferences import saved_preferences

    created = []
    saved = saved_preferences(user).get(event.key)
    for channel in channels_for(event, role, saved):
        for target, device in _targets(user, channel):
            delivery, new = Delivery.objects.get_or_create(
                dedupe_key=key,
                user=user,
                channel=channel.value,
                target=target,
                defaults={"organization": organization, "event": event.key, "device": device, "payload": payload},
            )
            if new:
                deliver_notification.enqueue(delivery.pk)
                created.append(delivery)
    return created


def notify(
    event_key: str,
    organization,
    context: dict[str, Any],
    *,
    users: Iterable | None = None,
    dedupe_key: str | None = None,
) -> list[Delivery]:
    """Queue `event` for everyone who should get it; returns the deliveries created now
    (a repeated call with the same dedupe key creates none)."""
    event = get_event(event_key)
    if event.org_switch and not sync_failures_enabled(organization):
        return []
    message = render_message(event, organization, context)
    key = (dedupe_key or default_dedupe_key(event, organization, context))[:200]
    payload = {**message, "context": json.loads(json.dumps(context, default=str))}
    with transaction.atomic():
        created = [
            delivery
            for user, role in recipients(event, organization, users)
            for delivery in _queue(event, user, role, organization, key, payload)
        ]
    logger.info("notification queued", extra={"event": event.key, "deliveries": len(created)})
    return created
