"""Resolving preferences: a saved row wins, otherwise the role default; always-emailed events
are emailed whatever the row says."""

from __future__ import annotations

from billingone.notifications.events import CHANNELS, EVENTS, Channel, NotificationEvent
from billingone.notifications.models import NotificationPreference
from billingone.orgs import roles
from billingone.orgs.models import Membership


def saved_preferences(user) -> dict[str, NotificationPreference]:
    return {pref.event: pref for pref in NotificationPreference.objects.filter(user=user)}


def wants(event: NotificationEvent, channel: Channel, role: str | None, saved: NotificationPreference | None) -> bool:
    if event.locked(channel):
        return True
    if saved is not None:
        return bool(getattr(saved, channel.value))
    return event.default_for(role, channel)


def reference_role(user) -> str | None:
    """The role whose defaults the API shows: the last-used organization's, else the most powerful."""
    memberships = list(Membership.objects.filter(user=user))
    if not memberships:
        return None
    for membership in memberships:
        if membership.organization_id == user.last_organization_id:
            return membership.role
    return max(memberships, key=lambda m: roles.Role(m.role).rank).role


def applicable_events(role: str | None) -> list[NotificationEvent]:
    """Events a member with `role` can receive (personal events apply to everyone)."""
    return [e for e in EVENTS if e.capability is None or (role and roles.has_capability(role, e.capability))]


def preference_rows(user, role: str | None, events: list[NotificationEvent] | None = None) -> list[dict]:
    saved = saved_preferences(user)
    rows = []
    for event in events if events is not None else list(EVENTS):
        row = {"event": event.key, "label": event.label, "description": event.description}
        for channel in CHANNELS:
            row[channel.value] = wants(event, channel, role, saved.get(event.key))
        row["locked"] = [channel.value for channel in CHANNELS if event.locked(channel)]
        row["customized"] = event.key in saved
        rows.append(row)
    return rows
