"""The header's unread count (computed only when a template asks for it)."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject


def notifications(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from billingone.notifications.flows import unread_count

    return {"notifications_unread": SimpleLazyObject(lambda: unread_count(user))}
