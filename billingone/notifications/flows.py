"""Notification flows shared by the web pages and the API: preferences, the org-wide switch,
push devices and the in-app feed. Each checks its input, writes in a transaction and audits."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from billingone.audit.log import diff, record
from billingone.notifications.devices import DeviceInputError, parse_device
from billingone.notifications.events import CHANNELS, EVENTS_BY_KEY
from billingone.notifications.models import (
    Notification,
    NotificationPreference,
    OrganizationNotificationPolicy,
    PushDevice,
    token_digest,
)
from billingone.notifications.preferences import preference_rows
from billingone.orgs.models import Membership

MAX_DEVICES_PER_USER = 20


class PreferenceError(ValueError):
    def __init__(self, fields: dict[str, list[str]]):
        super().__init__("Some preferences are invalid.")
        self.fields = fields


def _check_rows(rows: Iterable[dict]) -> dict[str, dict[str, bool]]:
    wanted: dict[str, dict[str, bool]] = {}
    errors: dict[str, list[str]] = {}
    for index, row in enumerate(rows):
        event = EVENTS_BY_KEY.get(str(row.get("event")))
        if event is None:
            errors[f"events.{index}.event"] = [f"Unknown event {row.get('event')!r}."]
            continue
        values = {channel.value: bool(row.get(channel.value)) for channel in CHANNELS}
        for channel in CHANNELS:
            if event.locked(channel) and not values[channel.value]:
                errors[f"events.{index}.{channel.value}"] = [f"{event.label} are always sent by {channel.value}."]
        wanted[event.key] = values
    if errors:
        raise PreferenceError(errors)
    return wanted


@transaction.atomic
def save_preferences(user, rows: Iterable[dict], *, role: str | None, request: HttpRequest | None = None) -> None:
    """Store the given events' choices; events not mentioned keep theirs."""
    wanted = _check_rows(rows)
    before = {row["event"]: {c.value: row[c.value] for c in CHANNELS} for row in preference_rows(user, role)}
    for key, values in wanted.items():
        NotificationPreference.objects.update_or_create(user=user, event=key, defaults=values)
    after = {**before, **wanted}
    changes = diff(
        {f"{k}.{c}": v for k, row in before.items() for c, v in row.items()},
        {f"{k}.{c}": v for k, row in after.items() for c, v in row.items()},
    )
    if changes:
        record("notifications.preferences_update", request=request, actor=user, target=user, changes=changes)


def policy_for(organization) -> OrganizationNotificationPolicy:
    policy, _ = OrganizationNotificationPolicy.objects.get_or_create(organization=organization)
    return policy


@transaction.atomic
def set_sync_failure_notifications(organization, enabled: bool, *, actor, request: HttpRequest | None = None) -> None:
    policy = OrganizationNotificationPolicy.objects.select_for_update().filter(organization=organization).first()
    policy = policy or policy_for(organization)
    if policy.sync_failures_enabled == enabled:
        return
    changes = diff({"sync_failures_enabled": policy.sync_failures_enabled}, {"sync_failures_enabled": enabled})
    policy.sync_failures_enabled = enabled
    policy.save(update_fields=["sync_failures_enabled", "updated_at"])
    record(
        "notifications.policy_update",
        organization=organization,
        request=request,
        actor=actor,
        target=organization,
        changes=changes,
    )


@transaction.atomic
def register_device(
    user, *, platform: str, token: str, name: str = "", keys: dict | None = None, request: HttpRequest | None = None
) -> PushDevice:
    """Register (or re-register) a device. A token seen before moves to this user: the token
    names one app install, and whoever signed in there last should get its pushes."""
    parsed = parse_device(platform, token, keys)
    digest = token_digest(f"{parsed.platform}:{parsed.token}")
    existing = PushDevice.objects.select_for_update().filter(token_hash=digest).first()
    if existing is None and PushDevice.objects.filter(user=user).count() >= MAX_DEVICES_PER_USER:
        raise DeviceInputError("token", f"At most {MAX_DEVICES_PER_USER} devices; remove one first.")
    device = existing or PushDevice(platform=parsed.platform, token=parsed.token)
    device.user, device.name = user, name.strip()[:100]
    device.p256dh, device.auth = parsed.p256dh, parsed.auth
    device.save()
    record(
        "notifications.device_register",
        request=request,
        actor=user,
        target=device,
        target_label=f"{device.get_platform_display()} {device.name}".strip(),
        data={"platform": device.platform, "reused": existing is not None},
    )
    return device


@transaction.atomic
def remove_device(user, device_id, *, request: HttpRequest | None = None) -> bool:
    device = PushDevice.objects.filter(user=user, pk=_int_or_none(device_id)).first()
    if device is None:
        return False
    label = f"{device.get_platform_display()} {device.name}".strip()
    record(
        "notifications.device_remove",
        request=request,
        actor=user,
        target=device,
        target_label=label,
        data={"platform": device.platform},
    )
    device.delete()
    return True


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def feed(user) -> QuerySet[Notification]:
    """The user's in-app items: personal ones, and those of organizations they still belong to.

    The organizations are a semi-join on the user's own memberships (`IN (SELECT …)`): a join
    through the organization would pair every item with every member of it."""
    member_of = Membership.objects.filter(user_id=user.pk).values("organization_id")
    return Notification.objects.filter(user_id=user.pk).filter(
        Q(organization__isnull=True) | Q(organization_id__in=member_of)
    )


def unread_count(user) -> int:
    """One query, served by the partial index of unread items (models.Notification.Meta)."""
    return feed(user).filter(read_at__isnull=True).count()


def mark_read(user, *, ids: Iterable | None = None, everything: bool = False) -> int:
    unread = feed(user).filter(read_at__isnull=True)
    if not everything:
        unread = unread.filter(pk__in=[i for i in (_int_or_none(v) for v in ids or []) if i is not None])
    # Through pk__in: an UPDATE cannot follow the membership join directly.
    return Notification.objects.filter(pk__in=list(unread.values_list("pk", flat=True))).update(read_at=timezone.now())
