"""record(): the one way every flow writes the audit trail."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.http import HttpRequest

from billingone.audit.chain import append
from billingone.audit.events import is_registered
from billingone.audit.models import AuditEvent
from billingone.lib.net import client_ip


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The fields whose value changed, as {field: {"before": old, "after": new}}."""
    return {
        key: {"before": before.get(key), "after": after.get(key)}
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def record(
    action: str,
    *,
    organization=None,
    request: HttpRequest | None = None,
    actor=None,
    target: models.Model | None = None,
    target_label: str = "",
    changes: dict[str, dict[str, Any]] | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event to its organization's hash chain. Without a user (actor or
    request.user) the actor is the system."""
    if not is_registered(action):
        raise ValueError(f"Unregistered audit action {action!r}; add it to audit/events.py")
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    event = AuditEvent(
        organization=organization,
        actor=actor,
        actor_kind=AuditEvent.ActorKind.USER if actor else AuditEvent.ActorKind.SYSTEM,
        actor_label=getattr(actor, "email", "") if actor else "",
        action=action,
        changes=changes or {},
        data=data or {},
    )
    if target is not None:
        event.target_type = target._meta.label_lower
        event.target_id = str(target.pk)
        event.target_label = (target_label or str(target))[:200]
    else:
        event.target_label = target_label[:200]
    if request is not None:
        event.ip = client_ip(request) or None
        event.user_agent = request.headers.get("User-Agent", "")[:300]
    with transaction.atomic():
        append(event)
    return event
